//! The Debian security tracker's JSON export (`https://security-tracker.debian.org/tracker/data/json`).
//!
//! ```text
//! { "<source package>": { "<CVE-… or TEMP-…>": {
//!     "description": "…", "scope": "remote", "debianbug": 555217,
//!     "releases": { "bookworm": { "status": "resolved", "fixed_version": "1.2-3",
//!                                 "urgency": "low**", "repositories": { … } } } } } }
//! ```
//!
//! As with the DSA/DLA lists ([`super::debian_dsa`]) we emit one advisory per issue id, with one
//! [`Affected`] per (release, source package), under OSV's `Debian:<release number>`:
//!
//! - `resolved` with `fixed_version` `"0"`: the release was never affected, so nothing is emitted;
//! - `resolved` with another version: affected from `0`, fixed in that version;
//! - `resolved` without a version: the tracker makes no claim we can match on, so nothing;
//! - `open` and `undetermined`: affected from `0` with no fix (this includes `end-of-life`
//!   urgency, where the package stays vulnerable and will not be fixed, as vunnel/Grype do);
//! - any other status is skipped rather than failing the whole (very large) file.
//!
//! Releases without a number (`sid`, unknown code names) are skipped: there is no OSV ecosystem
//! for them and [`crate::distro`] never maps an OS to one.
//!
//! Severity: the per-release `urgency` becomes the entry's [`Affected::severity_label`] through
//! [`severity_from_label`] after dropping the tracker's trailing `*`/`**` marks (which only say
//! the urgency came from elsewhere, e.g. NVD). So `unimportant` is `Low` (our model has no
//! `Negligible`; Grype says Negligible, Trivy LOW), `not yet assigned` is `Unknown`, and
//! `end-of-life` (not a severity) gives none.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{advisory, ConvertError};
use crate::model::{severity_from_label, Advisory, Affected, Reference};
use crate::range::{Range, RangeKind};
use plimsoll_model::distro::debian_release_number as release_number;

const FORMAT: &str = "Debian security tracker JSON";

#[derive(Deserialize)]
struct Issue {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    debianbug: Option<u64>,
    #[serde(default, deserialize_with = "map_or_empty_list")]
    releases: BTreeMap<String, Release>,
}

/// The export writes an empty `releases` as `[]` (it is generated from Python/JSON where an
/// empty mapping can come out as a list), so accept a map or a list and ignore the list's items.
fn map_or_empty_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Release>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = BTreeMap<String, Release>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map of releases or an empty list")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = map.next_entry::<String, Release>()? {
                out.insert(k, v);
            }
            Ok(out)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(BTreeMap::new())
        }
    }
    d.deserialize_any(V)
}

#[derive(Deserialize)]
struct Release {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    fixed_version: Option<String>,
    #[serde(default)]
    urgency: Option<String>,
}

/// What a release's entry says about the package.
fn fixed_for(r: &Release) -> Option<Option<&str>> {
    match r.status.as_deref()? {
        "open" | "undetermined" => Some(None),
        "resolved" => match r.fixed_version.as_deref().map(str::trim) {
            None | Some("") | Some("0") => None,
            Some(v) => Some(Some(v)),
        },
        _ => None,
    }
}

/// Converts the whole tracker export.
pub fn convert(text: &str) -> Result<Vec<Advisory>, ConvertError> {
    // serde_json bounds nesting (128 levels), so hostile depth is an error, not a stack overflow.
    let data: BTreeMap<String, BTreeMap<String, Issue>> =
        serde_json::from_str(text).map_err(|e| ConvertError::syntax(FORMAT, &e))?;
    let mut by_id: BTreeMap<String, Advisory> = BTreeMap::new();
    for (pkg, issues) in &data {
        for (id, issue) in issues {
            let affected: Vec<Affected> = issue
                .releases
                .iter()
                .filter_map(|(codename, rel)| {
                    let number = release_number(codename)?;
                    let fixed = fixed_for(rel)?;
                    Some(Affected {
                        ecosystem: format!("Debian:{number}"),
                        name: pkg.clone(),
                        purl: Some(format!("pkg:deb/debian/{pkg}")),
                        ranges: vec![Range::introduced_fixed(RangeKind::Ecosystem, "0", fixed)],
                        versions: Vec::new(),
                        severity: Vec::new(),
                        severity_label: rel
                            .urgency
                            .as_deref()
                            .and_then(|u| severity_from_label(u.trim_end_matches('*'))),
                    })
                })
                .collect();
            if affected.is_empty() {
                continue;
            }
            let a = by_id.entry(id.clone()).or_insert_with(|| {
                let mut a = advisory(id);
                a.details = issue.description.clone().filter(|d| !d.trim().is_empty());
                a.references.push(Reference {
                    kind: "ADVISORY".into(),
                    url: format!("https://security-tracker.debian.org/tracker/{id}"),
                });
                a
            });
            if a.details.is_none() {
                a.details = issue.description.clone().filter(|d| !d.trim().is_empty());
            }
            if let Some(bug) = issue.debianbug {
                let r = Reference { kind: "REPORT".into(), url: format!("https://bugs.debian.org/{bug}") };
                if !a.references.contains(&r) {
                    a.references.push(r);
                }
            }
            a.affected.extend(affected);
        }
    }
    Ok(by_id.into_values().collect())
}

/// Reads one JSON string at the start of `s` (after whitespace); returns it raw (escapes kept)
/// and the rest. Enough to peek at keys without parsing a file that may be tens of MiB.
fn peek_string(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start().strip_prefix('"')?;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some((&s[..i], &s[i + 1..])),
            _ => {}
        }
    }
    None
}

/// Whether a JSON text looks like the tracker export: an object whose first value is an object
/// keyed by a `CVE-`/`TEMP-` id, with `"releases"` near the start. Only the first 64 KiB are
/// looked at; an OSV record's first value is never an object.
pub fn looks_like(text: &str) -> bool {
    let head = match text.char_indices().nth(64 << 10) {
        Some((i, _)) => &text[..i],
        None => text,
    };
    let check = || -> Option<bool> {
        let rest = head.trim_start().strip_prefix('{')?;
        let (_pkg, rest) = peek_string(rest)?;
        let rest = rest.trim_start().strip_prefix(':')?.trim_start().strip_prefix('{')?;
        let (id, _) = peek_string(rest)?;
        Some((id.starts_with("CVE-") || id.starts_with("TEMP-")) && head.contains("\"releases\""))
    };
    check().unwrap_or(false)
}

/// The tracker export (served as `tracker/data/json`, so often saved without an extension) is one
/// JSON object keyed by source package; OSV records are not.
pub static CONVERTER: crate::load::Converter = crate::load::Converter {
    name: "debian-tracker",
    detect: |c| {
        if (c.ext == "json" || c.name == "json") && looks_like(c.text) {
            crate::load::Claim::Yes
        } else {
            crate::load::Claim::No
        }
    },
    convert: |c| convert(c.text).map_err(|e| e.to_string()),
};

#[cfg(test)]
mod tests {
    use super::*;
    use plimsoll_model::Severity;

    const SAMPLE: &str = r#"{
      "openssl": {
        "CVE-2024-0001": {
          "description": "A flaw in openssl.",
          "scope": "remote",
          "debianbug": 1000001,
          "releases": {
            "bookworm": { "status": "resolved", "fixed_version": "3.0.13-1~deb12u1", "urgency": "medium",
                          "repositories": { "bookworm": "3.0.11-1~deb12u2" } },
            "bullseye": { "status": "open", "urgency": "low**", "repositories": { "bullseye": "1.1.1w-0+deb11u1" } },
            "buster": { "status": "resolved", "fixed_version": "0", "urgency": "unimportant",
                        "repositories": { "buster": "1.1.1n-0+deb10u3" } },
            "trixie": { "status": "undetermined", "urgency": "not yet assigned", "repositories": {} },
            "sid": { "status": "resolved", "fixed_version": "3.1.0-1", "urgency": "medium", "repositories": {} }
          }
        },
        "TEMP-0000000-ABCDEF": {
          "description": "",
          "releases": {
            "bookworm": { "status": "open", "urgency": "unimportant", "repositories": {} }
          }
        },
        "CVE-2000-0002": { "releases": [] },
        "CVE-2000-0001": {
          "releases": {
            "bookworm": { "status": "resolved", "fixed_version": "0", "urgency": "unimportant", "repositories": {} }
          }
        }
      },
      "openssl1.0": {
        "CVE-2024-0001": {
          "description": "A flaw in openssl.",
          "releases": {
            "stretch": { "status": "open", "urgency": "end-of-life", "repositories": {} }
          }
        }
      }
    }"#;

    #[test]
    fn statuses_releases_and_urgencies() {
        let adv = convert(SAMPLE).unwrap();
        let ids: Vec<&str> = adv.iter().map(|a| a.id.as_str()).collect();
        // CVE-2000-0001 was never affected anywhere: no advisory.
        assert_eq!(ids, ["CVE-2024-0001", "TEMP-0000000-ABCDEF"]);
        let a = &adv[0];
        assert_eq!(a.details.as_deref(), Some("A flaw in openssl."));
        let urls: Vec<&str> = a.references.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(
            urls,
            ["https://security-tracker.debian.org/tracker/CVE-2024-0001", "https://bugs.debian.org/1000001"]
        );
        // buster ("0") and sid (no release number) produce nothing; the other package merges in.
        let got: Vec<(&str, &str, Option<Severity>)> =
            a.affected.iter().map(|x| (x.ecosystem.as_str(), x.name.as_str(), x.severity_label)).collect();
        assert_eq!(
            got,
            [
                ("Debian:12", "openssl", Some(Severity::Medium)),
                ("Debian:11", "openssl", Some(Severity::Low)),
                ("Debian:13", "openssl", Some(Severity::Unknown)),
                ("Debian:9", "openssl1.0", None),
            ]
        );
        let bookworm = &a.affected[0];
        assert_eq!(bookworm.purl.as_deref(), Some("pkg:deb/debian/openssl"));
        assert!(bookworm.affects("3.0.11-1~deb12u2").unwrap());
        assert!(!bookworm.affects("3.0.13-1~deb12u1").unwrap());
        assert!(!bookworm.affects("3.0.13-1").unwrap());
        for open in &a.affected[1..] {
            assert!(open.affects("1:99.0-1").unwrap(), "{} is unfixed", open.ecosystem);
        }
        let t = &adv[1];
        assert_eq!(t.details, None, "empty descriptions are dropped");
        assert_eq!(t.affected[0].severity_label, Some(Severity::Low), "unimportant -> Low");
    }

    #[test]
    fn malformed_exports_are_errors() {
        assert!(convert("[]").is_err());
        assert!(convert(r#"{"p": {"CVE-1": {"releases": {"bookworm": {"status": 3}}}}}"#).is_err());
        assert!(convert(&"{\"p\":".repeat(10_000)).is_err());
        assert!(convert("{}").unwrap().is_empty());
        // Unknown statuses are skipped, not fatal.
        let odd = r#"{"p": {"CVE-1": {"releases": {"bookworm": {"status": "postponed"}}}}}"#;
        assert!(convert(odd).unwrap().is_empty());
    }

    #[test]
    fn detection() {
        assert!(looks_like(SAMPLE));
        assert!(looks_like(r#"{"a\"b": {"TEMP-1": {"releases": {}}}}"#));
        assert!(!looks_like(r#"{"id": "CVE-1", "affected": [{"releases": 1}]}"#));
        assert!(!looks_like(r#"{"schema_version": "1.6.0", "id": "GHSA-x"}"#));
        assert!(!looks_like(r#"{"p": {"GHSA-1": {"releases": {}}}}"#));
        assert!(!looks_like("{}"));
        assert!(!looks_like("{\"p\": {\"CVE-1"));
        assert!(!looks_like(""));
    }
}
