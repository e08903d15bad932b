//! RubySec (`ruby-advisory-db`): one YAML file per advisory under `gems/<gem>/`, stating which
//! versions are safe (`patched_versions`, `unaffected_versions`: RubyGems requirements such as
//! `~> 2.1.3` or `>= 1.0, < 1.5`); every other version is affected.
//!
//! The converter builds the safe set as intervals (each requirement line is an AND of
//! constraints, the lines are ORed), takes the complement, and writes one range per affected
//! interval. Advisories about Ruby interpreters (`rubies/`, `engine:` instead of `gem:`) have no
//! package ecosystem and are skipped by the loader.
//!
//! Approximation: `~> 2.1` excludes pre-releases of the bump version (`2.2.a`) in RubyGems, which
//! an interval cannot express; we treat `2.2.a` as outside the constraint, like `< 2.2`.

use super::{
    advisory, complement, intersect_unions, interval_to_range, op_intervals, split_op, ConvertError, Endpoint, Interval,
};
use crate::model::{severity_from_label, Advisory, Affected, Reference, ScoreKind, SeverityScore};
use crate::version::{rubygems::GemVersion, Scheme, Version};

#[derive(serde::Deserialize)]
struct RawRubySec {
    #[serde(default)]
    gem: Option<String>,
    #[serde(default)]
    engine: Option<String>,
    #[serde(default)]
    cve: Option<serde_json::Value>,
    #[serde(default)]
    ghsa: Option<String>,
    #[serde(default)]
    osvdb: Option<serde_json::Value>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    cvss_v2: Option<serde_json::Value>,
    #[serde(default)]
    cvss_v3: Option<serde_json::Value>,
    #[serde(default)]
    cvss_v4: Option<serde_json::Value>,
    #[serde(default)]
    patched_versions: Option<Vec<String>>,
    #[serde(default)]
    unaffected_versions: Option<Vec<String>>,
    #[serde(default)]
    related: Option<RawRelated>,
}

#[derive(serde::Deserialize)]
struct RawRelated {
    #[serde(default)]
    url: Option<Vec<String>>,
}

/// True when the file is about an interpreter (`engine:`), not a gem.
pub fn is_engine_advisory(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("engine:")) && !text.lines().any(|l| l.starts_with("gem:"))
}

fn scalar_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The safe interval one requirement line describes (`>= 1.0, < 1.5` is an AND).
fn requirement_intervals(line: &str) -> Result<Vec<Interval>, String> {
    let mut acc = vec![Interval::all()];
    for c in line.split(',') {
        let (op, text) = split_op(c);
        let parts = if op == "~>" {
            let v = GemVersion::parse(text).map_err(|e| e.to_string())?;
            let bump = v.bump();
            let bump_text = bump_text(&bump);
            vec![Interval {
                lo: Some(Endpoint { version: Version::RubyGems(v), text: text.to_owned(), inclusive: true }),
                hi: Some(Endpoint { version: Version::RubyGems(bump), text: bump_text, inclusive: false }),
            }]
        } else {
            op_intervals(Scheme::RubyGems, op, text)?
        };
        // (A ∪ B) ∩ (C ∪ D) for the `!=` case, which splits into two intervals.
        acc = intersect_unions(&acc, &parts);
    }
    Ok(acc)
}

fn bump_text(v: &GemVersion) -> String {
    v.segments()
        .iter()
        .map(|s| match s {
            crate::version::rubygems::Segment::Num(d) if d.is_empty() => "0".to_owned(),
            crate::version::rubygems::Segment::Num(d) | crate::version::rubygems::Segment::Str(d) => d.clone(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Converts one RubySec gem advisory. `stem` is the file name without `.yml` (the advisory's
/// own id, e.g. `CVE-2020-8164` or `GHSA-xxxx-xxxx-xxxx`).
pub fn convert(text: &str, stem: &str) -> Result<Vec<Advisory>, ConvertError> {
    let raw: RawRubySec = serde_saphyr::from_str(text).map_err(|e| ConvertError::syntax("RubySec YAML", &e))?;
    let Some(gem) = raw.gem.as_deref().map(str::trim).filter(|g| !g.is_empty()) else {
        return Err(ConvertError::Invalid(if raw.engine.is_some() {
            "interpreter advisory (engine:), not a gem".into()
        } else {
            "no gem: field".into()
        }));
    };
    let mut safe = Vec::new();
    for line in raw.patched_versions.iter().flatten().chain(raw.unaffected_versions.iter().flatten()) {
        safe.extend(
            requirement_intervals(line).map_err(|e| ConvertError::Invalid(format!("requirement {line:?}: {e}")))?,
        );
    }
    let ranges: Vec<_> = complement(safe).iter().filter_map(|i| interval_to_range(i, true)).collect();

    let mut ids = Vec::new();
    if let Some(cve) = raw.cve.as_ref().and_then(scalar_text) {
        ids.push(format!("CVE-{}", cve.trim_start_matches("CVE-")));
    }
    if let Some(ghsa) = raw.ghsa.as_deref().map(str::trim).filter(|g| !g.is_empty()) {
        ids.push(format!("GHSA-{}", ghsa.trim_start_matches("GHSA-")));
    }
    if let Some(osvdb) = raw.osvdb.as_ref().and_then(scalar_text) {
        ids.push(format!("OSVDB-{osvdb}"));
    }
    let id = if stem.is_empty() { ids.first().cloned().unwrap_or_default() } else { stem.to_owned() };
    if id.is_empty() {
        return Err(ConvertError::Invalid("no identifier".into()));
    }
    let mut a = advisory(&id);
    a.aliases = ids.into_iter().filter(|i| *i != id).collect();
    a.summary = raw.title;
    a.details = raw.description;
    a.published = raw.date.clone();
    a.modified = raw.date;
    // RubySec gives CVSS v3/v4 as vectors or scores and v2 as a score; keep vectors as
    // severities, and derive a label from a bare score.
    for (v, kind) in
        [(&raw.cvss_v4, ScoreKind::CvssV4), (&raw.cvss_v3, ScoreKind::CvssV3), (&raw.cvss_v2, ScoreKind::CvssV2)]
    {
        let Some(text) = v.as_ref().and_then(scalar_text) else { continue };
        if text.contains('/') {
            a.severity.push(SeverityScore { kind, score: text });
        } else if a.severity_label.is_none() {
            a.severity_label = text.parse::<f64>().ok().and_then(|s| severity_from_label(crate::cvss::rating(s)));
        }
    }
    if let Some(url) = raw.url {
        a.references.push(Reference { kind: "ADVISORY".into(), url });
    }
    for url in raw.related.and_then(|r| r.url).unwrap_or_default() {
        a.references.push(Reference { kind: "WEB".into(), url });
    }
    a.affected.push(Affected {
        ecosystem: "RubyGems".into(),
        name: gem.to_owned(),
        purl: Some(format!("pkg:gem/{gem}")),
        ranges,
        versions: Vec::new(),
        severity: Vec::new(),
        severity_label: None,
    });
    Ok(vec![a])
}

/// ruby-advisory-db YAML (`gems/<gem>/<id>.yml`); interpreter advisories are skipped.
pub static CONVERTER: crate::load::Converter = crate::load::Converter {
    name: "rubysec",
    detect: |c| {
        if !matches!(c.ext, "yaml" | "yml") {
            return crate::load::Claim::No;
        }
        let keys = c.top_keys();
        if keys.contains(&"gem") {
            crate::load::Claim::Yes
        } else if keys.contains(&"engine") {
            crate::load::Claim::Skip("RubySec interpreter advisory (no package ecosystem)")
        } else {
            crate::load::Claim::No
        }
    },
    convert: |c| convert(c.text, c.stem).map_err(|e| e.to_string()),
};

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIONPACK: &str = r#"---
gem: actionpack
framework: rails
cve: 2008-7248
ghsa: 8fqx-7pv4-3jwm
url: https://weblog.rubyonrails.org/2008/11/18/potential-circumvention-of-csrf-protection-in-rails-2-1
title: Improper Input Validation in rails
date: 2017-10-24
description: |
  Ruby on Rails 2.1 before 2.1.3 and 2.2.x before 2.2.2 does not verify tokens.
cvss_v2: 6.8
unaffected_versions:
  - "< 2.1.0"
patched_versions:
  - "~> 2.1.3"
  - ">= 2.2.2"
"#;

    #[test]
    fn complement_of_patched_and_unaffected() {
        let a = &convert(ACTIONPACK, "CVE-2008-7248").unwrap()[0];
        assert_eq!(a.id, "CVE-2008-7248");
        assert_eq!(a.aliases, ["GHSA-8fqx-7pv4-3jwm"]);
        assert_eq!(a.severity_label, Some(plimsoll_model::Severity::Medium));
        let aff = &a.affected[0];
        for (v, want) in [
            ("2.0.9", false),
            ("2.1.0", true),
            ("2.1.2", true),
            ("2.1.3", false),
            ("2.1.9", false),
            ("2.2.0", true),
            ("2.2.1", true),
            ("2.2.2", false),
            ("3.0", false),
        ] {
            assert_eq!(aff.affects(v).unwrap(), want, "{v}");
        }
        let v = Scheme::RubyGems.parse("2.2.1").unwrap();
        let crate::model::Verdict::Affected(hit) = aff.evaluate("2.2.1", Some(&v)).unwrap() else { panic!() };
        assert_eq!(hit.fixed.as_deref(), Some("2.2.2"));
    }

    #[test]
    fn compound_and_exclusive_requirements() {
        let y = "gem: x\ncve: 2020-1\npatched_versions:\n  - \"~> 5.2.4, >= 5.2.4.3\"\n  - \"> 6.0.3\"\n";
        let aff = &convert(y, "CVE-2020-1").unwrap()[0].affected[0];
        for (v, want) in [("5.2.4.2", true), ("5.2.4.3", false), ("5.3", true), ("6.0.3", true), ("6.0.3.1", false)] {
            assert_eq!(aff.affects(v).unwrap(), want, "{v}");
        }
    }

    #[test]
    fn no_safe_versions_means_all_affected_and_unfixed() {
        let aff = &convert("gem: x\ncve: 2020-2\n", "CVE-2020-2").unwrap()[0].affected[0];
        assert!(aff.affects("0.1").unwrap() && aff.affects("99").unwrap());
    }

    #[test]
    fn engines_and_garbage_are_errors() {
        assert!(convert("engine: ruby\ncve: 2005-1992\n", "CVE-2005-1992").is_err());
        assert!(convert("gem: x\npatched_versions:\n  - \"=> 1.0\"\n", "X").is_err());
        assert!(convert("gem: [", "X").is_err());
    }
}
