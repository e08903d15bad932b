//! Rust binaries built with `cargo auditable`: a real one built at test time when cargo-auditable
//! is installed (`cargo install cargo-auditable`; skipped otherwise; offline: path dependencies
//! only), and hand-made ELF files carrying a `.dep-v0` section, hostile ones included. The real
//! binary in `../shared/images/e-distroless-cc-debian12` is checked in `lang_images.rs`, and
//! `scripts/build-auditable-fixture.sh` builds one with crates.io dependencies.
#![allow(clippy::print_stderr)]

use std::io::Write;
use std::path::Path;
use std::process::Command;

use plimsoll_inventory::lang::cargo_auditable::CargoAuditable;
use plimsoll_inventory::lang::go_binary::GoBinary;
use plimsoll_inventory::{Analyzer, Facts};
use plimsoll_model::PackageOrigin;

mod common;
use common::elf_with_section;

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

fn summary(f: &Facts) -> Vec<(&str, &str, Option<PackageOrigin>)> {
    let mut v: Vec<_> = f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.origin)).collect();
    v.sort();
    v
}

#[test]
fn dep_v0_section() {
    let json = br#"{"packages":[
        {"name":"app","version":"0.1.0","source":"local","dependencies":[1,2,3],"root":true},
        {"name":"smallvec","version":"1.6.0","source":"crates.io"},
        {"name":"gitdep","version":"0.3.0","source":"git"},
        {"name":"cc","version":"1.0.0","source":"crates.io","kind":"build"}]}"#;
    let elf = elf_with_section(".dep-v0", &zlib(json));
    let f = CargoAuditable.analyze("usr/bin/app", &elf).unwrap();
    assert_eq!(
        summary(&f),
        [
            ("app", "0.1.0", Some(PackageOrigin::Local)),
            ("cc", "1.0.0", None),
            ("gitdep", "0.3.0", Some(PackageOrigin::Git)),
            ("smallvec", "1.6.0", None),
        ]
    );
    // Not a Go binary.
    assert_eq!(GoBinary.analyze("usr/bin/app", &elf).unwrap(), Facts::default());
    // An ELF file without the section is nothing.
    assert_eq!(CargoAuditable.analyze("usr/bin/x", &elf_with_section(".data", b"x")).unwrap(), Facts::default());
}

#[test]
fn hostile_dep_v0_sections() {
    // A zlib bomb: 64 MiB of JSON whitespace from a few KiB.
    let bomb = zlib(&vec![b' '; 64 << 20]);
    assert!(bomb.len() < 256 << 10);
    let err = CargoAuditable.analyze("usr/bin/x", &elf_with_section(".dep-v0", &bomb)).unwrap_err();
    assert!(err.to_string().contains("inflates past"), "{err}");
    for data in [b"not zlib".to_vec(), zlib(b"{\"packages\": 1}"), zlib(b"[")] {
        let elf = elf_with_section(".dep-v0", &data);
        assert!(CargoAuditable.analyze("usr/bin/x", &elf).is_err());
    }
    // Truncations of a valid file: errors or nothing, never a panic.
    let elf = elf_with_section(".dep-v0", &zlib(br#"{"packages":[{"name":"a","version":"1.0.0","source":"local"}]}"#));
    for cut in 0..elf.len() {
        let _ = CargoAuditable.analyze("usr/bin/x", &elf[..cut]);
        let _ = GoBinary.analyze("usr/bin/x", &elf[..cut]);
    }
}

#[test]
fn built_with_cargo_auditable() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let installed = Command::new(&cargo).args(["auditable", "--version"]).output().is_ok_and(|o| o.status.success());
    if !installed {
        plimsoll_test_support::optional("cargo-auditable is not installed (cargo install cargo-auditable)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let write = |rel: &str, text: &str| {
        let p = d.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("helper/Cargo.toml", "[package]\nname = \"helper\"\nversion = \"0.2.0\"\nedition = \"2021\"\n");
    write("helper/src/lib.rs", "pub fn answer() -> u32 { 42 }\n");
    write(
        "demo/Cargo.toml",
        "[package]\nname = \"auditable-demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n\
         [dependencies]\nhelper = { path = \"../helper\" }\n",
    );
    write("demo/src/main.rs", "fn main() { println!(\"{}\", helper::answer()); }\n");
    let status = Command::new(&cargo)
        .current_dir(d.join("demo"))
        .args(["auditable", "build", "--offline", "--quiet"])
        .env("CARGO_TARGET_DIR", d.join("target"))
        .env_remove("RUSTFLAGS")
        .status()
        .unwrap();
    assert!(status.success());
    let bin = std::fs::read(d.join("target/debug/auditable-demo")).unwrap();
    assert!(CargoAuditable.wants("app/auditable-demo"));
    let f = CargoAuditable.analyze("app/auditable-demo", &bin).unwrap();
    assert_eq!(
        summary(&f),
        [("auditable-demo", "0.1.0", Some(PackageOrigin::Local)), ("helper", "0.2.0", Some(PackageOrigin::Local))]
    );
    assert!(Path::new(&d.join("target")).exists());
}

/// The binary `scripts/build-auditable-fixture.sh` builds (crates.io and path dependencies), when
/// `PLIMSOLL_AUDITABLE_FIXTURE` names it.
#[test]
fn script_built_fixture() {
    let Ok(path) = std::env::var("PLIMSOLL_AUDITABLE_FIXTURE") else {
        plimsoll_test_support::optional(
            "set PLIMSOLL_AUDITABLE_FIXTURE to the output of scripts/build-auditable-fixture.sh",
        );
        return;
    };
    let bin = std::fs::read(&path).unwrap();
    let f = CargoAuditable.analyze("app/auditable-demo", &bin).unwrap();
    let got = summary(&f);
    for want in [
        ("auditable-demo", "0.1.0", Some(PackageOrigin::Local)),
        ("helper", "0.2.0", Some(PackageOrigin::Local)),
        ("smallvec", "1.6.0", None),
        ("time", "0.1.43", None),
    ] {
        assert!(got.contains(&want), "{want:?} not in {got:?}");
    }
}
