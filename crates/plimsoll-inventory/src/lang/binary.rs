//! What Go and Rust binary analyzers share: which paths may be executables, and reading ELF
//! files (the `object` crate) by section name and by virtual address.
//!
//! Analyzers see only a path before the bytes are read, not the file mode, so "may be an
//! executable" is a path heuristic: files outside data-only directories whose name has no
//! extension or an extension that no text, data or library file uses. Shared libraries (`.so`)
//! are left out on purpose: distro images hold thousands and they rarely carry Go or
//! cargo-auditable metadata. The content check is the ELF magic.

use object::read::{Object, ObjectSection, ObjectSegment};

use super::file_name;
use crate::AnalyzeError;

/// Largest binary read: Go and Rust executables of well-known tools stay well below.
pub(crate) const BINARY_MAX: u64 = 256 * 1024 * 1024;

const ELF_MAGIC: &[u8] = b"\x7fELF";

/// Directories that hold no executables worth reading.
const SKIP_PREFIXES: &[&str] = &[
    "proc/",
    "sys/",
    "dev/",
    "etc/",
    "usr/share/",
    "usr/include/",
    "usr/lib/locale/",
    "var/lib/dpkg/",
    "var/lib/rpm/",
    "var/lib/apk/",
    "var/cache/",
    "var/log/",
    "lib/apk/",
];

/// Extensions of files that are never ELF executables (lowercase).
const NOT_EXECUTABLE: &[&str] = &[
    "7z",
    "a",
    "ac",
    "am",
    "asc",
    "bash",
    "bmp",
    "bz2",
    "c",
    "cc",
    "cer",
    "cfg",
    "cjs",
    "class",
    "cmake",
    "conf",
    "cpp",
    "crt",
    "css",
    "csv",
    "cxx",
    "dat",
    "db",
    "der",
    "desktop",
    "diff",
    "dll",
    "doc",
    "ear",
    "egg",
    "el",
    "elc",
    "env",
    "eot",
    "erb",
    "exe",
    "fish",
    "gemspec",
    "gif",
    "go",
    "gpg",
    "gradle",
    "groovy",
    "gz",
    "h",
    "hh",
    "hpp",
    "htm",
    "html",
    "ico",
    "in",
    "ini",
    "ipynb",
    "jar",
    "java",
    "jpeg",
    "jpg",
    "js",
    "json",
    "jsx",
    "key",
    "ko",
    "kt",
    "la",
    "list",
    "lock",
    "log",
    "lua",
    "lz4",
    "m4",
    "map",
    "md",
    "mjs",
    "mk",
    "mo",
    "mod",
    "mount",
    "node",
    "o",
    "patch",
    "pc",
    "pdf",
    "pem",
    "php",
    "pl",
    "pm",
    "png",
    "po",
    "pod",
    "pot",
    "properties",
    "ps",
    "pub",
    "py",
    "pyc",
    "pyi",
    "pyo",
    "pyx",
    "rake",
    "rb",
    "rs",
    "rst",
    "rules",
    "scala",
    "scss",
    "service",
    "sh",
    "sig",
    "so",
    "socket",
    "sql",
    "sqlite",
    "sqlite3",
    "sum",
    "svg",
    "tar",
    "target",
    "tcl",
    "tex",
    "tgz",
    "tif",
    "tiff",
    "timer",
    "tmpl",
    "toml",
    "tpl",
    "ts",
    "tsv",
    "tsx",
    "ttf",
    "txt",
    "vim",
    "war",
    "webp",
    "whl",
    "woff",
    "woff2",
    "xml",
    "xz",
    "yaml",
    "yml",
    "zip",
    "zsh",
    "zst",
];

/// Whether `path` may be an executable worth reading (see the module docs).
pub(crate) fn may_be_executable(path: &str) -> bool {
    if SKIP_PREFIXES.iter().any(|p| path.starts_with(p)) || path.contains("/.git/") || path.starts_with(".git/") {
        return false;
    }
    let name = file_name(path);
    if name.is_empty() || name.contains(".so.") {
        return false;
    }
    match name.rsplit_once('.') {
        None | Some(("", _)) => true,
        Some((_, ext)) => !NOT_EXECUTABLE.contains(&ext.to_ascii_lowercase().as_str()),
    }
}

pub(crate) fn is_elf(content: &[u8]) -> bool {
    content.starts_with(ELF_MAGIC)
}

/// Parses an ELF file; the error names the file.
pub(crate) fn parse_elf<'a>(path: &str, content: &'a [u8]) -> Result<object::File<'a>, AnalyzeError> {
    object::File::parse(content).map_err(|e| super::malformed(path, format!("unreadable ELF file: {e}")))
}

/// The file contents of the section called `name`, if present and stored in the file.
pub(crate) fn section<'a>(file: &object::File<'a>, name: &str) -> Option<&'a [u8]> {
    file.section_by_name(name)?.data().ok().filter(|d| !d.is_empty())
}

/// `len` bytes at virtual address `addr`, from whichever loadable segment (or, failing that,
/// section) maps them. Bounds come from the file, so a hostile length cannot allocate.
pub(crate) fn read_at<'a>(file: &object::File<'a>, addr: u64, len: u64) -> Option<&'a [u8]> {
    file.segments()
        .find_map(|s| s.data_range(addr, len).ok().flatten())
        .or_else(|| file.sections().find_map(|s| s.data_range(addr, len).ok().flatten()))
}

/// The first writable, non-executable loadable segment, with its address: where Go's linker
/// puts the build info when there is no `.go.buildinfo` section (Go's `debug/buildinfo` looks
/// there too).
pub(crate) fn first_data_segment<'a>(file: &object::File<'a>) -> Option<(u64, &'a [u8])> {
    const PF_X: u32 = 1;
    const PF_W: u32 = 2;
    file.segments()
        .find(|s| matches!(s.flags(), object::SegmentFlags::Elf { p_flags, .. } if p_flags.0 & (PF_X | PF_W) == PF_W))
        .and_then(|s| Some((s.address(), s.data().ok()?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executable_paths() {
        for p in ["app/hello", "usr/local/bin/kubectl", "usr/bin/python3.11", "opt/x/bin/tool.bin", "hello"] {
            assert!(may_be_executable(p), "{p}");
        }
        for p in [
            "usr/share/doc/x/copyright",
            "etc/passwd",
            "app/main.go",
            "usr/lib/x86_64-linux-gnu/libc.so.6",
            "usr/lib/libz.so",
            "app/node_modules/x/index.js",
            "app/.git/HEAD",
            "var/lib/dpkg/status",
        ] {
            assert!(!may_be_executable(p), "{p}");
        }
    }
}
