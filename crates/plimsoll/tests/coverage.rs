//! Database coverage on the shared Debian 12 image (issue 12): with a database built from
//! `../shared/advisories` (no Debian 12, npm or Maven data), those three come out as not
//! covered, with the number of packages each leaves unchecked. Skips when `../shared` is absent.

#![allow(clippy::print_stderr)]

use std::path::Path;
use std::sync::Arc;

use plimsoll::{scan_image, ScanOptions};
use plimsoll_advisory::Database;
use plimsoll_image::{open, ImageRef, OpenOptions};
use plimsoll_model::coverage::CoverageKind;
use plimsoll_model::{PackageKind, PackageOrigin, Severity};

#[test]
fn debian_12_npm_and_maven_are_not_covered_by_the_shared_advisories() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if !shared.join("advisories").is_dir() || !shared.join("images/debian-app.oci.tar").is_file() {
        plimsoll_test_support::require(&format!("{} is absent", shared.display()));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("adv.db");
    Database::build(&[shared.join("advisories")], &db_path).unwrap();
    let db = Arc::new(Database::open(&db_path).unwrap());

    let r = ImageRef::parse(&format!("oci-archive:{}", shared.join("images/debian-app.oci.tar").display())).unwrap();
    let image = open(&r, &OpenOptions::default()).unwrap();
    let report =
        scan_image(&image, &ScanOptions { advisories: Some(Arc::clone(&db)), ..ScanOptions::default() }).unwrap();
    // The report carries it (`vulnerability_scan`), as the library computes it.
    let cov = report.vulnerability_scan.clone().expect("a scan with a database reports its coverage");
    assert_eq!(cov, plimsoll_advisory::coverage(&db, report.os.as_ref(), &report.packages).unwrap());
    for t in &cov.targets {
        eprintln!(
            "{:?} {} {:?}: {} packages, covered {}, {:?}",
            t.kind, t.name, t.namespace, t.packages, t.covered, t.reason
        );
    }

    let count = |k: PackageKind| {
        report.packages.iter().filter(|p| p.kind == k && p.origin != Some(PackageOrigin::Local)).count()
    };
    let target = |name: &str| cov.targets.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("{name}: {cov:?}"));

    // The dpkg ground truth of the image (`dpkg-query` output, one line per package).
    let tsv = std::fs::read_to_string(shared.join("images/debian-app.dpkg.tsv")).unwrap();
    let dpkg = tsv.lines().filter(|l| !l.trim().is_empty()).count();
    let debian = target("Debian 12");
    assert_eq!((debian.kind, debian.namespace.as_deref()), (CoverageKind::Os, Some("Debian:12")));
    assert!(!debian.covered);
    assert_eq!(debian.end_of_life.as_deref(), Some("2028-06-30"), "Debian 12 LTS ends 2028-06-30");
    assert_eq!((debian.packages, debian.packages_not_covered), (dpkg, dpkg));

    for (name, kind) in [("npm", PackageKind::Npm), ("Maven", PackageKind::Maven)] {
        let t = target(name);
        assert!(!t.covered, "{name}");
        assert!(t.packages > 0 && t.packages == count(kind) && t.packages_not_covered == t.packages, "{t:?}");
    }
    // What the shared set has is covered.
    for name in ["PyPI", "Go", "crates.io"] {
        let t = target(name);
        assert!(t.covered && t.packages_not_covered == 0, "{t:?}");
    }
    assert!(cov.database.sources.iter().any(|s| s == "pypi-osv") && cov.database.advisories > 0);

    // Issue 12's severity figure: how many findings remain UNKNOWN, and how many were rated
    // through an alias (they were UNKNOWN before alias ratings).
    let unknown = report.vulnerabilities.iter().filter(|v| v.severity == Severity::Unknown).count();
    let via_alias = report
        .vulnerabilities
        .iter()
        .filter(|v| v.severity_source.as_deref().is_some_and(|s| s.ends_with(')')))
        .count();
    eprintln!(
        "findings: {}, UNKNOWN now: {unknown}, UNKNOWN before alias ratings: {}",
        report.vulnerabilities.len(),
        unknown + via_alias
    );
}
