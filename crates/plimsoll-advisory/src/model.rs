//! The internal advisory model: what every source (OSV or native feed) is converted into, what
//! the store keeps, and what matching evaluates.
//!
//! It follows the OSV schema's shape (an advisory has aliases, severities and `affected`
//! packages, each with [`Range`]s and explicit versions) so that OSV converts without loss and
//! native feeds convert into the same terms.

use plimsoll_model::Severity;

use crate::range::{Hit, Range, RangeKind};
use crate::version::{Scheme, Version, VersionError};

/// One advisory (one OSV record, one DSA, one RubySec file, ...).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Advisory {
    pub id: String,
    /// The data source it was read from (the name of the source directory, e.g. `pypi-osv`).
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Set when the advisory was withdrawn; withdrawn advisories never match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// Ids of the same vulnerability elsewhere (CVE, GHSA, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Related but not identical vulnerabilities (distro advisories list their CVEs here).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// Upstream vulnerabilities this one is about (OSV 1.7 `upstream`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
    /// A qualitative severity the source states itself (GHSA `database_specific.severity`,
    /// a distro's "Important", an Ubuntu priority).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity_label: Option<Severity>,
    #[serde(default)]
    pub affected: Vec<Affected>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
}

/// A quantitative severity: a CVSS vector or another scoring system's score.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SeverityScore {
    #[serde(rename = "type")]
    pub kind: ScoreKind,
    pub score: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ScoreKind {
    #[serde(rename = "CVSS_V2")]
    CvssV2,
    #[serde(rename = "CVSS_V3")]
    CvssV3,
    #[serde(rename = "CVSS_V4")]
    CvssV4,
    /// Ubuntu priority (`negligible`, `low`, `medium`, `high`, `critical`).
    Ubuntu,
    /// A type this version of the schema does not know, kept verbatim.
    #[serde(untagged)]
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reference {
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
}

/// The affected versions of one package.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Affected {
    /// OSV ecosystem string, e.g. `PyPI`, `Debian:12`, `Alpine:v3.19`.
    pub ecosystem: String,
    /// The package name as the source writes it.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Per-package severities (OSV allows them instead of the top-level ones).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity_label: Option<Severity>,
}

/// How a package version relates to one [`Affected`] entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    NotAffected,
    Affected(Hit),
}

impl Affected {
    /// The ordering of this entry's ecosystem, if we know it.
    pub fn scheme(&self) -> Option<Scheme> {
        Scheme::for_ecosystem(&self.ecosystem)
    }

    /// OSV `IsVulnerable` for one package: in the explicit `versions` list, or in any range.
    ///
    /// `raw` is the version string, `parsed` its parse with this ecosystem's scheme (`None` when
    /// it does not parse: then only exact `versions` entries can match). Ranges of unknown
    /// ordering (GIT, or an ecosystem we cannot order) are skipped. An error means a range could
    /// not be evaluated because one of its own versions does not parse.
    pub fn evaluate(&self, raw: &str, parsed: Option<&Version>) -> Result<Verdict, VersionError> {
        evaluate(self.scheme(), &self.ranges, &self.versions, raw, parsed)
    }

    /// Convenience for tests and callers with a plain string: evaluates with this ecosystem's
    /// ordering. `Ok(false)` when the ecosystem is not orderable and nothing listed matches.
    pub fn affects(&self, version: &str) -> Result<bool, VersionError> {
        let parsed = match self.scheme() {
            Some(s) => Some(s.parse(version)?),
            None => None,
        };
        Ok(matches!(self.evaluate(version, parsed.as_ref())?, Verdict::Affected(_)))
    }
}

/// The part of a stored affected entry that matching decodes (the package identity is the
/// lookup key already; unknown fields are skipped without allocating).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub(crate) struct MatchEntry {
    #[serde(default)]
    pub ranges: Vec<Range>,
    #[serde(default)]
    pub severity: Vec<SeverityScore>,
    #[serde(default)]
    pub severity_label: Option<Severity>,
}

/// OSV `IsVulnerable` for one package, given the ecosystem's ordering: see
/// [`Affected::evaluate`].
pub(crate) fn evaluate(
    eco_scheme: Option<Scheme>,
    ranges: &[Range],
    versions: &[String],
    raw: &str,
    parsed: Option<&Version>,
) -> Result<Verdict, VersionError> {
    let mut first_error = None;
    let mut hit: Option<Hit> = None;
    for range in ranges {
        let Some(scheme) = range.scheme(eco_scheme) else { continue };
        // A SEMVER range in an ecosystem with its own ordering needs its own parse.
        let own;
        let v = match parsed {
            Some(p) if p.scheme() == scheme => p,
            _ => match scheme.parse(raw) {
                Ok(p) => {
                    own = p;
                    &own
                }
                Err(_) => continue,
            },
        };
        match range.evaluate(scheme, v) {
            Ok(Some(h)) => {
                // Keep the lowest fix when several ranges match.
                hit = Some(match hit {
                    Some(prev) => lowest_fix(scheme, prev, h),
                    None => h,
                });
            }
            Ok(None) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if hit.is_none() && in_versions(versions, raw, parsed) {
        hit = Some(Hit { fixed: fixed_after(ranges, parsed) });
    }
    match (hit, first_error) {
        (Some(h), _) => Ok(Verdict::Affected(h)),
        (None, Some(e)) => Err(e),
        (None, None) => Ok(Verdict::NotAffected),
    }
}

/// `IncludedInVersions`: the exact string, or an equal version under the ecosystem order
/// (`2.0` and `2.0.0` are the same PyPI version).
fn in_versions(versions: &[String], raw: &str, parsed: Option<&Version>) -> bool {
    versions.iter().any(|listed| {
        listed == raw
            || parsed.is_some_and(|p| {
                p.scheme().parse(listed).is_ok_and(|l| l.partial_cmp(p) == Some(std::cmp::Ordering::Equal))
            })
    })
}

/// For a version matched only through `versions`, the lowest `fixed` event above it.
fn fixed_after(ranges: &[Range], parsed: Option<&Version>) -> Option<String> {
    let p = parsed?;
    let scheme = p.scheme();
    ranges
        .iter()
        .filter(|r| r.kind != RangeKind::Git)
        .flat_map(|r| r.events.iter())
        .filter_map(|e| match e {
            crate::range::Event::Fixed(f) => scheme.parse(f).ok().filter(|fv| fv > p).map(|fv| (fv, f.clone())),
            _ => None,
        })
        .min_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal))
        .map(|(_, f)| f)
}

fn lowest_fix(scheme: Scheme, a: Hit, b: Hit) -> Hit {
    match (&a.fixed, &b.fixed) {
        (Some(x), Some(y)) => match (scheme.parse(x), scheme.parse(y)) {
            (Ok(vx), Ok(vy)) if vy < vx => b,
            _ => a,
        },
        (None, Some(_)) => b,
        _ => a,
    }
}

impl Advisory {
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }

    /// Every id this advisory is known by: its own id first, then its aliases.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// Maps a source's qualitative severity word to [`Severity`]: CVSS ratings, GHSA's `MODERATE`,
/// Red Hat's `Important`, Ubuntu and Debian priorities.
pub fn severity_from_label(label: &str) -> Option<Severity> {
    Some(match label.trim().to_ascii_lowercase().as_str() {
        "critical" => Severity::Critical,
        "high" | "important" => Severity::High,
        "medium" | "moderate" => Severity::Medium,
        "low" | "negligible" | "unimportant" | "minor" => Severity::Low,
        "unknown" | "none" | "not yet assigned" => Severity::Unknown,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn affected(json: &str) -> Affected {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn versions_list_matches_by_equality() {
        let a = affected(
            r#"{"ecosystem":"PyPI","name":"jinja2","ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.7.2"}]}],
                "versions":["2.0","2.0rc1"]}"#,
        );
        assert!(a.affects("2.0.0").unwrap());
        assert!(a.affects("2.7.1").unwrap());
        assert!(!a.affects("2.7.2").unwrap());
    }

    #[test]
    fn versions_only_entry_reports_no_fix() {
        let a = affected(r#"{"ecosystem":"SwiftURL","name":"x","versions":["1.0.0"]}"#);
        let p = Scheme::Semver.parse("1.0.0").unwrap();
        assert_eq!(a.evaluate("1.0.0", Some(&p)).unwrap(), Verdict::Affected(Hit { fixed: None }));
        assert_eq!(a.evaluate("1.0.1", None).unwrap(), Verdict::NotAffected);
    }

    #[test]
    fn lowest_fix_across_ranges() {
        let a = affected(
            r#"{"ecosystem":"npm","name":"x","ranges":[
                {"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"2.0.0"}]},
                {"type":"SEMVER","events":[{"introduced":"1.0.0"},{"fixed":"1.4.0"}]}]}"#,
        );
        let v = Scheme::Semver.parse("1.2.0").unwrap();
        assert_eq!(a.evaluate("1.2.0", Some(&v)).unwrap(), Verdict::Affected(Hit { fixed: Some("1.4.0".into()) }));
    }

    #[test]
    fn git_ranges_are_skipped() {
        let a = affected(
            r#"{"ecosystem":"OSS-Fuzz","name":"x","ranges":[{"type":"GIT","repo":"https://g/x","events":[{"introduced":"0"}]}]}"#,
        );
        assert!(!a.affects("1.0").unwrap());
    }

    #[test]
    fn labels() {
        assert_eq!(severity_from_label("MODERATE"), Some(Severity::Medium));
        assert_eq!(severity_from_label("Important"), Some(Severity::High));
        assert_eq!(severity_from_label("whatever"), None);
    }
}
