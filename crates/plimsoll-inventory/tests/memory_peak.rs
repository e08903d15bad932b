//! Issue 17 item 5: the issue's inputs (a 40 MB dpkg status, a 70 MB `package-lock.json`, a
//! 1M-component CycloneDX SBOM, each with records as small as the format allows) are refused at
//! the package limit with the process's peak memory (VmHWM, from /proc) under 256 MiB, inputs
//! included. One test in its own binary, so no other test shares the peak. The whole scan's figures
//! come from `bench/parsers_memory.sh`.
#![allow(clippy::print_stderr)]

use std::fmt::Write as _;

use plimsoll_inventory::lang::npm_lock::NpmLock;
use plimsoll_inventory::pkgdb::dpkg::DpkgStatus;
use plimsoll_inventory::sbom::{read_sbom, SbomError};
use plimsoll_inventory::{AnalyzeError, Analyzer};

const MIB: u64 = 1024 * 1024;

/// The process's peak resident set size so far.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn check_peak(what: &str) {
    let peak = peak_rss().unwrap();
    eprintln!("{what}: peak RSS so far {} MiB", peak / MIB);
    assert!(peak < 256 * MIB, "{what}: peak RSS {} MiB", peak / MIB);
}

#[test]
fn issue_sized_inputs_stay_under_256_mib() {
    if peak_rss().is_none() {
        plimsoll_test_support::require("no /proc/self/status");
        return;
    }
    {
        let mut status = String::with_capacity(41 * MIB as usize);
        let mut i = 0;
        while status.len() < 40 * MIB as usize {
            write!(
                status,
                "Package: p{i}\nStatus: install ok installed\nVersion: 1.{}\nArchitecture: amd64\n\n",
                i % 97
            )
            .unwrap();
            i += 1;
        }
        let r = DpkgStatus.analyze("var/lib/dpkg/status", status.as_bytes());
        assert!(matches!(r, Err(AnalyzeError::TooMany { .. })), "{i} stanzas read");
    }
    check_peak("dpkg status, 40 MB");
    {
        let mut lock = String::with_capacity(71 * MIB as usize);
        lock.push_str(r#"{"lockfileVersion":3,"packages":{"":{"name":"big","version":"1.0.0"}"#);
        let mut i = 0;
        while lock.len() < 70 * MIB as usize {
            write!(lock, r#","node_modules/p{i}":{{"version":"1.{}.0"}}"#, i % 50).unwrap();
            i += 1;
        }
        lock.push_str("}}");
        let r = NpmLock.analyze("app/package-lock.json", lock.as_bytes());
        assert!(matches!(r, Err(AnalyzeError::TooMany { .. })), "{i} entries read");
    }
    check_peak("package-lock.json, 70 MB");
    {
        let mut bom = String::with_capacity(110 * MIB as usize);
        bom.push_str(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":["#);
        for i in 0..1_000_000 {
            if i > 0 {
                bom.push(',');
            }
            write!(bom, r#"{{"type":"library","name":"p{i}","version":"1.0","purl":"pkg:npm/p{i}@1.0"}}"#).unwrap();
        }
        bom.push_str("]}");
        assert!(matches!(read_sbom(bom.as_bytes()), Err(SbomError::TooManyComponents { .. })));
    }
    check_peak("CycloneDX SBOM, 1M components");
}
