//! FriendsOfPHP security advisories: one YAML file per advisory under `<vendor>/<package>/`.
//!
//! ```yaml
//! title:     Request::getClientIp() when the trust proxy mode is enabled
//! link:      https://symfony.com/blog/...
//! cve:       CVE-2012-6431
//! branches:
//!     2.0.x:
//!         time:     2012-11-27 22:21:23
//!         versions: ['>=2.0.0', '<2.0.19']
//! reference: composer://symfony/http-foundation
//! ```
//!
//! Each branch's `versions` are ANDed Composer constraints describing *affected* versions; each
//! branch becomes one range. A branch with `time: ~` is not fixed yet, so its upper bound is a
//! `limit`, not a fix. The advisory id is the CVE when there is one (files duplicated for subtree
//! splits then merge into one advisory), else `<package>/<file stem>`.

use std::collections::BTreeMap;

use super::{advisory, interval_to_range, op_intervals, split_op, ConvertError, Interval};
use crate::model::{Advisory, Affected, Reference};
use crate::version::Scheme;

#[derive(serde::Deserialize)]
struct RawFop {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    link: Option<String>,
    #[serde(default)]
    cve: Option<String>,
    #[serde(default)]
    branches: BTreeMap<String, RawBranch>,
    #[serde(default)]
    reference: Option<String>,
}

#[derive(serde::Deserialize)]
struct RawBranch {
    #[serde(default)]
    time: Option<serde_json::Value>,
    #[serde(default)]
    versions: Vec<String>,
}

/// Converts one advisory file; `stem` is its file name without `.yaml`.
pub fn convert(text: &str, stem: &str) -> Result<Vec<Advisory>, ConvertError> {
    let raw: RawFop = serde_saphyr::from_str(text).map_err(|e| ConvertError::syntax("FriendsOfPHP YAML", &e))?;
    let package = raw
        .reference
        .as_deref()
        .and_then(|r| r.trim().strip_prefix("composer://"))
        .map(str::trim)
        .filter(|p| !p.is_empty() && !p.contains(char::is_whitespace))
        .ok_or_else(|| ConvertError::Invalid("reference is not composer://vendor/package".into()))?
        .to_owned();
    let mut ranges = Vec::new();
    for (branch, b) in &raw.branches {
        let mut interval = Interval::all();
        for c in &b.versions {
            let (op, v) = split_op(c);
            let mut parts = op_intervals(Scheme::Composer, op, v)
                .map_err(|e| ConvertError::Invalid(format!("branch {branch}: constraint {c:?}: {e}")))?;
            if parts.len() != 1 {
                return Err(ConvertError::Invalid(format!("branch {branch}: constraint {c:?} is not an interval")));
            }
            interval = interval.intersect(parts.remove(0));
        }
        if b.versions.is_empty() || interval.is_empty() {
            continue;
        }
        let fixed = b.time.as_ref().is_some_and(|t| !t.is_null());
        ranges.extend(interval_to_range(&interval, fixed));
    }
    let cve = raw.cve.as_deref().map(str::trim).filter(|c| c.starts_with("CVE-"));
    let id = match cve {
        Some(c) => c.to_owned(),
        None => format!("{package}/{stem}"),
    };
    let mut a = advisory(&id);
    a.summary = raw.title;
    if let Some(link) = raw.link {
        a.references.push(Reference { kind: "ADVISORY".into(), url: link });
    }
    a.affected.push(Affected {
        ecosystem: "Packagist".into(),
        purl: Some(format!("pkg:composer/{package}")),
        name: package,
        ranges,
        versions: Vec::new(),
        severity: Vec::new(),
        severity_label: None,
    });
    Ok(vec![a])
}

/// FriendsOfPHP security-advisories YAML.
pub static CONVERTER: crate::load::Converter = crate::load::Converter {
    name: "friendsofphp",
    detect: |c| {
        let keys = c.top_keys();
        let yes = matches!(c.ext, "yaml" | "yml") && keys.contains(&"reference") && keys.contains(&"branches");
        if yes {
            crate::load::Claim::Yes
        } else {
            crate::load::Claim::No
        }
    },
    convert: |c| convert(c.text, c.stem).map_err(|e| e.to_string()),
};

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "title:     XSS in various backend modules
link:      https://www.neos.io/blog/xss-in-various-backend-modules.html
cve:       CVE-2022-30429
branches:
    4.3.x:
        time:     ~
        versions: ['>=4.3.0', '<4.4.0']
    5.3.x:
        time:     2022-05-18 17:00:00
        versions: ['>=5.3.0', '<5.3.10']
    8.0.x:
        time:     2022-05-18 17:00:00
        versions: ['>8.0.0', '<=8.0.2']
reference: composer://neos/neos
";

    #[test]
    fn branches_become_ranges() {
        let a = &convert(SAMPLE, "CVE-2022-30429").unwrap()[0];
        assert_eq!(a.id, "CVE-2022-30429");
        let aff = &a.affected[0];
        assert_eq!((aff.ecosystem.as_str(), aff.name.as_str()), ("Packagist", "neos/neos"));
        for (v, want) in [
            ("4.2.9", false),
            ("4.3.5", true),
            ("v4.3.5", true),
            ("4.4.0", false),
            ("5.3.9", true),
            ("5.3.10", false),
            ("8.0.0", false),
            ("8.0.1", true),
            ("8.0.2", true),
            ("8.0.3", false),
        ] {
            assert_eq!(aff.affects(v).unwrap(), want, "{v}");
        }
        let fixes: Vec<_> = aff.ranges.iter().map(|r| r.events.last().map(|e| format!("{e:?}"))).collect();
        assert_eq!(
            fixes,
            [
                Some(r#"Limit("4.4.0")"#.to_owned()),
                Some(r#"Fixed("5.3.10")"#.to_owned()),
                Some(r#"LastAffected("8.0.2")"#.to_owned())
            ],
            "an unfixed branch's bound is a limit, not a fix"
        );
    }

    #[test]
    fn id_without_cve_and_errors() {
        let y =
            "title: t\nbranches:\n  1.x:\n    time: 2020-01-01\n    versions: ['<1.0.1']\nreference: composer://a/b\n";
        assert_eq!(convert(y, "2020-01-01-1").unwrap()[0].id, "a/b/2020-01-01-1");
        assert!(convert("title: t\nbranches: {}\n", "x").is_err(), "no reference");
        let bad = y.replace("'<1.0.1'", "'^1.0'");
        assert!(convert(&bad, "x").is_err(), "caret constraints are not in this feed");
    }
}
