//! A real Go binary, built at test time with the installed Go toolchain (Debian's `golang-go`),
//! offline: the main module requires a module that `replace` points at a local directory, so
//! nothing is downloaded. Skipped when `go` is absent.
#![allow(clippy::print_stderr)]

use std::path::Path;
use std::process::Command;

use plimsoll_inventory::lang::go_binary::GoBinary;
use plimsoll_inventory::{Analyzer, Facts};
use plimsoll_model::{PackageKind, PackageOrigin};

fn go_version() -> Option<String> {
    let out = Command::new("go").arg("env").arg("GOVERSION").output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Builds the test program into `dir/out` with extra `go build` arguments and environment.
fn build(dir: &Path, out: &str, args: &[&str], env: &[(&str, &str)]) -> Vec<u8> {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("go-cache");
    let status = Command::new("go")
        .current_dir(dir)
        .args(["build", "-o", out])
        .args(args)
        .arg(".")
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOCACHE", &cache)
        .env("GOPATH", dir.join("gopath"))
        .envs(env.iter().copied())
        .status()
        .expect("go build");
    assert!(status.success(), "go build {args:?} {env:?}");
    std::fs::read(dir.join(out)).unwrap()
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "go.mod",
        "module example.com/hello\n\ngo 1.19\n\nrequire example.com/greet v1.2.3\n\nreplace example.com/greet v1.2.3 => ./greet\n",
    );
    write(d, "main.go", "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/greet\"\n)\n\nfunc main() { fmt.Println(greet.Hello()) }\n");
    write(d, "greet/go.mod", "module example.com/greet\n\ngo 1.19\n");
    write(d, "greet/greet.go", "package greet\n\nfunc Hello() string { return \"hello\" }\n");
    dir
}

fn summary(f: &Facts) -> Vec<(PackageKind, &str, &str, Option<PackageOrigin>)> {
    let mut v: Vec<_> = f.packages.iter().map(|p| (p.kind, p.name.as_str(), p.version.as_str(), p.origin)).collect();
    v.sort();
    v
}

#[test]
fn go_built_binaries() {
    let Some(version) = go_version() else {
        plimsoll_test_support::require("no Go toolchain (`go`) on PATH");
        return;
    };
    let dir = project();
    let expected = [
        (PackageKind::Go, "example.com/greet", "v1.2.3", Some(PackageOrigin::Local)),
        (PackageKind::Go, "example.com/hello", "(devel)", Some(PackageOrigin::Local)),
        (PackageKind::Go, "stdlib", version.as_str(), None),
    ];

    let native = build(dir.path(), "hello", &[], &[]);
    let f = GoBinary.analyze("app/hello", &native).unwrap();
    assert_eq!(summary(&f), expected);
    assert!(GoBinary.wants("app/hello"));

    // 32-bit, stripped of symbols, paths trimmed.
    let small =
        build(dir.path(), "hello386", &["-trimpath", "-ldflags=-s -w"], &[("GOARCH", "386"), ("CGO_ENABLED", "0")]);
    assert_eq!(small[4], 1, "ELFCLASS32");
    let f = GoBinary.analyze("usr/local/bin/hello386", &small).unwrap();
    assert_eq!(summary(&f), expected);

    // Without section headers the blob is found at the start of the data segment.
    let mut no_sections = native.clone();
    no_sections[0x28..0x30].fill(0); // e_shoff
    no_sections[0x3c..0x40].fill(0); // e_shnum, e_shstrndx
    let f = GoBinary.analyze("app/hello", &no_sections).unwrap();
    assert_eq!(summary(&f), expected);

    // Truncated or corrupted binaries are errors or nothing, never a panic.
    for cut in [64, 4096, native.len() / 2, native.len() - 1] {
        let _ = GoBinary.analyze("app/hello", &native[..cut]);
    }
}
