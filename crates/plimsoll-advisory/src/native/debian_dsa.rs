//! Debian security tracker DSA and DLA lists (`data/DSA/list`, `data/DLA/list`).
//!
//! ```text
//! [29 Mar 2023] DSA-5380-1 xorg-server - security update
//!     {CVE-2023-1393}
//!     [bullseye] - xorg-server 2:1.20.11-1+deb11u6
//!     NOTE: ...
//! ```
//!
//! (Continuation lines are indented with a tab.) Each announcement lists the CVEs it fixes and,
//! per release (by code name), the *source* package and the version that fixed them. We emit
//! one advisory per CVE (id `CVE-…`, the DSA in `related`), because that is the unit users and
//! other scanners report for Debian; an announcement without CVEs becomes an advisory under its
//! own id. Releases map to OSV's `Debian:<number>`. `<not-affected>` and `<end-of-life>` lines
//! produce nothing; `<unfixed>` produces an open range.

use std::collections::BTreeMap;

use super::{advisory, ConvertError};
use crate::model::{Advisory, Affected, Reference};
use crate::range::{Range, RangeKind};

pub use plimsoll_model::distro::debian_release_number as release_number;

struct Announcement {
    id: String,
    date: Option<String>,
    title: String,
    cves: Vec<String>,
    /// (release number, source package, fixed version or None for unfixed)
    fixes: Vec<(String, String, Option<String>)>,
}

fn month(m: &str) -> Option<u8> {
    const M: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    M.iter().position(|x| *x == m).map(|i| i as u8 + 1)
}

/// `[29 Mar 2023]` -> `2023-03-29`.
fn parse_date(s: &str) -> Option<String> {
    let mut it = s.split_whitespace();
    let (d, m, y) = (it.next()?.parse::<u8>().ok()?, month(it.next()?)?, it.next()?.parse::<u16>().ok()?);
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

fn parse(text: &str) -> Result<Vec<Announcement>, ConvertError> {
    let mut out: Vec<Announcement> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let lineno = n + 1;
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(char::is_whitespace) {
            // Header: `[29 Mar 2023] DSA-5380-1 xorg-server - security update`.
            let Some(rest) = line.strip_prefix('[') else {
                return Err(ConvertError::Invalid(format!("line {lineno}: expected an announcement header")));
            };
            let (date, rest) =
                rest.split_once(']').ok_or_else(|| ConvertError::Invalid(format!("line {lineno}: no ]")))?;
            let rest = rest.trim();
            let (id, title) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            if !(id.starts_with("DSA-") || id.starts_with("DLA-") || id.starts_with("DTSA-")) {
                return Err(ConvertError::Invalid(format!("line {lineno}: {id:?} is not a DSA/DLA id")));
            }
            out.push(Announcement {
                id: id.to_owned(),
                date: parse_date(date),
                title: title.trim().to_owned(),
                cves: Vec::new(),
                fixes: Vec::new(),
            });
            continue;
        }
        let Some(cur) = out.last_mut() else {
            return Err(ConvertError::Invalid(format!("line {lineno}: indented line before any header")));
        };
        let body = line.trim();
        if let Some(list) = body.strip_prefix('{') {
            let list = list.split('}').next().unwrap_or("");
            cur.cves.extend(list.split_whitespace().map(str::to_owned));
        } else if let Some(rest) = body.strip_prefix('[') {
            // `[bullseye] - xorg-server 2:1.20.11-1+deb11u6`
            let Some((codename, rest)) = rest.split_once(']') else { continue };
            let rest = rest.trim().trim_start_matches('-').trim();
            let mut parts = rest.split_whitespace();
            let (Some(pkg), Some(ver)) = (parts.next(), parts.next()) else { continue };
            let Some(number) = release_number(codename.trim()) else { continue };
            let fixed = match ver {
                "<unfixed>" => None,
                v if v.starts_with('<') => continue,
                v => Some(v.to_owned()),
            };
            cur.fixes.push((number.to_owned(), pkg.to_owned(), fixed));
        }
        // NOTE: lines and anything else carry no matching data.
    }
    Ok(out)
}

/// Converts a whole DSA or DLA list.
pub fn convert(text: &str) -> Result<Vec<Advisory>, ConvertError> {
    let announcements = parse(text)?;
    let mut by_id: BTreeMap<String, Advisory> = BTreeMap::new();
    for ann in announcements {
        if ann.fixes.is_empty() {
            continue;
        }
        let affected: Vec<Affected> = ann
            .fixes
            .iter()
            .map(|(release, pkg, fixed)| Affected {
                ecosystem: format!("Debian:{release}"),
                name: pkg.clone(),
                purl: Some(format!("pkg:deb/debian/{pkg}")),
                ranges: vec![Range::introduced_fixed(RangeKind::Ecosystem, "0", fixed.as_deref())],
                versions: Vec::new(),
                severity: Vec::new(),
                severity_label: None,
            })
            .collect();
        let ids: Vec<String> = if ann.cves.is_empty() { vec![ann.id.clone()] } else { ann.cves.clone() };
        for id in ids {
            let a = by_id.entry(id.clone()).or_insert_with(|| {
                let mut a = advisory(&id);
                a.summary = Some(format!("{}: {}", ann.id, ann.title));
                a.published = ann.date.clone();
                a.modified = ann.date.clone();
                a.references.push(Reference {
                    kind: "ADVISORY".into(),
                    url: format!("https://security-tracker.debian.org/tracker/{id}"),
                });
                a
            });
            if id != ann.id && !a.related.contains(&ann.id) {
                a.related.push(ann.id.clone());
                a.references.push(Reference {
                    kind: "ADVISORY".into(),
                    url: format!("https://security-tracker.debian.org/tracker/{}", ann.id),
                });
            }
            // Later announcements (the file is newest first) win on the date.
            if a.modified.is_none() || ann.date.as_deref() > a.modified.as_deref() {
                a.modified = ann.date.clone();
            }
            a.affected.extend(affected.iter().cloned());
        }
    }
    Ok(by_id.into_values().collect())
}

/// The DSA/DLA `list` files of the security tracker (`data/DSA/list`, `data/DLA/list`).
pub static CONVERTER: crate::load::Converter = crate::load::Converter {
    name: "debian-dsa-list",
    detect: |c| {
        if c.name == "list" && (c.parent == "DSA" || c.parent == "DLA") {
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

    const SAMPLE: &str = "[29 Mar 2023] DSA-5380-1 xorg-server - security update
\t{CVE-2023-1393}
\t[bullseye] - xorg-server 2:1.20.11-1+deb11u6
[17 Mar 2023] DSA-5356-2 sox - regression update
\t[bullseye] - sox 14.4.2+git20190427-2+deb11u2
[01 Mar 2010] DSA-2000-1 ffmpeg-debian - several vulnerabilities
\t{CVE-2009-4631 CVE-2009-4632}
\t[lenny] - ffmpeg-debian 0.svn20080206-18+lenny1
\t[etch] - ffmpeg-debian <not-affected> (Vulnerable code not present)
\tNOTE: something
[02 Mar 2010] DSA-2001-1 other - update
\t{CVE-2009-4631}
\t[squeeze] - other <unfixed>
";

    #[test]
    fn one_advisory_per_cve_with_release_numbers() {
        let adv = convert(SAMPLE).unwrap();
        let ids: Vec<&str> = adv.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["CVE-2009-4631", "CVE-2009-4632", "CVE-2023-1393", "DSA-5356-2"]);
        let x = &adv[2];
        assert_eq!(x.related, ["DSA-5380-1"]);
        assert_eq!(x.published.as_deref(), Some("2023-03-29"));
        assert_eq!(x.affected[0].ecosystem, "Debian:11");
        assert_eq!(x.affected[0].name, "xorg-server");
        assert!(x.affected[0].affects("2:1.20.11-1+deb11u5").unwrap());
        assert!(!x.affected[0].affects("2:1.20.11-1+deb11u6").unwrap());
        // CVE-2009-4631: fixed in lenny by DSA-2000-1, unfixed in squeeze per DSA-2001-1; the
        // etch <not-affected> line produces nothing.
        let c = &adv[0];
        assert_eq!(c.related, ["DSA-2000-1", "DSA-2001-1"]);
        let ecos: Vec<&str> = c.affected.iter().map(|a| a.ecosystem.as_str()).collect();
        assert_eq!(ecos, ["Debian:5", "Debian:6"]);
        assert!(c.affected[1].affects("99").unwrap(), "unfixed: every version");
    }

    #[test]
    fn malformed_lists_are_errors() {
        assert!(convert("garbage\n").is_err());
        assert!(convert("\t{CVE-1}\n").is_err());
        assert!(convert("[1 Jan 2020] XSA-1 x - y\n").is_err());
    }
}
