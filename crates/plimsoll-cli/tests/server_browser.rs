//! The fleet web page against the real `plimsoll server`, in a real browser (Debian's
//! `chromium` driven by `playwright-core`, `tests/browser/web_page.mjs`).
//!
//! The server runs on SQLite in a temp dir with a database built from `../shared/advisories`;
//! the shared images are uploaded by `plimsoll image REF --server`, plus one hostile report
//! (markup in its name, a package and a Dockerfile step) posted to the API. The page is walked
//! with a `read` token: sign-in (a wrong token first), the overview, an image and its layer
//! chart, a CVE search landing on its affected images, a shared link, the hostile image, and
//! the overview's worst-severity link. Every figure the page shows is checked against the API's
//! own answers and the uploaded reports. Screenshots go to `<target dir>/test-artifacts/web-page/`.
//!
//! Needs node, `tests/browser/node_modules` (`npm ci`) and chromium, which `scripts/test.sh`
//! installs; without them the test skips (fails in CI).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

mod common;
use common::{artifacts, browser_missing, chart_counts, layer_counts, root, start_server_with, Server, BIN};

/// The real server with no config file, and its admin token.
fn start_server(data: &Path, db: &Path) -> (Server, String) {
    start_server_with(data, db, None, &[])
}

/// (status, JSON body) of an API request; `body` makes it a POST.
fn call(url: &str, token: &str, body: Option<&Value>) -> (u16, Value) {
    common::call(url, Some(token), if body.is_some() { "POST" } else { "GET" }, body)
}

const SEVERITIES: [&str; 6] = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN", "NONE"];

fn plimsoll(args: &[&str], token: Option<&str>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env("NO_COLOR", "1").env_remove("PLIMSOLL_DB").env_remove("PLIMSOLL_SERVER_TOKEN");
    if let Some(t) = token {
        cmd.env("PLIMSOLL_SERVER_TOKEN", t);
    }
    cmd.output().expect("run plimsoll")
}

fn rank(severity: &str) -> usize {
    SEVERITIES.len() - SEVERITIES.iter().position(|s| *s == severity).unwrap_or(SEVERITIES.len() - 1)
}

#[test]
fn web_page_against_the_real_server() {
    if let Some(reason) = browser_missing() {
        plimsoll_test_support::require(&reason);
        return;
    }
    let shared = root().join("../shared");
    let shared = std::fs::canonicalize(&shared).unwrap_or(shared);
    if !shared.join("images").is_dir() || !shared.join("advisories").is_dir() {
        plimsoll_test_support::require("../shared (images and advisories) is absent");
        return;
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
    let out = plimsoll(&args.iter().map(String::as_str).collect::<Vec<_>>(), None);
    assert!(out.status.success(), "db build: {}", String::from_utf8_lossy(&out.stderr));

    let (server, admin) = start_server(&dir.path().join("data"), &db);
    let api = |p: &str| format!("{}/api/v1/{p}", server.url);

    // Upload the shared images as CI would: `plimsoll image REF --server`, one thread per image.
    let images = shared.join("images");
    let targets = [
        format!("oci-archive:{}:1", images.join("debian-app.oci.tar").display()),
        format!("oci:{}:latest", images.join("c-alpine-3.14/oci").display()),
        format!("oci:{}:latest", images.join("e-distroless-cc-debian12/oci").display()),
    ];
    let reports: Vec<Value> = std::thread::scope(|t| {
        let running: Vec<_> = targets
            .iter()
            .enumerate()
            .map(|(i, image)| {
                let (dir, db, url, admin) = (dir.path(), &db, &server.url, &admin);
                t.spawn(move || {
                    let json_path = dir.join(format!("{i}.json"));
                    let cache = dir.join(format!("cache-{i}"));
                    let out = plimsoll(
                        &[
                            "image",
                            image,
                            "-q",
                            "--cache-dir",
                            cache.to_str().unwrap(),
                            "--db",
                            db.to_str().unwrap(),
                            "--server",
                            url,
                            "-f",
                            "json",
                            "-o",
                            json_path.to_str().unwrap(),
                        ],
                        Some(admin),
                    );
                    assert_eq!(out.status.code(), Some(0), "{image}: {}", String::from_utf8_lossy(&out.stderr));
                    serde_json::from_slice::<Value>(&std::fs::read(&json_path).unwrap()).unwrap()
                })
            })
            .collect();
        running.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let digest = |r: &Value| r["artifact"]["manifest_digest"].as_str().unwrap().to_owned();
    // Each image is listed by the name it was scanned by (an archive's tag not repeated).
    for r in &reports {
        let (status, v) = call(&api(&format!("images?digest={}", digest(r))), &admin, None);
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["images"][0]["references"], json!([r["artifact"]["name"]]), "{v}");
    }

    // A fleet also holds hostile images: the Alpine report with markup in its name, a package
    // name and a Dockerfile step, posted as an upload. The page must show it as text.
    let mut hostile = reports.iter().find(|r| r["os"]["id"] == "alpine").expect("the Alpine image").clone();
    let hostile_digest = format!("sha256:{}", "e".repeat(64));
    hostile["artifact"]["manifest_digest"] = json!(hostile_digest);
    hostile["artifact"]["name"] = json!("evil\"><img src=/x onerror=alert(3)>:1");
    hostile["artifact"]["repo_tags"] = json!(["evil\"><img src=/x onerror=alert(3)>:1"]);
    hostile["packages"][0]["name"] = json!("<img src=/pwned onerror=alert(1)>");
    hostile["layers"][0]["created_by"] = json!("RUN <script>alert(2)</script> \u{202e}evil");
    let (status, v) = call(&api("images"), &admin, Some(&hostile));
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["digest"], hostile_digest.as_str());

    // The CVE to search: the one in the most uploaded images (then the first by id), as an
    // alias or the id of a real finding; the server must name the same images.
    let mut by_cve: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for report in &reports {
        for v in report["vulnerabilities"].as_array().unwrap() {
            for id in std::iter::once(&v["id"]).chain(v["aliases"].as_array().into_iter().flatten()) {
                if let Some(id) = id.as_str().filter(|i| i.starts_with("CVE-")) {
                    by_cve.entry(id.to_owned()).or_default().insert(digest(report));
                }
            }
        }
    }
    let (cve, scanned) =
        by_cve.into_iter().max_by_key(|(id, d)| (d.len(), std::cmp::Reverse(id.clone()))).expect("a CVE finding");
    let (status, v) = call(&api(&format!("vulnerabilities/{cve}/images")), &admin, None);
    assert_eq!(status, 200, "{v}");
    // The hostile copy may or may not be affected (its first package was renamed).
    let affected: BTreeSet<String> =
        v["images"].as_array().unwrap().iter().map(|i| i["digest"].as_str().unwrap().to_owned()).collect();
    let real: BTreeSet<String> = affected.iter().filter(|d| **d != hostile_digest).cloned().collect();
    assert_eq!(real, scanned, "{cve}");

    // Search answers each id with its most severe finding (what the page's badges show).
    let (_, found) = call(&api("search?q=CVE-"), &admin, None);
    let found = found["vulnerabilities"].as_array().unwrap();
    assert!(!found.is_empty());
    for f in found {
        let (_, v) = call(&api(&format!("vulnerabilities/{}/images", f["id"].as_str().unwrap())), &admin, None);
        let worst =
            v["images"].as_array().unwrap().iter().map(|i| i["severity"].as_str().unwrap()).max_by_key(|s| rank(s));
        assert_eq!(f["severity"].as_str(), worst, "{f} {v}");
        assert_eq!(f["exact"], false, "a prefix is no id: {f}");
    }

    // The page is for people who read: a `read` token is all it needs.
    let (status, v) = call(&api("tokens"), &admin, Some(&json!({"role": "read", "name": "browser"})));
    assert_eq!(status, 201, "{v}");
    let reader = v["token"].as_str().unwrap().to_owned();
    let (_, overview) = call(&api("overview"), &reader, None);

    let shots = artifacts("web-page");
    let out = Command::new("node")
        .arg(root().join("tests/browser/web_page.mjs"))
        .args([&server.url, &reader, &cve, shots.to_str().unwrap(), &hostile_digest])
        .stdin(Stdio::null())
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "web_page.mjs failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    let seen: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("no JSON ({e}): {stdout}"));
    assert!(seen["failure"].is_null(), "{}", seen["failure"]);
    assert_eq!(seen["blocked"], json!([]), "the page asked for something outside its server");
    // The wrong token's 401 is the only error the console may show.
    let errors: Vec<&Value> =
        seen["errors"].as_array().unwrap().iter().filter(|e| !e.as_str().unwrap().contains("401")).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(seen["wrongTokenMessage"].as_str().unwrap().contains("refused"), "{}", seen["wrongTokenMessage"]);

    // Overview: the server's counts by worst severity, every image once.
    let cards = &seen["overview"]["cards"];
    for k in SEVERITIES {
        assert_eq!(cards[k], overview["by_worst_severity"][k], "{k} card");
    }
    let total: u64 = cards.as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(total, reports.len() as u64 + 1);
    let digests = reports.iter().map(digest).chain([hostile_digest.clone()]);
    let with_findings = digests
        .filter(|d| {
            !call(&api(&format!("images/{d}")), &reader, None).1["vulnerabilities"].as_array().unwrap().is_empty()
        })
        .count();
    assert_eq!(total - cards["NONE"].as_u64().unwrap(), with_findings as u64);
    // Every finding is new since the database was loaded; the table shows its first 15.
    let fresh = overview["new_findings"].as_array().unwrap().len() as u64;
    assert!(fresh > 0);
    assert_eq!(seen["overview"]["newFindings"], json!(fresh.min(15)));
    assert_eq!(seen["overview"]["staleImages"], json!(0), "all just scanned");

    // Images sorted by worst severity, most severe first; the first one followed to its page,
    // its layer chart as the stored report says.
    let worst: Vec<usize> =
        seen["imagesByWorst"].as_array().unwrap().iter().map(|s| rank(s.as_str().unwrap())).collect();
    assert_eq!(worst.len() as u64, total);
    assert!(worst.windows(2).all(|w| w[0] >= w[1]), "{worst:?}");
    let followed = seen["followedImage"].as_str().unwrap();
    assert_eq!(seen["image"]["hash"], format!("#/image/{}", followed.replace(':', "%3A")));
    let (status, stored) = call(&api(&format!("images/{followed}")), &reader, None);
    assert_eq!(status, 200, "{stored}");
    let chart = chart_counts(&seen["image"]["layers"]);
    assert_eq!(chart, layer_counts(&stored), "the page's layer chart");
    assert!(chart.values().any(|(p, _)| *p > 0), "{chart:?}");
    let vulns = stored["vulnerabilities"].as_array().unwrap();
    assert!(!vulns.is_empty(), "the most severe image has findings");
    assert_eq!(seen["image"]["vulnerabilities"], json!(vulns.len()));
    // Each finding's first_seen, from the stored history, shown as a UTC time.
    let first_seen = seen["image"]["firstSeen"].as_array().unwrap();
    assert_eq!(first_seen.len(), vulns.len(), "{first_seen:?}");
    assert!(first_seen.iter().all(|t| t.as_str().unwrap().ends_with(" UTC")), "{first_seen:?}");
    let fixable = vulns.iter().filter(|v| !v["fixed_version"].is_null()).count();
    let shown = seen["image"]["fixable"].as_array().unwrap();
    assert_eq!(shown.len(), fixable);
    assert!(shown.iter().all(|x| x == "1"));

    // The CVE search lands on its affected images, and the link can be shared.
    let hash = seen["vuln"]["hash"].as_str().unwrap();
    assert!(hash.starts_with("#/vuln/"), "{hash}");
    let shown: BTreeSet<String> =
        seen["vuln"]["images"].as_array().unwrap().iter().map(|d| d.as_str().unwrap().to_owned()).collect();
    assert_eq!(shown, affected, "{cve}");
    assert_eq!(seen["sharedLinkRows"], json!(affected.len()));

    // The hostile image: its markup shown as text, nothing of it run or loaded.
    let h = &seen["hostile"];
    for view in ["list", "image"] {
        assert_eq!(h[view], json!({"imgs": 0, "scripts": 1, "handlers": 0}), "{view}");
    }
    assert_eq!(h["dialogs"], 0);
    assert!(h["packages"].as_array().unwrap().iter().any(|p| p == "<img src=/pwned onerror=alert(1)>"), "{h}");
    assert_eq!(h["labels"][0], "RUN <script>alert(2)</script> \u{fffd}evil", "{h}");

    // The overview's link for a worst severity lists exactly the images whose worst it is.
    let link = &seen["worstLink"];
    let k = link["severity"].as_str().unwrap();
    let rows = link["worst"].as_array().unwrap();
    assert_eq!(json!(rows.len()), cards[k], "{link}");
    assert!(rows.iter().all(|r| r == k), "{link}");

    for name in ["overview", "images", "image", "image-layers", "vulnerability", "hostile"] {
        assert!(shots.join(format!("{name}.png")).is_file(), "{name}.png");
    }
}
