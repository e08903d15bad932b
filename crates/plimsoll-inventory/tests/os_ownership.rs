//! Issue 18: a language package whose declaring file an OS package installed is reported once, as
//! the OS package; a copy of the same name and version anywhere else is the application's own and
//! is reported with its own `found_in` and layer. One case per ecosystem, each through the real
//! analyzers (every analyzer that wants the path) and [`assemble`]:
//! layer 0 holds a dpkg package whose `.list` names the OS copy, layer 1 (or the same layer, as in a
//! directory scan, in either file order) the application copy.

use std::io::{Cursor, Write};
use std::path::Path;

use plimsoll_inventory::{assemble, Facts, LayerFacts, ANALYZERS};
use plimsoll_model::{LayerRef, PackageKind};

mod common;
use common::elf_with_section;

/// Every analyzer that wants `path`, as the layer walk runs them.
fn analyze(path: &str, content: &[u8]) -> Vec<(String, Facts)> {
    ANALYZERS
        .iter()
        .filter(|a| a.wants(path))
        .map(|a| a.analyze(path, content).unwrap_or_else(|e| panic!("{}: {e}", a.name())))
        .filter(|f| *f != Facts::default())
        .map(|f| (path.to_owned(), f))
        .collect()
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lang").join(rel)).unwrap()
}

/// A dpkg database with one package whose file list names `owned` (and its directories, as
/// dpkg's lists do, with mmdebstrap's `/.` root line).
fn os_layer(owned: &str) -> Vec<(String, Facts)> {
    let status = "Package: os-copy\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: all\n\n";
    let mut list = String::from("/.\n");
    let mut dir = String::new();
    for part in owned.split('/') {
        dir.push('/');
        dir.push_str(part);
        list.push_str(&dir);
        list.push('\n');
    }
    let mut files = analyze("var/lib/dpkg/status", status.as_bytes());
    files.extend(analyze("var/lib/dpkg/info/os-copy.list", list.as_bytes()));
    files
}

fn refs(n: usize) -> Vec<LayerRef> {
    (0..n).map(|index| LayerRef { index, digest: None, diff_id: None, created_by: None }).collect()
}

type Row = (PackageKind, String, String, String, Option<usize>);

fn lang_rows(inv: &plimsoll_inventory::Inventory) -> Vec<Row> {
    inv.packages
        .iter()
        .filter(|p| !p.kind.is_os())
        .map(|p| (p.kind, p.name.clone(), p.version.clone(), p.found_in.clone(), p.layer.as_ref().map(|l| l.index)))
        .collect()
}

/// Checks one ecosystem: the OS copy at `os_path` and the application copy at `app_path` have the
/// same content, so the same names and versions.
fn check(ecosystem: &str, os_path: &str, app_path: &str, content: &[u8]) {
    let app = analyze(app_path, content);
    let mut expected: Vec<Row> = app
        .iter()
        .flat_map(|(_, f)| &f.packages)
        .map(|p| (p.kind, p.name.clone(), p.version.clone(), app_path.to_owned(), Some(1)))
        .collect();
    expected.sort();
    expected.dedup();
    assert!(!expected.is_empty(), "{ecosystem}: the analyzers found nothing in {app_path}");
    let os_copy = analyze(os_path, content);
    assert!(!os_copy.is_empty(), "{ecosystem}: the analyzers found nothing in {os_path}");

    // Two layers: the OS package below, the application above.
    let mut base = os_layer(os_path);
    base.extend(os_copy.clone());
    let layers = [LayerFacts { files: base }, LayerFacts { files: app.clone() }];
    let inv = assemble(&layers, |_, _| true, &refs(2));
    assert_eq!(lang_rows(&inv), expected, "{ecosystem}: image");
    assert!(inv.packages.iter().any(|p| p.kind == PackageKind::Dpkg && p.name == "os-copy"), "{ecosystem}");
    assert!(inv.os_files.contains(os_path), "{ecosystem}");

    // One layer (a directory scan), in both file orders: the order must not decide.
    let no_layer: Vec<Row> =
        expected.iter().map(|(k, n, v, f, _)| (*k, n.clone(), v.clone(), f.clone(), None)).collect();
    for app_first in [false, true] {
        let mut files = os_layer(os_path);
        if app_first {
            files.extend(app.clone());
            files.extend(os_copy.clone());
        } else {
            files.extend(os_copy.clone());
            files.extend(app.clone());
        }
        let inv = assemble(&[LayerFacts { files }], |_, _| true, &[]);
        assert_eq!(lang_rows(&inv), no_layer, "{ecosystem}: directory, app first: {app_first}");
    }

    // Without the file list nothing is OS-owned: both copies are reported, each with its file.
    let inv = assemble(&[LayerFacts { files: os_copy }, LayerFacts { files: app }], |_, _| true, &refs(2));
    let found_in: std::collections::BTreeSet<_> =
        inv.packages.iter().filter(|p| !p.kind.is_os()).map(|p| p.found_in.as_str()).collect();
    assert_eq!(found_in.into_iter().collect::<Vec<_>>(), [app_path, os_path], "{ecosystem}: unowned");
}

fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn python_installed_metadata() {
    let metadata = b"Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0\nLicense: MIT\n";
    check(
        "python",
        "usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA",
        "app/venv/lib/python3.11/site-packages/PyYAML-6.0.dist-info/METADATA",
        metadata,
    );
    check(
        "python egg-info",
        "usr/lib/python3/dist-packages/PyYAML-5.4.1.egg-info/PKG-INFO",
        "app/venv/lib/python3.11/site-packages/PyYAML-5.4.1.egg-info/PKG-INFO",
        &fixture("python/site-packages/PyYAML-5.4.1.egg-info/PKG-INFO"),
    );
}

#[test]
fn npm_installed_package() {
    // Debian's node packages embed dependencies under /usr/share/nodejs/<pkg>/node_modules.
    check(
        "npm",
        "usr/share/nodejs/express/node_modules/lodash/package.json",
        "app/web/node_modules/lodash/package.json",
        &fixture("node/installed/node_modules/lodash/package.json"),
    );
}

#[test]
fn java_archive() {
    let pom = b"version=2.14.1\ngroupId=org.apache.logging.log4j\nartifactId=log4j-core\n";
    let jar = zip(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\n\r\n"),
        ("META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties", pom),
    ]);
    check("java", "usr/share/java/log4j-core-2.14.1.jar", "app/lib/log4j-core-2.14.1.jar", &jar);
}

#[test]
fn ruby_gemspec() {
    check(
        "gem",
        "usr/share/rubygems-integration/all/specifications/rack-2.2.3.gemspec",
        "app/vendor/bundle/ruby/3.1.0/specifications/rack-2.2.3.gemspec",
        &fixture("ruby/specifications/rack-2.2.3.gemspec"),
    );
}

#[test]
fn go_binary() {
    let mut blob = b"\xff Go buildinf:".to_vec();
    blob.extend_from_slice(&[8, 2]);
    blob.resize(32, 0);
    let version = b"go1.19.8";
    blob.push(version.len() as u8);
    blob.extend_from_slice(version);
    let mut modinfo = vec![0x30; 16];
    modinfo.extend_from_slice(
        b"path\texample.com/hello\nmod\texample.com/hello\tv1.0.0\t\ndep\tgolang.org/x/text\tv0.3.7\th1:x\n",
    );
    modinfo.extend_from_slice(&[0xf9; 16]);
    blob.extend_from_slice(&[(modinfo.len() as u8) | 0x80, (modinfo.len() >> 7) as u8]);
    blob.extend_from_slice(&modinfo);
    check("go", "usr/bin/hello", "app/bin/hello", &elf_with_section(".go.buildinfo", &blob));
}

#[test]
fn rust_auditable_binary() {
    let json = br#"{"packages":[{"name":"rg","version":"14.1.0","source":"crates.io","root":true},{"name":"memchr","version":"2.7.1","source":"crates.io"}]}"#;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(json).unwrap();
    check("cargo", "usr/bin/rg", "app/bin/rg", &elf_with_section(".dep-v0", &z.finish().unwrap()));
}

#[test]
fn dotnet_deps() {
    check("nuget", "usr/lib/dotnet/tool/Tool.deps.json", "app/App.deps.json", &fixture("dotnet/App.deps.json"));
}

#[test]
fn php_installed() {
    check(
        "composer",
        "usr/share/php/vendor/composer/installed.json",
        "app/vendor/composer/installed.json",
        &fixture("php/vendor-v2/vendor/composer/installed.json"),
    );
}

/// mmdebstrap writes `./`-prefixed tar names and dpkg lists with a `/.` root line: both must
/// name the same file after normalisation, or OS-owned copies would be reported twice.
#[test]
fn list_paths_normalise_like_tar_paths() {
    let files = plimsoll_inventory::pkgdb::dpkg::parse_file_list("/.\n/usr\n/usr/lib/python3/dist-packages/x.py\n");
    assert_eq!(files, ["usr", "usr/lib/python3/dist-packages/x.py"]);
}

/// Distroless images have no `info/*.list`: the `status.d/<package>.md5sums` files say which
/// files each package installed.
#[test]
fn distroless_md5sums_decide_ownership() {
    let owned = "usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA";
    let app = "app/venv/lib/python3.11/site-packages/PyYAML-6.0.dist-info/METADATA";
    let metadata = b"Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0\n";
    let stanza = "Package: python3-yaml\nVersion: 6.0-3+b2\nArchitecture: amd64\n";
    let md5sums = format!("0123456789abcdef0123456789abcdef  {owned}\n");
    let mut base = analyze("var/lib/dpkg/status.d/python3-yaml", stanza.as_bytes());
    base.extend(analyze("var/lib/dpkg/status.d/python3-yaml.md5sums", md5sums.as_bytes()));
    base.extend(analyze(owned, metadata));
    let layers = [LayerFacts { files: base }, LayerFacts { files: analyze(app, metadata) }];
    let inv = assemble(&layers, |_, _| true, &refs(2));
    let want: Vec<Row> = vec![(PackageKind::Python, "PyYAML".into(), "6.0".into(), app.into(), Some(1))];
    assert_eq!(lang_rows(&inv), want);
    assert!(inv.os_files.contains(owned));
}
