//! Go binaries: the build information the Go linker embeds (Go 1.13 and later), read without
//! running the binary, as Go's own `debug/buildinfo` does.
//!
//! The blob starts with the 14-byte magic `\xff Go buildinf:`, aligned to 16 bytes, in the
//! `.go.buildinfo` section or else near the start of the first writable segment. Byte 14 is the
//! pointer size, byte 15 flags (bit 0 big-endian, bit 1 inline strings). Go 1.18 and later write
//! the two strings inline after the 32-byte header, each prefixed by its length as a uvarint;
//! earlier versions store two pointers to Go string headers (data pointer, length), resolved
//! through the segments. The strings are the toolchain version (`go1.19.8`) and the module
//! information, framed by 16-byte sentinels, tab-separated (`<TAB>` below):
//!
//! ```text
//! path<TAB>example.com/cmd/hello
//! mod<TAB>example.com/hello<TAB>(devel)
//! dep<TAB>golang.org/x/text<TAB>v0.3.7<TAB>h1:...
//! =><TAB>golang.org/x/text<TAB>v0.3.8<TAB>h1:...      (replaces the line above)
//! build<TAB>-compiler=gc
//! ```
//!
//! Reported: the main module (local when its version is `(devel)`), every `dep` (a replacement's
//! path and version when replaced by another module; the original, marked local, when replaced by
//! a directory), and the standard library as the package `stdlib` at the toolchain version.

use plimsoll_model::{PackageKind, PackageOrigin};

use super::binary::{first_data_segment, is_elf, may_be_executable, parse_elf, read_at, section, BINARY_MAX};
use super::{malformed, package, Collector};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct GoBinary;

const MAGIC: &[u8] = b"\xff Go buildinf:";
const HEADER: usize = 32;
const ALIGN: usize = 16;
/// How far into the data segment Go's reader looks for the blob.
const SEARCH_WINDOW: usize = 64 * 1024;
/// Longest version or module-info string accepted through the pointer format.
const STRING_MAX: u64 = 16 * 1024 * 1024;

/// The package name the standard library is reported under (the Go vulnerability database's).
pub const STDLIB: &str = "stdlib";

impl Analyzer for GoBinary {
    fn name(&self) -> &'static str {
        "go-binary"
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
        let blob = match section(&elf, ".go.buildinfo") {
            Some(data) => find_blob(data),
            None => first_data_segment(&elf).and_then(|(_, data)| find_blob(&data[..data.len().min(SEARCH_WINDOW)])),
        };
        let Some(blob) = blob else {
            return Ok(Facts::default());
        };
        let (version, modinfo) = decode(path, blob, |addr, len| read_at(&elf, addr, len))?;
        inventory(path, &version, &modinfo)
    }
}

/// The blob: the first 16-byte-aligned occurrence of the magic with a whole header after it.
fn find_blob(data: &[u8]) -> Option<&[u8]> {
    let mut at = 0;
    while at + HEADER <= data.len() {
        let i = at + data[at..].windows(MAGIC.len()).position(|w| w == MAGIC)?;
        if i % ALIGN == 0 && i + HEADER <= data.len() {
            return Some(&data[i..]);
        }
        at = (i + ALIGN) & !(ALIGN - 1);
    }
    None
}

/// Decodes the version and module-info strings. `read(addr, len)` reads memory for the pointer
/// format.
fn decode<'a>(
    path: &str,
    blob: &'a [u8],
    read: impl Fn(u64, u64) -> Option<&'a [u8]>,
) -> Result<(String, String), AnalyzeError> {
    let bad = |what: &str| malformed(path, format!("Go build info: {what}"));
    let (ptr_size, flags) = (blob[14] as usize, blob[15]);
    let (version, modinfo) = if flags & 2 != 0 {
        let rest = &blob[HEADER..];
        let (version, rest) = varint_string(rest).ok_or_else(|| bad("truncated version string"))?;
        let (modinfo, _) = varint_string(rest).ok_or_else(|| bad("truncated module information"))?;
        (version, modinfo)
    } else {
        if ptr_size != 4 && ptr_size != 8 {
            return Err(bad(&format!("pointer size {ptr_size}")));
        }
        let big_endian = flags & 1 != 0;
        let ptr = |b: &[u8]| -> Option<u64> {
            let b = b.get(..ptr_size)?;
            Some(match (ptr_size, big_endian) {
                (4, false) => u32::from_le_bytes(b.try_into().ok()?) as u64,
                (4, true) => u32::from_be_bytes(b.try_into().ok()?) as u64,
                (_, false) => u64::from_le_bytes(b.try_into().ok()?),
                (_, true) => u64::from_be_bytes(b.try_into().ok()?),
            })
        };
        let string_at = |addr: u64| -> Option<&'a [u8]> {
            let header = read(addr, 2 * ptr_size as u64)?;
            let (data, len) = (ptr(header)?, ptr(&header[ptr_size..])?);
            if len == 0 {
                return Some(&[]);
            }
            if len > STRING_MAX {
                return None;
            }
            read(data, len)
        };
        let version = string_at(ptr(&blob[16..]).ok_or_else(|| bad("truncated header"))?);
        let modinfo = string_at(ptr(&blob[16 + ptr_size..]).ok_or_else(|| bad("truncated header"))?);
        (version.ok_or_else(|| bad("version string outside the file"))?, modinfo.unwrap_or_default())
    };
    if version.is_empty() {
        return Err(bad("empty Go version"));
    }
    // Module info is framed by 16-byte sentinels, the last preceded by a newline.
    let modinfo = if modinfo.len() >= 33 && modinfo[modinfo.len() - 17] == b'\n' {
        &modinfo[16..modinfo.len() - 16]
    } else {
        &[][..]
    };
    Ok((String::from_utf8_lossy(version).into_owned(), String::from_utf8_lossy(modinfo).into_owned()))
}

/// A uvarint-length-prefixed string and what follows it.
fn varint_string(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut len: u64 = 0;
    for (i, &byte) in b.iter().enumerate().take(10) {
        len |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let rest = &b[i + 1..];
            let len = usize::try_from(len).ok().filter(|&l| l <= rest.len())?;
            return Some(rest.split_at(len));
        }
    }
    None
}

/// Packages from the toolchain version and the module information text.
pub(crate) fn inventory(path: &str, go_version: &str, modinfo: &str) -> Result<Facts, AnalyzeError> {
    let mut c = Collector::default();
    let toolchain = go_version.split_whitespace().next().unwrap_or(go_version);
    if !toolchain.is_empty() {
        c.push(package(PackageKind::Go, STDLIB, toolchain, path));
    }
    // (path, version, origin) of the module on the previous line, until a `=>` replaces it.
    let mut pending: Option<(String, String, Option<PackageOrigin>)> = None;
    let flush = |m: Option<(String, String, Option<PackageOrigin>)>, c: &mut Collector| {
        if let Some((name, version, origin)) = m {
            if version.is_empty() {
                c.warn(format!("module {name} has no version"));
            } else {
                let mut p = package(PackageKind::Go, &name, &version, path);
                p.origin = origin;
                c.push(p);
            }
        }
    };
    for line in modinfo.lines() {
        let mut f = line.split('\t');
        let (kind, mod_path, version) = (f.next().unwrap_or(""), f.next().unwrap_or(""), f.next().unwrap_or(""));
        match kind {
            "mod" | "dep" => {
                flush(pending.take(), &mut c);
                let origin = (version == "(devel)").then_some(PackageOrigin::Local);
                pending = Some((mod_path.to_owned(), version.to_owned(), origin));
            }
            "=>" => {
                if let Some((orig, orig_version, _)) = pending.take() {
                    let local_dir = version.is_empty() || version == "(devel)" || is_local_path(mod_path);
                    pending = Some(if local_dir {
                        // Replaced by a local directory: the code is not the registry's.
                        (orig, orig_version, Some(PackageOrigin::Local))
                    } else {
                        (mod_path.to_owned(), version.to_owned(), None)
                    });
                }
            }
            _ => {}
        }
    }
    flush(pending.take(), &mut c);
    c.finish(path)
}

/// A `replace` target that is a directory: go.mod requires those to start with `./`, `../` or `/`.
pub(crate) fn is_local_path(p: &str) -> bool {
    p.starts_with("./") || p.starts_with("../") || p.starts_with('/') || p == "." || p == ".."
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(f: &Facts) -> Vec<(&str, &str, Option<PackageOrigin>)> {
        f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.origin)).collect()
    }

    #[test]
    fn modinfo_replacements() {
        let mi = "path\texample.com/hello\nmod\texample.com/hello\t(devel)\t\n\
                  dep\tgolang.org/x/text\tv0.3.0\th1:a=\n=>\tgolang.org/x/text\tv0.3.8\th1:b=\n\
                  dep\texample.com/lib\tv0.0.0-00010101000000-000000000000\n=>\t../lib\t(devel)\t\n\
                  dep\tgithub.com/a/b\tv1.2.3\th1:c=\nbuild\t-compiler=gc\n";
        let f = inventory("app/hello", "go1.19.8 X:boringcrypto", mi).unwrap();
        assert_eq!(
            names(&f),
            [
                ("stdlib", "go1.19.8", None),
                ("example.com/hello", "(devel)", Some(PackageOrigin::Local)),
                ("golang.org/x/text", "v0.3.8", None),
                ("example.com/lib", "v0.0.0-00010101000000-000000000000", Some(PackageOrigin::Local)),
                ("github.com/a/b", "v1.2.3", None),
            ]
        );
    }

    fn framed(modinfo: &str) -> Vec<u8> {
        let mut m = vec![0x30; 16];
        m.extend_from_slice(modinfo.as_bytes());
        m.extend_from_slice(&[0xf9; 16]);
        m
    }

    #[test]
    fn inline_format() {
        let mut blob = MAGIC.to_vec();
        blob.extend_from_slice(&[8, 2]);
        blob.resize(HEADER, 0);
        let v = b"go1.21.0";
        blob.push(v.len() as u8);
        blob.extend_from_slice(v);
        let m = framed("path\tx\nmod\tx\tv1.0.0\t\n");
        blob.extend_from_slice(&[(m.len() as u8) | 0x80, (m.len() >> 7) as u8]);
        blob.extend_from_slice(&m);
        let (version, modinfo) = decode("x", &blob, |_, _| None).unwrap();
        assert_eq!(version, "go1.21.0");
        assert_eq!(modinfo, "path\tx\nmod\tx\tv1.0.0\t\n");
        // Lengths past the end are rejected, not trusted.
        let mut short = blob.clone();
        short.truncate(HEADER + 5);
        assert!(decode("x", &short, |_, _| None).is_err());
    }

    #[test]
    fn pointer_format() {
        // Memory at 0x1000: version string header, module string header, then both strings.
        let v = b"go1.16.15";
        let m = framed("path\tx\nmod\tx\t(devel)\t\n");
        let mut mem = Vec::new();
        let base = 0x1000u64;
        let strings = base + 32;
        mem.extend_from_slice(&strings.to_le_bytes());
        mem.extend_from_slice(&(v.len() as u64).to_le_bytes());
        mem.extend_from_slice(&(strings + v.len() as u64).to_le_bytes());
        mem.extend_from_slice(&(m.len() as u64).to_le_bytes());
        mem.extend_from_slice(v);
        mem.extend_from_slice(&m);
        let mut blob = MAGIC.to_vec();
        blob.extend_from_slice(&[8, 0]);
        blob.extend_from_slice(&base.to_le_bytes());
        blob.extend_from_slice(&(base + 16).to_le_bytes());
        let read = |addr: u64, len: u64| -> Option<&[u8]> {
            let start = usize::try_from(addr.checked_sub(base)?).ok()?;
            mem.get(start..start.checked_add(usize::try_from(len).ok()?)?)
        };
        let (version, modinfo) = decode("x", &blob, read).unwrap();
        assert_eq!(version, "go1.16.15");
        assert_eq!(modinfo, "path\tx\nmod\tx\t(devel)\t\n");
        // A version pointer into nowhere is an error.
        let mut bad = blob.clone();
        bad[16..24].copy_from_slice(&0xdead_0000u64.to_le_bytes());
        assert!(decode("x", &bad, read).is_err());
    }

    #[test]
    fn blob_alignment() {
        let mut data = vec![0u8; 64];
        data[3..3 + MAGIC.len()].copy_from_slice(MAGIC);
        assert!(find_blob(&data).is_none(), "unaligned magic is not the blob");
        data[32..32 + MAGIC.len()].copy_from_slice(MAGIC);
        assert_eq!(find_blob(&data).map(|b| b.len()), Some(32));
    }
}
