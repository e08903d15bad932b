//! End-to-end tests of the `plimsoll` binary: images built at test time, real outputs, exit codes.

use std::path::Path;
use std::process::{Command, Output};

use plimsoll::testing::{ImageBuilder, LayerBuilder, Tamper};
use serde_json::Value;

fn plimsoll(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("PLIMSOLL_DB")
        // Scans fetch a missing database by default; these tests name theirs (or test its absence).
        .env("PLIMSOLL_SKIP_DB_UPDATE", "true")
        .output()
        .expect("run plimsoll")
}

fn small_image() -> ImageBuilder {
    ImageBuilder::new()
        .layer(
            LayerBuilder::new()
                .file("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"Alpine Linux v3.19\"\n", 0o644)
                .file(
                    "lib/apk/db/installed",
                    "P:musl\nV:1.2.4-r2\nA:x86_64\no:musl\nL:MIT\n\nP:busybox\nV:1.36.1-r15\nA:x86_64\no:busybox\nL:GPL-2.0-only\n\n",
                    0o644,
                )
                .created_by("ADD alpine-minirootfs.tar.gz /"),
        )
        .layer(
            LayerBuilder::new()
                .file("srv/.env", "DB_URL=postgres://app:S3cr3tPassw0rd!x@db.internal:5432/app\n", 0o600)
                .created_by("COPY .env /srv/.env"),
        )
        .layer(LayerBuilder::new().whiteout("srv/.env").created_by("RUN rm /srv/.env"))
        .user("app")
        .healthcheck(&["CMD", "true"])
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

#[test]
fn scans_docker_archive_and_oci_layout_alike() {
    let dir = tempfile::tempdir().unwrap();
    let img = small_image();
    img.write_oci_dir(&dir.path().join("oci"), Some("v1")).unwrap();
    let archive = dir.path().join("img.tar");
    img.write_docker_archive(&archive, &Default::default()).unwrap();
    let oci_ref = format!("oci:{}:v1", dir.path().join("oci").display());
    let a = json(&plimsoll(&["image", &oci_ref, "--no-cache", "-f", "json"]));
    let b = json(&plimsoll(&["image", "--input", archive.to_str().unwrap(), "--no-cache", "-f", "json"]));
    for r in [&a, &b] {
        let pkgs: Vec<(&str, &str)> = r["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["name"].as_str().unwrap(), p["version"].as_str().unwrap()))
            .collect();
        assert_eq!(pkgs, vec![("busybox", "1.36.1-r15"), ("musl", "1.2.4-r2")]);
        assert_eq!(r["os"]["family"], "alpine");
        // The deleted .env still leaks its password: found in layer 1, hidden by layer 2.
        let s = &r["secrets"].as_array().unwrap()[0];
        assert_eq!(
            (s["path"].as_str(), s["layer"]["index"].as_u64(), s["hidden_by_layer"].as_u64()),
            (Some("srv/.env"), Some(1), Some(2))
        );
        assert!(!r.to_string().contains("S3cr3tPassw0rd"), "secret leaked into the report");
    }
    assert_eq!(a["packages"], b["packages"]);
}

#[test]
fn tampered_layer_is_a_hard_error() {
    let dir = tempfile::tempdir().unwrap();
    small_image().tamper(Tamper::CorruptLayer(0)).write_oci_dir(dir.path(), Some("v1")).unwrap();
    let out = plimsoll(&["image", &format!("oci:{}:v1", dir.path().display()), "--no-cache", "-f", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("digest") && err.contains("sha256:"), "{err}");
    assert!(out.stdout.is_empty(), "no report on a tampered image");
}

#[test]
fn exit_code_and_severity_gate() {
    let dir = tempfile::tempdir().unwrap();
    small_image().write_oci_dir(dir.path(), Some("v1")).unwrap();
    let r = format!("oci:{}:v1", dir.path().display());
    let out = plimsoll(&["image", &r, "--no-cache", "--exit-code", "5", "-q"]);
    assert_eq!(out.status.code(), Some(5), "secret found -> gate fails");
    let out = plimsoll(&["image", &r, "--no-cache", "--exit-code", "5", "--scanners", "misconfig", "-q"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "non-root image with a healthcheck passes: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = plimsoll(&["image", &r, "--no-cache", "--scanners", "vuln", "--db", "/nonexistent/db"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("plimsoll db build"));
}

#[test]
fn vulnerabilities_from_a_database_built_by_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let advisories = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/advisories");
    let db = dir.path().join("adv.db");
    let out = plimsoll(&["db", "build", "--from", advisories.to_str().unwrap(), "--output", db.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let img = ImageBuilder::new().layer(
        LayerBuilder::new()
            .file(
                "app/package-lock.json",
                r#"{"lockfileVersion":3,"packages":{"":{"name":"x"},"node_modules/lodash":{"version":"4.17.15"}}}"#,
                0o644,
            )
            .created_by("COPY . /app"),
    );
    img.write_oci_dir(&dir.path().join("oci"), Some("v1")).unwrap();
    let r = format!("oci:{}:v1", dir.path().join("oci").display());
    let rep = json(&plimsoll(&["image", &r, "--no-cache", "--db", db.to_str().unwrap(), "-f", "json"]));
    let v = &rep["vulnerabilities"].as_array().unwrap()[0];
    assert_eq!((v["package_name"].as_str(), v["fixed_version"].as_str()), (Some("lodash"), Some("4.17.19")));
    assert!(v["id"] == "CVE-2020-8203" || v["aliases"].as_array().unwrap().iter().any(|a| a == "CVE-2020-8203"));
}

#[test]
fn config_command_checks_a_dockerfile() {
    let dir = tempfile::tempdir().unwrap();
    let df = dir.path().join("Dockerfile");
    std::fs::write(&df, "FROM ubuntu:latest\nRUN curl -sSL https://example.invalid/install.sh | sh\n").unwrap();
    let rep = json(&plimsoll(&["config", df.to_str().unwrap(), "-f", "json"]));
    let titles: Vec<&str> =
        rep["misconfigurations"].as_array().unwrap().iter().map(|m| m["title"].as_str().unwrap()).collect();
    assert!(titles.len() >= 3, "{titles:?}");
    assert!(rep["misconfigurations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["line"].as_u64().unwrap() >= 1 || m["line"] == 0));
    let out = plimsoll(&["rule", "--list"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).lines().count() > 90);
}

#[test]
fn missing_image_path_is_named_in_the_error() {
    let out = plimsoll(&["image", "/nonexistent/image.tar"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/image.tar"));
}

#[test]
fn rules_config_file_disables_rules() {
    let dir = tempfile::tempdir().unwrap();
    let df = dir.path().join("Dockerfile");
    std::fs::write(&df, "FROM ubuntu:latest\nRUN curl -sSL https://example.invalid/install.sh | sh\n").unwrap();
    let all = json(&plimsoll(&["config", df.to_str().unwrap(), "-f", "json"]));
    let first = all["misconfigurations"][0]["rule_id"].as_str().unwrap().to_owned();
    let cfg = dir.path().join("rules.toml");
    std::fs::write(&cfg, format!("[misconfig]\ndisabled = [\"{first}\"]\n")).unwrap();
    let some =
        json(&plimsoll(&["config", df.to_str().unwrap(), "-f", "json", "--rules-config", cfg.to_str().unwrap()]));
    let ids: Vec<&str> =
        some["misconfigurations"].as_array().unwrap().iter().map(|m| m["rule_id"].as_str().unwrap()).collect();
    assert!(!ids.contains(&first.as_str()) && !ids.is_empty(), "{ids:?}");
    std::fs::write(&cfg, "[misconfig]\ndisabled = [\"NOPE-1\"]\n").unwrap();
    let out = plimsoll(&["config", df.to_str().unwrap(), "--rules-config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOPE-1"));
}

#[test]
fn ignore_file_and_sbom_command() {
    let dir = tempfile::tempdir().unwrap();
    let advisories = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/advisories");
    let db = dir.path().join("adv.db");
    assert!(plimsoll(&["db", "build", "--from", advisories.to_str().unwrap(), "-o", db.to_str().unwrap()])
        .status
        .success());
    let img = ImageBuilder::new().layer(
        LayerBuilder::new()
            .file("app/requirements.txt", "requests==2.19.0\nurllib3==1.24.1\n", 0o644)
            .created_by("COPY . /app"),
    );
    img.write_oci_dir(&dir.path().join("oci"), Some("v1")).unwrap();
    let r = format!("oci:{}:v1", dir.path().join("oci").display());
    let db = db.to_str().unwrap();
    // An SBOM of the image, then scanned on its own: the same two vulnerabilities.
    let cdx = dir.path().join("sbom.cdx.json");
    let out =
        plimsoll(&["image", &r, "--no-cache", "--scanners", "secret", "-f", "cyclonedx", "-o", cdx.to_str().unwrap()]);
    assert!(out.status.success());
    let rep = json(&plimsoll(&["sbom", cdx.to_str().unwrap(), "--db", db, "-f", "json"]));
    let ids: Vec<&str> = rep["vulnerabilities"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    // Ignoring requests' CVE (with a reason) leaves urllib3's; the gate still fails on it.
    let ignore = dir.path().join("ignore.yaml");
    std::fs::write(&ignore, "ignore:\n  - id: CVE-2018-18074\n    reason: not reachable from our code\n").unwrap();
    let args = ["image", &r, "--no-cache", "--db", db, "-f", "json", "--ignorefile", ignore.to_str().unwrap()];
    let rep = json(&plimsoll(&args));
    let left: Vec<&str> =
        rep["vulnerabilities"].as_array().unwrap().iter().map(|v| v["package_name"].as_str().unwrap()).collect();
    assert_eq!(left, vec!["urllib3"]);
    assert_eq!(rep["suppressed"].as_array().unwrap().len(), 1);
    let mut gate = args.to_vec();
    gate.extend(["--exit-code", "3", "--scanners", "vuln"]);
    assert_eq!(plimsoll(&gate).status.code(), Some(3));
}
