//! Installed Python distributions: `*.dist-info/METADATA` (wheels, pip), `*.egg-info/PKG-INFO`
//! and `EGG-INFO/PKG-INFO` (setuptools), and the single-file `*.egg-info` that distutils wrote.
//!
//! The core metadata format (PyPA "Core metadata specifications") is RFC 822 headers: `Key: value`
//! lines, continuation lines indented, and a body (the long description) after the first empty
//! line, which is ignored.

use plimsoll_model::PackageKind;

use super::{file_name, malformed, package, parent_name, Collector, METADATA_MAX};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct PythonMetadata;

impl Analyzer for PythonMetadata {
    fn name(&self) -> &'static str {
        "python-metadata"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        let name = file_name(path);
        let parent = parent_name(path).unwrap_or("").to_ascii_lowercase();
        match name {
            "METADATA" => parent.ends_with(".dist-info"),
            "PKG-INFO" => parent.ends_with(".egg-info") || parent == "egg-info",
            _ => name.to_ascii_lowercase().ends_with(".egg-info"),
        }
    }
    fn max_size(&self) -> u64 {
        METADATA_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        // Descriptions after the headers may be in any encoding; the headers are ASCII in practice.
        let text = String::from_utf8_lossy(content);
        let headers = parse_headers(&text);
        let get = |key: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.trim());
        let name = get("Name").filter(|n| !n.is_empty()).ok_or_else(|| malformed(path, "no Name header"))?;
        let version = get("Version").filter(|v| !v.is_empty()).ok_or_else(|| malformed(path, "no Version header"))?;
        let mut p = package(PackageKind::Python, name, version, path);
        p.licenses = licenses(&headers);
        let mut c = Collector::default();
        c.push(p);
        c.finish(path)
    }
}

/// The header fields in order, continuation lines joined with `\n`.
///
/// A blank line ends the headers, except inside a multi-line `Description` whose blank lines lost
/// their eight-space indent (editors strip trailing whitespace from old `PKG-INFO` files): when
/// the next line is indented, or is a header after such a description, the headers go on.
pub(crate) fn parse_headers(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            let next = lines[i + 1..].iter().find(|l| !l.trim().is_empty());
            let in_description =
                out.last().is_some_and(|(k, v)| k.eq_ignore_ascii_case("Description") && v.contains('\n'));
            if next.is_some_and(|l| l.starts_with([' ', '\t']) || (in_description && looks_like_header(l))) {
                continue;
            }
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}

/// `Some-Field: value`.
fn looks_like_header(line: &str) -> bool {
    line.split_once(": ")
        .is_some_and(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// PEP 639 `License-Expression` first; then a one-line `License` (many packages put the whole
/// licence text there, which is no licence name); then the `License ::` trove classifiers.
fn licenses(headers: &[(String, String)]) -> Vec<String> {
    fn field<'a>(headers: &'a [(String, String)], key: &'a str) -> impl Iterator<Item = &'a str> {
        headers.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.trim())
    }
    if let Some(e) = field(headers, "License-Expression").find(|e| !e.is_empty()) {
        return vec![e.to_owned()];
    }
    if let Some(l) = field(headers, "License")
        .find(|l| !l.is_empty() && !l.contains('\n') && l.len() <= 100 && !l.eq_ignore_ascii_case("UNKNOWN"))
    {
        return vec![l.to_owned()];
    }
    let mut out: Vec<String> = Vec::new();
    for c in field(headers, "Classifier") {
        let parts: Vec<&str> = c.split("::").map(str::trim).collect();
        if parts.len() >= 2 && parts[0] == "License" {
            let last = parts[parts.len() - 1];
            let bare_osi = parts.len() == 2 && last == "OSI Approved";
            if !bare_osi && !out.iter().any(|l| l == last) {
                out.push(last.to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wants_installed_metadata_only() {
        let a = PythonMetadata;
        assert!(a.wants("usr/lib/python3/dist-packages/requests-2.19.0.dist-info/METADATA"));
        assert!(a.wants("venv/lib/python3.11/site-packages/foo.egg-info/PKG-INFO"));
        assert!(a.wants("usr/lib/python2.7/dist-packages/foo-1.0.egg/EGG-INFO/PKG-INFO"));
        assert!(a.wants("usr/lib/python3/dist-packages/distro_info-1.0.egg-info"));
        assert!(!a.wants("src/foo-1.0/PKG-INFO"), "an sdist tree is not an installation");
        assert!(!a.wants("METADATA"));
    }

    #[test]
    fn headers_continuations_and_body() {
        let t = "Name: a\nLicense: line one\n        line two\nVersion: 1.0+local.7\n\nName: body\n";
        let h = parse_headers(t);
        assert_eq!(h.len(), 3);
        assert_eq!(h[1].1, "line one\nline two");
        let f = PythonMetadata.analyze("x.dist-info/METADATA", t.as_bytes()).unwrap();
        assert_eq!(f.packages[0].name, "a");
        assert_eq!(f.packages[0].version, "1.0+local.7");
        assert!(f.packages[0].licenses.is_empty(), "a licence text is not a licence name");
    }

    #[test]
    fn stripped_blank_lines_inside_description() {
        let t = "Name: a\nVersion: 1\nDescription: x\n        more\n\n\n        after blank\n\nClassifier: License :: OSI Approved :: MIT License\n\nbody\nName: no\n";
        let h = parse_headers(t);
        assert_eq!(h.iter().filter(|(k, _)| k == "Name").count(), 1);
        assert!(h.iter().any(|(k, _)| k == "Classifier"));
    }

    #[test]
    fn license_sources_in_order() {
        let t = "Name: a\nVersion: 1\nLicense: MIT\nLicense-Expression: MIT OR Apache-2.0\n";
        let f = PythonMetadata.analyze("x.dist-info/METADATA", t.as_bytes()).unwrap();
        assert_eq!(f.packages[0].licenses, ["MIT OR Apache-2.0"]);
        let t = "Name: a\nVersion: 1\nLicense: UNKNOWN\nClassifier: License :: OSI Approved\n\
                 Classifier: License :: OSI Approved :: BSD License\nClassifier: Topic :: X\n";
        let f = PythonMetadata.analyze("x.dist-info/METADATA", t.as_bytes()).unwrap();
        assert_eq!(f.packages[0].licenses, ["BSD License"]);
    }

    #[test]
    fn missing_version_is_an_error() {
        assert!(PythonMetadata.analyze("x.dist-info/METADATA", b"Name: a\n").is_err());
        assert!(PythonMetadata.analyze("x.dist-info/METADATA", b"\xff\xfe\x00").is_err());
    }
}
