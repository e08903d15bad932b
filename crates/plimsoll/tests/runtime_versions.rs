//! Runtime versions from a Docker Engine's `/version`, matched against the real advisories
//! (`../shared/advisories`: the Go vulnerability database and Debian's DSA/DLA lists). The
//! `/version` documents are recorded: one from an upstream static build (runc 1.1.11), one from
//! this machine's Debian `docker.io` (runc 1.1.5+ds1, whose CVE-2024-21626 fix Debian backported
//! in 1.1.5+ds1-1+deb12u1), one shaped like Debian 10's runc. The host's dpkg status and
//! os-release are written by the test.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use plimsoll::docker::{read_host_packages, runtime_packages, HostPackages};
use plimsoll::ScanOptions;
use plimsoll_advisory::Database;
use plimsoll_model::{PackageKind, ScanReport};
use serde_json::{json, Value};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/advisories")
}

/// One database for the tests of this file (building it is the slow part).
fn db() -> Option<Arc<Database>> {
    static DB: OnceLock<(tempfile::TempDir, Arc<Database>)> = OnceLock::new();
    if !shared().join("go-vulndb").is_dir() || !shared().join("debian-dsa-dla").is_dir() {
        plimsoll_test_support::require(&format!("{} is absent", shared().display()));
        return None;
    }
    let (_, db) = DB.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("adv.db");
        Database::build(&[shared().join("go-vulndb"), shared().join("debian-dsa-dla")], &path).unwrap();
        let db = Arc::new(Database::open(&path).unwrap());
        (dir, db)
    });
    Some(db.clone())
}

/// `/version` of an engine with these containerd and runc components.
fn version(engine: &str, containerd: (&str, &str), runc: (&str, &str)) -> Value {
    json!({
        "Version": engine,
        "Components": [
            {"Name": "Engine", "Version": engine, "Details": {"GitCommit": "5d6db84"}},
            {"Name": "containerd", "Version": containerd.0, "Details": {"GitCommit": containerd.1}},
            {"Name": "runc", "Version": runc.0, "Details": {"GitCommit": runc.1}},
            {"Name": "docker-init", "Version": "0.19.0", "Details": {"GitCommit": "de40ad0"}}
        ]
    })
}

/// A host root with a dpkg status holding `packages` (name, version) and the given os-release.
fn host(os_release: &str, packages: &[(&str, &str)]) -> (tempfile::TempDir, HostPackages) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("var/lib/dpkg")).unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    let status: String = packages
        .iter()
        .map(|(name, version)| {
            format!(
                "Package: {name}\nStatus: install ok installed\nPriority: optional\nSection: admin\n\
                 Maintainer: Debian Go Packaging Team\nArchitecture: amd64\nVersion: {version}\n\
                 Description: {name}\n\n"
            )
        })
        .collect();
    std::fs::write(dir.path().join("var/lib/dpkg/status"), status).unwrap();
    std::fs::write(dir.path().join("etc/os-release"), os_release).unwrap();
    let h = read_host_packages(dir.path()).unwrap().expect("a dpkg database");
    (dir, h)
}

const BOOKWORM: &str = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n";
const BUSTER: &str = "PRETTY_NAME=\"Debian GNU/Linux 10 (buster)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"10\"\nVERSION_CODENAME=buster\nID=debian\n";

/// Matches the runtime packages as `plimsoll docker` does; returns (ids with aliases, package).
fn matched(db: &Arc<Database>, version: &Value, host: Option<&HostPackages>) -> (Vec<(String, String)>, ScanReport) {
    let rt = runtime_packages(version, host);
    let opts = ScanOptions { advisories: Some(db.clone()), ..ScanOptions::default() };
    let os = host.and_then(|h| h.os.clone()).filter(|_| rt.packages.iter().any(|p| p.kind.is_os()));
    let mut report = plimsoll::empty_report("engine", plimsoll_model::ArtifactKind::ContainerEngine);
    report.vulnerabilities =
        plimsoll::match_vulnerabilities(&opts, os.as_ref(), &rt.packages, &mut report.diagnostics).unwrap();
    report.packages = rt.packages;
    let ids = report
        .vulnerabilities
        .iter()
        .flat_map(|v| std::iter::once(v.id.clone()).chain(v.aliases.clone()).map(|i| (i, v.package_name.clone())))
        .collect();
    (ids, report)
}

fn has(ids: &[(String, String)], id: &str, package: &str) -> bool {
    ids.iter().any(|(i, p)| i == id && p == package)
}

#[test]
fn upstream_runc_1_1_11_gets_cve_2024_21626() {
    let Some(db) = db() else { return };
    // Docker's static release packages (download.docker.com): containerd.io bundles runc.
    let v = version("24.0.7", ("1.6.26", "3dd1e886e55dd695541fdcd67420c2888645a495"), ("1.1.11", "v1.1.11-0-g4bccb38"));
    let (ids, report) = matched(&db, &v, None);
    assert!(has(&ids, "GO-2024-2491", "github.com/opencontainers/runc"), "{ids:?}");
    assert!(has(&ids, "CVE-2024-21626", "github.com/opencontainers/runc"));
    let runc = report.packages.iter().find(|p| p.name == "github.com/opencontainers/runc").unwrap();
    assert_eq!((runc.kind, runc.version.as_str()), (PackageKind::Go, "v1.1.11"));
    // The Engine as github.com/docker/docker (CVE-2024-24557, fixed in 24.0.9), each advisory once.
    assert!(has(&ids, "GO-2024-2512", "github.com/docker/docker"), "{ids:?}");
    assert!(!report.vulnerabilities.iter().any(|v| v.id == "GO-2024-2512" && v.package_name == "github.com/moby/moby"));
    let engine_ids: Vec<&str> = report
        .vulnerabilities
        .iter()
        .filter(|v| v.package_name.contains("docker/docker"))
        .map(|v| v.id.as_str())
        .collect();
    let mut unique = engine_ids.clone();
    unique.dedup();
    assert_eq!(engine_ids.len(), unique.len());
    // runc 1.1.12 has the fix.
    let fixed = version("24.0.7", ("1.6.28", "x"), ("1.1.12", "v1.1.12-0-g51d5e94"));
    assert!(!has(&matched(&db, &fixed, None).0, "GO-2024-2491", "github.com/opencontainers/runc"));
}

#[test]
fn debian_packaged_runtimes_are_judged_by_debian() {
    let Some(db) = db() else { return };
    // Recorded from this machine's Debian 12 docker.io (dockerd 20.10.24+dfsg1).
    let v = version("20.10.24+dfsg1", ("1.6.20~ds1", "1.6.20~ds1-1+deb12u3"), ("1.1.5+ds1", "1.1.5+ds1-1+deb12u1"));
    let (_root, bookworm) = host(
        BOOKWORM,
        &[
            ("runc", "1.1.5+ds1-1+deb12u1"),
            ("containerd", "1.6.20~ds1-1+deb12u3"),
            ("docker.io", "20.10.24+dfsg1-1+deb12u1+b6"),
        ],
    );
    let (ids, report) = matched(&db, &v, Some(&bookworm));
    // Every component is Debian's package: no Go module, so no upstream-version finding.
    assert!(report.packages.iter().all(|p| p.kind == PackageKind::Dpkg), "{:?}", report.packages);
    assert!(!ids.iter().any(|(i, _)| i.starts_with("GO-")), "{ids:?}");
    let runc = report.packages.iter().find(|p| p.name == "runc").unwrap();
    assert!(runc.found_in.contains("distribution package runc 1.1.5+ds1-1+deb12u1"), "{}", runc.found_in);
    assert!(runc.purl.starts_with("pkg:deb/debian/runc@1.1.5%2Bds1-1%2Bdeb12u1"), "{}", runc.purl);
    // The same daemon judged by its upstream version would get CVE-2024-21626, which Debian
    // fixed in 1.1.5+ds1-1+deb12u1 (DSA-5615-1): the false positive the distro path avoids.
    let (upstream, _) = matched(&db, &v, None);
    assert!(has(&upstream, "GO-2024-2491", "github.com/opencontainers/runc"), "{upstream:?}");

    // Debian 10's runc before and after DLA-3369-1 (fixed in 1.0.0~rc6+dfsg1-3+deb10u2).
    let v10 = version("18.09.1+dfsg1", ("1.2.6~ds1", "1.2.6~ds1-1"), ("1.0.0~rc6+dfsg1", "1.0.0~rc6+dfsg1-3+deb10u1"));
    let (_r, old) = host(BUSTER, &[("runc", "1.0.0~rc6+dfsg1-3+deb10u1")]);
    let (ids, report) = matched(&db, &v10, Some(&old));
    // Debian's tracker names the CVEs DLA-3369-1 fixed.
    for cve in ["CVE-2019-16884", "CVE-2021-30465", "CVE-2023-27561", "CVE-2023-28642"] {
        assert!(has(&ids, cve, "runc"), "{cve}: {ids:?}");
    }
    assert!(!ids.iter().any(|(i, p)| i.starts_with("GO-") && p.contains("runc")), "{ids:?}");
    // containerd and the Engine are not Debian packages on that host: Go modules, with a warning.
    assert!(report.packages.iter().any(|p| p.name == "github.com/containerd/containerd" && p.kind == PackageKind::Go));
    let v10_fixed = version("18.09.1+dfsg1", ("1.2.6~ds1", "x"), ("1.0.0~rc6+dfsg1", "1.0.0~rc6+dfsg1-3+deb10u2"));
    let (_r, new) = host(BUSTER, &[("runc", "1.0.0~rc6+dfsg1-3+deb10u2")]);
    let (ids, _) = matched(&db, &v10_fixed, Some(&new));
    assert!(!ids.iter().any(|(_, p)| p == "runc"), "{ids:?}");
}

#[test]
fn unusual_versions_are_reported_not_guessed() {
    let v = json!({"Components": [{"Name": "runc", "Version": "dev", "Details": {}}, {"Name": "Engine", "Version": "24.0.7-rd"}]});
    let rt = runtime_packages(&v, None);
    assert!(rt.diagnostics.iter().any(|d| d.contains("runc reports version \"dev\"")), "{:?}", rt.diagnostics);
    assert_eq!(rt.packages.iter().filter(|p| p.name == "github.com/docker/docker").count(), 1);
    // A /version without components (an old or foreign engine) gives nothing, not an error.
    assert!(runtime_packages(&json!({"Version": "1.0"}), None).packages.is_empty());
}
