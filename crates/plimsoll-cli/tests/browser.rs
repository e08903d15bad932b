//! The HTML report and the fleet web page in a real browser: Debian's `chromium`, driven by
//! `playwright-core` (the node scripts in `tests/browser/` at the repository root).
//!
//! Both work on real scans: the shared images (`../shared/images`) scanned by this binary with a
//! database built from `../shared/advisories`.
//!
//! - `html_report_is_self_contained_and_interactive`: `--format html` for the Debian image,
//!   opened from disk with every request aborted and counted (one request fails the test), its
//!   layer chart and tables checked against the JSON report of the same scan.
//! - `web_page_walkthrough`: `crates/plimsoll-server/web/` served by a loopback stand-in of the
//!   fleet API (the contract's shapes, answered from the scans' JSON reports), walked through by
//!   `tests/browser/web_page.mjs`: sign-in, overview, an image and its layer chart, a CVE search
//!   landing on its affected images. The server's own test drives the same script against the
//!   real server.
//!
//! Screenshots go to `<target dir>/test-artifacts/`. Needs node, `tests/browser/node_modules`
//! (`npm ci`) and chromium, which `scripts/test.sh` installs; without them the tests skip
//! (fail in CI).

#![allow(clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::{json, Value};

const SEVERITIES: [&str; 5] = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"];

fn root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::canonicalize(&root).unwrap_or(root)
}

fn plimsoll(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("PLIMSOLL_DB")
        .output()
        .expect("run plimsoll")
}

/// `<target dir>/test-artifacts/NAME/`: test binaries run from `<target dir>/<profile>/deps/`.
fn artifacts(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.ancestors().nth(3).unwrap().join("test-artifacts").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Why the browser cannot run here, if it cannot.
fn browser_missing() -> Option<String> {
    let chromium = std::env::var("PLIMSOLL_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!("{chromium} is absent (apt-get install chromium)"));
    }
    if Command::new("node").arg("--version").output().map(|o| !o.status.success()).unwrap_or(true) {
        return Some("node is absent (apt-get install nodejs)".into());
    }
    if !root().join("tests/browser/node_modules/playwright-core").is_dir() {
        return Some("tests/browser/node_modules is absent (npm ci in tests/browser)".into());
    }
    None
}

/// Runs `tests/browser/SCRIPT args` and parses the one JSON object it prints.
fn node(script: &str, args: &[&str]) -> Value {
    let out = Command::new("node")
        .arg(root().join("tests/browser").join(script))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{script} failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{script} printed no JSON ({e}): {stdout}"))
}

/// One scanned shared image: the name the fleet knows it by, its JSON report, its HTML report.
struct Scan {
    reference: String,
    report: Value,
    html: PathBuf,
}

struct Fixture {
    _dir: tempfile::TempDir,
    scans: Vec<Scan>,
}

/// The database and the scans, once for both tests. `None` when `../shared` is absent.
fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            let shared = root().join("../shared");
            let shared = std::fs::canonicalize(&shared).unwrap_or(shared);
            if !shared.join("images").is_dir() || !shared.join("advisories").is_dir() {
                return None;
            }
            let dir = tempfile::tempdir().unwrap();
            let db = dir.path().join("advisories.db");
            let mut args: Vec<String> = vec!["db".into(), "build".into()];
            for s in ["pypi-osv", "go-vulndb", "rustsec-osv", "debian-dsa-dla", "alpine-secdb-legacy"] {
                args.extend(["--from".into(), shared.join("advisories").join(s).display().to_string()]);
            }
            // npm (lodash) is not in the shared corpus; the repository's demo set has it.
            args.extend(["--from".into(), root().join("demo/advisories").display().to_string()]);
            args.extend(["--output".into(), db.display().to_string()]);
            let out = plimsoll(&args.iter().map(String::as_str).collect::<Vec<_>>());
            assert!(out.status.success(), "db build: {}", String::from_utf8_lossy(&out.stderr));
            let images = shared.join("images");
            let targets = [
                ("debian-app:1", format!("oci-archive:{}:1", images.join("debian-app.oci.tar").display())),
                ("c-alpine-3.14:latest", format!("oci:{}:latest", images.join("c-alpine-3.14/oci").display())),
                (
                    "e-distroless-cc-debian12:latest",
                    format!("oci:{}:latest", images.join("e-distroless-cc-debian12/oci").display()),
                ),
            ];
            let cache = dir.path().join("cache");
            // One thread per image (the scans are independent), each with its own cache.
            let scan = |reference: &str, image: &str| {
                let stem = reference.split(':').next().unwrap();
                let cache = cache.join(stem);
                let json_path = dir.path().join(format!("{stem}.json"));
                let html = dir.path().join(format!("{stem}.html"));
                // The second scan reads the layers from the first one's cache.
                for (format, path) in [("json", &json_path), ("html", &html)] {
                    let out = plimsoll(&[
                        "image",
                        "-q",
                        "--cache-dir",
                        cache.to_str().unwrap(),
                        "--db",
                        db.to_str().unwrap(),
                        "-f",
                        format,
                        "-o",
                        path.to_str().unwrap(),
                        image,
                    ]);
                    assert_eq!(out.status.code(), Some(0), "{image}: {}", String::from_utf8_lossy(&out.stderr));
                }
                let report = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
                Scan { reference: reference.to_owned(), report, html }
            };
            let scans = std::thread::scope(|t| {
                let running: Vec<_> = targets.iter().map(|(r, i)| t.spawn(|| scan(r, i))).collect();
                running.into_iter().map(|h| h.join().unwrap()).collect()
            });
            Some(Fixture { _dir: dir, scans })
        })
        .as_ref()
}

fn prerequisites() -> Option<&'static Fixture> {
    if let Some(reason) = browser_missing() {
        plimsoll_test_support::require(&reason);
        return None;
    }
    let f = fixture();
    if f.is_none() {
        plimsoll_test_support::require("../shared (images and advisories) is absent");
    }
    f
}

fn rank(severity: &str) -> usize {
    SEVERITIES.len() - SEVERITIES.iter().position(|s| *s == severity).unwrap_or(SEVERITIES.len() - 1) - 1
}

/// Per layer index: (packages, findings) as the JSON report says.
fn layer_counts(report: &Value) -> BTreeMap<u64, (u64, u64)> {
    let mut m: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    for l in report["layers"].as_array().unwrap() {
        m.entry(l["index"].as_u64().unwrap()).or_default();
    }
    for p in report["packages"].as_array().unwrap() {
        if let Some(i) = p["layer"]["index"].as_u64() {
            m.entry(i).or_default().0 += 1;
        }
    }
    for kind in ["vulnerabilities", "secrets", "misconfigurations"] {
        for f in report[kind].as_array().map(Vec::as_slice).unwrap_or_default() {
            if let Some(i) = f["layer"]["index"].as_u64() {
                m.entry(i).or_default().1 += 1;
            }
        }
    }
    m
}

fn chart_counts(rows: &Value) -> BTreeMap<u64, (u64, u64)> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| (r["layer"].as_u64().unwrap(), (r["packages"].as_u64().unwrap(), r["findings"].as_u64().unwrap())))
        .collect()
}

#[test]
fn html_report_is_self_contained_and_interactive() {
    let Some(fixture) = prerequisites() else { return };
    let scan = &fixture.scans[0];
    let report = &scan.report;
    let shot = artifacts("html-report").join("debian-app.png");
    let seen = node("html_report.mjs", &[scan.html.to_str().unwrap(), shot.to_str().unwrap()]);

    assert_eq!(seen["blocked"], json!([]), "the report made requests: it is not self-contained");
    assert_eq!(seen["errors"], json!([]), "console errors (a CSP refusal is one)");
    // The layer chart: one row per layer of the image, with its packages and findings.
    let layers = report["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 3, "the Debian image has three layers");
    assert_eq!(chart_counts(&seen["layers"]), layer_counts(report));
    assert_eq!(seen["layers"][0]["label"], "ADD rootfs-base.tar /");
    assert_eq!(seen["layers"][1]["label"], "COPY app/ /");
    assert!(seen["layers"][2]["label"].as_str().unwrap().starts_with("RUN rm -f /app/config/aws_credentials"));
    // The COPY layer brought the application packages and their vulnerabilities.
    assert!(seen["layers"][1]["findings"].as_u64().unwrap() > 0 && seen["layers"][1]["bars"].as_u64().unwrap() > 0);

    // Summary cards and tables against the JSON report.
    let vulns = report["vulnerabilities"].as_array().unwrap();
    assert!(!vulns.is_empty());
    for s in SEVERITIES {
        let n = vulns.iter().filter(|v| v["severity"] == s).count();
        assert_eq!(seen["summary"][s], json!(n), "{s}");
    }
    assert_eq!(seen["summary"]["packages"], json!(report["packages"].as_array().unwrap().len()));
    assert_eq!(seen["summary"]["secrets"], json!(report["secrets"].as_array().unwrap().len()));
    assert_eq!(seen["vulnerabilities"], json!(vulns.len()));
    let warnings: Vec<&str> = seen["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert!(warnings.iter().any(|w| w.starts_with("Vulnerability database: ")), "{warnings:?}");

    // Sorting by package, both ways.
    let names = |v: &Value| -> Vec<String> {
        v.as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_lowercase()).collect::<Vec<_>>()
    };
    let asc = names(&seen["sortedAsc"]);
    let mut sorted = asc.clone();
    sorted.sort();
    assert_eq!(asc, sorted);
    let mut desc = names(&seen["sortedDesc"]);
    desc.reverse();
    assert_eq!(desc, sorted);
    assert_eq!(seen["ariaSort"], "ascending");
    assert!(sorted.first() != sorted.last(), "more than one package to sort");

    // Filters: HIGH and above, then fixable as well.
    let high = vulns.iter().filter(|v| rank(v["severity"].as_str().unwrap()) >= 3).count();
    let high_fixable =
        vulns.iter().filter(|v| rank(v["severity"].as_str().unwrap()) >= 3 && !v["fixed_version"].is_null()).count();
    assert_eq!(seen["highAndAbove"].as_array().unwrap().len(), high);
    assert_eq!(seen["highAndAboveFixable"].as_array().unwrap().len(), high_fixable);
    assert!(high_fixable < vulns.len(), "the filters hid something");
    assert_eq!(seen["shownText"], format!("{high_fixable} of {} shown", vulns.len()));
    assert!(shot.is_file());
}

/// The fleet API, answered from the scans' JSON reports in the contract's shapes
/// (`docs`: the server's `openapi.yaml`; /work/prompts/api-contract.md at the time of writing).
struct Api {
    token: String,
    web: PathBuf,
    images: Vec<(String, String, Value)>,
}

impl Api {
    fn digest(report: &Value) -> String {
        report["artifact"]["manifest_digest"].as_str().or(report["artifact"]["image_id"].as_str()).unwrap().to_owned()
    }

    fn summary(&self, digest: &str, reference: &str, report: &Value) -> Value {
        let vulns = report["vulnerabilities"].as_array().unwrap();
        let counts: serde_json::Map<String, Value> = SEVERITIES
            .iter()
            .map(|s| ((*s).to_owned(), json!(vulns.iter().filter(|v| v["severity"] == *s).count())))
            .collect();
        let worst = vulns.iter().map(|v| v["severity"].as_str().unwrap()).max_by_key(|s| rank(s)).unwrap_or("NONE");
        let os = &report["os"];
        json!({
            "digest": digest,
            "references": [reference],
            "os": os["id"].as_str().map(|id| format!("{id} {}", os["version_id"].as_str().unwrap_or(""))),
            "last_scanned": report["created_at"],
            "counts": counts,
            "fixable": vulns.iter().filter(|v| !v["fixed_version"].is_null()).count(),
            "worst_severity": worst,
            "workloads": self.workloads(reference),
        })
    }

    /// What the admission webhook would have reported: the Debian image runs in one deployment.
    fn workloads(&self, reference: &str) -> Value {
        if reference.starts_with("debian-app") {
            json!([{"cluster": "prod", "namespace": "shop", "kind": "Deployment", "name": "checkout"}])
        } else {
            json!([])
        }
    }

    fn respond(&self, path: &str, query: &BTreeMap<String, String>) -> (u16, &'static str, Vec<u8>) {
        let json_body = |v: Value| (200, "application/json", serde_json::to_vec(&v).unwrap());
        let summaries: Vec<Value> = self.images.iter().map(|(d, r, rep)| self.summary(d, r, rep)).collect();
        match path {
            "/api/v1/overview" => {
                let mut by: BTreeMap<&str, usize> = SEVERITIES.iter().map(|s| (*s, 0)).collect();
                by.insert("NONE", 0);
                for s in &summaries {
                    *by.get_mut(s["worst_severity"].as_str().unwrap()).unwrap() += 1;
                }
                let mut new_findings: Vec<Value> = Vec::new();
                for (digest, reference, report) in &self.images {
                    for v in report["vulnerabilities"].as_array().unwrap() {
                        new_findings.push(json!({
                            "digest": digest, "reference": reference, "id": v["id"], "severity": v["severity"],
                            "package": v["package_name"], "version": v["package_version"],
                            "fixed_version": v["fixed_version"], "first_seen": report["created_at"],
                        }));
                    }
                }
                new_findings.sort_by_key(|f| std::cmp::Reverse(rank(f["severity"].as_str().unwrap())));
                new_findings.truncate(100);
                let db = &self.images[0].2["vulnerability_scan"]["database"];
                json_body(json!({
                    "images": self.images.len(),
                    "by_worst_severity": by,
                    "advisory_db": {"built": db["built_at"], "advisories": db["advisories"], "loaded_at": db["built_at"]},
                    "new_findings": new_findings,
                    "stale_images": [],
                }))
            }
            "/api/v1/images" => {
                let list: Vec<Value> = summaries
                    .into_iter()
                    .filter(|s| query.get("severity").is_none_or(|q| s["worst_severity"] == q.as_str()))
                    .filter(|s| query.get("fixable").is_none_or(|_| s["fixable"].as_u64() > Some(0)))
                    .filter(|s| {
                        query.get("q").is_none_or(|q| s["references"][0].as_str().unwrap().contains(q.as_str()))
                    })
                    .collect();
                json_body(json!({"total": list.len(), "images": list}))
            }
            "/api/v1/search" => {
                let q = query.get("q").map(|q| q.to_lowercase()).unwrap_or_default();
                let mut vulns = BTreeMap::new();
                let mut pkgs = BTreeMap::new();
                let mut imgs = Vec::new();
                for (digest, reference, report) in &self.images {
                    if reference.contains(&q) {
                        imgs.push(json!({"digest": digest, "references": [reference]}));
                    }
                    for v in report["vulnerabilities"].as_array().unwrap() {
                        let ids = std::iter::once(&v["id"]).chain(v["aliases"].as_array().into_iter().flatten());
                        if ids.filter_map(Value::as_str).any(|i| i.to_lowercase() == q) {
                            vulns.insert(v["id"].as_str().unwrap().to_owned(), v["severity"].clone());
                        }
                    }
                    for p in report["packages"].as_array().unwrap() {
                        if p["name"].as_str().unwrap().to_lowercase().contains(&q) {
                            pkgs.insert(p["purl"].as_str().unwrap().to_owned(), p["name"].clone());
                        }
                    }
                }
                json_body(json!({
                    "images": imgs,
                    "vulnerabilities": vulns.into_iter().map(|(id, s)| json!({"id": id, "severity": s})).collect::<Vec<_>>(),
                    "packages": pkgs.into_iter().map(|(purl, n)| json!({"name": n, "purl": purl})).collect::<Vec<_>>(),
                }))
            }
            _ => {
                if let Some(digest) = path.strip_prefix("/api/v1/images/") {
                    let digest = decode(digest);
                    return match self.images.iter().find(|(d, _, _)| *d == digest) {
                        Some((_, _, report)) => json_body(report.clone()),
                        None => (404, "application/json", b"{\"error\":\"no such image\"}".to_vec()),
                    };
                }
                if let Some(id) = path.strip_prefix("/api/v1/vulnerabilities/").and_then(|p| p.strip_suffix("/images"))
                {
                    return match self.affected(&decode(id)) {
                        Some(v) => json_body(v),
                        None => (404, "application/json", b"{\"error\":\"no such advisory\"}".to_vec()),
                    };
                }
                (404, "application/json", b"{\"error\":\"not found\"}".to_vec())
            }
        }
    }

    /// `GET /api/v1/vulnerabilities/{id}/images`: every image with a finding of that id or alias.
    fn affected(&self, id: &str) -> Option<Value> {
        let mut head: Option<&Value> = None;
        let mut images = Vec::new();
        for (digest, reference, report) in &self.images {
            for v in report["vulnerabilities"].as_array().unwrap() {
                let ids = std::iter::once(&v["id"]).chain(v["aliases"].as_array().into_iter().flatten());
                if !ids.filter_map(Value::as_str).any(|i| i.eq_ignore_ascii_case(id)) {
                    continue;
                }
                head.get_or_insert(v);
                images.push(json!({
                    "digest": digest, "references": [reference],
                    "package": {"name": v["package_name"], "version": v["package_version"], "purl": v["purl"]},
                    "fixed_version": v["fixed_version"], "severity": v["severity"], "first_seen": report["created_at"],
                    "workloads": self.workloads(reference),
                }));
            }
        }
        let v = head?;
        Some(
            json!({"id": v["id"], "aliases": v["aliases"], "summary": v["title"], "severity": v["severity"], "images": images}),
        )
    }

    fn handle(&self, mut stream: TcpStream) {
        // Loopback only, but a stuck client must not hang the test.
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 * 1024 {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let head = String::from_utf8_lossy(&buf).into_owned();
        let mut lines = head.lines();
        let target = lines.next().and_then(|l| l.split(' ').nth(1)).unwrap_or("/").to_owned();
        let auth = lines.find_map(|l| {
            l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("authorization")).map(|(_, v)| v.trim().to_owned())
        });
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let query: BTreeMap<String, String> =
            query.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (decode(k), decode(v))).collect();
        let (status, ctype, body) = match path {
            "/" | "/index.html" => {
                (200, "text/html; charset=utf-8", std::fs::read(self.web.join("index.html")).unwrap())
            }
            "/assets/app.js" => (200, "text/javascript", std::fs::read(self.web.join("app.js")).unwrap()),
            "/assets/app.css" => (200, "text/css", std::fs::read(self.web.join("app.css")).unwrap()),
            p if p.starts_with("/api/") => {
                if auth.as_deref() != Some(&format!("Bearer {}", self.token)) {
                    (401, "application/json", b"{\"error\":\"unauthorized\"}".to_vec())
                } else {
                    self.respond(p, &query)
                }
            }
            _ => (404, "text/plain", b"not found".to_vec()),
        };
        let reason = match status {
            200 => "OK",
            401 => "Unauthorized",
            _ => "Not Found",
        };
        let _ = write!(
            stream,
            "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(&body);
    }
}

/// Percent-decoding of a URL component (`+` is a space in a query).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn web_page_walkthrough() {
    let Some(fixture) = prerequisites() else { return };
    let images: Vec<(String, String, Value)> =
        fixture.scans.iter().map(|s| (Api::digest(&s.report), s.reference.clone(), s.report.clone())).collect();
    // The CVE to search: the one that affects the most images (then the first by id), an alias
    // or an id of a real finding.
    let mut by_cve: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (digest, _, report) in &images {
        for v in report["vulnerabilities"].as_array().unwrap() {
            for id in std::iter::once(&v["id"]).chain(v["aliases"].as_array().into_iter().flatten()) {
                if let Some(id) = id.as_str().filter(|i| i.starts_with("CVE-")) {
                    by_cve.entry(id.to_owned()).or_default().insert(digest.clone());
                }
            }
        }
    }
    let (cve, affected) = by_cve.iter().max_by_key(|(id, d)| (d.len(), std::cmp::Reverse(*id))).expect("a CVE finding");
    // A fleet also holds hostile images: the Alpine report with markup in its reference, a
    // package name and a Dockerfile step. The page must show it as text.
    let mut hostile = images.iter().find(|(_, r, _)| r.starts_with("c-alpine")).unwrap().2.clone();
    let hostile_digest = format!("sha256:{}", "e".repeat(64));
    hostile["artifact"]["manifest_digest"] = json!(hostile_digest);
    hostile["packages"][0]["name"] = json!("<img src=/pwned onerror=alert(1)>");
    hostile["layers"][0]["created_by"] = json!("RUN <script>alert(2)</script> \u{202e}evil");
    let mut images = images;
    images.push((hostile_digest.clone(), "evil\"><img src=/x onerror=alert(3)>:1".to_owned(), hostile));
    let api = Arc::new(Api {
        token: "read-token-for-the-browser-test".into(),
        web: root().join("crates/plimsoll-server/web"),
        images,
    });
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = Arc::clone(&api);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let api = Arc::clone(&server);
            std::thread::spawn(move || api.handle(stream));
        }
    });
    let dir = artifacts("web-page");
    let seen = node("web_page.mjs", &[&base, &api.token, cve, dir.to_str().unwrap(), &hostile_digest]);
    assert!(seen["failure"].is_null(), "{}", seen["failure"]);
    assert_eq!(seen["blocked"], json!([]), "the page asked for something outside its server");
    assert_eq!(
        seen["errors"].as_array().unwrap().iter().filter(|e| !e.as_str().unwrap().contains("401")).count(),
        0,
        "{}",
        seen["errors"]
    );
    assert!(seen["wrongTokenMessage"].as_str().unwrap().contains("refused"), "{}", seen["wrongTokenMessage"]);

    // Overview: every image counted once, under its worst severity.
    let cards = &seen["overview"]["cards"];
    let total: u64 = cards.as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(total, api.images.len() as u64);
    let with_findings =
        api.images.iter().filter(|(_, _, r)| !r["vulnerabilities"].as_array().unwrap().is_empty()).count();
    assert_eq!(total - cards["NONE"].as_u64().unwrap(), with_findings as u64);
    assert!(seen["overview"]["newFindings"].as_u64().unwrap() > 0);

    // Images sorted by worst severity, most severe first; the first one followed to its page.
    let worst: Vec<usize> =
        seen["imagesByWorst"].as_array().unwrap().iter().map(|s| rank(s.as_str().unwrap())).collect();
    assert!(worst.windows(2).all(|w| w[0] >= w[1]), "{worst:?}");
    let followed = seen["followedImage"].as_str().unwrap();
    let (_, _, report) = api.images.iter().find(|(d, _, _)| d == followed).unwrap();
    assert_eq!(seen["image"]["hash"], format!("#/image/{}", followed.replace(':', "%3A")));
    assert_eq!(chart_counts(&seen["image"]["layers"]), layer_counts(report), "the page's layer chart");
    assert_eq!(seen["image"]["vulnerabilities"], json!(report["vulnerabilities"].as_array().unwrap().len()));
    if let Some(f) = seen["image"]["fixable"].as_array() {
        let expected =
            report["vulnerabilities"].as_array().unwrap().iter().filter(|v| !v["fixed_version"].is_null()).count();
        assert_eq!(f.len(), expected);
        assert!(f.iter().all(|x| x == "1"));
    }

    // The CVE search lands on its affected images, and the link can be shared.
    let hash = seen["vuln"]["hash"].as_str().unwrap();
    assert!(hash.starts_with("#/vuln/"), "{hash}");
    let shown: BTreeSet<String> =
        seen["vuln"]["images"].as_array().unwrap().iter().map(|d| d.as_str().unwrap().to_owned()).collect();
    assert_eq!(&shown, affected, "{cve}");
    assert!(seen["sharedLinkRows"].as_u64().unwrap() >= affected.len() as u64);
    // The hostile image: its markup shown as text, nothing of it run or loaded.
    let h = &seen["hostile"];
    for view in ["list", "image"] {
        assert_eq!(h[view], json!({"imgs": 0, "scripts": 1, "handlers": 0}), "{view}");
    }
    assert_eq!(h["dialogs"], 0);
    assert!(h["packages"].as_array().unwrap().iter().any(|p| p == "<img src=/pwned onerror=alert(1)>"), "{h}");
    assert_eq!(h["labels"][0], "RUN <script>alert(2)</script> \u{fffd}evil", "{h}");
    for name in ["overview", "images", "image", "vulnerability", "hostile"] {
        assert!(dir.join(format!("{name}.png")).is_file(), "{name}.png");
    }
}
