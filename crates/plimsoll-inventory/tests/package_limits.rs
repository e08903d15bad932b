//! Issue 17 item 5: package databases, lockfiles and SBOMs are read under an explicit limit of
//! [`MAX_PACKAGES_PER_FILE`] records; past it the whole file is refused with an error naming the
//! limit, never read as a truncated list.

use std::fmt::Write as _;

use plimsoll_inventory::lang::{npm_lock::NpmLock, requirements::RequirementsTxt};
use plimsoll_inventory::pkgdb::apk::parse_installed;
use plimsoll_inventory::pkgdb::dpkg::parse_status;
use plimsoll_inventory::sbom::{read_sbom, SbomError};
use plimsoll_inventory::{AnalyzeError, Analyzer, MAX_PACKAGES_PER_FILE};

const MAX: usize = MAX_PACKAGES_PER_FILE;

fn status(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        write!(s, "Package: p{i}\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n\n").unwrap();
    }
    s
}

fn assert_too_many(r: Result<plimsoll_inventory::Facts, AnalyzeError>, path: &str) {
    match r {
        Err(e @ AnalyzeError::TooMany { .. }) => {
            let msg = e.to_string();
            assert!(msg.starts_with(path) && msg.contains(&format!("more than {MAX} ")), "{msg}");
        }
        Err(e) => panic!("{path}: wrong error {e}"),
        Ok(f) => panic!("{path}: read {} packages past the limit", f.packages.len()),
    }
}

#[test]
fn dpkg_status_at_and_past_the_limit() {
    let at = parse_status("var/lib/dpkg/status", &status(MAX)).unwrap();
    assert_eq!(at.packages.len(), MAX);
    assert_too_many(parse_status("var/lib/dpkg/status", &status(MAX + 1)), "var/lib/dpkg/status");
    // Stanzas that are not installed hold no package and do not count.
    let mut text = status(MAX);
    text.push_str("Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n\n");
    assert_eq!(parse_status("var/lib/dpkg/status", &text).unwrap().packages.len(), MAX);
}

#[test]
fn apk_database_past_the_limit() {
    let db = |n: usize| {
        let mut s = String::new();
        for i in 0..n {
            write!(s, "P:p{i}\nV:1.0-r0\nA:x86_64\n\n").unwrap();
        }
        s
    };
    let path = "lib/apk/db/installed";
    assert_eq!(parse_installed(path, &db(MAX)).unwrap().packages.len(), MAX);
    assert_too_many(parse_installed(path, &db(MAX + 1)), path);
}

#[test]
fn npm_lockfile_entries_count_while_parsing() {
    let v3 = |n: usize| {
        let mut s = String::from(r#"{"lockfileVersion": 3, "packages": {"": {"name": "root"}"#);
        for i in 0..n {
            write!(s, r#","node_modules/p{i}":{{"version":"1.0.0"}}"#).unwrap();
        }
        s.push_str("}}");
        s
    };
    // The root entry counts as a record too.
    let ok = NpmLock.analyze("app/package-lock.json", v3(MAX - 1).as_bytes()).unwrap();
    assert_eq!(ok.packages.len(), MAX - 1);
    assert_too_many(NpmLock.analyze("app/package-lock.json", v3(MAX).as_bytes()), "app/package-lock.json");

    // Version 1: nested `dependencies` count together, whatever the nesting.
    let mut v1 = String::from(r#"{"lockfileVersion": 1, "dependencies": {"#);
    for i in 0..=MAX / 2 {
        if i > 0 {
            v1.push(',');
        }
        write!(v1, r#""p{i}":{{"version":"1.0.0","dependencies":{{"q{i}":{{"version":"2.0.0"}}}}}}"#).unwrap();
    }
    v1.push_str("}}");
    assert_too_many(NpmLock.analyze("app/package-lock.json", v1.as_bytes()), "app/package-lock.json");
    // A syntax error is still reported as one.
    let e = NpmLock.analyze("app/package-lock.json", b"{\"packages\": [").unwrap_err();
    assert!(e.to_string().contains("invalid JSON"), "{e}");
}

#[test]
fn every_language_analyzer_stops_at_the_limit() {
    let mut text = String::new();
    for i in 0..=MAX {
        writeln!(text, "p{i}==1.0").unwrap();
    }
    assert_too_many(RequirementsTxt.analyze("app/requirements.txt", text.as_bytes()), "app/requirements.txt");
}

#[test]
fn sbom_components_count_at_every_depth() {
    let mut cdx = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":["#);
    for i in 0..=MAX / 2 {
        if i > 0 {
            cdx.push(',');
        }
        write!(
            cdx,
            r#"{{"type":"library","name":"a{i}","version":"1","purl":"pkg:npm/a{i}@1","components":[{{"type":"library","name":"b{i}","version":"1","purl":"pkg:npm/b{i}@1"}}]}}"#
        )
        .unwrap();
    }
    cdx.push_str("]}");
    match read_sbom(cdx.as_bytes()) {
        Err(e @ SbomError::TooManyComponents { limit }) => {
            assert_eq!(limit, MAX);
            assert!(e.to_string().contains(&format!("more than {MAX} components")), "{e}");
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(inv) => panic!("read {} packages past the limit", inv.packages.len()),
    }

    let spdx = |n: usize| {
        let mut s = String::from(r#"{"spdxVersion":"SPDX-2.3","packages":["#);
        for i in 0..n {
            if i > 0 {
                s.push(',');
            }
            write!(s, r#"{{"SPDXID":"SPDXRef-{i}","name":"p{i}","versionInfo":"1","externalRefs":[{{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:npm/p{i}@1"}}]}}"#).unwrap();
        }
        s.push_str("]}");
        s
    };
    assert_eq!(read_sbom(spdx(1000).as_bytes()).unwrap().packages.len(), 1000);
    assert!(matches!(read_sbom(spdx(MAX + 1).as_bytes()), Err(SbomError::TooManyComponents { .. })));
}

/// Issue 17: a dpkg `.list` (or distroless `md5sums`) with more paths than one file may list is
/// refused whole, naming the limit, before a string per path is built.
#[test]
fn dpkg_file_lists_past_the_limit() {
    use plimsoll_inventory::pkgdb::dpkg::DpkgFileList;
    use plimsoll_inventory::MAX_FILES_PER_FILE;
    let list = |n: usize| "/a\n".repeat(n);
    let path = "var/lib/dpkg/info/huge.list";
    let ok = DpkgFileList.analyze(path, list(MAX_FILES_PER_FILE).as_bytes()).unwrap();
    assert_eq!(ok.installed_files[0].files.len(), MAX_FILES_PER_FILE);
    match DpkgFileList.analyze(path, list(MAX_FILES_PER_FILE + 1).as_bytes()) {
        Err(e @ AnalyzeError::TooMany { .. }) => {
            assert!(e.to_string().contains(&format!("more than {MAX_FILES_PER_FILE} file paths")), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert!(DpkgFileList.max_size() < 256 << 20);
}
