//! NuGet versions, ordered as `NuGet.Versioning.VersionComparer.Default`.
//!
//! Written by hand from NuGet.Client's `NuGetVersion.TryParse` and `VersionComparer`: NuGet is
//! SemVer 2.0 plus a fourth (revision) number, release labels compared case-insensitively, and
//! numeric labels that may be negative. No crate reproduces it and no .NET runtime is available
//! here, so the tests use NuGet's own test vectors plus order-law checks on generated versions.
//! Deviation: version numbers must be plain ASCII digits (.NET's `Version.TryParse` would also
//! take a sign or inner whitespace).

use std::cmp::Ordering;

use super::{Scheme, VersionError};

/// A NuGet version; metadata is kept but never compared.
#[derive(Debug, Clone)]
pub struct NuGetVersion {
    numbers: [i32; 4],
    labels: Vec<String>,
    metadata: Option<String>,
}

fn is_valid_part(p: &str, allow_leading_zeros: bool) -> bool {
    if p.is_empty() {
        return false;
    }
    if !allow_leading_zeros && p.len() > 1 && p.starts_with('0') && p.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

impl NuGetVersion {
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        let err = |reason| VersionError::new(Scheme::NuGet, s, reason);
        let v = s.trim();
        // `ParseSections`: the version ends at the first `-` or `+`; labels run to the next `+`.
        let (version, labels, metadata) = match v.find(['-', '+']) {
            Some(i) if v.as_bytes()[i] == b'+' => (&v[..i], None, Some(&v[i + 1..])),
            Some(i) => {
                let rest = &v[i + 1..];
                match rest.split_once('+') {
                    Some((l, m)) => (&v[..i], Some(l), Some(m)),
                    None => (&v[..i], Some(rest), None),
                }
            }
            None => (v, None, None),
        };
        if version.is_empty() {
            return Err(err("empty version"));
        }
        let parts: Vec<&str> = version.split('.').collect();
        if parts.len() > 4 {
            return Err(err("more than four numbers"));
        }
        let mut numbers = [0i32; 4];
        for (slot, p) in numbers.iter_mut().zip(&parts) {
            if p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()) {
                return Err(err("version numbers must be digits"));
            }
            *slot = p.parse().map_err(|_| err("version number too large"))?;
        }
        let labels: Vec<String> = match labels {
            Some(l) => {
                let parts: Vec<&str> = l.split('.').collect();
                if !parts.iter().all(|p| is_valid_part(p, false)) {
                    return Err(err("invalid release label"));
                }
                parts.into_iter().map(str::to_owned).collect()
            }
            None => Vec::new(),
        };
        if let Some(m) = metadata {
            if !m.split('.').all(|p| is_valid_part(p, true)) {
                return Err(err("invalid build metadata"));
            }
        }
        Ok(NuGetVersion { numbers, labels, metadata: metadata.map(str::to_owned) })
    }

    pub fn is_prerelease(&self) -> bool {
        !self.labels.is_empty()
    }

    pub fn metadata(&self) -> Option<&str> {
        self.metadata.as_deref()
    }
}

/// `int.TryParse` on a (validated) label: digits with an optional leading `-`, within `i32`.
fn label_number(l: &str) -> Option<i32> {
    let digits = l.strip_prefix('-').unwrap_or(l);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    l.parse().ok()
}

/// `StringComparer.OrdinalIgnoreCase` on ASCII labels.
fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    a.bytes().map(|c| c.to_ascii_uppercase()).cmp(b.bytes().map(|c| c.to_ascii_uppercase()))
}

fn compare_release(a: &str, b: &str) -> Ordering {
    match (label_number(a), label_number(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        // Numeric labels come before alpha labels.
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => cmp_ignore_case(a, b),
    }
}

impl Ord for NuGetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.numbers.cmp(&other.numbers).then_with(|| match (self.labels.is_empty(), other.labels.is_empty()) {
            (true, true) => Ordering::Equal,
            (false, true) => Ordering::Less,
            (true, false) => Ordering::Greater,
            (false, false) => {
                for i in 0..self.labels.len().max(other.labels.len()) {
                    match (self.labels.get(i), other.labels.get(i)) {
                        (None, Some(_)) => return Ordering::Less,
                        (Some(_), None) => return Ordering::Greater,
                        (Some(a), Some(b)) => {
                            let r = compare_release(a, b);
                            if r != Ordering::Equal {
                                return r;
                            }
                        }
                        (None, None) => break,
                    }
                }
                Ordering::Equal
            }
        })
    }
}

impl PartialOrd for NuGetVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for NuGetVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for NuGetVersion {}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        NuGetVersion::parse(a).unwrap().cmp(&NuGetVersion::parse(b).unwrap())
    }

    #[test]
    fn nuget_client_vectors() {
        // NuGet.Client test/NuGet.Core.Tests/NuGet.Versioning.Test/VersionComparerTests.cs
        for (a, b) in [
            ("1.0.0", "1.0.0"),
            ("1.0.0-BETA", "1.0.0-beta"),
            ("1.0.0-BETA+AA", "1.0.0-beta+aa"),
            ("1.0.0-BETA.X.y.5.77.0+AA", "1.0.0-beta.x.y.5.77.0+aa"),
        ] {
            assert_eq!(cmp(a, b), Equal, "{a} == {b}");
        }
        for (a, b) in [
            ("0.0.0", "1.0.0"),
            ("1.0.0", "1.1.0"),
            ("1.0.0", "1.0.1"),
            ("1.999.9999", "2.1.1"),
            ("1.0.0-BETA", "1.0.0-beta2"),
            ("1.0.0-beta+AA", "1.0.0+aa"),
            ("1.0.0-BETA", "1.0.0-beta.1+AA"),
            ("1.0.0-BETA.X.y.5.77.0+AA", "1.0.0-beta.x.y.5.79.0+aa"),
            ("1.0.0-BETA.X.y.5.79.0+AA", "1.0.0-beta.x.y.5.790.0+abc"),
        ] {
            assert_eq!(cmp(a, b), Less, "{a} < {b}");
            assert_eq!(cmp(b, a), Greater, "{b} > {a}");
        }
    }

    #[test]
    fn legacy_four_part_and_short_versions() {
        assert_eq!(cmp("1.0.0.1", "1.0.0"), Greater);
        assert_eq!(cmp("1.0.0.0", "1.0.0"), Equal);
        assert_eq!(cmp("1", "1.0.0"), Equal);
        assert_eq!(cmp("1.0.0-1", "1.0.0-alpha"), Less);
        assert_eq!(cmp("1.0.0--1", "1.0.0-0"), Less, "int.TryParse reads -1");
    }

    #[test]
    fn malformed() {
        for bad in ["", "1.0.0-", "1.0.0-01", "1.0.0+", "1.2.3.4.5", "a.b", "1.0.0-be_ta", "99999999999.0"] {
            assert!(NuGetVersion::parse(bad).is_err(), "{bad}");
        }
    }
}
