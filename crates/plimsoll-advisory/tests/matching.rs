//! Matching against a database built from the shared corpus (`../shared/advisories`), on cases
//! checked by hand against the advisory files.
#![allow(clippy::print_stderr)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plimsoll_advisory::{match_packages, match_packages_detailed, Database};
use plimsoll_model::vuln::{VulnStatus, Vulnerability};
use plimsoll_model::{OsFamily, OsRelease, Package, PackageKind, Severity};

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if p.join("advisories").is_dir() {
        Some(p)
    } else {
        plimsoll_test_support::require(&format!("{} is absent", p.display()));
        None
    }
}

/// One database for all tests in this file (building it takes a few seconds).
fn db() -> Option<&'static Database> {
    static DB: OnceLock<(tempfile::TempDir, Database)> = OnceLock::new();
    let shared = shared()?;
    let (_, db) = DB.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("advisories.db");
        let stats = Database::build(&[shared.join("advisories")], &out).expect("build");
        eprintln!(
            "built {} advisories, {} affected entries, {} file errors in {:?}",
            stats.advisories,
            stats.affected,
            stats.errors.len(),
            stats.elapsed
        );
        assert!(stats.errors.is_empty());
        let db = Database::open(&out).expect("open");
        (dir, db)
    });
    Some(db)
}

fn os(family: OsFamily, id: &str, version_id: &str) -> OsRelease {
    OsRelease {
        family,
        id: id.into(),
        version_id: Some(version_id.into()),
        codename: None,
        pretty_name: None,
        source_path: "etc/os-release".into(),
    }
}

fn find<'a>(v: &'a [Vulnerability], id: &str) -> &'a Vulnerability {
    v.iter().find(|x| x.id == id).unwrap_or_else(|| panic!("{id} not found in {:?}", ids(v)))
}

fn ids(v: &[Vulnerability]) -> Vec<&str> {
    v.iter().map(|x| x.id.as_str()).collect()
}

#[test]
fn jinja2_2_10_pypi() {
    let Some(db) = db() else { return };
    // PEP 503: the inventory may write the name as it appears in METADATA.
    let pkgs = [Package::new(PackageKind::Python, "Jinja2", "2.10", "site-packages/Jinja2-2.10.dist-info/METADATA")];
    let v = match_packages(db, None, &pkgs).unwrap();
    // Of jinja2's five advisories, PYSEC-2014-8 (fixed 2.7.2), PYSEC-2014-82 (2.7.3) and
    // PYSEC-2019-220 (2.8.1) are fixed before 2.10; these two are not.
    assert_eq!(ids(&v), ["CVE-2019-10906", "CVE-2020-28493"]);
    let a = find(&v, "CVE-2019-10906");
    assert_eq!(a.aliases, ["GHSA-462w-v97r-4m45", "PYSEC-2019-217"]);
    assert_eq!((a.fixed_version.as_deref(), a.status), (Some("2.10.1"), VulnStatus::Fixed));
    assert_eq!(a.data_source, "pypi-osv");
    let b = find(&v, "CVE-2020-28493");
    assert_eq!(b.fixed_version.as_deref(), Some("2.11.3"));
    assert!(b.aliases.contains(&"PYSEC-2021-66".to_owned()));
    // 2.11.3 is clean.
    let fixed = [Package::new(PackageKind::Python, "jinja2", "2.11.3", "x")];
    assert!(match_packages(db, None, &fixed).unwrap().is_empty());
}

/// Reads `lib/apk/db/installed` from the shared Alpine 3.10 test image (a `docker save` tar.gz).
fn alpine_packages(archive: &Path) -> Vec<Package> {
    let mut outer = tar::Archive::new(flate2::read::GzDecoder::new(std::fs::File::open(archive).unwrap()));
    let mut installed = String::new();
    for e in outer.entries().unwrap() {
        let mut e = e.unwrap();
        if !e.path().unwrap().to_string_lossy().ends_with("layer.tar") {
            continue;
        }
        let mut layer = Vec::new();
        e.read_to_end(&mut layer).unwrap();
        for f in tar::Archive::new(&layer[..]).entries().unwrap() {
            let mut f = f.unwrap();
            if f.path().unwrap().to_string_lossy() == "lib/apk/db/installed" {
                installed.clear();
                f.read_to_string(&mut installed).unwrap();
            }
        }
    }
    let mut out = Vec::new();
    for block in installed.split("\n\n") {
        let field = |k: &str| block.lines().find_map(|l| l.strip_prefix(k)).map(str::to_owned);
        let (Some(name), Some(version)) = (field("P:"), field("V:")) else { continue };
        let mut p = Package::new(PackageKind::Apk, name, version, "lib/apk/db/installed");
        p.source_name = field("o:");
        out.push(p);
    }
    out
}

#[test]
fn alpine_3_10_image_against_its_branch() {
    let (Some(db), Some(shared)) = (db(), shared()) else { return };
    let archive = shared.join("fixtures/trivy-fixtures/pkg/fanal/test/testdata/alpine-310.tar.gz");
    if !archive.is_file() {
        plimsoll_test_support::require(&format!("{} is absent", archive.display()));
        return;
    }
    let pkgs = alpine_packages(&archive);
    assert_eq!(pkgs.len(), 14);
    let a310 = os(OsFamily::Alpine, "alpine", "3.10.4");
    // Every package in this 3.10.4 image is at or above the fix the v3.10 secdb lists
    // (musl 1.1.22-r3 = CVE-2019-14697's fix, busybox 1.30.1-r3 > 1.30.1-r2, openssl 1.1.1d-r2 >
    // 1.1.1d-r0): no findings.
    let out = match_packages_detailed(db, Some(&a310), &pkgs).unwrap();
    assert!(out.vulnerabilities.is_empty(), "{:?}", ids(&out.vulnerabilities));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    // The same openssl judged by the v3.11 branch would be vulnerable to CVE-2019-1551 (fixed
    // there in 1.1.1d-r3): the branch matters.
    let ssl: Vec<Package> = pkgs.iter().filter(|p| p.name == "libssl1.1").cloned().collect();
    let v = match_packages(db, Some(&os(OsFamily::Alpine, "alpine", "3.11.0")), &ssl).unwrap();
    assert_eq!(ids(&v), ["CVE-2019-1551"]);
    assert_eq!(v[0].fixed_version.as_deref(), Some("1.1.1d-r3"));
    assert_eq!(v[0].package_name, "libssl1.1", "reported on the binary package, matched by origin");
    // An older musl on 3.10 is caught by origin name.
    let mut musl = Package::new(PackageKind::Apk, "musl-utils", "1.1.22-r2", "lib/apk/db/installed");
    musl.source_name = Some("musl".into());
    let v = match_packages(db, Some(&a310), &[musl]).unwrap();
    assert_eq!(ids(&v), ["CVE-2019-14697"]);
    assert_eq!(v[0].fixed_version.as_deref(), Some("1.1.22-r3"));
}

#[test]
fn almalinux_9_openssl_with_epoch() {
    let Some(db) = db() else { return };
    let alma = os(OsFamily::Almalinux, "almalinux", "9.3");
    let mut p = Package::new(PackageKind::Rpm, "openssl-libs", "3.0.7-24.el9", "var/lib/rpm/rpmdb.sqlite");
    p.epoch = Some(1);
    p.release = Some("24.el9".into());
    p.source_name = Some("openssl".into());
    let v = match_packages(db, Some(&alma), &[p.clone()]).unwrap();
    // openssl-libs advisories in almalinux9/: fixes up to 1:3.0.7-16.el9_2 are older than
    // 1:3.0.7-24.el9; the ten from ALSA-2024:0310 (1:3.0.7-25.el9_3) on are not.
    let mut got = ids(&v);
    got.sort();
    assert_eq!(
        got,
        [
            "ALSA-2024:0310",
            "ALSA-2024:2447",
            "ALSA-2024:6783",
            "ALSA-2024:9333",
            "ALSA-2025:1330",
            "ALSA-2025:21255",
            "ALSA-2026:1473",
            "ALSA-2026:19218",
            "ALSA-2026:22312",
            "ALSA-2026:25239"
        ]
    );
    let a = find(&v, "ALSA-2024:0310");
    assert_eq!(a.fixed_version.as_deref(), Some("1:3.0.7-25.el9_3"));
    assert_eq!(a.related, ["CVE-2023-5363"]);
    assert_eq!(a.severity, Severity::Medium, "Moderate");
    assert_eq!(find(&v, "ALSA-2025:1330").severity, Severity::High, "Important");
    // Without the epoch the package would look older than every 1:... fix: all 15 advisories.
    p.epoch = None;
    assert_eq!(match_packages(db, Some(&alma), &[p]).unwrap().len(), 15);
}

#[test]
fn debian_11_openssl_by_source_package() {
    let Some(db) = db() else { return };
    let deb = os(OsFamily::Debian, "debian", "11");
    let mut p = Package::new(PackageKind::Dpkg, "libssl1.1", "1.1.1n-0+deb11u3", "var/lib/dpkg/status");
    p.source_name = Some("openssl".into());
    let v = match_packages(db, Some(&deb), &[p]).unwrap();
    // DSA-5343-1 fixed five CVEs in 1.1.1n-0+deb11u4; DSA-5169-1's fix is exactly deb11u3.
    assert_eq!(ids(&v), ["CVE-2022-2097", "CVE-2022-4304", "CVE-2022-4450", "CVE-2023-0215", "CVE-2023-0286"]);
    for x in &v {
        assert_eq!(x.fixed_version.as_deref(), Some("1.1.1n-0+deb11u4"));
        // The CVE advisory relates every announcement that fixed it (DLA-3325-1 did for buster).
        assert!(x.related.contains(&"DSA-5343-1".to_owned()), "{:?}", x.related);
    }
}

#[test]
fn debian_12_image_has_no_dsa_data() {
    let (Some(db), Some(shared)) = (db(), shared()) else { return };
    // The DSA/DLA lists end in March 2023, before bookworm had security updates: the debian-app
    // image (bookworm) must come out clean rather than be matched against older releases.
    let tsv = std::fs::read_to_string(shared.join("images/debian-app.dpkg.tsv")).unwrap();
    let pkgs: Vec<Package> = tsv
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let mut p = Package::new(PackageKind::Dpkg, *f.first()?, *f.get(1)?, "var/lib/dpkg/status");
            p.source_name = f.get(3).map(|s| (*s).to_owned());
            p.source_version = f.get(4).map(|s| (*s).to_owned());
            Some(p)
        })
        .collect();
    assert!(pkgs.len() > 90);
    let out = match_packages_detailed(db, Some(&os(OsFamily::Debian, "debian", "12")), &pkgs).unwrap();
    assert!(out.vulnerabilities.is_empty());
    // Judged as bullseye, the same versions are newer than every fix: still nothing.
    let v = match_packages(db, Some(&os(OsFamily::Debian, "debian", "11")), &pkgs).unwrap();
    assert!(v.is_empty(), "{:?}", ids(&v));
}

#[test]
fn crates_go_rubygems_packagist() {
    let Some(db) = db() else { return };
    let v = match_packages(db, None, &[Package::new(PackageKind::Cargo, "image", "0.21.0", "Cargo.lock")]).unwrap();
    assert_eq!(ids(&v), ["CVE-2019-16138", "CVE-2020-35916"]);
    assert_eq!(find(&v, "CVE-2019-16138").fixed_version.as_deref(), Some("0.21.3"));
    assert_eq!(find(&v, "CVE-2019-16138").severity, Severity::Critical, "from the CVSS 3.1 vector (9.8)");
    assert_eq!(find(&v, "CVE-2020-35916").fixed_version.as_deref(), Some("0.23.12"));

    let v =
        match_packages(db, None, &[Package::new(PackageKind::Go, "stdlib", "go1.4.2", "usr/local/bin/app")]).unwrap();
    let http = find(&v, "GO-2021-0159");
    assert_eq!(http.fixed_version.as_deref(), Some("1.4.3"));
    assert_eq!(
        http.aliases,
        ["CVE-2015-5739", "CVE-2015-5740", "CVE-2015-5741"],
        "three CVEs: the Go id stays primary"
    );

    let v = match_packages(db, None, &[Package::new(PackageKind::Gem, "actionpack", "2.1.2", "Gemfile.lock")]).unwrap();
    assert_eq!(find(&v, "CVE-2008-7248").fixed_version.as_deref(), Some("2.1.3"));

    let v = match_packages(
        db,
        None,
        &[Package::new(PackageKind::Composer, "symfony/http-foundation", "2.0.18", "composer.lock")],
    )
    .unwrap();
    let x = find(&v, "CVE-2012-6431");
    assert_eq!(x.fixed_version.as_deref(), Some("2.0.19"));
}
