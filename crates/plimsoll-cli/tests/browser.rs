//! The HTML report in a real browser: Debian's `chromium`, driven by `playwright-core` (the node
//! scripts in `tests/browser/` at the repository root), on a real scan: the shared Debian image
//! scanned by this binary with a database built from `../shared/advisories`.
//!
//! - `html_report_is_self_contained_and_interactive`: `--format html` for the Debian image,
//!   opened from disk with every request aborted and counted (one request fails the test), its
//!   layer chart and tables checked against the JSON report of the same scan.
//!
//! The fleet web page is walked in the same browser against the real server by
//! `server_browser.rs`.
//!
//! Screenshots go to `<target dir>/test-artifacts/`. Needs node, `tests/browser/node_modules`
//! (`npm ci`) and chromium, which `scripts/test.sh` installs; without them the tests skip
//! (fail in CI).

#![allow(clippy::print_stderr)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::{json, Value};

mod common;
use common::{artifacts, browser_missing, chart_counts, layer_counts, root};

const SEVERITIES: [&str; 5] = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"];

fn plimsoll(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("PLIMSOLL_DB")
        .output()
        .expect("run plimsoll")
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

/// The scanned shared Debian image: its JSON report and its HTML report.
struct Scan {
    report: Value,
    html: PathBuf,
}

struct Fixture {
    _dir: tempfile::TempDir,
    scans: Vec<Scan>,
}

/// The database and the scan. `None` when `../shared` is absent.
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
            let targets = [("debian-app:1", format!("oci-archive:{}:1", images.join("debian-app.oci.tar").display()))];
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
                Scan { report, html }
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
