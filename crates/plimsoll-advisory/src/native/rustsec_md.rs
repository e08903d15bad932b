//! RustSec advisories in their native Markdown form (`crates/<crate>/RUSTSEC-YYYY-NNNN.md`): a
//! ` ```toml ` fenced front matter (`[advisory]`, `[versions]`, `[affected]`), then a `# Title`
//! and the description, as the `rustsec` crate reads them.
//!
//! `[versions]` lists the safe versions (`patched`, `unaffected`: Cargo version requirements
//! such as `>= 1.2.3`, `^0.9`, `>= 0.3, < 0.4`); every other version is affected, so the
//! converter takes the complement of the safe set, as for RubySec. Advisories about the Rust
//! toolchain (`rust/<component>/...`) name no crate and are skipped, as RustSec's OSV export does.

use super::{
    advisory, complement, intersect_unions, interval_to_range, op_intervals, split_op, ConvertError, Endpoint, Interval,
};
use crate::load::{Claim, Converter};
use crate::model::{Advisory, Affected, Reference, ScoreKind, SeverityScore};
use crate::version::Scheme;

pub static CONVERTER: Converter = Converter {
    name: "rustsec-md",
    detect: |c| {
        if c.ext != "md" || !c.text.starts_with("```toml") {
            Claim::No
        } else if c.path.parent().and_then(std::path::Path::parent).and_then(std::path::Path::file_name)
            == Some(std::ffi::OsStr::new("rust"))
        {
            Claim::Skip("RustSec advisory about the Rust toolchain (no crate)")
        } else {
            Claim::Yes
        }
    },
    convert: |c| convert(c.text).map_err(|e| e.to_string()),
};

#[derive(serde::Deserialize)]
struct FrontMatter {
    advisory: RawAdvisory,
    #[serde(default)]
    versions: RawVersions,
}

#[derive(serde::Deserialize)]
struct RawAdvisory {
    id: String,
    package: String,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    related: Vec<String>,
    #[serde(default)]
    cvss: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
}

#[derive(serde::Deserialize, Default)]
struct RawVersions {
    #[serde(default)]
    patched: Vec<String>,
    #[serde(default)]
    unaffected: Vec<String>,
}

/// `1.2` -> `1.2.0`: Cargo requirements may leave out trailing parts; SemVer needs three.
fn full(v: &str) -> String {
    let (core, rest) = match v.find(['-', '+']) {
        Some(i) => (&v[..i], &v[i..]),
        None => (v, ""),
    };
    let parts = core.split('.').count();
    let pad = ".0".repeat(3usize.saturating_sub(parts));
    format!("{core}{pad}{rest}")
}

/// The upper end of a caret (`^1.2.3` -> `2.0.0`, `^0.2.3` -> `0.3.0`, `^0.0.3` -> `0.0.4`) or
/// tilde (`~1.2.3` -> `1.3.0`, `~1` -> `2.0.0`) requirement, per Cargo's rules.
fn bump(op: &str, v: &str) -> Option<String> {
    let core = v.split(['-', '+']).next()?;
    let parts: Vec<u64> = core.split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let (ma, mi, pa) = (parts.first().copied()?, parts.get(1).copied(), parts.get(2).copied());
    Some(match (op, mi, pa) {
        ("~", None, _) => format!("{}.0.0", ma + 1),
        ("~", Some(mi), _) => format!("{ma}.{}.0", mi + 1),
        (_, _, _) if ma > 0 => format!("{}.0.0", ma + 1),
        (_, None, _) => "1.0.0".to_owned(),
        (_, Some(mi), _) if mi > 0 => format!("0.{}.0", mi + 1),
        (_, Some(_), None) => "0.1.0".to_owned(),
        (_, Some(_), Some(pa)) => format!("0.0.{}", pa + 1),
    })
}

/// The safe interval(s) of one requirement (`>= 0.3, < 0.4` is an AND).
fn requirement_intervals(req: &str) -> Result<Vec<Interval>, String> {
    let mut acc = vec![Interval::all()];
    for c in req.split(',') {
        let (op, text) = split_op(c);
        let parts = match op {
            // Cargo: a bare version is a caret requirement.
            "^" | "~" | "" => {
                let hi = bump(op, text).ok_or_else(|| format!("invalid version {text:?}"))?;
                let lo = full(text);
                let v = |t: &str| Scheme::Semver.parse(t).map_err(|e| e.to_string());
                vec![Interval {
                    lo: Some(Endpoint { version: v(&lo)?, text: lo, inclusive: true }),
                    hi: Some(Endpoint { version: v(&hi)?, text: hi, inclusive: false }),
                }]
            }
            _ => op_intervals(Scheme::Semver, op, &full(text))?,
        };
        acc = intersect_unions(&acc, &parts);
    }
    Ok(acc)
}

/// Converts one RustSec Markdown advisory.
pub fn convert(text: &str) -> Result<Vec<Advisory>, ConvertError> {
    let body = text.strip_prefix("```toml").ok_or_else(|| ConvertError::Invalid("no ```toml front matter".into()))?;
    let end = body.find("\n```").ok_or_else(|| ConvertError::Invalid("unterminated ```toml front matter".into()))?;
    let front: FrontMatter = toml::from_str(&body[..end]).map_err(|e| ConvertError::syntax("RustSec TOML", &e))?;
    let markdown = body[end + 4..].trim_start_matches('`').trim();
    let (title, details) = match markdown.strip_prefix("# ") {
        Some(rest) => match rest.split_once('\n') {
            Some((t, d)) => (Some(t.trim().to_owned()), Some(d.trim().to_owned()).filter(|d| !d.is_empty())),
            None => (Some(rest.trim().to_owned()), None),
        },
        None => (None, Some(markdown.to_owned()).filter(|d| !d.is_empty())),
    };
    let raw = front.advisory;
    if !raw.id.starts_with("RUSTSEC-") || raw.package.trim().is_empty() {
        return Err(ConvertError::Invalid(format!("advisory id {:?} or package {:?} missing", raw.id, raw.package)));
    }
    let mut safe = Vec::new();
    for req in front.versions.patched.iter().chain(&front.versions.unaffected) {
        safe.extend(
            requirement_intervals(req).map_err(|e| ConvertError::Invalid(format!("requirement {req:?}: {e}")))?,
        );
    }
    let ranges: Vec<_> = complement(safe).iter().filter_map(|i| interval_to_range(i, true)).collect();
    let mut a = advisory(&raw.id);
    a.aliases = raw.aliases;
    a.related = raw.related;
    a.summary = title;
    a.details = details;
    a.published.clone_from(&raw.date);
    a.modified = raw.date;
    a.withdrawn = raw.withdrawn;
    if let Some(v) = raw.cvss.filter(|v| !v.trim().is_empty()) {
        let kind = if v.starts_with("CVSS:4") { ScoreKind::CvssV4 } else { ScoreKind::CvssV3 };
        a.severity.push(SeverityScore { kind, score: v });
    }
    for url in raw.url.into_iter() {
        a.references.push(Reference { kind: "REPORT".into(), url });
    }
    for url in raw.references {
        a.references.push(Reference { kind: "WEB".into(), url });
    }
    let name = raw.package.trim().to_owned();
    a.affected.push(Affected {
        ecosystem: "crates.io".into(),
        purl: Some(format!("pkg:cargo/{name}")),
        name,
        ranges,
        versions: Vec::new(),
        severity: Vec::new(),
        severity_label: None,
    });
    Ok(vec![a])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::range::Event;

    const SAMPLE: &str = r#"```toml
[advisory]
id = "RUSTSEC-2020-0105"
package = "abi_stable"
aliases = ["CVE-2020-36212", "GHSA-vq23-5h4f-vwpv"]
cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
date = "2020-12-21"
url = "https://github.com/rodrimati1992/abi_stable_crates/issues/44"

[versions]
patched = [">= 0.9.1", "^0.8.4"]
unaffected = ["< 0.4.0"]
```

# Update unsound DrainFilter

Affected versions contained code from the standard library.
"#;

    fn events(a: &Advisory) -> Vec<Vec<Event>> {
        a.affected[0].ranges.iter().map(|r| r.events.clone()).collect()
    }

    #[test]
    fn converts_front_matter_and_markdown() {
        let a = convert(SAMPLE).unwrap().remove(0);
        assert_eq!(a.id, "RUSTSEC-2020-0105");
        assert_eq!(a.aliases, ["CVE-2020-36212", "GHSA-vq23-5h4f-vwpv"]);
        assert_eq!(a.summary.as_deref(), Some("Update unsound DrainFilter"));
        assert_eq!(a.details.as_deref(), Some("Affected versions contained code from the standard library."));
        assert_eq!(a.affected[0].ecosystem, "crates.io");
        assert_eq!(a.affected[0].name, "abi_stable");
        assert_eq!(a.severity[0].kind, ScoreKind::CvssV3);
        // safe: < 0.4.0, [0.8.4, 0.9.0), >= 0.9.1 -> affected [0.4.0, 0.8.4) and [0.9.0, 0.9.1)
        assert_eq!(
            events(&a),
            [
                vec![Event::Introduced("0.4.0".into()), Event::Fixed("0.8.4".into())],
                vec![Event::Introduced("0.9.0".into()), Event::Fixed("0.9.1".into())],
            ]
        );
    }

    #[test]
    fn caret_and_tilde_bounds() {
        assert_eq!(bump("^", "1.2.3").as_deref(), Some("2.0.0"));
        assert_eq!(bump("^", "0.2.3").as_deref(), Some("0.3.0"));
        assert_eq!(bump("^", "0.0.3").as_deref(), Some("0.0.4"));
        assert_eq!(bump("", "0.2").as_deref(), Some("0.3.0"));
        assert_eq!(bump("~", "1.2.3").as_deref(), Some("1.3.0"));
        assert_eq!(bump("~", "1").as_deref(), Some("2.0.0"));
        assert_eq!(full("1.2"), "1.2.0");
        assert_eq!(full("1.0.0-alpha.1"), "1.0.0-alpha.1");
    }

    #[test]
    fn hostile_input_is_an_error() {
        assert!(convert("```toml\n[advisory]\nid = 1\n").is_err());
        assert!(convert("```toml\n[advisory\n```\n").is_err());
        assert!(convert("```toml\n[advisory]\nid = \"RUSTSEC-1\"\npackage = \"x\"\n[versions]\npatched = [\">= not.a.version\"]\n```\n").is_err());
    }
}
