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

/// A minimal ELF64 little-endian executable with one extra section `name` holding `data`.
fn elf_with_section(name: &str, data: &[u8]) -> Vec<u8> {
    let mut shstrtab = vec![0u8];
    shstrtab.extend_from_slice(name.as_bytes());
    shstrtab.push(0);
    let shstrtab_name = shstrtab.len() as u32;
    shstrtab.extend_from_slice(b".shstrtab\0");
    let data_off = 64u64;
    let strtab_off = data_off + data.len() as u64;
    let sh_off = (strtab_off + shstrtab.len() as u64).div_ceil(8) * 8;

    let mut f = Vec::new();
    f.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    f.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    f.extend_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    f.extend_from_slice(&1u32.to_le_bytes());
    f.extend_from_slice(&0u64.to_le_bytes()); // entry
    f.extend_from_slice(&0u64.to_le_bytes()); // phoff
    f.extend_from_slice(&sh_off.to_le_bytes());
    f.extend_from_slice(&0u32.to_le_bytes()); // flags
    for v in [64u16, 56, 0, 64, 3, 2] {
        f.extend_from_slice(&v.to_le_bytes()); // ehsize, phentsize, phnum, shentsize, shnum, shstrndx
    }
    f.extend_from_slice(data);
    f.extend_from_slice(&shstrtab);
    f.resize(sh_off as usize, 0);
    let section = |f: &mut Vec<u8>, name: u32, ty: u32, off: u64, size: u64| {
        f.extend_from_slice(&name.to_le_bytes());
        f.extend_from_slice(&ty.to_le_bytes());
        for v in [0u64, 0, off, size] {
            f.extend_from_slice(&v.to_le_bytes()); // flags, addr, offset, size
        }
        f.extend_from_slice(&0u32.to_le_bytes()); // link
        f.extend_from_slice(&0u32.to_le_bytes()); // info
        f.extend_from_slice(&1u64.to_le_bytes()); // addralign
        f.extend_from_slice(&0u64.to_le_bytes()); // entsize
    };
    section(&mut f, 0, 0, 0, 0);
    section(&mut f, 1, 1, data_off, data.len() as u64);
    section(&mut f, shstrtab_name, 3, strtab_off, shstrtab.len() as u64);
    f
}

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
