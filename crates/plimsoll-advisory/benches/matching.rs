//! Benchmark: build a database from the shared corpus, then match 1,000 packages against it.
//!
//! `cargo bench -p plimsoll-advisory --bench matching` (skips when `../shared` is absent).
//! The package set is drawn from the database itself (every name has advisories), so every
//! package costs a lookup, a decode and an evaluation: 300 AlmaLinux 9 RPMs and 700 language
//! packages (PyPI, Go, crates.io, RubyGems, Packagist), at versions taken from the advisories'
//! own fixed events, half of them one step older so that they are affected.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;
use std::time::{Duration, Instant};

use plimsoll_advisory::{match_packages, Database, Range};
use plimsoll_model::{OsFamily, OsRelease, Package, PackageKind};

/// This thread's CPU time (user + system) from /proc, in seconds: wall-clock times on a loaded
/// machine include waiting for a CPU, CPU time does not. `None` off Linux.
fn thread_cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/advisories");
    if !shared.is_dir() {
        eprintln!("SKIP: {} is absent", shared.display());
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // PLIMSOLL_BENCH_DB reuses a database built earlier (to profile matching alone).
    let reuse = std::env::var_os("PLIMSOLL_BENCH_DB").map(std::path::PathBuf::from);
    let out = reuse.clone().unwrap_or_else(|| dir.path().join("advisories.db"));
    if reuse.is_none() || !out.is_file() {
        let stats = Database::build(&[shared], &out).expect("build");
        let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
        println!(
            "build: {} advisories, {} affected entries, {} sources, {} file errors, {:.2} s, {:.1} MiB",
            stats.advisories,
            stats.affected,
            stats.sources.len(),
            stats.errors.len(),
            stats.elapsed.as_secs_f64(),
            size as f64 / (1 << 20) as f64
        );
    }

    let t = Instant::now();
    let db = Database::open(&out).expect("open");
    println!("open: {:?}", t.elapsed());

    let conn = rusqlite::Connection::open(&out).expect("sqlite");
    let pick = |eco: &str, kind: PackageKind, n: usize| -> Vec<Package> {
        let mut stmt = conn
            .prepare("SELECT DISTINCT name, entry FROM affected WHERE ecosystem = ?1 GROUP BY name ORDER BY name")
            .expect("prepare");
        let rows: Vec<(String, String)> =
            stmt.query_map([eco], |r| Ok((r.get(0)?, r.get(1)?))).expect("query").map(|r| r.expect("row")).collect();
        let step = (rows.len() / n).max(1);
        rows.iter()
            .step_by(step)
            .take(n)
            .enumerate()
            .map(|(i, (name, entry))| {
                let entry: plimsoll_advisory::Affected = serde_json::from_str(entry).expect("entry");
                let fixed = entry
                    .ranges
                    .iter()
                    .flat_map(|r: &Range| r.events.iter())
                    .map(|e| e.version().to_owned())
                    .next_back();
                let version = match (fixed, i % 2) {
                    (Some(f), 0) if f != "0" => f,
                    _ => "0.0.1".to_owned(),
                };
                let mut p = Package::new(kind, entry.name.clone(), version, "bench");
                if kind == PackageKind::Rpm {
                    p.source_name = Some(name.clone());
                }
                p
            })
            .collect()
    };
    let mut rpms = pick("AlmaLinux:9", PackageKind::Rpm, 300);
    let mut lang = Vec::new();
    for (eco, kind, n) in [
        ("PyPI", PackageKind::Python, 300),
        ("Go", PackageKind::Go, 150),
        ("crates.io", PackageKind::Cargo, 100),
        ("RubyGems", PackageKind::Gem, 75),
        ("Packagist", PackageKind::Composer, 75),
    ] {
        lang.extend(pick(eco, kind, n));
    }
    rpms.append(&mut lang);
    let pkgs = rpms;
    // A realistic inventory: one package in ten has advisories (the others are names the
    // database does not know, as most packages in an image are).
    let realistic: Vec<Package> = pkgs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut c = p.clone();
            if i % 10 != 0 {
                c.name = format!("{}-unlisted-{i}", p.name);
                c.source_name = c.source_name.map(|s| format!("{s}-unlisted-{i}"));
            }
            c
        })
        .collect();
    let alma = OsRelease {
        family: OsFamily::Almalinux,
        id: "almalinux".into(),
        version_id: Some("9.3".into()),
        codename: None,
        pretty_name: None,
        source_path: "etc/os-release".into(),
    };

    let first = Instant::now();
    let findings = match_packages(&db, Some(&alma), &pkgs).expect("match");
    let first = first.elapsed();
    // PLIMSOLL_BENCH_ITERS raises the iteration count (e.g. to profile matching alone).
    let iters: usize = std::env::var("PLIMSOLL_BENCH_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    let mut times: Vec<Duration> = (0..iters)
        .map(|_| {
            let t = Instant::now();
            let v = match_packages(&db, Some(&alma), &pkgs).expect("match");
            assert_eq!(v.len(), findings.len());
            t.elapsed()
        })
        .collect();
    times.sort();
    let cpu0 = thread_cpu();
    for _ in 0..iters {
        std::hint::black_box(match_packages(&db, Some(&alma), &pkgs).expect("match"));
    }
    if let (Some(a), Some(b)) = (cpu0, thread_cpu()) {
        println!("match {} packages: {:.2} ms CPU per run ({iters} runs)", pkgs.len(), (b - a) * 1000.0 / iters as f64);
    }
    println!(
        "match {} packages -> {} findings: first {:?}, median {:?}, min {:?}, max {:?}",
        pkgs.len(),
        findings.len(),
        first,
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );

    // The same names at versions above every fix: lookups and evaluation only, no findings.
    let clean: Vec<Package> = pkgs
        .iter()
        .map(|p| {
            let mut c = p.clone();
            c.version = if p.kind == PackageKind::Rpm { "99:99-99".into() } else { "99999.0.0".into() };
            c
        })
        .collect();
    let mut times: Vec<Duration> = (0..30)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(match_packages(&db, Some(&alma), &clean).expect("match"));
            t.elapsed()
        })
        .collect();
    times.sort();
    let cpu0 = thread_cpu();
    for _ in 0..iters {
        std::hint::black_box(match_packages(&db, Some(&alma), &clean).expect("match"));
    }
    if let (Some(a), Some(b)) = (cpu0, thread_cpu()) {
        println!("match {} clean packages: {:.2} ms CPU per run", clean.len(), (b - a) * 1000.0 / iters as f64);
    }
    println!("match {} packages above every fix (no findings): median {:?}", clean.len(), times[times.len() / 2]);

    let cpu0 = thread_cpu();
    let mut nf = 0;
    for _ in 0..iters {
        nf = match_packages(&db, Some(&alma), &realistic).expect("match").len();
    }
    if let (Some(a), Some(b)) = (cpu0, thread_cpu()) {
        println!(
            "match {} packages, one in ten with advisories -> {nf} findings: {:.2} ms CPU per run",
            realistic.len(),
            (b - a) * 1000.0 / iters as f64
        );
    }

    let t = Instant::now();
    let n = 2000;
    for i in 0..n {
        let p = &pkgs[i % pkgs.len()];
        let eco = match p.kind {
            PackageKind::Rpm => "AlmaLinux:9",
            PackageKind::Python => "PyPI",
            PackageKind::Go => "Go",
            PackageKind::Cargo => "crates.io",
            PackageKind::Gem => "RubyGems",
            _ => "Packagist",
        };
        std::hint::black_box(db.lookup(eco, &p.name).expect("lookup"));
    }
    println!("db.lookup (full advisories): {:?} per call", t.elapsed() / n as u32);
    let t = Instant::now();
    for i in 0..n {
        std::hint::black_box(db.lookup("PyPI", &format!("no-such-package-{i}")).expect("lookup"));
    }
    println!("db.lookup of an unknown name (one index probe): {:?} per call", t.elapsed() / n as u32);
}
