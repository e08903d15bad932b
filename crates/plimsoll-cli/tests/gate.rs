//! The gate fails closed (issue 12): with `--exit-code`, a vulnerability scan that was skipped
//! (no database), that ran against a database with no advisory for an OS release or ecosystem of
//! the target, or against a stale database exits with 3 (not 0, not the findings code, not 2)
//! unless `--allow-uncovered` / `--allow-stale-db` accept it; the report and standard error say
//! what was not checked, `-q` or not.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn plimsoll(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("PLIMSOLL_DB")
        // Scans fetch a missing database by default; these tests name theirs (or test its absence).
        .env("PLIMSOLL_SKIP_DB_UPDATE", "true")
        .env_remove("PLIMSOLL_DB_MAX_AGE")
        // No database in the default location either.
        .env("PLIMSOLL_CACHE_DIR", "/nonexistent/plimsoll-cache")
        .env("XDG_CACHE_HOME", "/nonexistent/xdg-cache")
        .output()
        .expect("run plimsoll")
}

/// A database built from the demo advisories (Debian 12, PyPI and npm only).
fn demo_db(dir: &Path) -> PathBuf {
    let advisories = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/advisories");
    let db = dir.join("adv.db");
    let out = plimsoll(&["db", "build", "--from", advisories.to_str().unwrap(), "-o", db.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    db
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A project whose only packages are PyPI ones the demo database covers, none vulnerable.
fn covered_project(root: &Path) {
    write(root, "requirements.txt", "requests==2.31.0\n");
}

const CARGO_LOCK: &str = "version = 3\n\n[[package]]\nname = \"smallvec\"\nversion = \"1.13.2\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(o)))
}

/// The error-level diagnostics of a JSON report.
fn errors(rep: &Value) -> Vec<String> {
    rep["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["level"] == "error")
        .map(|d| d["message"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn covered_fresh_database_passes() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let proj = dir.path().join("proj");
    covered_project(&proj);
    let out = plimsoll(&["fs", "-q", proj.to_str().unwrap(), "--db", db.to_str().unwrap(), "--exit-code", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn no_database_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    covered_project(dir.path());
    let p = dir.path().to_str().unwrap();
    // The reproduction of issue 12: this exited 0.
    let out = plimsoll(&["fs", "-q", p, "--severity", "HIGH,CRITICAL", "--exit-code", "1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("vulnerability scan skipped: no advisory database"), "{}", stderr(&out));
    let rep = json(&plimsoll(&["fs", "-q", p, "-f", "json", "--exit-code", "1"]));
    assert!(errors(&rep).iter().any(|m| m.contains("1 packages not checked")), "{rep}");
    // Opting out by name keeps the statement, as a warning, and passes.
    let out = plimsoll(&["fs", "-q", p, "-f", "json", "--exit-code", "1", "--allow-uncovered"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning: vulnerability scan skipped"), "{}", stderr(&out));
    // Without --exit-code nothing gates; without the vuln scanner nothing was expected.
    assert_eq!(plimsoll(&["fs", "-q", p]).status.code(), Some(0));
    assert_eq!(plimsoll(&["fs", "-q", p, "--scanners", "secret", "--exit-code", "1"]).status.code(), Some(0));
}

#[test]
fn uncovered_distro_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let root = dir.path().join("rootfs");
    write(&root, "etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"Alpine Linux v3.19\"\n");
    write(&root, "lib/apk/db/installed", "P:musl\nV:1.2.4-r2\nA:x86_64\no:musl\nL:MIT\n\n");
    let (r, d) = (root.to_str().unwrap(), db.to_str().unwrap());
    let out = plimsoll(&["fs", "-q", r, "--db", d, "-f", "json", "--exit-code", "1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let rep = json(&out);
    let target = rep["vulnerability_scan"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "os")
        .cloned()
        .unwrap_or_else(|| panic!("{rep}"));
    assert_eq!((target["covered"].as_bool(), target["packages_not_covered"].as_u64()), (Some(false), Some(1)));
    let errs = errors(&rep);
    assert!(errs.iter().any(|m| m.contains("Alpine") && m.contains("1 of 1 packages not checked")), "{errs:?}");
    assert!(stderr(&out).contains("not covered by the advisory database"), "{}", stderr(&out));
    let out = plimsoll(&["fs", "-q", r, "--db", d, "--exit-code", "1", "--allow-uncovered"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn uncovered_ecosystem_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let proj = dir.path().join("proj");
    covered_project(&proj);
    write(&proj, "Cargo.lock", CARGO_LOCK);
    let (p, d) = (proj.to_str().unwrap(), db.to_str().unwrap());
    let out = plimsoll(&["fs", "-q", p, "--db", d, "-f", "json", "--exit-code", "1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let errs = errors(&json(&out));
    assert_eq!(errs.len(), 1, "PyPI is covered, crates.io is not: {errs:?}");
    assert!(errs[0].contains("crates.io") && errs[0].contains("1 of 1 packages"), "{errs:?}");
    // Findings come first: a vulnerable covered package makes it the findings code.
    write(&proj, "requirements.txt", "requests==2.19.0\n");
    let out = plimsoll(&["fs", "-q", p, "--db", d, "--exit-code", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn stale_database_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let conn = rusqlite::Connection::open(&db).unwrap();
    // 2020-01-01: years old.
    conn.execute("UPDATE meta SET value = '2020-01-01T00:00:00Z' WHERE key = 'built_at'", []).unwrap();
    conn.execute("UPDATE meta SET value = '1577836800' WHERE key = 'built_at_unix'", []).unwrap();
    drop(conn);
    let proj = dir.path().join("proj");
    covered_project(&proj);
    let (p, d) = (proj.to_str().unwrap(), db.to_str().unwrap());
    let out = plimsoll(&["fs", "-q", p, "--db", d, "-f", "json", "--exit-code", "1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let errs = errors(&json(&out));
    assert!(errs.len() == 1 && errs[0].contains("stale") && errs[0].contains("2020-01-01"), "{errs:?}");
    let out = plimsoll(&["fs", "-q", p, "--db", d, "--exit-code", "1", "--allow-stale-db"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning: advisory database is stale"), "{}", stderr(&out));
    // A large enough --db-max-age accepts it too.
    let out = plimsoll(&["fs", "-q", p, "--db", d, "--exit-code", "1", "--db-max-age", "100000"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn every_format_states_what_was_not_checked() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let proj = dir.path().join("proj");
    covered_project(&proj);
    write(&proj, "Cargo.lock", CARGO_LOCK);
    let (p, d) = (proj.to_str().unwrap(), db.to_str().unwrap());
    let run = |format: &str| {
        let out = plimsoll(&["fs", "-q", p, "--db", d, "-f", format, "--exit-code", "1"]);
        assert_eq!(out.status.code(), Some(3), "{format}: {}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let table = run("table");
    assert!(table.contains(&format!("Vulnerability database: {d}")), "{table}");
    assert!(table.contains("Not covered (not checked for vulnerabilities): crates.io (1 of 1 packages)"), "{table}");

    let sarif: Value = serde_json::from_str(&run("sarif")).unwrap();
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap().clone();
    assert!(
        notes.iter().any(|n| n["level"] == "error" && n["message"]["text"].as_str().unwrap().contains("crates.io")),
        "{notes:?}"
    );
    assert!(notes.iter().any(|n| n["level"] == "note" && n["message"]["text"].as_str().unwrap().contains(d)));

    let junit = run("junit");
    let suite = junit.split("<testsuite name=\"scan\"").nth(1).unwrap_or_else(|| panic!("{junit}"));
    assert!(suite.starts_with(" tests=\"1\" failures=\"1\""), "{junit}");
    assert!(suite.contains("crates.io not covered") && suite.contains("crates.io (1 of 1 packages)"), "{junit}");

    // No database: the JUnit scan suite fails too, rather than an empty passing report.
    let out = plimsoll(&["fs", "-q", p, "-f", "junit", "--exit-code", "1"]);
    let junit = String::from_utf8(out.stdout).unwrap();
    assert!(junit.contains("vulnerability scan skipped: no advisory database; 2 packages not checked"), "{junit}");
}

/// A privileged pod with one value nested past the YAML parser's depth limit (issue 17 item 5).
fn deep_pod() -> String {
    let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: deep\n  labels:\n    x: {deep}\nspec:\n  containers:\n  - name: c\n    image: busybox:1.36\n    securityContext:\n      privileged: true\n"
    )
}

#[test]
fn a_skipped_configuration_file_fails_closed_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy/pod.yaml", &deep_pod());
    let p = dir.path().to_str().unwrap();
    let args = ["fs", "-q", p, "--scanners", "misconfig", "--exit-code", "1"];
    let run = |format: &str, extra: &[&str]| {
        let mut a = args.to_vec();
        a.extend(["-f", format]);
        a.extend(extra);
        plimsoll(&a)
    };
    // It used to be 0 findings, no word, exit 0.
    let out = run("json", &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // Standard error names the file too, -q or not.
    assert!(stderr(&out).contains("error: deploy/pod.yaml: configuration not checked"), "{}", stderr(&out));
    let rep = json(&out);
    let errs = errors(&rep);
    assert!(errs.iter().any(|m| m.starts_with("configuration not checked: nesting deeper than")), "{errs:?}");
    assert!(errs.iter().any(|m| m.contains("1 file was not (fully) checked")), "{errs:?}");
    let d = rep["diagnostics"].as_array().unwrap().iter().find(|d| d["path"] == "deploy/pod.yaml").cloned();
    assert!(d.is_some(), "the diagnostic names the file: {rep}");

    let sarif: Value = serde_json::from_slice(&run("sarif", &[]).stdout).unwrap();
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap().clone();
    assert!(notes.iter().any(|n| n["level"] == "error"
        && n["message"]["text"].as_str().unwrap().starts_with("deploy/pod.yaml: configuration not checked")));
    let junit = String::from_utf8(run("junit", &[]).stdout).unwrap();
    assert!(junit.contains("<testsuite name=\"scan\" tests=\"2\" failures=\"2\""), "{junit}");
    let table = String::from_utf8(run("table", &[]).stdout).unwrap();
    assert!(table.contains("deploy/pod.yaml") && table.contains("nesting deeper than"), "{table}");

    // Accepted by name: still reported, the gate passes (nothing else was found).
    let out = run("json", &["--allow-skipped-files"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(errors(&json(&out)).iter().any(|m| m.starts_with("configuration not checked")));
}

#[test]
fn a_skipped_configuration_file_in_an_image_layer_fails_closed() {
    use plimsoll::testing::{ImageBuilder, LayerBuilder};
    let dir = tempfile::tempdir().unwrap();
    ImageBuilder::new()
        .layer(LayerBuilder::new().file("app/pod.yaml", deep_pod(), 0o644).created_by("COPY . /app"))
        .write_oci_dir(dir.path(), Some("v1"))
        .unwrap();
    let r = format!("oci:{}:v1", dir.path().display());
    let out = plimsoll(&["image", &r, "-q", "--no-cache", "--scanners", "misconfig", "-f", "json", "--exit-code", "1"]);
    let rep = json(&out);
    let skipped: Vec<&Value> =
        rep["diagnostics"].as_array().unwrap().iter().filter(|d| d["path"] == "app/pod.yaml").collect();
    assert!(skipped.iter().any(|d| d["level"] == "error" && d["layer"] == 0), "{rep}");
    let ids: Vec<&str> =
        rep["misconfigurations"].as_array().unwrap().iter().map(|m| m["rule_id"].as_str().unwrap()).collect();
    // The image-config rules (root user, no healthcheck) find things, and findings come first.
    assert_eq!(ids, ["PL-IMG-001", "PL-IMG-002"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // Without them, the skipped file alone fails the gate.
    let skip = ["--skip-rule", "PL-IMG-001", "--skip-rule", "PL-IMG-002"];
    let out = plimsoll(
        &[&["image", &r, "-q", "--no-cache", "--scanners", "misconfig", "--exit-code", "1"][..], &skip].concat(),
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let out = plimsoll(
        &[
            &["image", &r, "-q", "--no-cache", "--scanners", "misconfig", "--exit-code", "1", "--allow-skipped-files"]
                [..],
            &skip,
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_lockfile_over_the_package_cap_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    // One more than `plimsoll_inventory::MAX_PACKAGES_PER_FILE` (65,536): refused whole.
    let text: String = (0..65_537).map(|i| format!("pkg{i}==1.0\n")).collect();
    write(dir.path(), "requirements.txt", &text);
    let p = dir.path().to_str().unwrap();
    let out = plimsoll(&["fs", "-q", p, "--scanners", "secret", "-f", "json", "--exit-code", "1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let errs = errors(&json(&out));
    assert!(errs.iter().any(|m| m.contains("more than 65536")), "{errs:?}");
    let out = plimsoll(&["fs", "-q", p, "--scanners", "secret", "--exit-code", "1", "--allow-skipped-files"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn trivyignore_in_the_current_directory_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let proj = dir.path().join("proj");
    write(&proj, "requirements.txt", "requests==2.19.0\n");
    let run = |cwd: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
            .args(["fs", "-q", proj.to_str().unwrap(), "--scanners", "vuln", "-f", "json", "--exit-code", "1"])
            .args(["--db", db.to_str().unwrap()])
            .current_dir(cwd)
            .env_remove("PLIMSOLL_DB")
            .env("PLIMSOLL_SKIP_DB_UPDATE", "true")
            .output()
            .unwrap();
        (out.status.code(), json(&out))
    };
    let (code, rep) = run(&proj);
    assert_eq!(code, Some(1));
    assert_eq!(rep["vulnerabilities"][0]["id"], "CVE-2018-18074", "{rep}");
    write(&proj, ".trivyignore", "# only used with trusted hosts\nCVE-2018-18074 exp:2999-01-01\n");
    let (code, rep) = run(&proj);
    assert_eq!(code, Some(0), "{rep}");
    assert_eq!(rep["suppressed"][0]["id"], "CVE-2018-18074", "{rep}");
    assert!(rep["suppressed"].to_string().contains("only used with trusted hosts"), "{rep}");
}

#[test]
fn key_generate_without_a_terminal_names_plimsoll_password() {
    if std::fs::File::open("/dev/tty").is_ok() {
        plimsoll_test_support::optional("a terminal is attached: the passphrase prompt would wait on it");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("k");
    let out = plimsoll(&["key", "generate", "--output-key-prefix", prefix.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("set PLIMSOLL_PASSWORD"), "{}", stderr(&out));
}

#[test]
fn an_sbom_scan_states_its_coverage_and_passes_when_covered() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let proj = dir.path().join("proj");
    covered_project(&proj);
    let cdx = dir.path().join("sbom.cdx.json");
    let out = plimsoll(&[
        "fs",
        "-q",
        proj.to_str().unwrap(),
        "--scanners",
        "secret",
        "-f",
        "cyclonedx",
        "-o",
        cdx.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (c, d) = (cdx.to_str().unwrap(), db.to_str().unwrap());
    let out = plimsoll(&["sbom", "-q", c, "--db", d, "-f", "json", "--exit-code", "1"]);
    assert_eq!(out.status.code(), Some(0), "the database was used, not skipped: {}", stderr(&out));
    let rep = json(&out);
    assert_eq!(rep["vulnerability_scan"]["targets"][0]["name"], "PyPI", "{rep}");
    // Plus a crates.io package the database does not cover.
    write(&proj, "Cargo.lock", CARGO_LOCK);
    let out = plimsoll(&["fs", "-q", proj.to_str().unwrap(), "--scanners", "secret", "-f", "cyclonedx", "-o", c]);
    assert!(out.status.success());
    let out = plimsoll(&["sbom", "-q", c, "--db", d, "--exit-code", "1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("crates.io not covered"), "{}", stderr(&out));
}

#[test]
fn typos_and_wrong_targets_get_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Dockerfile", "FROM ubuntu:latest\n");
    let p = dir.path().to_str().unwrap();
    let out = plimsoll(&["fs", "-q", p, "--skip-rule", "NOPE-1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown rule `NOPE-1` in --skip-rule"), "{}", stderr(&out));
    // A known code is accepted and disables the rule.
    let out = plimsoll(&["config", p, "-f", "json", "--skip-rule", "PL-DF-003"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("PL-DF-003"), "{}", stderr(&out));

    let missing = dir.path().join("nope");
    let out = plimsoll(&["fs", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does not exist") && !stderr(&out).contains("plimsoll image"), "{}", stderr(&out));
    let lock = dir.path().join("Cargo.lock");
    std::fs::write(&lock, CARGO_LOCK).unwrap();
    let out = plimsoll(&["fs", lock.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is a file, not a directory"), "{}", stderr(&out));

    let help = String::from_utf8(plimsoll(&["image", "--help"]).stdout).unwrap();
    for f in ["table", "json", "cyclonedx", "spdx-json", "sarif", "junit", "html"] {
        assert!(help.contains(f), "{f}: {help}");
    }
    assert!(help.contains("HOST[:PORT]/REPO[:TAG|@DIGEST]"), "{help}");
}

#[test]
fn secret_rules_are_listed_and_documented() {
    let list = String::from_utf8(plimsoll(&["rule", "--list"]).stdout).unwrap();
    assert!(list.lines().any(|l| l.starts_with("github-pat\t") && l.ends_with("(secret)")), "{list}");
    assert!(list.lines().any(|l| l.starts_with("PL-DF-001\t")), "{list}");
    let out = plimsoll(&["rule", "github-pat"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = String::from_utf8(out.stdout).unwrap();
    assert!(doc.starts_with("# github-pat: ") && doc.contains("Secret rule, severity"), "{doc}");
    assert_eq!(plimsoll(&["rule", "no-such-rule"]).status.code(), Some(2));
}

#[test]
fn an_explicit_platform_the_image_does_not_have_is_an_error() {
    use plimsoll::testing::{ImageBuilder, LayerBuilder};
    let dir = tempfile::tempdir().unwrap();
    ImageBuilder::new()
        .layer(LayerBuilder::new().file("etc/hostname", "x\n", 0o644))
        .write_oci_dir(dir.path(), Some("v1"))
        .unwrap();
    let r = format!("oci:{}:v1", dir.path().display());
    let scan =
        |extra: &[&str]| plimsoll(&[&["image", &r, "-q", "--no-cache", "--scanners", "secret"][..], extra].concat());
    assert_eq!(scan(&[]).status.code(), Some(0));
    assert_eq!(scan(&["--platform", "linux/amd64"]).status.code(), Some(0));
    let out = scan(&["--platform", "linux/arm64"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is a linux/amd64 image, not linux/arm64"), "{}", stderr(&out));
}

/// A loopback HTTP mirror of osv.dev's exports: `/Alpine/all.zip` holds one OSV advisory for
/// `musl` (fixed in 1.2.4-r3), every other ecosystem answers 404. Returns the base URL and the
/// paths requested so far.
fn osv_mirror() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let osv = serde_json::json!({
        "schema_version": "1.6.0",
        "id": "ALPINE-CVE-2099-0001",
        "modified": "2026-01-01T00:00:00Z",
        "aliases": ["CVE-2099-0001"],
        "affected": [{
            "package": {"ecosystem": "Alpine:v3.19", "name": "musl"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2.4-r3"}]}]
        }]
    });
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("ALPINE-CVE-2099-0001.json", zip::write::SimpleFileOptions::default()).unwrap();
    zip.write_all(&serde_json::to_vec(&osv).unwrap()).unwrap();
    let archive = zip.finish().unwrap().into_inner();

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("").to_owned();
            log.lock().unwrap().push(path.clone());
            let (status, body) =
                if path == "/Alpine/all.zip" { (200, archive.clone()) } else { (404, b"not found".to_vec()) };
            let head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(&body));
        }
    });
    (base, seen)
}

/// An Alpine 3.19 image with `musl 1.2.4-r2` (vulnerable per [`osv_mirror`]), as a
/// `docker save` archive.
fn alpine_image(path: &Path) {
    use plimsoll::testing::{ImageBuilder, LayerBuilder};
    ImageBuilder::new()
        .layer(
            LayerBuilder::new()
                .file("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"Alpine Linux v3.19\"\n", 0o644)
                .file("lib/apk/db/installed", "P:musl\nV:1.2.4-r2\nA:x86_64\no:musl\nL:MIT\n\n", 0o644),
        )
        // No image-config findings: the exit code is the vulnerability gate's alone.
        .user("app")
        .healthcheck(&["CMD", "true"])
        .write_docker_archive(path, &Default::default())
        .unwrap();
}

/// `plimsoll` with fetching allowed and its default database under `cache`.
fn plimsoll_fetching(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("PLIMSOLL_DB")
        .env_remove("PLIMSOLL_DB_MAX_AGE")
        .env_remove("PLIMSOLL_SKIP_DB_UPDATE")
        .env_remove("PLIMSOLL_OFFLINE_SCAN")
        .env_remove("PLIMSOLL_DB_URL")
        .env("PLIMSOLL_CACHE_DIR", cache)
        .output()
        .expect("run plimsoll")
}

#[test]
fn first_run_fetches_the_database_then_matches_and_keeps_a_fresh_one() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, image) = (dir.path().join("cache"), dir.path().join("alpine.tar"));
    alpine_image(&image);
    let (base, seen) = osv_mirror();
    let img = image.to_str().unwrap();
    let scan = |extra: &[&str]| {
        let mut args = vec!["image", img, "--insecure", "--db-repository", &base, "-f", "json", "--exit-code", "1"];
        args.extend_from_slice(extra);
        plimsoll_fetching(&cache, &args)
    };
    let out = scan(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let rep = json(&out);
    assert_eq!(rep["vulnerabilities"][0]["id"], "CVE-2099-0001", "{rep}");
    assert!(cache.join("advisories.db").is_file());
    assert!(stderr(&out).contains("fetching the advisory database from"), "{}", stderr(&out));
    let first = seen.lock().unwrap().clone();
    assert!(first.contains(&"/Alpine/all.zip".to_owned()), "{first:?}");

    // Fresh: the second scan downloads nothing.
    let out = scan(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(seen.lock().unwrap().len(), first.len(), "the second scan fetched again");
    assert!(!stderr(&out).contains("fetching"), "{}", stderr(&out));

    // Stale (built long before --db-max-age): back-date the build time and the scan fetches again.
    let conn = rusqlite::Connection::open(cache.join("advisories.db")).unwrap();
    let changed = conn.execute("UPDATE meta SET value = ?1 WHERE key = 'built_at_unix'", ["1000000000"]).unwrap();
    assert_eq!(changed, 1);
    drop(conn);
    let out = scan(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(seen.lock().unwrap().len() > first.len(), "a stale database was not fetched again");
}

#[test]
fn skip_db_update_offline_scan_and_a_failed_fetch_fail_closed() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, image) = (dir.path().join("cache"), dir.path().join("alpine.tar"));
    alpine_image(&image);
    let (base, seen) = osv_mirror();
    let img = image.to_str().unwrap();
    for flag in ["--skip-db-update", "--offline-scan"] {
        let out = plimsoll_fetching(
            &cache,
            &["image", img, "--insecure", "--db-repository", &base, flag, "--exit-code", "1"],
        );
        assert_eq!(out.status.code(), Some(3), "{flag}: {}", stderr(&out));
        assert!(stderr(&out).contains("vulnerability scan skipped: no advisory database"), "{}", stderr(&out));
    }
    assert!(seen.lock().unwrap().is_empty(), "{:?}", seen.lock().unwrap());
    assert!(!cache.join("advisories.db").exists());

    // Nothing listening: the fetch fails, loudly, and the gate fails closed (even with
    // --allow-uncovered: the user did not opt out of the fetch).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dead = format!("http://127.0.0.1:{port}");
    for extra in [&[][..], &["--allow-uncovered"][..]] {
        let mut args = vec!["image", img, "--insecure", "--db-repository", &dead, "-f", "json", "--exit-code", "1"];
        args.extend_from_slice(extra);
        let out = plimsoll_fetching(&cache, &args);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert!(stderr(&out).contains("error: cannot update the advisory database"), "{}", stderr(&out));
        let errs = errors(&json(&out));
        assert!(errs.iter().any(|m| m.contains("cannot update the advisory database")), "{errs:?}");
    }
    // Asked for by name, no database at all is an error that says why the fetch failed.
    let out = plimsoll_fetching(&cache, &["image", img, "--insecure", "--db-repository", &dead, "--scanners", "vuln"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("fetching one failed"), "{}", stderr(&out));
    // `sbom` is a vulnerability scan only: the same, without naming the scanner.
    let sbom = dir.path().join("bom.json");
    std::fs::write(&sbom, r#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}"#).unwrap();
    let out =
        plimsoll_fetching(&cache, &["sbom", sbom.to_str().unwrap(), "--db-repository", "file:///nonexistent-mirror"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("fetching one failed"), "{}", stderr(&out));
}
