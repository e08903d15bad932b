//! apk: the installed-package database `lib/apk/db/installed` (Alpine, Wolfi, Chainguard).
//!
//! The format (apk-tools, "Package database" in apk-v2 docs) is a list of records separated by
//! blank lines; each line is a one-letter key, a colon and a value: `P:` name, `V:` version, `A:`
//! architecture, `o:` origin (the source package), `L:` licence, `m:` maintainer. Files follow as
//! `F:` (a directory, relative to the root) and then `R:` (a file in the last `F:` directory);
//! `a:`, `M:` and `Z:` (ACLs, checksums) refer to the line before and are ignored here.

use plimsoll_model::{Package, PackageKind};

use crate::pkgdb::dpkg::skipped_warning;
use crate::{AnalyzeError, Analyzer, Facts, MAX_PACKAGES_PER_FILE};

/// `lib/apk/db/installed` (and `usr/lib/apk/db/installed`, where apk-tools 3 keeps it in
/// `/usr`-merged systems).
pub struct ApkInstalled;

impl Analyzer for ApkInstalled {
    fn name(&self) -> &'static str {
        "apk-installed"
    }
    fn version(&self) -> u32 {
        3
    }
    /// A package database: a copy too large to read fails the gate (see `Analyzer`).
    fn package_database(&self) -> bool {
        true
    }
    fn wants(&self, path: &str) -> bool {
        matches!(path, "lib/apk/db/installed" | "usr/lib/apk/db/installed")
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        parse_installed(path, &String::from_utf8_lossy(content))
    }
}

/// Parses an apk installed database. Records without a name or version are skipped with a
/// warning; it is an error only when the file has records but none of them could be read, or
/// more than [`MAX_PACKAGES_PER_FILE`] records.
pub fn parse_installed(path: &str, text: &str) -> Result<Facts, AnalyzeError> {
    let mut packages = Vec::new();
    let mut skipped: Vec<(usize, &str)> = Vec::new();
    let mut record = Record::default();
    for (idx, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            record.finish(path, &mut packages, &mut skipped);
            if packages.len() + skipped.len() > MAX_PACKAGES_PER_FILE {
                return Err(AnalyzeError::TooMany {
                    path: path.to_owned(),
                    what: "records",
                    limit: MAX_PACKAGES_PER_FILE,
                });
            }
            continue;
        }
        if record.first_line == 0 {
            record.first_line = idx + 1;
        }
        let bytes = line.as_bytes();
        // Every line is `<key>:<value>` with a one-byte ASCII key; anything else is noise.
        let (Some(&key), Some(b':')) = (bytes.first(), bytes.get(1).copied()) else { continue };
        let value = line.get(2..).unwrap_or("");
        match key {
            b'P' => set_once(&mut record.name, value),
            b'V' => set_once(&mut record.version, value),
            b'A' => set_once(&mut record.arch, value),
            b'o' => set_once(&mut record.origin, value),
            b'L' => set_once(&mut record.license, value),
            b'm' => set_once(&mut record.maintainer, value),
            b'F' => record.dir = value.trim_matches('/').to_owned(),
            b'R' if !value.is_empty() => {
                let file = if record.dir.is_empty() { value.to_owned() } else { format!("{}/{value}", record.dir) };
                record.files.push(file);
            }
            _ => {}
        }
    }
    record.finish(path, &mut packages, &mut skipped);
    let mut facts = Facts { packages, ..Facts::default() };
    if skipped.is_empty() {
        return Ok(facts);
    }
    if facts.packages.is_empty() {
        return Err(AnalyzeError::Malformed {
            path: path.to_owned(),
            reason: format!("no readable package record ({} without a P: or V: line)", skipped.len()),
        });
    }
    facts.warnings.push(skipped_warning(path, "record", &skipped));
    Ok(facts)
}

#[derive(Default)]
struct Record {
    /// 1-based line of the record's first line; 0 before the record starts.
    first_line: usize,
    name: Option<String>,
    version: Option<String>,
    arch: Option<String>,
    origin: Option<String>,
    license: Option<String>,
    maintainer: Option<String>,
    dir: String,
    files: Vec<String>,
}

fn set_once(slot: &mut Option<String>, value: &str) {
    let value = value.trim();
    if slot.is_none() && !value.is_empty() {
        *slot = Some(value.to_owned());
    }
}

impl Record {
    fn finish(&mut self, path: &str, packages: &mut Vec<Package>, skipped: &mut Vec<(usize, &str)>) {
        let r = std::mem::take(self);
        if r.first_line == 0 {
            return;
        }
        let (name, version) = match (r.name, r.version) {
            (Some(name), Some(version)) => (name, version),
            (None, _) => return skipped.push((r.first_line, "no P: line")),
            (Some(_), None) => return skipped.push((r.first_line, "no V: line")),
        };
        let mut p = Package::new(PackageKind::Apk, name, version, path);
        p.release = release(&p.version).map(str::to_owned);
        p.arch = r.arch;
        p.source_name = Some(r.origin.unwrap_or_else(|| p.name.clone()));
        p.source_version = Some(p.version.clone());
        p.licenses = r.license.as_deref().map(split_license).unwrap_or_default();
        p.supplier = r.maintainer;
        p.files = r.files;
        packages.push(p);
    }
}

/// The package release of an apk version `<version>-r<N>`: `rN`.
pub fn release(version: &str) -> Option<&str> {
    let (_, rel) = version.rsplit_once('-')?;
    let n = rel.strip_prefix('r')?;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then_some(rel)
}

/// Splits an `L:` value into licence names. Older packages list names separated by spaces
/// (`MIT BSD GPL2+`), newer ones write SPDX expressions (`GPL-2.0-or-later AND MIT`); both become
/// a list of names, an SPDX `WITH <exception>` staying with its licence.
pub fn split_license(value: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut words = value.split(|c: char| c.is_whitespace() || c == '(' || c == ')').filter(|w| !w.is_empty());
    while let Some(word) = words.next() {
        if word.eq_ignore_ascii_case("AND") || word.eq_ignore_ascii_case("OR") {
            continue;
        }
        if word.eq_ignore_ascii_case("WITH") {
            if let (Some(last), Some(exception)) = (out.last_mut(), words.next()) {
                last.push_str(" WITH ");
                last.push_str(exception);
            }
            continue;
        }
        if !out.iter().any(|l| l == word) {
            out.push(word.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DB: &str = "C:Q1abc=\nP:musl\nV:1.2.2-r7\nA:x86_64\nL:MIT\no:musl\nm:Timo <t@example.org>\n\
F:lib\nR:ld-musl-x86_64.so.1\na:0:0:755\nZ:Q1x=\nR:libc.musl-x86_64.so.1\n\n\
P:libcrypto3\nV:3.1.4-r5\nA:aarch64\no:openssl\nL:Apache-2.0\nF:etc/ssl\nF:usr/lib\nR:libcrypto.so.3\n\n\
P:no-version\n\nR:loose\nP:root-file\nV:1\n";

    #[test]
    fn records_and_files() {
        let facts = parse_installed("lib/apk/db/installed", DB).unwrap();
        assert_eq!(facts.warnings, vec!["lib/apk/db/installed: 1 record(s) skipped: line 23 (no V: line)"]);
        let pkgs = facts.packages;
        let names: Vec<_> = pkgs.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
        assert_eq!(names, vec![("musl", "1.2.2-r7"), ("libcrypto3", "3.1.4-r5"), ("root-file", "1")]);
        let musl = &pkgs[0];
        assert_eq!(musl.release.as_deref(), Some("r7"));
        assert_eq!(musl.arch.as_deref(), Some("x86_64"));
        assert_eq!(musl.supplier.as_deref(), Some("Timo <t@example.org>"));
        assert_eq!(musl.files, vec!["lib/ld-musl-x86_64.so.1", "lib/libc.musl-x86_64.so.1"]);
        let crypto = &pkgs[1];
        assert_eq!(crypto.source_name.as_deref(), Some("openssl"));
        assert_eq!(crypto.source_version.as_deref(), Some("3.1.4-r5"));
        assert_eq!(crypto.files, vec!["usr/lib/libcrypto.so.3"]);
        assert_eq!(pkgs[2].files, vec!["loose"]);
        assert_eq!(pkgs[2].source_name.as_deref(), Some("root-file"));
        assert_eq!(pkgs[2].release, None);
    }

    #[test]
    fn corrupt_db_is_an_error_naming_the_file() {
        let err = parse_installed("lib/apk/db/installed", "this is not a db\n\nX\n").unwrap_err();
        assert!(err.to_string().starts_with("lib/apk/db/installed: "), "{err}");
        assert!(parse_installed("lib/apk/db/installed", "\n\n").unwrap().packages.is_empty());
    }

    #[test]
    fn licenses() {
        assert_eq!(split_license("MIT BSD GPL2+"), vec!["MIT", "BSD", "GPL2+"]);
        assert_eq!(
            split_license("(GPL-2.0-or-later WITH Linux-syscall-note OR MIT) AND MIT"),
            vec!["GPL-2.0-or-later WITH Linux-syscall-note", "MIT"]
        );
    }

    #[test]
    fn releases() {
        assert_eq!(release("1.2.2-r7"), Some("r7"));
        assert_eq!(release("1.2.2"), None);
        assert_eq!(release("1.2.2-rc1"), None);
        assert_eq!(release("1.2.2_rc1-r0"), Some("r0"));
    }
}
