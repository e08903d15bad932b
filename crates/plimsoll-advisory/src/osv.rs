//! OSV records (JSON or YAML) into the [`Advisory`] model, validating the schema's MUSTs.
//!
//! [`OsvRecord`] deserializes through [`RawOsv`] (`#[serde(try_from)]`), so a record that parses
//! is valid: it has an `id` and a `modified` time, every range is well formed (see
//! [`crate::range`]), every affected package names its ecosystem and package, and severities are
//! not given both per package and for the whole record. Fields we do not use are ignored, as the
//! schema allows; `database_specific`/`ecosystem_specific` are read only for a `severity` word.

use plimsoll_model::Severity;

use crate::model::{severity_from_label, Advisory, Affected, Reference, SeverityScore};
use crate::range::Range;

/// A validated OSV record.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(try_from = "RawOsv")]
pub struct OsvRecord(pub Advisory);

/// Why a record was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OsvError {
    /// Not valid JSON/YAML, or a field of the wrong type, or a failed validation (the message
    /// says which and where).
    #[error("{format}: {message}")]
    Invalid { format: &'static str, message: String },
}

/// A validation failure, reported through serde with the position of the record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    #[error("id is empty or malformed")]
    BadId,
    /// OSV: "The `id` and `modified` fields are required."
    #[error("modified is required")]
    NoModified,
    #[error("affected[{0}].package needs both ecosystem and name")]
    BadPackage(usize),
    /// OSV: "If any package level `severity` fields are set, the top level `severity` must not
    /// be set."
    #[error("severity is set both for the record and for affected packages")]
    SeverityTwice,
    #[error("severity score is empty")]
    EmptyScore,
    #[error("too many {0} ({1})")]
    TooMany(&'static str, usize),
}

/// Caps that bound the work a hostile record can cause. Real records are far below them.
const MAX_AFFECTED: usize = 10_000;
const MAX_VERSIONS: usize = 100_000;

#[derive(serde::Deserialize)]
pub(crate) struct RawOsv {
    #[serde(default)]
    id: String,
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    aliases: Option<Vec<String>>,
    #[serde(default)]
    related: Option<Vec<String>>,
    #[serde(default)]
    upstream: Option<Vec<String>>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    severity: Option<Vec<SeverityScore>>,
    #[serde(default)]
    affected: Option<Vec<RawAffected>>,
    #[serde(default)]
    references: Option<Vec<Reference>>,
    #[serde(default)]
    database_specific: Option<Specific>,
}

#[derive(serde::Deserialize)]
struct RawAffected {
    #[serde(default)]
    package: Option<RawPackage>,
    #[serde(default)]
    severity: Option<Vec<SeverityScore>>,
    #[serde(default)]
    ranges: Option<Vec<Range>>,
    #[serde(default)]
    versions: Option<Vec<String>>,
    #[serde(default)]
    ecosystem_specific: Option<Specific>,
    #[serde(default)]
    database_specific: Option<Specific>,
}

#[derive(serde::Deserialize)]
struct RawPackage {
    #[serde(default)]
    ecosystem: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    purl: Option<String>,
}

/// The part of a `*_specific` object we read: a severity word, if it is a string.
#[derive(serde::Deserialize)]
struct Specific {
    #[serde(default)]
    severity: Option<serde_json::Value>,
}

impl Specific {
    fn label(&self) -> Option<Severity> {
        self.severity.as_ref()?.as_str().and_then(severity_from_label)
    }
}

/// Red Hat and its rebuilds put the severity in the summary: `Important: openssl security update`.
fn label_from_summary(id: &str, summary: Option<&str>) -> Option<Severity> {
    let rebuild = ["RHSA-", "ALSA-", "RLSA-", "ELSA-", "CESA-"].iter().any(|p| id.starts_with(p));
    let (word, _) = summary?.split_once(':')?;
    if rebuild {
        severity_from_label(word)
    } else {
        None
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 256 && !id.chars().any(|c| c.is_whitespace() || c.is_control())
}

impl TryFrom<RawOsv> for OsvRecord {
    type Error = ValidationError;

    fn try_from(raw: RawOsv) -> Result<Self, ValidationError> {
        if !valid_id(&raw.id) {
            return Err(ValidationError::BadId);
        }
        if raw.modified.as_deref().is_none_or(|m| m.trim().is_empty()) {
            return Err(ValidationError::NoModified);
        }
        let raw_affected = raw.affected.unwrap_or_default();
        if raw_affected.len() > MAX_AFFECTED {
            return Err(ValidationError::TooMany("affected entries", raw_affected.len()));
        }
        let top_severity = raw.severity.unwrap_or_default();
        let mut affected = Vec::with_capacity(raw_affected.len());
        for (i, a) in raw_affected.into_iter().enumerate() {
            let severity = a.severity.unwrap_or_default();
            if !severity.is_empty() && !top_severity.is_empty() {
                return Err(ValidationError::SeverityTwice);
            }
            let versions = a.versions.unwrap_or_default();
            if versions.len() > MAX_VERSIONS {
                return Err(ValidationError::TooMany("versions", versions.len()));
            }
            // An entry without a package (GIT ranges of a bare repository) cannot be matched by
            // package; keep the record, skip the entry.
            let Some(pkg) = a.package else { continue };
            if pkg.ecosystem.trim().is_empty() || pkg.name.trim().is_empty() {
                return Err(ValidationError::BadPackage(i));
            }
            let severity_label = a
                .ecosystem_specific
                .as_ref()
                .and_then(Specific::label)
                .or_else(|| a.database_specific.as_ref().and_then(Specific::label));
            affected.push(Affected {
                ecosystem: pkg.ecosystem,
                name: pkg.name,
                purl: pkg.purl,
                ranges: a.ranges.unwrap_or_default(),
                versions,
                severity,
                severity_label,
            });
        }
        if top_severity.iter().chain(affected.iter().flat_map(|a| &a.severity)).any(|s| s.score.trim().is_empty()) {
            return Err(ValidationError::EmptyScore);
        }
        let severity_label = raw
            .database_specific
            .as_ref()
            .and_then(Specific::label)
            .or_else(|| label_from_summary(&raw.id, raw.summary.as_deref()));
        let nonempty = |v: Option<Vec<String>>| -> Vec<String> {
            v.unwrap_or_default().into_iter().filter(|s| !s.trim().is_empty()).collect()
        };
        Ok(OsvRecord(Advisory {
            id: raw.id,
            source: String::new(),
            modified: raw.modified,
            published: raw.published,
            withdrawn: raw.withdrawn.filter(|w| !w.trim().is_empty()),
            aliases: nonempty(raw.aliases),
            related: nonempty(raw.related),
            upstream: nonempty(raw.upstream),
            summary: raw.summary,
            details: raw.details,
            severity: top_severity,
            severity_label,
            affected,
            references: raw.references.unwrap_or_default(),
        }))
    }
}

/// Parses one OSV JSON record.
pub fn parse_json(bytes: &[u8]) -> Result<Advisory, OsvError> {
    serde_json::from_slice::<OsvRecord>(bytes)
        .map(|r| r.0)
        .map_err(|e| OsvError::Invalid { format: "OSV JSON", message: e.to_string() })
}

/// Parses one OSV YAML record (the PyPA advisory database's format).
pub fn parse_yaml(text: &str) -> Result<Advisory, OsvError> {
    serde_saphyr::from_str::<OsvRecord>(text)
        .map(|r| r.0)
        .map_err(|e| OsvError::Invalid { format: "OSV YAML", message: first_line(&e.to_string()) })
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).chars().take(300).collect()
}

/// OSV records as JSON (any `.json` file no earlier converter claimed).
pub static JSON_CONVERTER: crate::load::Converter = crate::load::Converter {
    name: "osv-json",
    detect: |c| if c.ext == "json" { crate::load::Claim::Yes } else { crate::load::Claim::No },
    convert: |c| parse_json(c.text.as_bytes()).map(|a| vec![a]).map_err(|e| e.to_string()),
};

/// OSV records as YAML (PyPA's advisory database writes them so).
pub static YAML_CONVERTER: crate::load::Converter = crate::load::Converter {
    name: "osv-yaml",
    detect: |c| {
        let keys = c.top_keys();
        let yes = matches!(c.ext, "yaml" | "yml")
            && keys.contains(&"id")
            && (keys.contains(&"affected") || keys.contains(&"modified"));
        if yes {
            crate::load::Claim::Yes
        } else {
            crate::load::Claim::No
        }
    },
    convert: |c| parse_yaml(c.text).map(|a| vec![a]).map_err(|e| e.to_string()),
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ScoreKind, Verdict};

    const JINJA: &str = r#"id: PYSEC-2014-8
details: The default configuration ...
affected:
- package:
    name: jinja2
    ecosystem: PyPI
    purl: pkg:pypi/jinja2
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: "0"
    - fixed: 2.7.2
  versions:
  - "2.0"
  - 2.0rc1
  - 2.7.1
aliases:
- CVE-2014-1402
- GHSA-8r7q-cvjq-x353
modified: "2021-07-05T00:01:22.043149Z"
published: "2014-05-19T14:55:00Z"
"#;

    #[test]
    fn parses_pypa_yaml() {
        let a = parse_yaml(JINJA).unwrap();
        assert_eq!(a.id, "PYSEC-2014-8");
        assert_eq!(a.aliases, ["CVE-2014-1402", "GHSA-8r7q-cvjq-x353"]);
        assert_eq!(a.affected.len(), 1);
        assert_eq!(a.affected[0].versions, ["2.0", "2.0rc1", "2.7.1"]);
        assert!(a.affected[0].affects("2.6").unwrap());
        assert!(!a.affected[0].affects("2.10").unwrap());
    }

    #[test]
    fn yaml_keeps_unquoted_versions_verbatim() {
        // `fixed: 1.10` must stay "1.10", not become the float 1.1.
        let y = JINJA.replace("fixed: 2.7.2", "fixed: 1.10");
        let a = parse_yaml(&y).unwrap();
        assert_eq!(a.affected[0].ranges[0].events[1].version(), "1.10");
    }

    #[test]
    fn parses_json_with_severity_and_labels() {
        let j = r#"{"id":"GHSA-xxxx","modified":"2024-01-01T00:00:00Z",
            "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            "affected":[{"package":{"ecosystem":"npm","name":"x"},
              "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.3"}]}]}],
            "database_specific":{"severity":"MODERATE","cwe_ids":["CWE-79"]}}"#;
        let a = parse_json(j.as_bytes()).unwrap();
        assert_eq!(a.severity[0].kind, ScoreKind::CvssV3);
        assert_eq!(a.severity_label, Some(Severity::Medium));
        let v = crate::version::Scheme::Semver.parse("1.2.2").unwrap();
        assert!(matches!(a.affected[0].evaluate("1.2.2", Some(&v)).unwrap(), Verdict::Affected(_)));
    }

    #[test]
    fn alma_summary_gives_the_severity() {
        let j = r#"{"id":"ALSA-2022:6224","modified":"2023-09-15T13:41:48Z","summary":"Moderate: openssl security and bug fix update","affected":[]}"#;
        assert_eq!(parse_json(j.as_bytes()).unwrap().severity_label, Some(Severity::Medium));
    }

    #[test]
    fn rejects_invalid_records() {
        let cases = [
            (r#"{"modified":"x"}"#, "no id"),
            (r#"{"id":"A-1"}"#, "no modified"),
            (r#"{"id":"A 1","modified":"x"}"#, "space in id"),
            (r#"{"id":"A-1","modified":"x","affected":[{"package":{"ecosystem":"","name":"x"}}]}"#, "empty ecosystem"),
            (
                r#"{"id":"A-1","modified":"x","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N"}],
                    "affected":[{"package":{"ecosystem":"npm","name":"x"},"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:L"}]}]}"#,
                "severity twice",
            ),
            (
                r#"{"id":"A-1","modified":"x","affected":[{"package":{"ecosystem":"npm","name":"x"},
                    "ranges":[{"type":"SEMVER","events":[{"fixed":"1.0.0"}]}]}]}"#,
                "range without introduced",
            ),
            (r#"{"id":"A-1","modified":"x","aliases":"CVE-1"}"#, "aliases not a list"),
            ("[1, 2", "truncated"),
        ];
        for (json, why) in cases {
            assert!(parse_json(json.as_bytes()).is_err(), "{why}");
        }
    }

    #[test]
    fn withdrawn_is_kept() {
        let j = r#"{"id":"A-1","modified":"x","withdrawn":"2024-01-01T00:00:00Z"}"#;
        assert!(parse_json(j.as_bytes()).unwrap().is_withdrawn());
    }

    #[test]
    fn hostile_yaml_is_an_error_not_a_hang() {
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: [*g, *g, *g, *g, *g, *g, *g, *g, *g]\nid: X\nmodified: y\n";
        assert!(parse_yaml(bomb).is_err());
        assert!(parse_yaml(&"[".repeat(100_000)).is_err());
    }
}
