//! JUnit XML, the test-report format every CI system displays.
//!
//! One `testsuite` per kind of finding (`vulnerabilities`, `secrets`, `misconfigurations`) and one
//! (`scan`) for what the scan could not check (error-level diagnostics), one
//! `testcase` per finding, each with a `failure` whose `type` is the severity: a CI run then
//! shows every finding as a failed test with its details. A kind with no findings is an empty
//! suite (no test case claims a check passed: the report cannot tell whether that scanner ran).
//!
//! Every string from the scanned artifact is escaped for XML, and characters XML 1.0 cannot carry
//! at all (most control characters) are replaced, so the document is well-formed whatever the
//! image contains. Secrets appear masked only.

use std::fmt::Write as _;

use plimsoll_model::secret::SecretSource;
use plimsoll_model::vuln::VulnStatus;
use plimsoll_model::{ScanReport, Severity};

use super::{layer_from, packages_of, severity_name};

struct Case {
    classname: String,
    name: String,
    severity: Severity,
    message: String,
    details: String,
}

pub(crate) fn render(report: &ScanReport) -> String {
    let suites = [
        ("vulnerabilities", vulnerabilities(report)),
        ("secrets", secrets(report)),
        ("misconfigurations", misconfigurations(report)),
        ("scan", scan_errors(report)),
    ];
    let total: usize = suites.iter().map(|(_, c)| c.len()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{total}\" failures=\"{total}\" errors=\"0\">",
        attr(&format!("plimsoll: {}", report.artifact.name))
    );
    for (name, cases) in &suites {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{name}\" tests=\"{n}\" failures=\"{n}\" errors=\"0\" skipped=\"0\" timestamp=\"{}\">",
            attr(&report.created_at),
            n = cases.len()
        );
        for c in cases {
            let _ = writeln!(out, "    <testcase classname=\"{}\" name=\"{}\">", attr(&c.classname), attr(&c.name));
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                attr(&c.message),
                severity_name(c.severity),
                text(&c.details)
            );
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// The error-level diagnostics (what the scan could not check: a skipped vulnerability scan, an
/// uncovered OS release or ecosystem, a stale database, an unreadable file) as failing cases, so
/// that a CI system shows an incomplete scan as failed rather than as an empty, passing suite.
/// Each carries the database used and what it did not cover.
fn scan_errors(report: &ScanReport) -> Vec<Case> {
    let coverage = super::coverage_lines(report).map(|l| l.join("\n")).unwrap_or_default();
    report
        .diagnostics
        .iter()
        .filter(|d| d.level == plimsoll_model::DiagnosticLevel::Error)
        .map(|d| {
            let mut details = String::new();
            if let Some(p) = &d.path {
                let _ = writeln!(details, "Path: {p}");
            }
            if let Some(l) = d.layer {
                let _ = writeln!(details, "Layer: {l}");
            }
            let _ = writeln!(details, "{}", d.message);
            if !coverage.is_empty() {
                let _ = writeln!(details, "\n{coverage}");
            }
            Case {
                classname: "plimsoll.scan".to_owned(),
                name: d.message.split(':').next().unwrap_or("scan").to_owned(),
                severity: Severity::Unknown,
                message: d.message.clone(),
                details,
            }
        })
        .collect()
}

fn vulnerabilities(report: &ScanReport) -> Vec<Case> {
    report
        .vulnerabilities
        .iter()
        .zip(packages_of(report))
        .map(|(v, pkg)| {
            let fixed = match (&v.fixed_version, v.status) {
                (Some(f), _) => format!("fixed in {f}"),
                (None, VulnStatus::Unfixed) => "no fixed version yet".to_owned(),
                (None, VulnStatus::Fixed) => "fixed version unknown".to_owned(),
            };
            let mut details = format!(
                "Package: {} {} ({})\nVulnerability: {}\nSeverity: {}\nStatus: {fixed}\n",
                v.package_name,
                v.package_version,
                super::kind_name(v.package_kind),
                v.id,
                severity_name(v.severity)
            );
            if !v.aliases.is_empty() {
                let _ = writeln!(details, "Aliases: {}", v.aliases.join(", "));
            }
            if let Some(p) = pkg {
                let _ = writeln!(details, "Found in: {}", p.found_in);
            }
            if let Some(l) = layer_from(report, v.layer.as_ref()) {
                let _ =
                    writeln!(details, "Layer: {}{}", l.index, l.diff_id.map(|d| format!(" {d}")).unwrap_or_default());
            }
            if let Some(t) = &v.title {
                let _ = writeln!(details, "Title: {t}");
            }
            if let Some(d) = &v.description {
                let _ = writeln!(details, "\n{d}");
            }
            for r in &v.references {
                let _ = writeln!(details, "{r}");
            }
            Case {
                classname: format!("{}@{}", v.package_name, v.package_version),
                name: format!("[{}] {}", severity_name(v.severity), v.id),
                severity: v.severity,
                message: format!("{} {} is affected by {}; {fixed}", v.package_name, v.package_version, v.id),
                details,
            }
        })
        .collect()
}

fn secrets(report: &ScanReport) -> Vec<Case> {
    report
        .secrets
        .iter()
        .map(|s| {
            let place = match s.source {
                SecretSource::File => format!("{}:{}:{}", s.path, s.line, s.column),
                _ => format!("image config {}", s.path),
            };
            let mut details = format!("Rule: {}\nLocation: {place}\nMatch: {}\n", s.rule_id, s.masked);
            if let Some(l) = &s.layer {
                let _ = writeln!(details, "Layer: {}", l.index);
            }
            if let Some(h) = s.hidden_by_layer {
                let _ = writeln!(details, "Removed in layer {h}, still shipped in the earlier layer");
            }
            Case {
                classname: s.path.clone(),
                name: format!("[{}] {}", severity_name(s.severity), s.rule_id),
                severity: s.severity,
                message: format!("{} at {place}: {}", s.title, s.masked),
                details,
            }
        })
        .collect()
}

fn misconfigurations(report: &ScanReport) -> Vec<Case> {
    report
        .misconfigurations
        .iter()
        .map(|m| {
            let place = if m.line > 0 { format!("{}:{}", m.file, m.line) } else { m.file.clone() };
            let mut details = format!("Rule: {} ({})\nLocation: {place}\n", m.rule_id, m.title);
            if let Some(r) = &m.resource {
                let _ = writeln!(details, "Resource: {r}");
            }
            if let Some(l) = &m.layer {
                let _ = writeln!(details, "Layer: {}", l.index);
            }
            if !m.references.is_empty() {
                let _ = writeln!(details, "See also: {}", m.references.join(", "));
            }
            let _ = writeln!(details, "Documentation: {}", m.doc_url);
            Case {
                classname: m.file.clone(),
                name: format!("[{}] {}: {}", severity_name(m.severity), m.rule_id, m.title),
                severity: m.severity,
                message: m.message.clone(),
                details,
            }
        })
        .collect()
}

/// Text content: `&`, `<` and `>` escaped, characters XML 1.0 forbids replaced.
fn text(s: &str) -> String {
    escape(s, false)
}

/// An attribute value in double quotes; newlines and tabs are written as character references
/// so that attribute-value normalisation does not turn them into spaces.
fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// XML 1.0's `Char` production (surrogates cannot occur in a `char`).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(text("a<b>&c\"d"), "a&lt;b&gt;&amp;c\"d");
        assert_eq!(attr("a\"b\nc\td"), "a&quot;b&#10;c&#9;d");
        assert_eq!(text("x\u{0}\u{1b}y\u{FFFE}"), "x\u{FFFD}\u{FFFD}y\u{FFFD}");
        assert_eq!(text("]]>"), "]]&gt;");
    }
}
