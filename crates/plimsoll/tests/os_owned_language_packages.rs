//! Issue 18: an image whose base layer has Debian's Python and Node library packages installed by
//! dpkg (with their `info/*.list` file lists, tar names starting with `./` as mmdebstrap writes
//! them) and whose application layer has a venv and an npm project sharing names and versions
//! with them. The application's packages are all reported, with their own files and layer; the
//! copies dpkg installed are reported once, as the dpkg packages; documentation files of OS
//! packages are not read as manifests. `plimsoll fs` on the same root filesystem gives the same
//! application packages.

use std::collections::BTreeSet;
use std::path::Path;

use plimsoll::{scan_dir, scan_image, ScanOptions};
use plimsoll_image::testing::{ImageBuilder, LayerBuilder};
use plimsoll_image::{open, ImageRef, OpenOptions};
use plimsoll_model::{PackageKind, ScanReport};

const OS_RELEASE: &str =
    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";

/// dpkg packages: (name, version, files). Directories are added to the lists as dpkg does.
const DEBS: &[(&str, &str, &[&str])] = &[
    (
        "python3-pip",
        "23.0.1+dfsg-1",
        &[
            "usr/lib/python3/dist-packages/pip-23.0.1.dist-info/METADATA",
            // Debian ships pip's own requirements file as documentation: unpinned lines.
            "usr/share/doc/python3-pip/requirements.txt",
        ],
    ),
    ("python3-setuptools", "66.1.1-1", &["usr/lib/python3/dist-packages/setuptools-66.1.1.dist-info/METADATA"]),
    ("python3-yaml", "6.0-3+b2", &["usr/lib/python3/dist-packages/PyYAML-6.0.egg-info/PKG-INFO"]),
    ("node-lodash", "4.17.21+dfsg+~cs8.31.198.20210220-9", &["usr/share/nodejs/lodash/package.json"]),
    ("node-ms", "2.1.3+~cs0.7.31-3", &["usr/share/nodejs/ms/package.json"]),
    (
        "node-express",
        "4.18.2+~cs8.36.21-1",
        &[
            "usr/share/nodejs/express/package.json",
            // Embedded copies, as Debian's node-express ships them.
            "usr/share/nodejs/express/node_modules/debug/package.json",
            "usr/share/nodejs/express/node_modules/ms/package.json",
            "usr/share/nodejs/express/node_modules/lodash/package.json",
        ],
    ),
];

fn metadata(name: &str, version: &str) -> String {
    format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nLicense: MIT\n")
}

fn package_json(name: &str, version: &str) -> String {
    format!("{{\"name\": \"{name}\", \"version\": \"{version}\", \"license\": \"MIT\"}}\n")
}

/// The content of each OS package file.
fn os_file(path: &str) -> String {
    match path {
        p if p.ends_with("requirements.txt") => {
            "# pip's own development requirements\nsetuptools>=40\nwheel\nrich\n".into()
        }
        p if p.contains("pip-23.0.1") => metadata("pip", "23.0.1"),
        p if p.contains("setuptools-66.1.1") => metadata("setuptools", "66.1.1"),
        p if p.contains("PyYAML-6.0") => metadata("PyYAML", "6.0"),
        "usr/share/nodejs/lodash/package.json" | "usr/share/nodejs/express/node_modules/lodash/package.json" => {
            package_json("lodash", "4.17.21")
        }
        "usr/share/nodejs/ms/package.json" => package_json("ms", "2.1.3"),
        "usr/share/nodejs/express/package.json" => package_json("express", "4.18.2"),
        "usr/share/nodejs/express/node_modules/debug/package.json" => package_json("debug", "2.6.9"),
        "usr/share/nodejs/express/node_modules/ms/package.json" => package_json("ms", "2.0.0"),
        other => panic!("no content for {other}"),
    }
}

fn base_files() -> Vec<(String, String)> {
    let mut status = String::new();
    let mut files = vec![("etc/os-release".to_owned(), OS_RELEASE.to_owned())];
    for (name, version, owned) in DEBS {
        status.push_str(&format!(
            "Package: {name}\nStatus: install ok installed\nPriority: optional\nArchitecture: all\nVersion: {version}\nDescription: {name}\n\n"
        ));
        let mut list = BTreeSet::from(["/.".to_owned()]);
        for f in *owned {
            let mut dir = String::new();
            for part in f.split('/') {
                dir.push('/');
                dir.push_str(part);
                list.insert(dir.clone());
            }
            files.push(((*f).to_owned(), os_file(f)));
        }
        let list: String = list.into_iter().map(|l| l + "\n").collect();
        files.push((format!("var/lib/dpkg/info/{name}.list"), list));
    }
    files.push(("var/lib/dpkg/status".to_owned(), status));
    files
}

const SITE: &str = "app/venv/lib/python3.11/site-packages";
const LOCK: &str = r#"{
  "name": "web", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": {"name": "web", "version": "1.0.0", "dependencies": {"express": "4.18.2", "lodash": "4.17.21"}},
    "node_modules/debug": {"version": "2.6.9", "resolved": "https://registry.npmjs.org/debug/-/debug-2.6.9.tgz"},
    "node_modules/express": {"version": "4.18.2", "resolved": "https://registry.npmjs.org/express/-/express-4.18.2.tgz"},
    "node_modules/lodash": {"version": "4.17.21", "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz"},
    "node_modules/ms": {"version": "2.0.0", "resolved": "https://registry.npmjs.org/ms/-/ms-2.0.0.tgz"},
    "node_modules/send/node_modules/ms": {"version": "2.1.3", "resolved": "https://registry.npmjs.org/ms/-/ms-2.1.3.tgz"},
    "node_modules/send": {"version": "0.18.0", "resolved": "https://registry.npmjs.org/send/-/send-0.18.0.tgz"}
  }
}
"#;

/// The application: a venv with the same distributions as Debian's plus one of its own, and an
/// npm project whose lockfile and `node_modules` share names and versions with Debian's.
fn app_files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for (name, version) in [("pip", "23.0.1"), ("setuptools", "66.1.1"), ("PyYAML", "6.0"), ("requests", "2.31.0")] {
        files.push((format!("{SITE}/{name}-{version}.dist-info/METADATA"), metadata(name, version)));
    }
    files.push(("app/web/package-lock.json".to_owned(), LOCK.to_owned()));
    for (dir, name, version) in [
        ("node_modules/debug", "debug", "2.6.9"),
        ("node_modules/express", "express", "4.18.2"),
        ("node_modules/lodash", "lodash", "4.17.21"),
        ("node_modules/ms", "ms", "2.0.0"),
        ("node_modules/send", "send", "0.18.0"),
        ("node_modules/send/node_modules/ms", "ms", "2.1.3"),
    ] {
        files.push((format!("app/web/{dir}/package.json"), package_json(name, version)));
    }
    files
}

/// The application packages expected, as (kind, name, version, found_in).
fn expected_app() -> BTreeSet<(PackageKind, String, String, String)> {
    let mut want = BTreeSet::new();
    for (name, version) in [("pip", "23.0.1"), ("setuptools", "66.1.1"), ("PyYAML", "6.0"), ("requests", "2.31.0")] {
        want.insert((
            PackageKind::Python,
            name.into(),
            version.into(),
            format!("{SITE}/{name}-{version}.dist-info/METADATA"),
        ));
    }
    for (name, version) in [
        ("web", "1.0.0"),
        ("debug", "2.6.9"),
        ("express", "4.18.2"),
        ("lodash", "4.17.21"),
        ("ms", "2.0.0"),
        ("ms", "2.1.3"),
        ("send", "0.18.0"),
    ] {
        want.insert((PackageKind::Npm, name.into(), version.into(), "app/web/package-lock.json".into()));
    }
    for (dir, name, version) in [
        ("node_modules/debug", "debug", "2.6.9"),
        ("node_modules/express", "express", "4.18.2"),
        ("node_modules/lodash", "lodash", "4.17.21"),
        ("node_modules/ms", "ms", "2.0.0"),
        ("node_modules/send", "send", "0.18.0"),
        ("node_modules/send/node_modules/ms", "ms", "2.1.3"),
    ] {
        want.insert((PackageKind::Npm, name.into(), version.into(), format!("app/web/{dir}/package.json")));
    }
    want
}

fn app_packages(report: &ScanReport) -> BTreeSet<(PackageKind, String, String, String)> {
    report
        .packages
        .iter()
        .filter(|p| !p.kind.is_os())
        .map(|p| (p.kind, p.name.clone(), p.version.clone(), p.found_in.clone()))
        .collect()
}

fn options() -> ScanOptions {
    ScanOptions { secrets: None, misconfig: None, ..ScanOptions::default() }
}

/// mmdebstrap writes every name with a leading `./`.
fn dot_slash_layer(files: &[(String, String)]) -> LayerBuilder {
    files.iter().fold(LayerBuilder::new(), |l, (path, data)| {
        let name = format!("./{path}");
        assert!(name.len() <= 100, "{name}: too long for a plain tar header");
        l.raw(name.as_bytes(), tar::EntryType::Regular, data.as_bytes())
    })
}

#[test]
fn application_copies_of_os_installed_language_packages_are_reported() {
    let base = dot_slash_layer(&base_files()).created_by("mmdebstrap bookworm");
    let app = dot_slash_layer(&app_files()).created_by("COPY app /app");
    let dir = tempfile::tempdir().unwrap();
    ImageBuilder::new().layer(base).layer(app).write_oci_dir(dir.path(), Some("1")).unwrap();
    let r = ImageRef::parse(&format!("oci:{}", dir.path().display())).unwrap();
    let report = scan_image(&open(&r, &OpenOptions::default()).unwrap(), &options()).unwrap();

    // Every application package, each with its own file and layer 1 and purl.
    let want = expected_app();
    assert_eq!(app_packages(&report), want);
    for p in report.packages.iter().filter(|p| !p.kind.is_os()) {
        assert_eq!(p.layer.as_ref().map(|l| l.index), Some(1), "{} {}", p.name, p.found_in);
        assert!(p.found_in.starts_with("app/"), "{}", p.found_in);
    }
    let pyyaml = report.packages.iter().find(|p| p.name == "PyYAML").unwrap();
    assert_eq!(pyyaml.purl, "pkg:pypi/pyyaml@6.0");
    // The OS packages, once each, in layer 0; the copies they installed are theirs alone.
    let debs: Vec<_> = report
        .packages
        .iter()
        .filter(|p| p.kind == PackageKind::Dpkg)
        .map(|p| (p.name.as_str(), p.version.as_str(), p.layer.as_ref().map(|l| l.index)))
        .collect();
    let mut want_debs: Vec<_> = DEBS.iter().map(|(n, v, _)| (*n, *v, Some(0))).collect();
    want_debs.sort();
    assert_eq!(debs, want_debs);
    assert_eq!(report.packages.len(), DEBS.len() + want.len());
    // Debian's documentation is no manifest: no "not pinned" noise, no packages from it.
    assert!(
        !report.diagnostics.iter().any(|d| d.path.as_deref().is_some_and(|p| p.starts_with("usr/share/doc/"))),
        "{:#?}",
        report.diagnostics
    );

    // The same root filesystem as a directory gives the same application packages.
    let root = tempfile::tempdir().unwrap();
    for (path, data) in base_files().into_iter().chain(app_files()) {
        write(root.path(), &path, &data);
    }
    let fs = scan_dir(root.path(), &options()).unwrap();
    assert_eq!(app_packages(&fs), want);
    let fs_debs = fs.packages.iter().filter(|p| p.kind == PackageKind::Dpkg).count();
    assert_eq!(fs_debs, DEBS.len());
    assert!(!fs.diagnostics.iter().any(|d| d.path.as_deref().is_some_and(|p| p.starts_with("usr/share/doc/"))));
}

fn write(root: &Path, rel: &str, data: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}
