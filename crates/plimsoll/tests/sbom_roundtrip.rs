//! SBOM round trip: a report rendered as CycloneDX and as SPDX by plimsoll-report and read back by
//! plimsoll-inventory's SBOM reader gives the same OS and the same (kind, name, version) set.
//! Lives here because the two domain crates do not depend on each other.

#![allow(clippy::print_stderr)]

use std::collections::BTreeSet;
use std::path::Path;

use plimsoll::{scan_image, ScanOptions};
use plimsoll_image::{open, ImageRef, OpenOptions};
use plimsoll_inventory::sbom::read_sbom;
use plimsoll_model::{purl, OsFamily, OsRelease, Package, PackageKind, ScanReport};
use plimsoll_report::{render, Format, RenderOptions};

type Key = (PackageKind, String, String);

fn keys(packages: &[Package]) -> BTreeSet<Key> {
    packages.iter().map(|p| (p.kind, p.name.clone(), p.version.clone())).collect()
}

fn round_trip(report: &ScanReport) {
    let want = keys(&report.packages);
    for format in [Format::CycloneDx, Format::SpdxJson] {
        let mut out = Vec::new();
        render(report, format, &mut out, &RenderOptions::default()).unwrap();
        let inv = read_sbom(&out).unwrap_or_else(|e| panic!("{format}: {e}"));
        assert_eq!(keys(&inv.packages), want, "{format}");
        assert!(inv.warnings.is_empty(), "{format}: {:?}", inv.warnings);
        let (got, os) = (inv.os.as_ref().unwrap(), report.os.as_ref().unwrap());
        assert_eq!((got.family, &got.id, &got.version_id), (os.family, &os.id, &os.version_id), "{format}");
        // Source packages, which distro advisories are keyed by, survive too.
        for p in inv.packages.iter().filter(|p| p.kind.is_os()) {
            let orig = report.packages.iter().find(|o| o.purl == p.purl).unwrap();
            assert_eq!(p.source_name, orig.source_name, "{format}: {}", p.name);
            assert_eq!(p.purl, orig.purl, "{format}");
        }
    }
}

fn pkg(kind: PackageKind, name: &str, version: &str, os: &OsRelease) -> Package {
    let mut p = Package::new(kind, name, version, "somewhere");
    if kind.is_os() {
        p.arch = Some("amd64".into());
        p.source_name = Some(format!("{name}-src"));
        p.source_version = Some(version.into());
    }
    if kind == PackageKind::Rpm {
        p.epoch = version.split_once(':').and_then(|(e, _)| e.parse().ok());
        p.release = version.rsplit_once('-').map(|(_, r)| r.into());
    }
    p.purl = purl::for_package(&p, Some(os));
    p
}

#[test]
fn every_package_kind_survives_cyclonedx_and_spdx() {
    let os = OsRelease {
        family: OsFamily::Debian,
        id: "debian".into(),
        version_id: Some("12".into()),
        codename: Some("bookworm".into()),
        pretty_name: None,
        source_path: "etc/os-release".into(),
    };
    let mut report = plimsoll::empty_report("dir", plimsoll_model::ArtifactKind::Filesystem);
    report.created_at = "2025-01-01T00:00:00Z".into();
    report.packages = vec![
        pkg(PackageKind::Dpkg, "libc6", "2.36-9+deb12u4", &os),
        pkg(PackageKind::Dpkg, "perl-base", "1:5.36.0-7+deb12u1", &os),
        pkg(PackageKind::Rpm, "openssl", "1:3.0.7-24.el9", &os),
        pkg(PackageKind::Apk, "busybox", "1.36.1-r15", &os),
        pkg(PackageKind::Python, "Jinja2", "2.10", &os),
        pkg(PackageKind::Npm, "@babel/core", "7.0.0", &os),
        pkg(PackageKind::Npm, "lodash", "4.17.20", &os),
        pkg(PackageKind::Cargo, "serde", "1.0.0", &os),
        pkg(PackageKind::Go, "github.com/gorilla/mux", "v1.8.0", &os),
        pkg(PackageKind::Go, "stdlib", "v1.21.0", &os),
        pkg(PackageKind::Maven, "org.apache.logging.log4j:log4j-core", "2.14.1", &os),
        pkg(PackageKind::Gem, "rails", "6.1.0", &os),
        pkg(PackageKind::Composer, "laravel/framework", "8.0.0", &os),
        pkg(PackageKind::Nuget, "Newtonsoft.Json", "12.0.1", &os),
    ];
    report.os = Some(os);
    round_trip(&report);
}

#[test]
fn a_real_image_scan_survives_cyclonedx_and_spdx() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/images/c-alpine-3.14/oci");
    if !dir.is_dir() {
        plimsoll_test_support::require(&format!("{} is absent", dir.display()));
        return;
    }
    let r = ImageRef::parse(&format!("oci:{}", dir.display())).unwrap();
    let image = open(&r, &OpenOptions::default()).unwrap();
    let report = scan_image(&image, &ScanOptions::default()).unwrap();
    assert!(report.packages.len() >= 10);
    round_trip(&report);
}
