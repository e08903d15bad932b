//! `db update` end to end: zips built at test time, served from a `file://` mirror and from a
//! loopback HTTP server (also one that throttles, fails and breaks off), then looked up in the
//! rebuilt database.
#![allow(clippy::print_stderr)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use plimsoll_advisory::update::{update, UpdateError, UpdateOptions};
use plimsoll_advisory::Database;

/// How many times `db update` sends a request at most.
const ATTEMPTS: u32 = plimsoll_net::RetryPolicy::DEFAULT.attempts;

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if p.join("advisories").is_dir() {
        Some(p)
    } else {
        plimsoll_test_support::require(&format!("{} is absent", p.display()));
        None
    }
}

fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(name.as_str(), opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn osv(id: &str, ecosystem: &str, name: &str, fixed: &str) -> (String, Vec<u8>) {
    let json = serde_json::json!({
        "schema_version": "1.6.0",
        "id": id,
        "modified": "2024-05-01T00:00:00Z",
        "published": "2024-04-01T00:00:00Z",
        "aliases": [format!("CVE-2024-{}", id.len())],
        "summary": format!("test advisory for {name}"),
        "affected": [{
            "package": {"ecosystem": ecosystem, "name": name},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
        }]
    });
    (format!("{id}.json"), serde_json::to_vec_pretty(&json).unwrap())
}

/// The archives every test serves: two written here, so nothing needs `../shared`.
fn own_archives() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("PyPI", zip_of(&[osv("PLIM-1", "PyPI", "Jinja2", "2.7.2"), osv("PLIM-2", "PyPI", "requests", "2.31.0")])),
        ("Rocky Linux", zip_of(&[osv("RLSA-2024:1", "Rocky Linux:9", "openssl", "1:3.0.7-25.el9")])),
    ]
}

fn ids(db: &Database, ecosystem: &str, name: &str) -> Vec<String> {
    let mut v: Vec<String> = db.lookup(ecosystem, name).unwrap().into_iter().map(|a| a.id).collect();
    v.sort();
    v
}

fn write_mirror(dir: &Path, archives: &[(&str, Vec<u8>)]) {
    for (eco, bytes) in archives {
        std::fs::create_dir_all(dir.join(eco)).unwrap();
        std::fs::write(dir.join(eco).join("all.zip"), bytes).unwrap();
    }
}

/// What the loopback server answers to one request.
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    /// Bytes announced in `Content-Length` but never sent (the connection closes first).
    cut: usize,
}

impl Reply {
    fn new(status: u16, body: Vec<u8>) -> Reply {
        Reply { status, headers: Vec::new(), body, cut: 0 }
    }
}

/// A loopback HTTP/1.1 server answering each GET with `reply(path, n)`, `n` counting the earlier
/// requests for the same path. Returns the base URL and the paths requested.
fn serve_with(reply: impl Fn(&str, usize) -> Reply + Send + 'static) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            // Drain the headers.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("").to_owned();
            let n = {
                let mut log = log.lock().unwrap();
                log.push(path.clone());
                log.iter().filter(|p| **p == path).count() - 1
            };
            let r = reply(&path, n);
            let mut head = format!(
                "HTTP/1.1 {} X\r\nContent-Type: application/zip\r\nContent-Length: {}\r\nConnection: close\r\n",
                r.status,
                r.body.len() + r.cut
            );
            for (k, v) in &r.headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(&r.body));
        }
    });
    (base, seen)
}

/// [`serve_with`] answering from `routes` (path -> (status, body)), 404 for anything else.
fn serve(routes: HashMap<String, (u16, Vec<u8>)>) -> (String, Arc<Mutex<Vec<String>>>) {
    serve_with(move |path, _| {
        let (status, body) = routes.get(path).cloned().unwrap_or((404, b"not found".to_vec()));
        Reply::new(status, body)
    })
}

fn routes(archives: &[(&str, Vec<u8>)]) -> HashMap<String, (u16, Vec<u8>)> {
    archives.iter().map(|(eco, b)| (format!("/{}/all.zip", eco.replace(' ', "%20")), (200, b.clone()))).collect()
}

fn opts(base: &str, ecosystems: &[&str]) -> UpdateOptions {
    UpdateOptions {
        base_url: base.to_owned(),
        ecosystems: ecosystems.iter().map(|&e| e.to_owned()).collect(),
        insecure: true,
        ..Default::default()
    }
}

#[test]
fn updates_from_a_file_mirror_and_skips_missing_ecosystems() {
    let tmp = tempfile::tempdir().unwrap();
    let mirror = tmp.path().join("osv mirror");
    write_mirror(&mirror, &own_archives());
    let out = tmp.path().join("db/advisories.db");
    // Percent-encoded space in the base URL path.
    let base = format!("file://{}", mirror.display()).replace(' ', "%20");
    let mut o = opts(&base, &["PyPI", "Rocky Linux", "Hex"]);
    o.insecure = false;
    let stats = update(&o, &out).unwrap();
    assert_eq!(stats.missing, ["Hex"]);
    assert_eq!(stats.warnings.len(), 1);
    assert!(stats.warnings[0].contains("Hex"), "{:?}", stats.warnings);
    assert_eq!(stats.fetched.len(), 2);
    assert_eq!(stats.build.advisories, 3);
    assert!(stats.build.errors.is_empty(), "{:?}", stats.build.errors);

    let db = Database::open(&out).unwrap();
    assert_eq!(ids(&db, "PyPI", "jinja2"), ["PLIM-1"]);
    assert_eq!(ids(&db, "PyPI", "Requests"), ["PLIM-2"]);
    assert_eq!(ids(&db, "Rocky Linux:9", "openssl"), ["RLSA-2024:1"]);
    let info = db.info().unwrap();
    let names: Vec<&str> = info.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["PyPI", "Rocky Linux"]);
    let warn = plimsoll_advisory::staleness_warning(
        &info,
        std::time::Duration::from_secs(86_400),
        std::time::SystemTime::now() + std::time::Duration::from_secs(3 * 86_400),
    );
    assert!(warn.is_some_and(|w| w.contains("built 3 days ago")));
    // Nothing is left behind next to the database.
    let left: Vec<_> = std::fs::read_dir(tmp.path().join("db")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, [std::ffi::OsString::from("advisories.db")]);
}

#[test]
fn updates_over_http_with_encoded_ecosystems() {
    let mut archives = own_archives();
    let mut go_files = 0;
    let mut pypi_yaml = 0;
    if let Some(shared) = shared() {
        // Real records: Go's JSON as osv.dev exports it, and PyPI's YAML (the loader reads both).
        let mut go: Vec<PathBuf> = std::fs::read_dir(shared.join("advisories/go-vulndb/osv"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        go.sort();
        go.truncate(40);
        go_files = go.len();
        let entries: Vec<_> = go
            .iter()
            .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(p).unwrap()))
            .collect();
        archives.push(("Go", zip_of(&entries)));
        let jinja = shared.join("advisories/pypi-osv/vulns/jinja2");
        let mut entries = vec![osv("PLIM-1", "PyPI", "Jinja2", "2.7.2")];
        for e in std::fs::read_dir(&jinja).unwrap() {
            let p = e.unwrap().path();
            entries.push((format!("jinja2/{}", p.file_name().unwrap().to_string_lossy()), std::fs::read(&p).unwrap()));
            pypi_yaml += 1;
        }
        archives[0].1 = zip_of(&entries);
    }
    let (base, seen) = serve(routes(&archives));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("advisories.db");
    let stats = update(&opts(&base, &["PyPI", "Rocky Linux", "Go", "crates.io"]), &out).unwrap();
    assert!(stats.build.errors.is_empty(), "{:?}", stats.build.errors);
    let requested = seen.lock().unwrap().clone();
    assert!(requested.contains(&"/Rocky%20Linux/all.zip".to_owned()), "{requested:?}");
    assert!(requested.contains(&"/crates.io/all.zip".to_owned()), "{requested:?}");
    assert!(stats.missing.contains(&"crates.io".to_owned()));

    let db = Database::open(&out).unwrap();
    assert_eq!(ids(&db, "Rocky Linux:9", "openssl"), ["RLSA-2024:1"]);
    if go_files > 0 {
        assert!(stats.missing.is_empty() || stats.missing == ["crates.io"]);
        let go = stats.build.sources.iter().find(|s| s.name == "Go").unwrap();
        assert_eq!(go.advisories, go_files);
        assert_eq!(ids(&db, "Go", "github.com/gin-gonic/gin"), ["GO-2020-0001"]);
        let jinja = ids(&db, "PyPI", "Jinja2");
        assert_eq!(jinja.len(), pypi_yaml + 1, "{jinja:?}");
        assert!(jinja.contains(&"PYSEC-2014-8".to_owned()), "{jinja:?}");
    } else {
        assert!(stats.missing.contains(&"Go".to_owned()));
        assert_eq!(ids(&db, "PyPI", "Jinja2"), ["PLIM-1"]);
    }
}

#[test]
fn zip_bombs_are_rejected_naming_the_ecosystem() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("advisories.db");
    std::fs::write(&out, b"previous database").unwrap();

    // One entry that inflates far beyond the per-entry bound (8 MiB of zeros, ~8 KiB packed).
    let bomb = zip_of(&[osv("PLIM-1", "PyPI", "x", "1"), ("big.json".into(), vec![0; 8 << 20])]);
    // Many tiny entries.
    let many: Vec<_> = (0..300).map(|i| osv(&format!("PLIM-{i}"), "npm", "x", "1")).collect();
    let many = zip_of(&many);
    let mut archives = own_archives();
    archives.push(("Hex", bomb.clone()));
    archives.push(("npm", many));
    let (base, _) = serve(routes(&archives));

    let mut o = opts(&base, &["PyPI", "Hex"]);
    o.max_entry_bytes = 1 << 20;
    let err = update(&o, &out).unwrap_err();
    assert!(matches!(&err, UpdateError::Archive { ecosystem, .. } if ecosystem == "Hex"), "{err}");
    assert!(err.to_string().contains("Hex") && err.to_string().contains("big.json"), "{err}");

    let mut o = opts(&base, &["npm"]);
    o.max_zip_entries = 100;
    let err = update(&o, &out).unwrap_err();
    assert!(matches!(&err, UpdateError::Archive { ecosystem, .. } if ecosystem == "npm"), "{err}");
    assert!(err.to_string().contains("300 entries"), "{err}");

    // An archive larger than the download bound, from the mirror and over HTTP.
    let mut o = opts(&base, &["Hex"]);
    o.max_zip_bytes = bomb.len() as u64 - 1;
    assert!(matches!(update(&o, &out), Err(UpdateError::TooLarge { ecosystem, .. }) if ecosystem == "Hex"));
    let mirror = tmp.path().join("mirror");
    write_mirror(&mirror, &archives);
    o.base_url = format!("file://{}", mirror.display());
    assert!(matches!(update(&o, &out), Err(UpdateError::TooLarge { ecosystem, .. }) if ecosystem == "Hex"));

    // Not a zip at all.
    let mut routes = routes(&archives);
    routes.insert("/Go/all.zip".into(), (200, b"<html>captive portal</html>".to_vec()));
    let (base, _) = serve(routes);
    let err = update(&opts(&base, &["Go"]), &out).unwrap_err();
    assert!(matches!(&err, UpdateError::Archive { ecosystem, .. } if ecosystem == "Go"), "{err}");

    // Every failure left the previous database in place.
    assert_eq!(std::fs::read(&out).unwrap(), b"previous database");
}

#[test]
fn network_and_server_errors_fail_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("advisories.db");
    // A port nothing listens on: bind, note the port, close.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = update(&opts(&format!("http://127.0.0.1:{port}"), &["PyPI"]), &out).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, UpdateError::Network { .. }), "{msg}");
    assert!(msg.contains(&format!("http://127.0.0.1:{port}/PyPI/all.zip")), "{msg}");
    assert!(msg.contains("--base-url file:///path/to/mirror"), "{msg}");
    // Refused connections were retried.
    assert!(msg.contains(&format!("(after {ATTEMPTS} attempts)")), "{msg}");

    let mut r = HashMap::new();
    r.insert("/PyPI/all.zip".to_owned(), (503, b"busy".to_vec()));
    let (base, _) = serve(r);
    let err = update(&opts(&base, &["PyPI"]), &out).unwrap_err();
    assert!(matches!(err, UpdateError::Http { status: 503, .. }), "{err}");

    // Every ecosystem missing is an error, not an empty database.
    let (base, _) = serve(HashMap::new());
    assert!(matches!(update(&opts(&base, &["PyPI", "Go"]), &out), Err(UpdateError::NothingFound(_))));
    assert!(!out.exists());

    // Plain HTTP needs `insecure`.
    let mut o = opts(&base, &["PyPI"]);
    o.insecure = false;
    assert!(matches!(update(&o, &out), Err(UpdateError::BaseUrl(_))));

    // A CA file that is not there fails before anything is fetched, naming the file.
    let ca = tmp.path().join("corp-ca.pem");
    let o = UpdateOptions { ca_files: vec![ca.clone()], ..opts("https://127.0.0.1:1", &["PyPI"]) };
    let o = UpdateOptions { insecure: false, ..o };
    let err = update(&o, &out).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, UpdateError::Tls(_)), "{msg}");
    assert!(msg.contains(&ca.display().to_string()) && msg.contains("--ca-file"), "{msg}");
}

#[test]
fn throttled_failing_and_broken_downloads_are_retried() {
    let archives = own_archives();
    let pypi = archives[0].1.clone();
    let rocky = archives[1].1.clone();
    let (base, seen) = serve_with(move |path, n| match (path, n) {
        // 503, then 429 asking to come back at once, then the archive.
        ("/PyPI/all.zip", 0) => Reply::new(503, b"busy".to_vec()),
        ("/PyPI/all.zip", 1) => {
            Reply { headers: vec![("Retry-After", "0".into())], ..Reply::new(429, b"slow down".to_vec()) }
        }
        ("/PyPI/all.zip", _) => Reply::new(200, pypi.clone()),
        // The first body breaks off after half the archive.
        ("/Rocky%20Linux/all.zip", 0) => {
            let half = rocky.len() / 2;
            Reply { cut: rocky.len() - half, ..Reply::new(200, rocky[..half].to_vec()) }
        }
        ("/Rocky%20Linux/all.zip", _) => Reply::new(200, rocky.clone()),
        _ => Reply::new(404, b"not found".to_vec()),
    });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("advisories.db");
    let stats = update(&opts(&base, &["PyPI", "Rocky Linux", "Hex"]), &out).unwrap();
    assert_eq!(stats.missing, ["Hex"]);
    let sizes: Vec<u64> = stats.fetched.iter().map(|f| f.bytes).collect();
    assert_eq!(sizes, [archives[0].1.len() as u64, archives[1].1.len() as u64]);
    let requested = seen.lock().unwrap().clone();
    let count = |p: &str| requested.iter().filter(|r| *r == p).count();
    assert_eq!(count("/PyPI/all.zip"), 3, "{requested:?}");
    assert_eq!(count("/Rocky%20Linux/all.zip"), 2, "{requested:?}");
    // A 404 is an answer, not a failure: asked once.
    assert_eq!(count("/Hex/all.zip"), 1, "{requested:?}");
    let db = Database::open(&out).unwrap();
    assert_eq!(ids(&db, "PyPI", "jinja2"), ["PLIM-1"]);
    assert_eq!(ids(&db, "Rocky Linux:9", "openssl"), ["RLSA-2024:1"]);
}

#[test]
fn a_permanent_500_fails_after_bounded_attempts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("advisories.db");
    std::fs::write(&out, b"previous database").unwrap();
    let (base, seen) = serve_with(|_, _| Reply::new(500, b"internal error".to_vec()));
    let err = update(&opts(&base, &["PyPI", "Go"]), &out).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(&err, UpdateError::Http { status: 500, attempts, .. } if *attempts == ATTEMPTS), "{msg}");
    assert!(
        msg.contains("PyPI") && msg.contains("HTTP 500") && msg.contains(&format!("after {ATTEMPTS} attempts")),
        "{msg}"
    );
    // The first ecosystem's failure ends the update: Go is never asked for.
    assert_eq!(*seen.lock().unwrap(), vec!["/PyPI/all.zip".to_owned(); ATTEMPTS as usize]);
    assert_eq!(std::fs::read(&out).unwrap(), b"previous database");
}

#[test]
fn db_build_reads_zip_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = tmp.path().join("crates.io.zip");
    std::fs::write(
        &zip,
        zip_of(&[osv("RUSTSEC-2024-0001", "crates.io", "smallvec", "1.6.1"), ("README.md".into(), b"# hi".to_vec())]),
    )
    .unwrap();
    let out = tmp.path().join("advisories.db");
    let stats = Database::build(&[zip], &out).unwrap();
    assert_eq!((stats.advisories, stats.skipped), (1, 1));
    assert_eq!(stats.sources[0].name, "crates.io");
    let db = Database::open(&out).unwrap();
    assert_eq!(ids(&db, "crates.io", "smallvec"), ["RUSTSEC-2024-0001"]);
}
