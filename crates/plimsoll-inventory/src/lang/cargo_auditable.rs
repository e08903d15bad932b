//! Rust binaries built with `cargo auditable`: the `.dep-v0` ELF section holds the dependency
//! tree as zlib-compressed JSON (`{"packages": [{"name", "version", "source", "kind",
//! "dependencies", "root"}]}`, the `auditable-serde` schema). Decompression is capped, as
//! `auditable-info` does, so a crafted section cannot inflate without bound.

use std::io::Read;

use plimsoll_model::{PackageKind, PackageOrigin};
use serde::Deserialize;

use super::binary::{is_elf, may_be_executable, parse_elf, section, BINARY_MAX};
use super::{malformed, package, Collector};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct CargoAuditable;

/// Largest decompressed dependency list accepted (auditable-info's default limit).
const JSON_MAX: u64 = 8 * 1024 * 1024;

#[derive(Deserialize)]
struct VersionInfo {
    packages: Vec<Pkg>,
}

#[derive(Deserialize)]
struct Pkg {
    name: String,
    version: String,
    #[serde(default)]
    source: Option<String>,
}

impl Analyzer for CargoAuditable {
    fn name(&self) -> &'static str {
        "cargo-auditable"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        may_be_executable(path)
    }
    fn max_size(&self) -> u64 {
        BINARY_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        if !is_elf(content) {
            return Ok(Facts::default());
        }
        let elf = parse_elf(path, content)?;
        let Some(compressed) = section(&elf, ".dep-v0") else {
            return Ok(Facts::default());
        };
        let json = inflate(path, compressed)?;
        let info: VersionInfo =
            serde_json::from_slice(&json).map_err(|e| malformed(path, format!(".dep-v0: invalid JSON: {e}")))?;
        let mut c = Collector::default();
        for dep in info.packages {
            let mut p = package(PackageKind::Cargo, &dep.name, &dep.version, path);
            // The schema's source kinds: "crates.io", "local", "git", "registry", "other".
            p.origin = match dep.source.as_deref() {
                Some("local") => Some(PackageOrigin::Local),
                Some("git") => Some(PackageOrigin::Git),
                _ => None,
            };
            c.push(p);
        }
        c.finish(path)
    }
}

fn inflate(path: &str, compressed: &[u8]) -> Result<Vec<u8>, AnalyzeError> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(compressed)
        .take(JSON_MAX + 1)
        .read_to_end(&mut out)
        .map_err(|e| malformed(path, format!(".dep-v0: bad zlib data: {e}")))?;
    if out.len() as u64 > JSON_MAX {
        return Err(malformed(path, format!(".dep-v0: dependency list inflates past {JSON_MAX} bytes")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_elf_is_nothing() {
        assert_eq!(CargoAuditable.analyze("bin/x", b"#!/bin/sh\n").unwrap(), Facts::default());
    }

    #[test]
    fn bad_elf_is_an_error() {
        assert!(CargoAuditable.analyze("bin/x", b"\x7fELF\x02\x01\x01").is_err());
    }

    #[test]
    fn inflate_is_bounded() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&vec![b' '; (JSON_MAX + 10) as usize]).unwrap();
        let bomb = z.finish().unwrap();
        assert!(bomb.len() < 64 * 1024);
        assert!(inflate("x", &bomb).is_err());
        assert!(inflate("x", b"not zlib").is_err());
    }
}
