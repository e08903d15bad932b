//! apk installed databases: our own fixture, every apk database among the shared fixtures
//! (checked against an independent count of their records), and real Alpine images.
#![allow(clippy::print_stderr)]

mod dpkg_support;

use std::path::Path;

use plimsoll_inventory::pkgdb::apk::{parse_installed, ApkInstalled};
use plimsoll_inventory::Analyzer;
use plimsoll_model::{OsFamily, PackageKind};

/// The names of the records that have both a `P:` and a `V:` line, counted without the parser:
/// records are runs of lines between blank lines.
fn expected_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let text = text.replace("\r\n", "\n");
    for record in text.split("\n\n") {
        let name = record.lines().find_map(|l| l.strip_prefix("P:"));
        let has_version = record.lines().any(|l| l.starts_with("V:") && l.len() > 2);
        if let (Some(name), true) = (name, has_version) {
            names.push(name.trim().to_owned());
        }
    }
    names
}

#[test]
fn own_fixture() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/apk/installed");
    let facts = ApkInstalled.analyze("lib/apk/db/installed", &std::fs::read(path).unwrap()).unwrap();
    let got: Vec<_> = facts
        .packages
        .iter()
        .map(|p| {
            (p.name.as_str(), p.version.as_str(), p.release.as_deref(), p.source_name.as_deref(), p.arch.as_deref())
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("musl", "1.2.4-r2", Some("r2"), Some("musl"), Some("x86_64")),
            ("libcrypto3", "3.1.4-r5", Some("r5"), Some("openssl"), Some("x86_64")),
            ("busybox", "1.36.1-r15", Some("r15"), Some("busybox"), Some("x86_64")),
            ("linux-headers", "6.5-r0", Some("r0"), Some("linux-headers"), Some("aarch64")),
        ]
    );
    let crypto = &facts.packages[1];
    assert_eq!(crypto.files, vec!["etc/ssl/ct_log_list.cnf", "usr/lib/libcrypto.so.3", "usr/lib/engines-3/afalg.so"]);
    assert_eq!(crypto.licenses, vec!["Apache-2.0"]);
    assert_eq!(crypto.source_version.as_deref(), Some("3.1.4-r5"));
    assert_eq!(crypto.kind, PackageKind::Apk);
    assert_eq!(facts.packages[2].supplier.as_deref(), Some("Sören Tempel <soeren+alpine@soeren-tempel.net>"));
    assert_eq!(facts.packages[3].licenses, vec!["GPL-2.0-only WITH Linux-syscall-note"]);
    assert_eq!(facts.warnings.len(), 1, "{:?}", facts.warnings);
    assert!(facts.warnings[0].contains("line 61 (no V: line)"), "{:?}", facts.warnings);
}

#[test]
fn shared_apk_databases() {
    let Some(shared) = dpkg_support::shared("shared_apk_databases") else { return };
    let fixtures = shared.join("fixtures");
    let mut total = 0;
    let mut dbs = 0;
    for file in dpkg_support::walk(&fixtures) {
        let rel = file.strip_prefix(&fixtures).unwrap().to_string_lossy().into_owned();
        let in_apk_testdata = rel.contains("cataloger/alpine/testdata/") || rel.contains("pkg/apk/testdata/");
        if file.file_name().is_none_or(|n| n != "installed") && !in_apk_testdata {
            continue;
        }
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let looks_like_apk = text.lines().any(|l| l.starts_with("P:"));
        if !looks_like_apk && !rel.ends_with("apk/db/installed") {
            continue;
        }
        dbs += 1;
        let expected = expected_names(&text);
        match parse_installed("lib/apk/db/installed", &text) {
            Ok(facts) => {
                let names: Vec<_> = facts.packages.iter().map(|p| p.name.clone()).collect();
                assert_eq!(names, expected, "{rel}");
                for p in &facts.packages {
                    assert!(
                        p.source_name.is_some() && p.source_version.as_deref() == Some(p.version.as_str()),
                        "{rel}"
                    );
                }
                eprintln!("{rel}: {} packages, {} warnings", names.len(), facts.warnings.len());
                total += names.len();
            }
            Err(e) => {
                // Only for files without a single readable record (syft's `glob-paths` one).
                assert!(expected.is_empty(), "{rel}: {e}");
                eprintln!("{rel}: {e}");
            }
        }
    }
    eprintln!("{dbs} apk databases, {total} packages");
    assert!(dbs >= 15, "found only {dbs} apk databases");
}

/// Syft's apk fixtures with oddities, checked by hand.
#[test]
fn syft_apk_expectations() {
    let Some(shared) = dpkg_support::shared("syft_apk_expectations") else { return };
    let dir = shared.join("fixtures/syft-fixtures/syft/pkg/cataloger/alpine/testdata");
    let parse = |rel: &str| parse_installed("lib/apk/db/installed", &std::fs::read_to_string(dir.join(rel)).unwrap());
    // A garbage first line, then a good record.
    let corrupt = parse("corrupt/lib/apk/db/installed").unwrap();
    assert_eq!(corrupt.packages.len(), 1);
    assert_eq!(corrupt.warnings.len(), 1);
    assert!(parse("glob-paths/lib/apk/db/installed").is_err());
    let single = parse("single").unwrap().packages;
    assert_eq!((single[0].name.as_str(), single[0].version.as_str()), ("musl-utils", "1.1.24-r2"));
    assert_eq!(single[0].licenses, vec!["MIT", "BSD", "GPL2+"]);
    assert!(single[0].files.iter().any(|f| f == "sbin/ldconfig"), "{:?}", single[0].files);
}

/// Alpine 3.14 as an OCI layout, with its ground truth.
#[test]
fn alpine_oci_image_matches_ground_truth() {
    let Some(shared) = dpkg_support::shared("alpine_oci_image_matches_ground_truth") else { return };
    let dir = shared.join("images/c-alpine-3.14");
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("ground-truth.json")).unwrap()).unwrap();
    let (_, inventory, errors) = dpkg_support::analyze_layers(&dpkg_support::oci_layout_layers(&dir.join("oci")));
    assert!(errors.is_empty(), "{errors:?}");
    let mut expected: Vec<(String, String)> = truth["images"][0]["final_packages"]["apk"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    expected.sort();
    let mut got: Vec<_> = inventory.packages.iter().map(|p| (p.name.clone(), p.version.clone())).collect();
    got.sort();
    assert_eq!(got, expected);
    assert!(inventory.packages.iter().all(|p| p.release.is_some()));
    let busybox = inventory.packages.iter().find(|p| p.name == "busybox").unwrap();
    assert!(busybox.files.iter().any(|f| f == "bin/busybox"), "{:?}", busybox.files);
    // libc-utils is a metapackage: no files of its own.
    let without_files: Vec<_> = inventory.packages.iter().filter(|p| p.files.is_empty()).map(|p| &p.name).collect();
    assert_eq!(without_files, vec!["libc-utils"]);
    let os = inventory.os.unwrap();
    assert_eq!((os.family, os.version_id.as_deref()), (OsFamily::Alpine, Some("3.14.10")));
    eprintln!("c-alpine-3.14: {} packages", got.len());
}

/// Trivy's `docker save` archives of alpine:3.10 and alpine:3.11.
#[test]
fn alpine_docker_archives() {
    let Some(shared) = dpkg_support::shared("alpine_docker_archives") else { return };
    for (name, version_prefix) in [("alpine-310", "3.10."), ("alpine-311", "3.11.")] {
        let archive = shared.join(format!("fixtures/trivy-fixtures/pkg/fanal/test/testdata/{name}.tar.gz"));
        let layers = dpkg_support::docker_archive_layers(&archive);
        let db = layers
            .iter()
            .flat_map(|l| &l.files)
            .find(|(p, _)| p == "lib/apk/db/installed")
            .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
            .expect("apk database");
        let (_, inventory, errors) = dpkg_support::analyze_layers(&layers);
        assert!(errors.is_empty(), "{errors:?}");
        let names: Vec<_> = inventory.packages.iter().map(|p| p.name.clone()).collect();
        let mut expected = expected_names(&db);
        expected.sort();
        assert_eq!(names, expected, "{name}");
        let os = inventory.os.unwrap();
        assert_eq!(os.family, OsFamily::Alpine);
        assert!(os.version_id.as_deref().unwrap_or("").starts_with(version_prefix), "{os:?}");
        eprintln!("{name}: {} packages, os {:?}", names.len(), os.version_id);
    }
}
