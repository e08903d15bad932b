//! Trivy's scan flags (issue 12, item 6; issue 17, item 2): `--skip-dirs`/`--skip-files`,
//! `--pkg-types`, `--list-all-pkgs`, `--timeout`; what `plimsoll config` prints and does with
//! `--scanners secret`; `resolve` on a file; `db build --format json`.

use std::path::Path;
use std::process::{Command, Output};

use plimsoll::testing::{ImageBuilder, LayerBuilder};
use serde_json::Value;

fn plimsoll(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("PLIMSOLL_DB")
        .env("PLIMSOLL_SKIP_DB_UPDATE", "true")
        .env("PLIMSOLL_CACHE_DIR", "/nonexistent/plimsoll-cache")
        .output()
        .expect("run plimsoll")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(o)))
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const SECRET: &str = "DB_URL=postgres://app:S3cr3tPassw0rd!x@db.internal:5432/app\n";
const GITHUB_TOKEN: &str = "ghp_R7xK2mQ9vT4wZ8bN1cL5yH3jF6dS0aP2eU4i";

fn names(rep: &Value) -> Vec<String> {
    let mut v: Vec<String> =
        rep["packages"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect();
    v.sort();
    v
}

/// The paths the report's diagnostics say were skipped.
fn skipped(rep: &Value) -> Vec<String> {
    rep["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["message"].as_str().unwrap().contains("skipped by --skip-"))
        .map(|d| d["path"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn skip_dirs_and_skip_files_on_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write(p, "app/requirements.txt", "flask==2.0.0\n");
    write(p, "vendor/lib/requirements.txt", "django==3.2.0\n");
    write(p, "app/.env", SECRET);
    write(p, "test/fixtures/.env", SECRET);
    let root = p.to_str().unwrap();
    let all = json(&plimsoll(&["fs", "-q", root, "-f", "json"]));
    assert_eq!(names(&all), ["django", "flask"]);
    assert_eq!(all["secrets"].as_array().unwrap().len(), 2, "{all}");

    let out =
        plimsoll(&["fs", "-q", root, "-f", "json", "--skip-dirs", "vendor,**/fixtures", "--skip-files", "app/.env"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rep = json(&out);
    assert_eq!(names(&rep), ["flask"]);
    assert!(rep["secrets"].as_array().unwrap().is_empty(), "{rep}");
    let mut skips = skipped(&rep);
    skips.sort();
    assert_eq!(skips, ["app/.env", "test/fixtures", "vendor"]);
    // A bad pattern is an error naming the flag.
    let out = plimsoll(&["fs", "-q", root, "--skip-files", "[a"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--skip-files"), "{}", stderr(&out));
}

fn mixed_image(path: &Path) {
    ImageBuilder::new()
        .layer(
            LayerBuilder::new()
                .file("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"Alpine Linux v3.19\"\n", 0o644)
                .file("lib/apk/db/installed", "P:musl\nV:1.2.4-r2\nA:x86_64\no:musl\nL:MIT\n\n", 0o644),
        )
        .layer(
            LayerBuilder::new()
                .file("srv/app/requirements.txt", "flask==2.0.0\n", 0o644)
                .file("srv/app/.env", SECRET, 0o600)
                .file("opt/vendor/x/requirements.txt", "django==3.2.0\n", 0o644),
        )
        .user("app")
        .healthcheck(&["CMD", "true"])
        .write_docker_archive(path, &Default::default())
        .unwrap();
}

#[test]
fn skip_dirs_and_skip_files_on_image_layers() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("img.tar");
    mixed_image(&img);
    let img = img.to_str().unwrap();
    let all = json(&plimsoll(&["image", "-q", img, "-f", "json", "--no-cache"]));
    assert_eq!(names(&all), ["django", "flask", "musl"]);
    assert_eq!(all["secrets"].as_array().unwrap().len(), 1);
    let args =
        ["image", "-q", img, "-f", "json", "--no-cache", "--skip-dirs", "/opt/vendor", "--skip-files", "**/.env"];
    let rep = json(&plimsoll(&args));
    assert_eq!(names(&rep), ["flask", "musl"]);
    assert!(rep["secrets"].as_array().unwrap().is_empty(), "{rep}");
    let mut skips = skipped(&rep);
    skips.sort();
    assert_eq!(skips, ["opt/vendor", "srv/app/.env"]);
}

#[test]
fn pkg_types_keep_os_or_library_packages() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("img.tar");
    mixed_image(&img);
    let img = img.to_str().unwrap();
    let run = |types: &str| plimsoll(&["image", "-q", img, "-f", "json", "--pkg-types", types]);
    assert_eq!(names(&json(&run("os"))), ["musl"]);
    assert_eq!(names(&json(&run("library"))), ["django", "flask"]);
    assert_eq!(names(&json(&run("os,library"))), ["django", "flask", "musl"]);
    let out = run("binary");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown package type `binary`"), "{}", stderr(&out));
}

#[test]
fn the_table_lists_packages_only_with_list_all_pkgs() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("img.tar");
    mixed_image(&img);
    let img = img.to_str().unwrap();
    let table = stdout(&plimsoll(&["image", "-q", img]));
    assert!(table.contains("Total: 3 packages"), "{table}");
    assert!(!table.contains("│ musl"), "packages listed without --list-all-pkgs:\n{table}");
    let table = stdout(&plimsoll(&["image", "-q", img, "--list-all-pkgs"]));
    assert!(table.contains("│ musl") && table.contains("│ flask"), "{table}");
    // Findings first: the secret comes before the package tables.
    let (secret, packages) = (table.find("Secrets (").unwrap(), table.find("│ musl").unwrap());
    assert!(secret < packages, "{table}");
    // JSON always carries every package.
    assert_eq!(names(&json(&plimsoll(&["image", "-q", img, "-f", "json"]))).len(), 3);
}

#[test]
fn config_prints_only_what_a_config_scan_has_and_scans_secrets_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let manifest = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: busybox:1.36\n    env:\n    - name: TOKEN\n      value: {GITHUB_TOKEN}\n"
    );
    write(p, "deploy/pod.yaml", &manifest);
    write(p, "notes.txt", &format!("token {GITHUB_TOKEN}\n"));
    let file = p.join("deploy/pod.yaml");
    let file = file.to_str().unwrap();
    let table = stdout(&plimsoll(&["config", file]));
    assert!(!table.contains("OS:") && !table.contains("No packages found"), "{table}");
    assert!(table.contains("Artifact:"), "{table}");
    // Without --scanners secret: no secret; with it, the configuration file's secret, not the
    // notes' (a config scan looks at configuration files only).
    for target in [file, p.to_str().unwrap()] {
        let rep = json(&plimsoll(&["config", target, "-f", "json"]));
        assert!(rep["secrets"].as_array().unwrap().is_empty(), "{rep}");
        assert!(!rep["misconfigurations"].as_array().unwrap().is_empty(), "{rep}");
        let rep = json(&plimsoll(&["config", target, "-f", "json", "--scanners", "secret"]));
        let secrets = rep["secrets"].as_array().unwrap();
        assert_eq!(secrets.len(), 1, "{target}: {rep}");
        assert!(secrets[0]["path"].as_str().unwrap().ends_with("pod.yaml"), "{rep}");
        assert!(!rep["misconfigurations"].as_array().unwrap().is_empty(), "misconfig still runs: {rep}");
    }
    let out = plimsoll(&["config", file, "--scanners", "vuln"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--scanners takes misconfig and secret"), "{}", stderr(&out));
}

#[test]
fn timeout_bounds_the_whole_scan() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write(p, "requirements.txt", "flask==2.0.0\n");
    write(p, "Dockerfile", "FROM debian:12\nRUN true\n");
    let img = p.join("img.tar");
    mixed_image(&img);
    let (root, img) = (p.to_str().unwrap(), img.to_str().unwrap());
    let df = p.join("Dockerfile");
    // A deadline already passed stops every kind of scan with the same clear error, exit 2.
    for args in [
        vec!["fs", root, "--timeout", "0"],
        vec!["image", img, "--timeout", "0", "--no-cache"],
        vec!["config", df.to_str().unwrap(), "--timeout", "0"],
        vec!["config", root, "--timeout", "0"],
    ] {
        let out = plimsoll(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("timed out after 0s"), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{args:?}: a report was printed");
    }
    // A generous one changes nothing.
    assert_eq!(plimsoll(&["fs", "-q", root, "--timeout", "600"]).status.code(), Some(0));
}

#[test]
fn resolve_on_a_file_asks_for_a_registry_reference() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("img.tar");
    mixed_image(&img);
    let out = plimsoll(&["resolve", img.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("resolve needs a registry reference"), "{err}");
    assert!(!err.contains("sign"), "{err}");
}

#[test]
fn db_build_prints_its_summary_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let advisories = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/advisories");
    let db = dir.path().join("adv.db");
    let out = plimsoll(&[
        "db",
        "build",
        "--from",
        advisories.to_str().unwrap(),
        "-o",
        db.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["output"], db.to_str().unwrap());
    assert!(doc["stats"]["advisories"].as_u64().unwrap() > 0, "{doc}");
    assert!(doc["stats"]["sources"].as_array().is_some_and(|s| !s.is_empty()), "{doc}");
    let out =
        plimsoll(&["db", "build", "--from", advisories.to_str().unwrap(), "-o", db.to_str().unwrap(), "-f", "xml"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Issue 17: a dpkg `.list` past the paths cap is an error in the report and fails the gate.
#[test]
fn a_hostile_dpkg_list_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    write(p, "var/lib/dpkg/info/huge.list", &"/a\n".repeat((1 << 20) + 1));
    let out = plimsoll(&["fs", "-q", p.to_str().unwrap(), "-f", "json", "--scanners", "secret", "--exit-code", "1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let rep = json(&out);
    let msg = rep["diagnostics"].to_string();
    assert!(msg.contains("more than 1048576 file paths"), "{msg}");
    // Over the byte limit (48 MiB) the file is not read at all: an error too, not a warning.
    write(p, "var/lib/dpkg/info/huge.list", &format!("/{}\n", "y".repeat(127)).repeat(400_000));
    let out = plimsoll(&["fs", "-q", p.to_str().unwrap(), "-f", "json", "--scanners", "secret", "--exit-code", "1"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let errs: Vec<Value> =
        json(&out)["diagnostics"].as_array().unwrap().iter().filter(|d| d["level"] == "error").cloned().collect();
    assert!(errs.iter().any(|d| d["path"] == "var/lib/dpkg/info/huge.list"), "{errs:?}");
}
