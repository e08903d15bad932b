//! dpkg status databases: our own fixtures, every dpkg database among the shared fixtures compared
//! with `dpkg-query` (the reference implementation), and two real images against their ground truth.
#![allow(clippy::print_stderr)]

mod dpkg_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use plimsoll_inventory::pkgdb::dpkg::{parse_status, DpkgFileList, DpkgStatus};
use plimsoll_inventory::Analyzer;
use plimsoll_model::Package;

/// name, version, architecture, source name, source version.
type Row = (String, String, String, String, String);

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dpkg")
}

fn rows(pkgs: &[Package]) -> Vec<Row> {
    let mut rows: Vec<Row> = pkgs
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.version.clone(),
                p.arch.clone().unwrap_or_default(),
                p.source_name.clone().unwrap_or_default(),
                p.source_version.clone().unwrap_or_default(),
            )
        })
        .collect();
    rows.sort();
    rows
}

/// What `dpkg-query` lists as installed from `status`: packages whose state (the second letter
/// of `db:Status-Abbrev`) leaves their files on disk: installed, unpacked, half-configured,
/// triggers-awaiting, triggers-pending. `Ok(None)` when dpkg-query is not installed; `Err` with its
/// message when it refuses the file.
fn dpkg_query(status: &str) -> Result<Option<Vec<Row>>, String> {
    let admin = tempfile::tempdir().expect("tempdir");
    for dir in ["info", "updates"] {
        std::fs::create_dir(admin.path().join(dir)).expect("mkdir");
    }
    std::fs::write(admin.path().join("available"), "").expect("available");
    std::fs::write(admin.path().join("status"), status).expect("status");
    let out = Command::new("dpkg-query")
        .arg(format!("--admindir={}", admin.path().display()))
        .args(["-W", "-f=${Package}\\t${Version}\\t${Architecture}\\t${db:Status-Abbrev}\\t${source:Package}\\t${source:Version}\\n"])
        .output();
    let out = match out {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => panic!("running dpkg-query: {e}"),
    };
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let mut rows = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let [name, version, arch, abbrev, src, src_version] = f.as_slice() else { panic!("dpkg-query line {line:?}") };
        if matches!(abbrev.chars().nth(1), Some('i' | 'U' | 'F' | 'W' | 't')) {
            rows.push((
                name.to_string(),
                version.to_string(),
                arch.to_string(),
                src.to_string(),
                src_version.to_string(),
            ));
        }
    }
    rows.sort();
    Ok(Some(rows))
}

fn dpkg_query_available() -> bool {
    Command::new("dpkg-query").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Adapts a file to dpkg's strictness, where our reader is deliberately more tolerant, and says
/// what it changed: dpkg refuses a whole database for a stanza with an empty `Package` or a
/// missing final newline (we skip the stanza / accept the file); a distroless `status.d` stanza
/// has no `Status` but is installed, so it gets `Status: install ok installed` here, and then
/// dpkg refuses it if it has no `Version` (we skip it).
fn for_dpkg(text: &str, status_d: bool) -> (String, Vec<String>) {
    let mut notes = Vec::new();
    let mut out = String::new();
    let normalized = text.replace("\r\n", "\n");
    let mut stanzas: Vec<Vec<&str>> = vec![Vec::new()];
    for line in normalized.lines() {
        if line.trim().is_empty() {
            stanzas.push(Vec::new());
        } else if let Some(last) = stanzas.last_mut() {
            last.push(line);
        }
    }
    for stanza in stanzas.into_iter().filter(|s| !s.is_empty()) {
        let field = |name: &str| {
            stanza.iter().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim())
            })
        };
        if field("Package").unwrap_or("").is_empty() {
            notes.push("dropped a stanza without a package name".into());
            continue;
        }
        if status_d && field("Version").unwrap_or("").is_empty() {
            // dpkg refuses an installed package without a version; we skip the stanza.
            notes.push("dropped a stanza without a version".into());
            continue;
        }
        out.push_str(stanza[0]);
        out.push('\n');
        if status_d && field("Status").is_none() {
            out.push_str("Status: install ok installed\n");
        }
        for line in &stanza[1..] {
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
    }
    (out, notes)
}

/// Compares our parse of `text` with dpkg-query's. Returns the number of installed packages, or
/// `None` when dpkg-query is unavailable or refused the file (reason printed).
fn compare_with_dpkg(label: &str, path: &str, text: &str) -> Option<usize> {
    let status_d = path.contains("status.d/");
    let facts = parse_status(path, text).unwrap_or_else(|e| panic!("{label}: {e}"));
    let ours = rows(&facts.packages);
    let (adapted, notes) = for_dpkg(text, status_d);
    match dpkg_query(&adapted) {
        Ok(Some(theirs)) => {
            assert_eq!(ours, theirs, "{label}: our packages differ from dpkg-query's");
            let notes = if notes.is_empty() { String::new() } else { format!(" (adapted: {})", notes.join("; ")) };
            eprintln!("{label}: {} installed packages, same as dpkg-query{notes}", ours.len());
            Some(ours.len())
        }
        Ok(None) => {
            plimsoll_test_support::require(&format!(
                "{label}: dpkg-query not installed, comparison skipped ({} packages parsed)",
                ours.len()
            ));
            None
        }
        Err(e) => {
            eprintln!("{label}: dpkg-query refused the file ({}); {} packages parsed", e.trim(), ours.len());
            None
        }
    }
}

#[test]
fn own_status_fixture() {
    let text = std::fs::read_to_string(fixtures().join("admin/status")).unwrap();
    let facts = DpkgStatus.analyze("var/lib/dpkg/status", text.as_bytes()).unwrap();
    let got: Vec<_> = facts
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.arch.as_deref().unwrap_or(""), p.epoch, p.release.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("libc6", "amd64", None, Some("9+deb12u4")),
            ("libc6", "i386", None, Some("9+deb12u4")),
            ("bash", "amd64", None, Some("2+b2")),
            ("login", "amd64", Some(1), Some("1")),
            ("unpacked-only", "all", None, None),
            ("removed-later", "all", Some(2), Some("0.1")),
        ]
    );
    assert_eq!(facts.packages[2].supplier.as_deref(), Some("Matthias Klose <doko@debian.org>"));
    assert_eq!(facts.packages[2].source_version.as_deref(), Some("5.2.15-2"));
    assert!(facts.warnings.is_empty(), "{:?}", facts.warnings);
    let compared = compare_with_dpkg("own fixture admin/status", "var/lib/dpkg/status", &text);
    assert_eq!(compared.is_some(), dpkg_query_available());
}

#[test]
fn own_status_d_fixture() {
    let mut names = Vec::new();
    let mut dir: Vec<_> = std::fs::read_dir(fixtures().join("status.d")).unwrap().flatten().collect();
    dir.sort_by_key(|e| e.file_name());
    for entry in dir {
        let path = format!("var/lib/dpkg/status.d/{}", entry.file_name().to_string_lossy());
        if !DpkgStatus.wants(&path) {
            continue;
        }
        let facts = DpkgStatus.analyze(&path, &std::fs::read(entry.path()).unwrap()).unwrap();
        names.extend(facts.packages.iter().map(|p| (p.name.clone(), p.version.clone(), p.source_name.clone())));
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let compared = compare_with_dpkg(&format!("own fixture {path}"), &path, &text);
        assert_eq!(compared.is_some(), dpkg_query_available());
    }
    let s = |x: &str| x.to_string();
    assert_eq!(
        names,
        vec![
            (s("libssl3"), s("3.0.11-1~deb12u2"), Some(s("openssl"))),
            (s("openssl"), s("3.0.11-1~deb12u2"), Some(s("openssl"))),
            (s("tzdata"), s("2024a-0+deb12u1"), Some(s("tzdata"))),
        ]
    );
}

#[test]
fn own_file_list_fixture() {
    let facts =
        DpkgFileList.analyze("var/lib/dpkg/info/bash.list", &std::fs::read(fixtures().join("info-bash.list")).unwrap());
    let files = &facts.unwrap().installed_files[0];
    assert_eq!(files.package, "bash");
    assert_eq!(files.files, vec!["bin", "bin/bash", "usr/share/doc/bash/copyright"]);
}

/// Every dpkg database in the shared fixtures: `status` files (also inside Trivy's txtar
/// archives) and distroless `status.d` stanza files.
fn shared_dpkg_databases(fixtures: &Path) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for file in dpkg_support::walk(fixtures) {
        let rel = file.strip_prefix(fixtures).unwrap().to_string_lossy().into_owned();
        let parent = file.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned());
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let read = || String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        if name == "status" && parent.as_deref() != Some("opkg") {
            let text = read();
            // A dpkg database by location, or by content (osv-scanner keeps them as bare `status`).
            if parent.as_deref() == Some("dpkg") || text.starts_with("Package:") {
                found.push((rel, "var/lib/dpkg/status".to_owned(), text));
            }
        } else if parent.as_deref() == Some("status.d") && DpkgStatus.wants(&format!("var/lib/dpkg/status.d/{name}")) {
            found.push((rel, format!("var/lib/dpkg/status.d/{name}"), read()));
        } else if name.ends_with(".txtar") {
            for (section, body) in dpkg_support::txtar_sections(&read()) {
                if DpkgStatus.wants(&section) {
                    found.push((format!("{rel}#{section}"), section, body));
                }
            }
        }
    }
    found
}

#[test]
fn shared_dpkg_databases_match_dpkg_query() {
    let Some(shared) = dpkg_support::shared("shared_dpkg_databases_match_dpkg_query") else { return };
    let dbs = shared_dpkg_databases(&shared.join("fixtures"));
    assert!(dbs.len() >= 20, "found only {} dpkg databases", dbs.len());
    let mut compared = 0;
    for (label, path, text) in &dbs {
        match parse_status(path, text) {
            // Files with no readable stanza (syft's `corrupt` and `empty`) are errors, not panics.
            Err(e) => eprintln!("{label}: {e}"),
            Ok(_) => compared += usize::from(compare_with_dpkg(label, path, text).is_some()),
        }
    }
    eprintln!("{} dpkg databases, {compared} compared with dpkg-query", dbs.len());
    if dpkg_query_available() {
        // The others are refused by dpkg (bogus files, syntax errors in Depends).
        assert!(compared >= 23, "only {compared} compared");
    }
}

/// Expectations checked by hand for the syft status.d files whose oddities dpkg-query cannot
/// judge: stanzas without a version, and files that are not a database at all.
#[test]
fn syft_status_d_expectations() {
    let Some(shared) = dpkg_support::shared("syft_status_d_expectations") else { return };
    let dir = shared.join("fixtures/syft-fixtures/syft/pkg/cataloger/debian/testdata/var/lib/dpkg/status.d");
    let parse = |name: &str| {
        let path = format!("var/lib/dpkg/status.d/{name}");
        DpkgStatus.analyze(&path, &std::fs::read(dir.join(name)).unwrap())
    };
    let names = |name: &str| parse(name).unwrap().packages.into_iter().map(|p| p.name).collect::<Vec<_>>();
    assert_eq!(names("multiple"), vec!["tzdata", "util-linux"]);
    assert_eq!(parse("multiple").unwrap().warnings.len(), 1);
    assert_eq!(names("deinstall"), vec!["linux-image-6.14.0-1012-aws"]);
    assert_eq!(
        names("doc-examples"),
        vec!["mutt", "made-up-package-1", "made-up-package-2", "made-up-package-3", "made-up-package-4"]
    );
    let warnings = parse("doc-examples").unwrap().warnings;
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("11 stanza(s) skipped"), "{warnings:?}");
    assert!(parse("corrupt").is_err());
    assert!(parse("empty").is_err());
    let apt = parse("installed-size-4KB").unwrap().packages;
    assert_eq!((apt[0].name.as_str(), apt[0].source_name.as_deref()), ("apt", Some("apt-dev")));
}

/// The Debian image's first layer against `debian-app.dpkg.tsv`, which `dpkg-query --admindir`
/// wrote when the image was built: all 96 packages with source names and versions.
#[test]
fn debian_app_image_matches_ground_truth() {
    let Some(shared) = dpkg_support::shared("debian_app_image_matches_ground_truth") else { return };
    let layers = dpkg_support::oci_archive_layers(&shared.join("images/debian-app.oci.tar"));
    let (_, inventory, errors) = dpkg_support::analyze_layers(&layers);
    assert!(errors.is_empty(), "{errors:?}");

    let tsv = std::fs::read_to_string(shared.join("images/debian-app.dpkg.tsv")).unwrap();
    let mut expected: Vec<Row> = tsv
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].into(), f[1].into(), f[2].into(), f[3].into(), f[4].into())
        })
        .collect();
    expected.sort();
    let dpkg: Vec<Package> =
        inventory.packages.iter().filter(|p| p.kind == plimsoll_model::PackageKind::Dpkg).cloned().collect();
    assert_eq!(expected.len(), 96);
    assert_eq!(rows(&dpkg), expected);
    assert!(dpkg.iter().all(|p| p.layer.as_ref().map(|l| l.index) == Some(0)));

    // File lists from info/*.list, licences from the DEP-5 copyright files.
    let bash = dpkg.iter().find(|p| p.name == "bash").unwrap();
    assert!(bash.files.iter().any(|f| f == "bin/bash"), "{:?}", bash.files);
    assert!(bash.licenses.contains(&"GPL-3+".to_string()), "{:?}", bash.licenses);
    let with_files = dpkg.iter().filter(|p| !p.files.is_empty()).count();
    let with_licenses = dpkg.iter().filter(|p| !p.licenses.is_empty()).count();
    eprintln!("debian-app: {} dpkg packages, {with_files} with files, {with_licenses} with licences", dpkg.len());
    assert!(with_files >= 90);
    // 82 of the 94 copyright files are DEP-5 (the others are free text, e.g. base-files).
    assert!(with_licenses >= 80, "{with_licenses}");
    assert!(dpkg.iter().find(|p| p.name == "base-files").unwrap().licenses.is_empty());

    let os = inventory.os.expect("os");
    assert_eq!(
        (os.id.as_str(), os.version_id.as_deref(), os.codename.as_deref()),
        ("debian", Some("12"), Some("bookworm"))
    );
}

/// The distroless image: one status.d stanza file per package spread over three layers.
#[test]
fn distroless_image_layers_match_ground_truth() {
    let Some(shared) = dpkg_support::shared("distroless_image_layers_match_ground_truth") else { return };
    let dir = shared.join("images/e-distroless-cc-debian12");
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("ground-truth.json")).unwrap()).unwrap();
    let image = &truth["images"][0];
    let layers = dpkg_support::oci_layout_layers(&dir.join("oci"));
    let (_, inventory, errors) = dpkg_support::analyze_layers(&layers);
    assert!(errors.is_empty(), "{errors:?}");

    let mut expected = Vec::new();
    for layer in image["layers"].as_array().unwrap() {
        let index = layer["index"].as_u64().unwrap() as usize;
        for (name, version) in layer["dpkg_status_d"].as_object().into_iter().flatten() {
            expected.push((name.clone(), version.as_str().unwrap().to_owned(), index));
        }
    }
    expected.sort();
    let mut got: Vec<_> = inventory
        .packages
        .iter()
        .filter(|p| p.kind == plimsoll_model::PackageKind::Dpkg)
        .map(|p| (p.name.clone(), p.version.clone(), p.layer.as_ref().unwrap().index))
        .collect();
    got.sort();
    assert_eq!(got, expected);
    assert_eq!(got.len(), image["final_packages"]["dpkg_status_d"].as_object().unwrap().len());
    eprintln!("distroless: {} packages from status.d over {} layers", got.len(), layers.len());

    // Distroless writes an etc/os-release of its own (not a symlink), which os-release(5) ranks
    // above usr/lib/os-release.
    let os = inventory.os.expect("os");
    assert_eq!((os.source_path.as_str(), os.pretty_name.as_deref()), ("etc/os-release", Some("Distroless")));
    assert_eq!(
        (os.id.as_str(), os.version_id.as_deref(), os.codename.as_deref()),
        ("debian", Some("12"), Some("bookworm"))
    );
}

/// Attacker-controlled bytes: no analyzer of this area may panic, whatever the input.
#[test]
fn hostile_inputs_never_panic() {
    use plimsoll_inventory::os_release::OsReleaseAnalyzer;
    use plimsoll_inventory::pkgdb::apk::ApkInstalled;
    use plimsoll_inventory::pkgdb::dpkg::DpkgCopyright;
    let targets: [(&dyn Analyzer, &str); 8] = [
        (&DpkgStatus, "var/lib/dpkg/status"),
        (&DpkgStatus, "var/lib/dpkg/status.d/x"),
        (&DpkgFileList, "var/lib/dpkg/info/x:amd64.list"),
        (&DpkgCopyright, "usr/share/doc/x/copyright"),
        (&ApkInstalled, "lib/apk/db/installed"),
        (&OsReleaseAnalyzer, "etc/os-release"),
        (&OsReleaseAnalyzer, "etc/redhat-release"),
        (&OsReleaseAnalyzer, "etc/SuSE-release"),
    ];
    // Fragments of every format, shuffled together by a fixed xorshift sequence.
    let tokens: &[&[u8]] = &[
        b"Package: ",
        b"Version: ",
        b"Status: install ok installed",
        b"Source: x (",
        b")",
        b":",
        b"\n",
        b"\r\n",
        b"\n\n",
        b" ",
        b"\t",
        b"P:",
        b"V:",
        b"F:",
        b"R:",
        b"=",
        b"\"",
        b"'",
        b"\\",
        b"(",
        b"release ",
        b"1:",
        b"-r",
        b"Format: copyright-format",
        b"License: ",
        b" or ",
        b",",
        b"\xff\xfe",
        b"\xc3",
        b"\xe2\x82",
        b"#",
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        vec![b'A'; 2 << 20],
        [b"Package: ".as_slice(), &vec![b'x'; 1 << 20]].concat(),
        b"\n".repeat(1 << 18),
    ];
    for _ in 0..400 {
        let len = (next() % 64) as usize;
        inputs.push((0..len).flat_map(|_| tokens[(next() % tokens.len() as u64) as usize].iter().copied()).collect());
    }
    for input in &inputs {
        for (analyzer, path) in &targets {
            // Ok or Err are both fine; returning at all is the point.
            let _ = analyzer.analyze(path, input);
        }
    }
}
