//! The language analyzers over every file of the real test images in `../shared/images`: the
//! Debian application image (a Go binary, Python, Node and Rust lockfiles and metadata, a log4j
//! jar) and the distroless image with a `cargo auditable` binary. The layer walk here is a few
//! lines of tar reading, so this checks the analyzers on real artifacts, not the pipeline.
#![allow(clippy::print_stderr)]

use std::io::Read;
use std::path::{Path, PathBuf};

use plimsoll_inventory::{Analyzer, ANALYZERS};
use plimsoll_model::{Package, PackageKind, PackageOrigin};

fn images() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/images");
    if p.is_dir() {
        Some(p)
    } else {
        plimsoll_test_support::require(&format!("{} is absent", p.display()));
        None
    }
}

fn lang_analyzers() -> Vec<&'static dyn Analyzer> {
    ANALYZERS
        .iter()
        .copied()
        .filter(|a| {
            a.name() != "os-release"
                && !a.name().starts_with("dpkg")
                && !a.name().starts_with("apk")
                && !a.name().starts_with("rpm")
        })
        .collect()
}

/// Runs every language analyzer that wants a file of the gzip layer tar `blob`.
fn scan_layer(blob: &[u8], out: &mut Vec<Package>, warnings: &mut Vec<String>, wanted: &mut usize) {
    let analyzers = lang_analyzers();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(blob));
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path().unwrap().to_string_lossy().trim_start_matches("./").to_owned();
        let wanting: Vec<_> = analyzers.iter().filter(|a| a.wants(&path)).collect();
        if wanting.is_empty() {
            continue;
        }
        *wanted += 1;
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        for a in wanting {
            if data.len() as u64 > a.max_size() {
                continue;
            }
            match a.analyze(&path, &data) {
                Ok(f) => {
                    out.extend(f.packages);
                    warnings.extend(f.warnings.into_iter().map(|w| format!("{path}: {w}")));
                }
                Err(e) => warnings.push(format!("{}: {e}", a.name())),
            }
        }
    }
}

fn is_gzip(b: &[u8]) -> bool {
    b.starts_with(&[0x1f, 0x8b])
}

fn has(pkgs: &[Package], kind: PackageKind, name: &str, version: &str, found_in: &str) -> bool {
    pkgs.iter().any(|p| p.kind == kind && p.name == name && p.version == version && p.found_in == found_in)
}

#[test]
fn debian_app_image() {
    let Some(dir) = images() else { return };
    let mut outer = tar::Archive::new(std::fs::File::open(dir.join("debian-app.oci.tar")).unwrap());
    let (mut pkgs, mut warnings, mut wanted) = (Vec::new(), Vec::new(), 0);
    for entry in outer.entries().unwrap() {
        let mut entry = entry.unwrap();
        let mut blob = Vec::new();
        entry.read_to_end(&mut blob).unwrap();
        if is_gzip(&blob) {
            scan_layer(&blob, &mut pkgs, &mut warnings, &mut wanted);
        }
    }
    eprintln!("{wanted} files wanted, {} packages, warnings: {warnings:#?}", pkgs.len());
    for p in &pkgs {
        eprintln!("  {:?} {} {} {}", p.kind, p.name, p.version, p.found_in);
    }
    use PackageKind::*;
    // The Go binary: Debian's Go toolchain, stdlib only.
    let go_std = pkgs.iter().find(|p| p.kind == Go && p.name == "stdlib" && p.found_in == "app/hello").expect("stdlib");
    assert!(go_std.version.starts_with("go1."), "{}", go_std.version);
    let main = pkgs.iter().find(|p| p.name == "example.com/hello").expect("main module");
    assert_eq!(main.origin, Some(PackageOrigin::Local), "{main:?}");
    assert!(has(&pkgs, Python, "requests", "2.19.0", "app/requirements.txt"));
    assert!(has(&pkgs, Python, "urllib3", "1.24.1", "app/requirements.txt"));
    assert!(has(&pkgs, Python, "Django", "2.2.0", "app/requirements.txt"));
    assert!(has(
        &pkgs,
        Python,
        "requests",
        "2.19.0",
        "usr/local/lib/python3.11/site-packages/requests-2.19.0.dist-info/METADATA"
    ));
    assert!(has(&pkgs, Npm, "lodash", "4.17.15", "app/package-lock.json"));
    assert!(has(&pkgs, Npm, "lodash", "4.17.15", "app/node_modules/lodash/package.json"));
    assert!(has(&pkgs, Cargo, "demo", "0.1.0", "app/Cargo.lock"));
    assert!(has(&pkgs, Cargo, "smallvec", "1.6.0", "app/Cargo.lock"));
    assert!(has(&pkgs, Maven, "org.apache.logging.log4j:log4j-core", "2.14.1", "app/lib/log4j-core-2.14.1.jar"));
    // Debian's own binaries are neither Go nor cargo-auditable builds.
    let bins: Vec<_> =
        pkgs.iter().filter(|p| matches!(p.kind, Go | Cargo) && !p.found_in.starts_with("app/")).collect();
    assert!(bins.is_empty(), "{bins:?}");
    assert!(warnings.iter().all(|w| !w.contains("unreadable ELF")), "{warnings:?}");
}

#[test]
fn distroless_cargo_auditable_binary() {
    let Some(dir) = images() else { return };
    let blobs = dir.join("e-distroless-cc-debian12/oci/blobs/sha256");
    let (mut pkgs, mut warnings, mut wanted) = (Vec::new(), Vec::new(), 0);
    for e in std::fs::read_dir(&blobs).unwrap() {
        let blob = std::fs::read(e.unwrap().path()).unwrap();
        if is_gzip(&blob) {
            scan_layer(&blob, &mut pkgs, &mut warnings, &mut wanted);
        }
    }
    let mut got: Vec<_> = pkgs
        .iter()
        .filter(|p| p.found_in == "app/corpus-rust-app")
        .map(|p| (p.kind, p.name.as_str(), p.version.as_str(), p.origin))
        .collect();
    got.sort();
    // ground-truth.json: layer 3, binaries["/app/corpus-rust-app"].
    assert_eq!(
        got,
        [
            (PackageKind::Cargo, "corpus-rust-app", "0.1.0", Some(PackageOrigin::Local)),
            (PackageKind::Cargo, "libc", "0.2.191", None),
            (PackageKind::Cargo, "smallvec", "1.6.0", None),
            (PackageKind::Cargo, "time", "0.1.43", None),
        ]
    );
    assert_eq!(pkgs.len(), 4, "nothing else in the image is a Go or auditable binary: {pkgs:?}");
    assert!(warnings.is_empty(), "{warnings:?}");
}
