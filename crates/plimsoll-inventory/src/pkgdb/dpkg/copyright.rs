//! Licences of Debian packages from `usr/share/doc/<package>/copyright`.
//!
//! Only machine-readable copyright files (DEP-5, "copyright-format 1.0") are read: their `License`
//! fields name licences by short name. Free-form copyright files would need text classification,
//! which is out of scope; they yield nothing.

use plimsoll_model::PackageKind;

use super::deb822;
use crate::{AnalyzeError, Analyzer, Facts, PackageLicenses};

/// `usr/share/doc/<package>/copyright`, DEP-5 format only.
pub struct DpkgCopyright;

const DOC: &str = "usr/share/doc/";

impl Analyzer for DpkgCopyright {
    fn name(&self) -> &'static str {
        "dpkg-copyright"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        path.strip_prefix(DOC)
            .and_then(|rest| rest.strip_suffix("/copyright"))
            .is_some_and(|pkg| !pkg.is_empty() && !pkg.contains('/'))
    }
    fn max_size(&self) -> u64 {
        // The largest real ones (e.g. chromium, linux) are a few MiB.
        32 * 1024 * 1024
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let package = path
            .strip_prefix(DOC)
            .and_then(|rest| rest.strip_suffix("/copyright"))
            .filter(|pkg| !pkg.is_empty())
            .ok_or_else(|| AnalyzeError::Malformed { path: path.to_owned(), reason: "not a copyright path".into() })?;
        let licenses = dep5_licenses(&String::from_utf8_lossy(content));
        if licenses.is_empty() {
            return Ok(Facts::default());
        }
        Ok(Facts {
            licenses: vec![PackageLicenses { kind: PackageKind::Dpkg, package: package.to_owned(), licenses }],
            ..Facts::default()
        })
    }
}

/// The licence short names a DEP-5 copyright file mentions, in order of appearance, without
/// duplicates. Empty when the file is not DEP-5 (its first paragraph has no `Format` field
/// pointing at the copyright-format specification).
///
/// A `License` field's first line is a licence expression: short names joined by `or`, `and`
/// (and commas, which group), where a name may carry `with <keyword> exception`
/// (copyright-format 1.0, "License specification"). Each name, exception included, is one entry.
pub fn dep5_licenses(text: &str) -> Vec<String> {
    let paragraphs: Vec<_> = deb822::paragraphs(text).collect();
    let Some(header) = paragraphs.iter().find(|p| !p.is_empty()) else { return Vec::new() };
    let format = header.folded("Format").or_else(|| header.folded("Format-Specification"));
    let is_dep5 = format.is_some_and(|f| {
        let f = f.to_ascii_lowercase();
        f.contains("copyright-format") || f.contains("dep5") || f.contains("dep-5")
    });
    if !is_dep5 {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for para in &paragraphs {
        let Some(expr) = para.first_line("License") else { continue };
        for name in split_license_expression(expr) {
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// Splits a DEP-5 licence expression into its licence names.
fn split_license_expression(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut flush = |current: &mut Vec<&str>| {
        if !current.is_empty() {
            names.push(current.join(" "));
            current.clear();
        }
    };
    for word in expr.split_whitespace() {
        // A trailing comma ends a name ("GPL-1+ or Artistic, and Expat").
        let (word, comma) = match word.strip_suffix(',') {
            Some(w) => (w, true),
            None => (word, false),
        };
        if word.eq_ignore_ascii_case("or") || word.eq_ignore_ascii_case("and") || word.eq_ignore_ascii_case("and/or") {
            flush(&mut current);
        } else if !word.is_empty() {
            current.push(word);
        }
        if comma {
            flush(&mut current);
        }
    }
    flush(&mut current);
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions() {
        assert_eq!(split_license_expression("GPL-2+"), vec!["GPL-2+"]);
        assert_eq!(
            split_license_expression("GPL-1+ or Artistic, and BSD-4-clause-POWERDOG"),
            vec!["GPL-1+", "Artistic", "BSD-4-clause-POWERDOG"]
        );
        assert_eq!(
            split_license_expression("GPL-3+ with Bison exception or MIT"),
            vec!["GPL-3+ with Bison exception", "MIT"]
        );
        assert_eq!(split_license_expression("ISC and/or LGPL-2.1+"), vec!["ISC", "LGPL-2.1+"]);
        assert_eq!(split_license_expression("Zlib,"), vec!["Zlib"]);
        assert_eq!(split_license_expression(" , or "), Vec::<String>::new());
    }

    #[test]
    fn dep5_file() {
        let text = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
                    Upstream-Name: demo\n\nFiles: *\nCopyright: 2020 A\nLicense: GPL-2+ or Artistic\n\n\
                    Files: debian/*\nCopyright: 2021 B\nLicense: GPL-2+\n\n\
                    License: Artistic\n This is the text.\n License: not-a-field\n";
        assert_eq!(dep5_licenses(text), vec!["GPL-2+", "Artistic"]);
    }

    #[test]
    fn free_form_file_yields_nothing() {
        let text = "This is the Debian prepackaged version.\n\nLicense: GPLv2+\n\n    text\n";
        assert!(dep5_licenses(text).is_empty());
        assert!(dep5_licenses("").is_empty());
    }

    #[test]
    fn analyzer_names_the_package() {
        let a = DpkgCopyright;
        assert!(a.wants("usr/share/doc/libc6/copyright"));
        assert!(!a.wants("usr/share/doc/libc6/x/copyright"));
        assert!(!a.wants("usr/share/doc/copyright"));
        let facts = a
            .analyze(
                "usr/share/doc/zlib1g/copyright",
                b"Format: http://dep.debian.net/deps/dep5\n\nFiles: *\nLicense: Zlib\n",
            )
            .unwrap();
        assert_eq!(facts.licenses[0].package, "zlib1g");
        assert_eq!(facts.licenses[0].licenses, vec!["Zlib"]);
    }
}
