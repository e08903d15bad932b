//! OS detection over whole root filesystems: every release file the analyzer wants is analysed
//! and the facts are merged by `assemble`, as for an image. Our own small roots exercise the
//! ranking of release files; the shared fixtures' roots (grype, syft, trivy) cover real files.
#![allow(clippy::print_stderr)]

mod dpkg_support;

use std::path::Path;

use plimsoll_inventory::os_release::OsReleaseAnalyzer;
use plimsoll_inventory::{assemble, Analyzer, Facts, LayerFacts};
use plimsoll_model::{OsFamily, OsRelease};

/// The OS of the root filesystem at `root`.
fn detect(root: &Path) -> Option<OsRelease> {
    let mut layer = LayerFacts::default();
    for file in dpkg_support::walk(root) {
        let rel = file.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        if OsReleaseAnalyzer.wants(&rel) {
            let facts: Facts = OsReleaseAnalyzer
                .analyze(&rel, &std::fs::read(&file).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            layer.files.push((rel, facts));
        }
    }
    assemble(&[layer], |_, _| true, &[]).os
}

type Expect = (OsFamily, &'static str, Option<&'static str>, Option<&'static str>);

fn check(root: &Path, want: Expect) {
    let os = detect(root).unwrap_or_else(|| panic!("{}: no OS detected", root.display()));
    let got = (os.family, os.id.as_str(), os.version_id.as_deref(), os.codename.as_deref());
    assert_eq!(got, want, "{}: {os:?}", root.display());
}

#[test]
fn own_roots() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/os-release");
    // Oracle Linux ships a redhat-release naming RHEL; its own file ranks higher.
    check(&base.join("oracle8"), (OsFamily::Oracle, "ol", Some("8.9"), None));
    // os-release of Debian testing has no version; debian_version supplies the codename.
    check(&base.join("debian-testing"), (OsFamily::Debian, "debian", None, Some("trixie")));
    // Without os-release, lsb-release outranks the debian_version every Ubuntu carries.
    check(&base.join("ubuntu-lsb"), (OsFamily::Ubuntu, "ubuntu", Some("14.04"), Some("trusty")));
    check(&base.join("sles11"), (OsFamily::Sles, "sles", Some("11.4"), None));
    check(&base.join("amzn2"), (OsFamily::Amazon, "amzn", Some("2"), Some("karoo")));
    check(&base.join("mariner2"), (OsFamily::Mariner, "mariner", Some("2.0"), None));

    let os = detect(&base.join("quoting")).unwrap();
    assert_eq!((os.family, os.id.as_str(), os.version_id.as_deref()), (OsFamily::Rocky, "rocky", Some("9.3")));
    assert_eq!(os.pretty_name.as_deref(), Some("Rocky Linux 9.3 \"Blue Onyx\" $HOME \\ done"));
}

#[test]
fn grype_distro_roots() {
    let Some(shared) = dpkg_support::shared("grype_distro_roots") else { return };
    let os = shared.join("fixtures/grype-fixtures/grype/distro/testdata/os");
    let cases: &[(&str, Expect)] = &[
        ("almalinux", (OsFamily::Almalinux, "almalinux", Some("8.4"), None)),
        ("alpine", (OsFamily::Alpine, "alpine", Some("3.11.6"), None)),
        ("alpine-edge", (OsFamily::Alpine, "alpine", Some("3.22.0_alpha20250108"), None)),
        ("amazon", (OsFamily::Amazon, "amzn", Some("2"), None)),
        ("azurelinux", (OsFamily::Azurelinux, "azurelinux", Some("3.0"), None)),
        ("centos", (OsFamily::Centos, "centos", Some("8"), None)),
        ("centos5", (OsFamily::Centos, "centos", Some("5.7"), Some("final"))),
        ("chainguard", (OsFamily::Chainguard, "chainguard", Some("20230214"), None)),
        ("debian", (OsFamily::Debian, "debian", Some("8"), Some("jessie"))),
        ("debian-sid", (OsFamily::Debian, "debian", None, Some("trixie"))),
        ("fedora", (OsFamily::Fedora, "fedora", Some("31"), None)),
        ("mariner", (OsFamily::Mariner, "mariner", Some("1.0"), None)),
        ("opensuse-leap", (OsFamily::Opensuse, "opensuse-leap", Some("15.2"), None)),
        ("oraclelinux", (OsFamily::Oracle, "ol", Some("8.3"), None)),
        ("photon", (OsFamily::Photon, "photon", Some("2.0"), None)),
        ("raspbian", (OsFamily::Debian, "raspbian", Some("9"), Some("stretch"))),
        ("redhat", (OsFamily::Rhel, "rhel", Some("7.3"), None)),
        ("rockylinux", (OsFamily::Rocky, "rocky", Some("8.4"), None)),
        ("scientific6", (OsFamily::Rhel, "scientific", Some("6.10"), Some("carbon"))),
        ("sles", (OsFamily::Sles, "sles", Some("15.2"), None)),
        ("ubuntu", (OsFamily::Ubuntu, "ubuntu", Some("20.04"), Some("focal"))),
        ("wolfi", (OsFamily::Wolfi, "wolfi", Some("20220914"), None)),
        ("gentoo", (OsFamily::Unknown, "gentoo", None, None)),
        ("postmarketos", (OsFamily::Alpine, "postmarketos", Some("v25.06"), None)),
    ];
    for (dir, want) in cases {
        check(&os.join(dir), *want);
    }
    // An empty os-release says nothing.
    assert_eq!(detect(&os.join("empty")), None);
    eprintln!("grype distro roots: {} checked", cases.len());
}

#[test]
fn syft_and_trivy_roots() {
    let Some(shared) = dpkg_support::shared("syft_and_trivy_roots") else { return };
    let syft = shared.join("fixtures/syft-fixtures/syft/linux/testdata");
    let cases: &[(&str, Expect)] = &[
        (
            "os/almalinux/from-redhat-release",
            (OsFamily::Almalinux, "almalinux", Some("8.10"), Some("cerulean leopard")),
        ),
        ("os/redhat/from-redhat-release", (OsFamily::Rhel, "rhel", Some("8.10"), Some("ootpa"))),
        ("os/rockylinux/from-redhat-release", (OsFamily::Rocky, "rocky", Some("8.10"), Some("green obsidian"))),
        // debian_version refines nothing here (os-release has VERSION_ID) but agrees on the family.
        ("os/debian/with-point-release", (OsFamily::Debian, "debian", Some("13"), Some("trixie"))),
        ("partial-fields/missing-id", (OsFamily::Debian, "linux", Some("8"), None)),
        ("partial-fields/unknown-id", (OsFamily::Debian, "my-awesome-distro", Some("8"), None)),
    ];
    for (dir, want) in cases {
        check(&syft.join(dir), *want);
    }
    let trivy = shared.join("fixtures/trivy-fixtures/pkg/fanal/analyzer/os");
    let one_file = |dir: &str, file: &str, as_path: &str| {
        let facts = OsReleaseAnalyzer.analyze(as_path, &std::fs::read(trivy.join(dir).join(file)).unwrap()).unwrap();
        let os = facts.os.unwrap();
        (os.family, os.version_id, os.codename)
    };
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        one_file("debian/testdata/debian_9/etc", "debian_version", "etc/debian_version"),
        (OsFamily::Debian, s("9.8"), None)
    );
    assert_eq!(
        one_file("debian/testdata/debian_sid/etc", "debian_version", "etc/debian_version"),
        (OsFamily::Debian, None, s("buster"))
    );
    assert_eq!(
        one_file("redhatbase/testdata/centos", "centos-release", "etc/centos-release"),
        (OsFamily::Centos, s("7.6.1810"), s("core"))
    );
    assert_eq!(
        one_file("redhatbase/testdata/oracle_7", "oracle-release", "etc/oracle-release"),
        (OsFamily::Oracle, s("7.6"), None)
    );
    assert_eq!(
        one_file("redhatbase/testdata/fedora_29", "fedora-release", "etc/fedora-release"),
        (OsFamily::Fedora, s("29"), s("twenty nine"))
    );
    assert_eq!(
        one_file("ubuntu/testdata", "lsb-release", "etc/lsb-release"),
        (OsFamily::Ubuntu, s("18.04"), s("bionic"))
    );
}
