//! pip requirements files: `requirements*.txt` and `requirements/*.txt`.
//!
//! Only exact pins (`name==version`, `name===version`) say which version gets installed; every
//! other requirement (ranges, wildcards, bare names, URLs, editable installs) is reported as a
//! warning rather than guessed. Line continuations, comments, per-requirement options
//! (`--hash=...`), extras and environment markers follow pip's requirements file format.

use plimsoll_model::PackageKind;

use super::{file_name, package, parent_name, text, under_any, Collector, LOCKFILE_MAX, PYTHON_INSTALL_DIRS};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct RequirementsTxt;

impl Analyzer for RequirementsTxt {
    fn name(&self) -> &'static str {
        "pip-requirements"
    }
    fn version(&self) -> u32 {
        2
    }
    fn wants(&self, path: &str) -> bool {
        if super::is_documentation(path) {
            return false;
        }
        let name = file_name(path);
        name.ends_with(".txt")
            && (name.starts_with("requirements") || parent_name(path) == Some("requirements"))
            && !under_any(path, PYTHON_INSTALL_DIRS)
    }
    fn max_size(&self) -> u64 {
        LOCKFILE_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let text = text(path, content)?;
        let mut c = Collector::default();
        for (line_no, line) in logical_lines(&text) {
            match parse_line(&line) {
                Line::Skip => {}
                Line::Pinned { name, version } => c.push(package(PackageKind::Python, name, version, path)),
                Line::Unpinned(req) => {
                    c.warn(format!("line {line_no}: `{req}` is not pinned with ==; not inventoried"))
                }
                Line::Editable(req) => {
                    c.warn(format!("line {line_no}: editable `{req}` has no version; not inventoried"))
                }
                Line::Url(req) => c.warn(format!("line {line_no}: `{req}` is a URL or path, not a pinned version")),
                Line::Invalid(req) => c.warn(format!("line {line_no}: cannot parse `{req}`")),
            }
        }
        c.finish(path)
    }
}

/// Physical lines joined at trailing backslashes, numbered by their first physical line.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let (start, mut acc) = cur.take().unwrap_or((i + 1, String::new()));
        match raw.strip_suffix('\\') {
            Some(head) => {
                acc.push_str(head);
                acc.push(' ');
                cur = Some((start, acc));
            }
            None => {
                acc.push_str(raw);
                out.push((start, acc));
            }
        }
    }
    if let Some(last) = cur {
        out.push(last);
    }
    out
}

#[derive(Debug, PartialEq)]
enum Line<'a> {
    Skip,
    Pinned { name: &'a str, version: &'a str },
    Unpinned(&'a str),
    Editable(&'a str),
    Url(&'a str),
    Invalid(&'a str),
}

fn strip_comment(line: &str) -> &str {
    // pip strips `#` comments at the start or after whitespace; URLs keep `#egg=` fragments, but
    // a `#` glued to a version (`Jinja2==3.0.0#comment`) is a comment too: no name or version
    // can contain one.
    let mut prev_ws = true;
    for (i, ch) in line.char_indices() {
        if ch == '#' && (prev_ws || !line.contains("://")) {
            return &line[..i];
        }
        prev_ws = ch.is_whitespace();
    }
    line
}

fn parse_line(line: &str) -> Line<'_> {
    let line = strip_comment(line).trim();
    if line.is_empty() {
        return Line::Skip;
    }
    if let Some(rest) = line.strip_prefix("-e").or_else(|| line.strip_prefix("--editable")) {
        return Line::Editable(rest.trim_start_matches(['=', ' ']).trim());
    }
    if line.starts_with('-') {
        // Global options: -r/-c (other files), --index-url, --find-links, --hash on its own, ...
        return Line::Skip;
    }
    // Per-requirement options (`--hash=...`) and environment markers (`; python_version < "3"`).
    let req = line.split(" --").next().unwrap_or(line);
    let req = req.split(';').next().unwrap_or(req).trim();
    if req.is_empty() {
        return Line::Skip;
    }
    if req.contains("://") || req.starts_with(['.', '/']) || req.ends_with(".whl") || req.ends_with(".tar.gz") {
        return Line::Url(req);
    }
    let name_end =
        req.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))).unwrap_or(req.len());
    let name = &req[..name_end];
    if !valid_name(name) {
        return Line::Invalid(req);
    }
    let mut rest = req[name_end..].trim_start();
    if let Some(extras) = rest.strip_prefix('[') {
        match extras.find(']') {
            Some(end) => rest = extras[end + 1..].trim_start(),
            None => return Line::Invalid(req),
        }
    }
    if rest.starts_with('@') {
        return Line::Url(req);
    }
    if rest.is_empty() {
        return Line::Unpinned(req);
    }
    if !rest.starts_with(['=', '<', '>', '!', '~']) {
        return Line::Invalid(req);
    }
    if rest.contains(',') {
        return Line::Unpinned(req);
    }
    let version = rest.strip_prefix("===").or_else(|| rest.strip_prefix("=="));
    match version.map(str::trim) {
        Some(v) if valid_version(v) => Line::Pinned { name, version: v },
        Some(v) if v.contains('*') => Line::Unpinned(req),
        Some(_) => Line::Invalid(req),
        None => Line::Unpinned(req),
    }
}

/// PEP 508 names: ASCII letters, digits, `.`, `_`, `-`, starting and ending alphanumeric.
fn valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    matches!((b.first(), b.last()), (Some(f), Some(l)) if f.is_ascii_alphanumeric() && l.is_ascii_alphanumeric())
}

/// The characters of a PEP 440 version, local part (`+ubuntu1`) included; no wildcard.
fn valid_version(v: &str) -> bool {
    !v.is_empty()
        && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '!' | '+' | '-' | '_'))
        && v.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(parse_line("Flask == 2.0.0 # c"), Line::Pinned { name: "Flask", version: "2.0.0" });
        assert_eq!(parse_line("Jinja2==3.0.0#comment"), Line::Pinned { name: "Jinja2", version: "3.0.0" });
        assert_eq!(parse_line("celery[redis, pytest]==4.4.7"), Line::Pinned { name: "celery", version: "4.4.7" });
        assert_eq!(
            parse_line("torch==2.1.0+cpu ; python_version >= '3.8'"),
            Line::Pinned { name: "torch", version: "2.1.0+cpu" }
        );
        assert_eq!(parse_line("a===1.0 --hash=sha256:00"), Line::Pinned { name: "a", version: "1.0" });
        assert_eq!(parse_line("keyring >= 4.1.1"), Line::Unpinned("keyring >= 4.1.1"));
        assert_eq!(parse_line("python-gitlab==2.0.*"), Line::Unpinned("python-gitlab==2.0.*"));
        assert_eq!(parse_line("pyjwt==1.*,>=1.2"), Line::Unpinned("pyjwt==1.*,>=1.2"));
        assert_eq!(parse_line("pandas"), Line::Unpinned("pandas"));
        assert_eq!(parse_line(">=1.0.0"), Line::Invalid(">=1.0.0"));
        assert_eq!(parse_line("foo=='invalid-version'"), Line::Invalid("foo=='invalid-version'"));
        assert_eq!(parse_line("foo|bar=='1.2.4'"), Line::Invalid("foo|bar=='1.2.4'"));
        assert_eq!(parse_line("pkg @ https://x/pkg.whl"), Line::Url("pkg @ https://x/pkg.whl"));
        assert_eq!(parse_line("git+https://g/x.git#egg=x"), Line::Url("git+https://g/x.git#egg=x"));
        assert_eq!(parse_line("-e ./local"), Line::Editable("./local"));
        assert_eq!(parse_line("-r base.txt"), Line::Skip);
        assert_eq!(parse_line("# only a comment"), Line::Skip);
    }

    #[test]
    fn continuations_keep_first_line_number() {
        let f = RequirementsTxt
            .analyze("requirements.txt", b"a == 1.2 \\\n  --hash=sha256:00 \\\n  --hash=sha256:11\n\nb>=2\n")
            .unwrap();
        assert_eq!(f.packages.len(), 1);
        assert_eq!(f.packages[0].version, "1.2");
        assert_eq!(f.warnings, ["line 5: `b>=2` is not pinned with ==; not inventoried"]);
    }

    #[test]
    fn wants() {
        assert!(RequirementsTxt.wants("app/requirements.txt"));
        assert!(RequirementsTxt.wants("requirements-dev.txt"));
        assert!(RequirementsTxt.wants("app/requirements/base.txt"));
        assert!(!RequirementsTxt.wants("app/notes.txt"));
    }
}
