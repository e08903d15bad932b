//! Snapshots of every output format for the demo image (built here, as `scripts/demo.sh` builds
//! it, with its advisory database from `demo/advisories`) and of one `config` run. Volatile parts
//! are pinned or redacted: the clock by `SOURCE_DATE_EPOCH`, temporary paths (the scans run with
//! relative paths from a temporary directory), the tool version,
//! and the identifiers derived from them (CycloneDX serial number, SPDX namespace). Review changes
//! with `cargo insta review`; CI (`CI=true`) never writes snapshots and fails on any difference.

use std::path::Path;
use std::process::{Command, Output};

#[allow(dead_code)]
#[path = "../examples/demo_image.rs"]
mod demo;

/// 2025-11-25T08:44:22Z.
const EPOCH: &str = "1764060262";

fn plimsoll(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env_remove("PLIMSOLL_DB")
        // Scans fetch a missing database by default; these tests name theirs (or test its absence).
        .env("PLIMSOLL_SKIP_DB_UPDATE", "true")
        .env_remove("PLIMSOLL_CACHE_DIR")
        .output()
        .expect("run plimsoll")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

/// Filters for what changes between runs or releases but not with the scan's result.
fn settings(tmp: &Path) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(&regex::escape(&tmp.display().to_string()), "[TMP]");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo");
    s.add_filter(&regex::escape(&demo.display().to_string()), "[DEMO]");
    let version = regex::escape(env!("CARGO_PKG_VERSION"));
    s.add_filter(&format!(r"plimsoll[ @/-]v?{version}"), "plimsoll [VERSION]");
    s.add_filter(&format!(r#"("name": "plimsoll",\s*"version": )"{version}""#), r#"$1"[VERSION]""#);
    s.add_filter(&format!(r#"("version": )"{version}"(,\s*"informationUri")"#), r#"$1"[VERSION]"$2"#);
    s.add_filter(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "urn:uuid:[SERIAL]");
    s.add_filter(r#""documentNamespace": "[^"]*""#, r#""documentNamespace": "[NAMESPACE]""#);
    // The advisory database is built by the test run: its build time is the real clock.
    s.add_filter(r#"("built_at": )"[^"]*""#, r#"$1"[BUILT]""#);
    s.add_filter(r"\(built \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z,", "(built [BUILT],");
    s
}

#[test]
fn demo_image_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let oci = tmp.path().join("oci");
    demo::demo_image().unwrap().write_oci_dir(&oci, Some("1")).unwrap();
    let db = tmp.path().join("advisories.db");
    let advisories = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/advisories");
    let built = plimsoll(
        tmp.path(),
        &["db", "build", "--from", advisories.to_str().unwrap(), "--output", db.to_str().unwrap()],
    );
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    // Relative to the working directory: the image name is in every format and in hashes of it
    // (SARIF fingerprints), so it must not contain the temporary path.
    let image = "oci:oci:1";
    let settings = settings(tmp.path());
    for format in ["table", "json", "sarif", "cyclonedx", "spdx-json", "junit", "html"] {
        let out = plimsoll(tmp.path(), &["image", "--no-cache", "--db", "advisories.db", image, "-f", format]);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", String::from_utf8_lossy(&out.stderr));
        settings.bind(|| insta::assert_snapshot!(format!("demo_image_{format}"), stdout(&out)));
    }
}

#[test]
fn config_run_as_table_and_json() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("Dockerfile"),
        "FROM ubuntu:latest\nRUN curl -sSL https://example.invalid/install.sh | sh\nUSER root\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\nspec:\n  containers:\n  - name: shell\n    image: busybox:1.36\n    securityContext:\n      privileged: true\n",
    )
    .unwrap();
    let settings = settings(tmp.path());
    for format in ["table", "json"] {
        let out = plimsoll(tmp.path(), &["config", ".", "-f", format, "--exit-code", "3"]);
        assert_eq!(out.status.code(), Some(3), "{format}: findings remain: {}", String::from_utf8_lossy(&out.stderr));
        settings.bind(|| insta::assert_snapshot!(format!("config_{format}"), stdout(&out)));
    }
}
