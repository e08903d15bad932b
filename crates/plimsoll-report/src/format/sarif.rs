//! SARIF 2.1.0, the format code-scanning services (GitHub, GitLab, Azure DevOps) ingest.
//!
//! One run, tool `plimsoll`. Every distinct vulnerability id, secret rule and misconfiguration
//! rule is a `reportingDescriptor` in `tool.driver.rules`; every finding is a `result` pointing at
//! its rule by id and index. GitHub reads a rule's `properties.security-severity` (a number as a
//! string) to rank security alerts: the CVSS base score when the finding has one, else a value in
//! the band of the finding's severity (the same defaults GitHub documents: 9.0, 7.0, 4.0, 0.1).
//!
//! Locations: a vulnerability points at the file that declared its package (`found_in`), a
//! secret at its file, a misconfiguration at its file and line. SARIF needs a line (>= 1) to
//! show an alert, so findings without one point at line 1. Image config secrets and image
//! config rules have no file: they point at the image reference, with the config field as a
//! logical location. The layer that brought a finding in travels in `result.properties.layer`.
//!
//! Secrets appear masked only, in the message and nowhere else; their fingerprints hash the
//! masked form and the location, never the secret (a hash of a short secret can be brute-forced).

use std::collections::BTreeMap;
use std::collections::HashMap;

use plimsoll_model::misconfig::Misconfiguration;
use plimsoll_model::secret::{SecretFinding, SecretSource};
use plimsoll_model::vuln::{VulnStatus, Vulnerability};
use plimsoll_model::{LayerRef, Package, ScanReport, Severity};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::{layer_from, packages_of, severity_name};
use crate::{ident, ReportError};

const SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The project's home (the workspace's `repository`): the driver's `informationUri`, and the base
/// of the rule documentation links.
const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");
/// The fingerprint's name and version: bump the version when what it hashes changes.
const FINGERPRINT: &str = "plimsoll/v1";

pub(crate) fn render(report: &ScanReport) -> Result<Vec<u8>, ReportError> {
    let mut out = serde_json::to_vec_pretty(&build(report))?;
    out.push(b'\n');
    Ok(out)
}

fn build(report: &ScanReport) -> Log {
    let (name, version) = ident::tool(report);
    let mut rules = Rules::default();
    let mut results = Vec::new();
    for (v, pkg) in report.vulnerabilities.iter().zip(packages_of(report)) {
        let index = rules.index(&v.id, || vuln_rule(v));
        results.push(vuln_result(report, v, pkg, index));
    }
    for s in &report.secrets {
        let index = rules.index(&s.rule_id, || secret_rule(s));
        results.push(secret_result(report, s, index));
    }
    for m in &report.misconfigurations {
        let index = rules.index(&m.rule_id, || misconfig_rule(m));
        results.push(misconfig_result(report, m, index));
    }
    let mut props = BTreeMap::new();
    props.insert("artifactName", report.artifact.name.clone().into());
    if let Some(id) = &report.artifact.image_id {
        props.insert("imageID", id.to_string().into());
    }
    if let Some(d) = &report.artifact.manifest_digest {
        props.insert("manifestDigest", d.to_string().into());
    }
    if !report.artifact.repo_tags.is_empty() {
        props.insert("repoTags", report.artifact.repo_tags.clone().into());
    }
    Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name,
                    semantic_version: version.clone(),
                    version,
                    information_uri: Some(REPOSITORY).filter(|r| !r.is_empty()),
                    rules: rules.list,
                },
            },
            invocations: invocations(report),
            results,
            properties: props,
        }],
    }
}

/// Rules in first-seen order, each id once.
#[derive(Default)]
struct Rules {
    list: Vec<Rule>,
    by_id: HashMap<String, usize>,
}

impl Rules {
    fn index(&mut self, id: &str, make: impl FnOnce() -> Rule) -> usize {
        if let Some(i) = self.by_id.get(id) {
            return *i;
        }
        let i = self.list.len();
        self.list.push(make());
        self.by_id.insert(id.to_owned(), i);
        i
    }
}

/// SARIF's levels: alerts that should block are errors.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Unknown => "note",
    }
}

/// GitHub's `security-severity`: a CVSS base score, or the bottom of the severity's band.
fn security_severity(severity: Severity, score: Option<f64>) -> String {
    let n = score.filter(|s| (0.0..=10.0).contains(s)).unwrap_or(match severity {
        Severity::Critical => 9.0,
        Severity::High => 7.0,
        Severity::Medium => 4.0,
        Severity::Low => 0.1,
        Severity::Unknown => 0.0,
    });
    format!("{n:.1}")
}

/// The score that best stands for a vulnerability: CVSS v3.x (what NVD and GitHub rank by),
/// then v4.0, then v2.
fn best_score(v: &Vulnerability) -> Option<f64> {
    ["3.1", "3.0", "4.0", "2.0"]
        .iter()
        .find_map(|want| v.cvss.iter().find(|c| c.version == *want).and_then(|c| c.score))
}

fn tags(kind: &str, severity: Severity) -> Vec<String> {
    vec!["security".to_owned(), kind.to_owned(), severity_name(severity)]
}

fn is_web_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://")) && !s.contains(char::is_whitespace)
}

fn vuln_rule(v: &Vulnerability) -> Rule {
    let short = v.title.clone().unwrap_or_else(|| v.id.clone());
    let full = v.description.clone().or_else(|| v.title.clone()).unwrap_or_else(|| v.id.clone());
    let mut markdown = format!("**Vulnerability {}**\n\n{full}\n", v.id);
    if !v.aliases.is_empty() {
        markdown.push_str(&format!("\nAliases: {}\n", v.aliases.join(", ")));
    }
    if !v.references.is_empty() {
        markdown.push_str("\n#### References\n");
        for r in &v.references {
            markdown.push_str(&format!("- {r}\n"));
        }
    }
    Rule {
        id: v.id.clone(),
        short_description: Text { text: short },
        full_description: Text { text: full.clone() },
        help_uri: v.references.iter().find(|r| is_web_url(r)).cloned(),
        help: Help { text: full, markdown },
        default_configuration: Configuration { level: level(v.severity) },
        properties: RuleProperties {
            security_severity: security_severity(v.severity, best_score(v)),
            tags: tags("vulnerability", v.severity),
            precision: "very-high",
        },
    }
}

fn secret_rule(s: &SecretFinding) -> Rule {
    let full =
        format!("{} ({}): a credential that ships with the artifact to everyone who can read it.", s.title, s.rule_id);
    Rule {
        id: s.rule_id.clone(),
        short_description: Text { text: s.title.clone() },
        full_description: Text { text: full.clone() },
        help_uri: None,
        help: Help {
            text: full.clone(),
            markdown: format!("**Secret {}**\n\n{full}\n\nRevoke it, then remove it from every layer.", s.rule_id),
        },
        default_configuration: Configuration { level: level(s.severity) },
        properties: RuleProperties {
            security_severity: security_severity(s.severity, None),
            tags: tags("secret", s.severity),
            precision: "high",
        },
    }
}

fn misconfig_rule(m: &Misconfiguration) -> Rule {
    let help_uri = if is_web_url(&m.doc_url) {
        Some(m.doc_url.clone())
    } else if !m.doc_url.is_empty() && !REPOSITORY.is_empty() {
        // `docs/rules/<code>.md` is relative to the project's repository.
        Some(format!("{REPOSITORY}/{}", encode_path(m.doc_url.trim_start_matches('/'))))
    } else {
        None
    };
    let mut full = m.title.clone();
    if !m.references.is_empty() {
        full.push_str(&format!(" (see also: {})", m.references.join(", ")));
    }
    Rule {
        id: m.rule_id.clone(),
        short_description: Text { text: m.title.clone() },
        full_description: Text { text: full.clone() },
        help: Help {
            markdown: match &help_uri {
                Some(u) => format!("**{}** {full}\n\n[Documentation]({u})", m.rule_id),
                None => format!("**{}** {full}", m.rule_id),
            },
            text: full,
        },
        help_uri,
        default_configuration: Configuration { level: level(m.severity) },
        properties: RuleProperties {
            security_severity: security_severity(m.severity, None),
            tags: tags("misconfiguration", m.severity),
            precision: "very-high",
        },
    }
}

fn vuln_result(report: &ScanReport, v: &Vulnerability, pkg: Option<&Package>, rule_index: usize) -> SarifResult {
    let file = pkg.map(|p| p.found_in.as_str()).filter(|f| !f.is_empty()).unwrap_or(&report.artifact.name);
    let text = match (&v.fixed_version, v.status) {
        (Some(f), _) => {
            format!("Package {} version {} is affected by {}; fixed in {f}", v.package_name, v.package_version, v.id)
        }
        (None, VulnStatus::Unfixed) => format!(
            "Package {} version {} is affected by {}; no fixed version yet",
            v.package_name, v.package_version, v.id
        ),
        (None, VulnStatus::Fixed) => {
            format!("Package {} version {} is affected by {}", v.package_name, v.package_version, v.id)
        }
    };
    let package_id =
        if v.purl.is_empty() { format!("{}@{}", v.package_name, v.package_version) } else { v.purl.clone() };
    let mut props = BTreeMap::new();
    props.insert("package", serde_json::json!({"name": v.package_name, "version": v.package_version}));
    if !v.purl.is_empty() {
        props.insert("purl", v.purl.clone().into());
    }
    if let Some(f) = &v.fixed_version {
        props.insert("fixedVersion", f.clone().into());
    }
    if !v.aliases.is_empty() {
        props.insert("aliases", v.aliases.clone().into());
    }
    props.insert("severity", severity_name(v.severity).into());
    insert_layer(&mut props, report, v.layer.as_ref());
    SarifResult {
        rule_id: v.id.clone(),
        rule_index,
        level: level(v.severity),
        message: Text { text },
        locations: vec![location(file, 1, None, None, None)],
        partial_fingerprints: fingerprint(&["vulnerability", &v.id, &package_id, file]),
        properties: props,
    }
}

fn secret_result(report: &ScanReport, s: &SecretFinding, rule_index: usize) -> SarifResult {
    let mut text = format!("{} ({}): {}", s.title, s.rule_id, s.masked);
    if let (Some(added), Some(hidden)) = (&s.layer, s.hidden_by_layer) {
        text.push_str(&format!(
            "; removed in layer {hidden} but still shipped in layer {}, where anyone with the image can read it",
            added.index
        ));
    }
    let loc = match s.source {
        SecretSource::File => location(&s.path, s.line, Some(s.column), None, None),
        // A config field, not a file: the image is the artifact, the field the logical place.
        _ => location(&report.artifact.name, 1, None, None, Some((s.path.clone(), "property"))),
    };
    let mut props = BTreeMap::new();
    props.insert("masked", s.masked.clone().into());
    props.insert("source", super::serde_name(s.source).into());
    props.insert("severity", severity_name(s.severity).into());
    if let Some(h) = s.hidden_by_layer {
        props.insert("hiddenByLayer", h.into());
    }
    insert_layer(&mut props, report, s.layer.as_ref());
    SarifResult {
        rule_id: s.rule_id.clone(),
        rule_index,
        level: level(s.severity),
        message: Text { text },
        locations: vec![loc],
        partial_fingerprints: fingerprint(&["secret", &s.rule_id, &s.path, &s.masked]),
        properties: props,
    }
}

fn misconfig_result(report: &ScanReport, m: &Misconfiguration, rule_index: usize) -> SarifResult {
    let logical = m.resource.clone().map(|r| (r, "resource"));
    let col = (m.column > 0).then_some(m.column);
    let loc = location(&m.file, m.line, col, Some(m.end_line), logical);
    let mut props = BTreeMap::new();
    props.insert("severity", severity_name(m.severity).into());
    if !m.references.is_empty() {
        props.insert("references", m.references.clone().into());
    }
    insert_layer(&mut props, report, m.layer.as_ref());
    SarifResult {
        rule_id: m.rule_id.clone(),
        rule_index,
        level: level(m.severity),
        message: Text { text: m.message.clone() },
        locations: vec![loc],
        partial_fingerprints: fingerprint(&[
            "misconfiguration",
            &m.rule_id,
            &m.file,
            m.resource.as_deref().unwrap_or(""),
            &m.message,
        ]),
        properties: props,
    }
}

fn insert_layer(props: &mut BTreeMap<&'static str, serde_json::Value>, report: &ScanReport, r: Option<&LayerRef>) {
    let Some(layer) = layer_from(report, r) else { return };
    let mut l = serde_json::Map::new();
    l.insert("index".into(), layer.index.into());
    if let Some(d) = layer.digest {
        l.insert("digest".into(), d.to_string().into());
    }
    if let Some(d) = layer.diff_id {
        l.insert("diff_id".into(), d.to_string().into());
    }
    if let Some(c) = layer.created_by {
        l.insert("created_by".into(), c.into());
    }
    props.insert("layer", l.into());
}

fn location(
    file: &str,
    line: u32,
    column: Option<u32>,
    end_line: Option<u32>,
    logical: Option<(String, &'static str)>,
) -> Location {
    let start_line = line.max(1);
    Location {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation { uri: encode_path(file.trim_start_matches('/')) },
            region: Region {
                start_line,
                start_column: column.filter(|c| *c >= 1),
                end_line: end_line.filter(|e| *e > start_line),
            },
        },
        logical_locations: logical.map(|(name, kind)| LogicalLocation { name, kind }).into_iter().collect(),
    }
}

/// A path as a relative URI reference: every byte outside RFC 3986's unreserved set and a few
/// safe sub-delimiters is percent-encoded, `:` included (in a first segment it would read as a
/// scheme), so whatever a scanned image names its files, the URI stays valid.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b'@' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A fingerprint that stays the same across scans while the finding does: a hash of what
/// identifies it, each part length-prefixed so that no two lists of parts collide.
fn fingerprint(parts: &[&str]) -> BTreeMap<&'static str, String> {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    let hex: String = h.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect();
    BTreeMap::from([(FINGERPRINT, hex)])
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
struct Run {
    tool: Tool,
    /// What the scan could not check, and the database it used (SARIF 3.20.21).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invocations: Vec<Invocation>,
    results: Vec<SarifResult>,
    properties: BTreeMap<&'static str, serde_json::Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

/// The report's diagnostics and its coverage statement as SARIF notifications: errors,
/// warnings, and the database used as a note.
fn invocations(report: &ScanReport) -> Vec<Invocation> {
    let mut notes: Vec<Notification> = report
        .diagnostics
        .iter()
        .map(|d| Notification {
            level: match d.level {
                plimsoll_model::DiagnosticLevel::Error => "error",
                plimsoll_model::DiagnosticLevel::Warning => "warning",
            },
            message: Text {
                text: match &d.path {
                    Some(p) => format!("{p}: {}", d.message),
                    None => d.message.clone(),
                },
            },
        })
        .collect();
    if let Some(lines) = super::coverage_lines(report) {
        notes.push(Notification { level: "note", message: Text { text: lines.join("; ") } });
    }
    if notes.is_empty() {
        return Vec::new();
    }
    vec![Invocation { execution_successful: true, tool_execution_notifications: notes }]
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    semantic_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    short_description: Text,
    full_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    #[serde(rename = "security-severity")]
    security_severity: String,
    tags: Vec<String>,
    precision: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    properties: BTreeMap<&'static str, serde_json::Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
}

#[derive(Serialize)]
struct LogicalLocation {
    name: String,
    kind: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_valid_uri_references() {
        assert_eq!(encode_path("app/settings.py"), "app/settings.py");
        assert_eq!(encode_path("oci:/tmp/app:1"), "oci%3A/tmp/app%3A1");
        assert_eq!(encode_path("a b/ü#?%"), "a%20b/%C3%BC%23%3F%25");
    }

    #[test]
    fn security_severity_prefers_the_score() {
        assert_eq!(security_severity(Severity::Low, Some(9.8)), "9.8");
        assert_eq!(security_severity(Severity::High, None), "7.0");
        assert_eq!(security_severity(Severity::Low, Some(f64::NAN)), "0.1");
        assert_eq!(security_severity(Severity::Critical, Some(11.0)), "9.0");
    }
}
