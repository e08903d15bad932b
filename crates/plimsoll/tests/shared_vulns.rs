//! Vulnerability matching end to end: a database built from the real advisories in
//! `../shared/advisories` (plus the repo's demo set for npm, which the shared corpus lacks),
//! matched against the application packages of the shared Debian image.
//! Skips with a printed reason when `../shared` is absent.

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use plimsoll::{scan_image, ScanOptions};
use plimsoll_advisory::Database;
use plimsoll_image::{open, ImageRef, OpenOptions};

#[test]
fn debian_app_application_vulnerabilities() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = root.join("../shared");
    if !shared.join("advisories").is_dir() {
        plimsoll_test_support::require(&format!("{} is absent", shared.display()));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("adv.db");
    let sources: Vec<PathBuf> = ["pypi-osv", "go-vulndb", "rustsec-osv"]
        .iter()
        .map(|s| shared.join("advisories").join(s))
        .chain([root.join("demo/advisories")])
        .collect();
    Database::build(&sources, &db_path).unwrap();
    let db = Arc::new(Database::open(&db_path).unwrap());

    let r = ImageRef::parse(&format!("oci-archive:{}", shared.join("images/debian-app.oci.tar").display())).unwrap();
    let image = open(&r, &OpenOptions::default()).unwrap();
    let opts = ScanOptions { advisories: Some(db), ..ScanOptions::default() };
    let report = scan_image(&image, &opts).unwrap();

    let ids_for = |name: &str| -> Vec<String> {
        report
            .vulnerabilities
            .iter()
            .filter(|v| v.package_name.eq_ignore_ascii_case(name))
            .flat_map(|v| std::iter::once(v.id.clone()).chain(v.aliases.iter().cloned()))
            .collect()
    };
    // requests 2.19.0 (requirements.txt and dist-info): CVE-2018-18074, fixed in 2.20.0.
    assert!(ids_for("requests").iter().any(|i| i == "CVE-2018-18074"), "{:?}", ids_for("requests"));
    let v = report.vulnerabilities.iter().find(|v| v.package_name == "requests").unwrap();
    assert_eq!(v.layer.as_ref().unwrap().index, 1, "introduced by the COPY layer");
    // urllib3 1.24.1 and Django 2.2.0 have PyPA advisories too.
    assert!(!ids_for("urllib3").is_empty() && !ids_for("django").is_empty());
    // lodash 4.17.15: prototype pollution (from the repo's demo set).
    assert!(ids_for("lodash").iter().any(|i| i == "CVE-2020-8203"));
    // smallvec 1.6.0 in Cargo.lock: RUSTSEC-2021-0003 (buffer overflow in insert_many).
    assert!(ids_for("smallvec").iter().any(|i| i == "RUSTSEC-2021-0003"), "{:?}", ids_for("smallvec"));
    // The Go binary was built with Go 1.19.8: the standard library has Go advisories.
    assert!(!ids_for("stdlib").is_empty(), "stdlib of go1.19.8 should match go-vulndb");
    // Every finding names a fixed version or says it is unfixed.
    for v in &report.vulnerabilities {
        assert!(v.fixed_version.is_some() || v.status == plimsoll_model::vuln::VulnStatus::Unfixed, "{v:?}");
    }
}
