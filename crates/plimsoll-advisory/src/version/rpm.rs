//! RPM versions: `[epoch:]version[-release]`, compared with `rpmvercmp` (tilde sorts before
//! everything, caret after the base version but before any further segment).
//!
//! Written by hand from rpm's `rpmio/rpmvercmp.c` and `rpmverCmp` (rpm 4.18): no crate
//! implements the caret rule and the EVR split exactly. Checked against `rpm`'s Python
//! bindings (`rpm.labelCompare`) on generated pairs (`tests/differential.rs`).

use std::cmp::Ordering;

use super::{Scheme, VersionError};

/// A parsed epoch-version-release.
#[derive(Debug, Clone)]
pub struct RpmVersion {
    /// Digits only; `None` when absent (compares as `0`).
    epoch: Option<String>,
    version: String,
    /// `None` when the string had no `-`; a missing release sorts below every release, as
    /// rpm's `rpmverCmp` (and `rpm.ver` in Python) order them.
    release: Option<String>,
}

impl RpmVersion {
    /// Splits like rpm's `parseEVR`: a leading run of digits followed by `:` is the epoch, the
    /// part after the last `-` is the release.
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        let v = s.trim();
        if v.is_empty() {
            return Err(VersionError::new(Scheme::Rpm, s, "empty version"));
        }
        let digits = v.bytes().take_while(u8::is_ascii_digit).count();
        let (epoch, rest) = if v.as_bytes().get(digits) == Some(&b':') {
            let e = &v[..digits];
            (Some(if e.is_empty() { "0".to_owned() } else { e.to_owned() }), &v[digits + 1..])
        } else {
            (None, v)
        };
        let (version, release) = match rest.rsplit_once('-') {
            Some((ver, rel)) => (ver, Some(rel.to_owned())),
            None => (rest, None),
        };
        if version.is_empty() {
            return Err(VersionError::new(Scheme::Rpm, s, "empty version part"));
        }
        Ok(RpmVersion { epoch, version: version.to_owned(), release })
    }

    /// The epoch as a number (0 when absent; saturating for absurd values).
    pub fn epoch(&self) -> u64 {
        self.epoch.as_deref().map_or(0, |e| e.parse().unwrap_or(u64::MAX))
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn release(&self) -> Option<&str> {
        self.release.as_deref()
    }
}

impl Ord for RpmVersion {
    /// `rpmverCmp`: epochs (absent = 0), then versions, then releases (absent = lowest).
    fn cmp(&self, other: &Self) -> Ordering {
        let e1 = self.epoch.as_deref().unwrap_or("0");
        let e2 = other.epoch.as_deref().unwrap_or("0");
        rpmvercmp(e1, e2).then_with(|| rpmvercmp(&self.version, &other.version)).then_with(|| {
            match (&self.release, &other.release) {
                (Some(a), Some(b)) => rpmvercmp(a, b),
                (Some(_), None) => Ordering::Greater,
                (None, Some(_)) => Ordering::Less,
                (None, None) => Ordering::Equal,
            }
        })
    }
}

impl PartialOrd for RpmVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for RpmVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for RpmVersion {}

fn is_sep(c: u8) -> bool {
    !c.is_ascii_alphanumeric() && c != b'~' && c != b'^'
}

/// rpm's `rpmvercmp` on one field.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    loop {
        if i >= a.len() && j >= b.len() {
            break;
        }
        while i < a.len() && is_sep(a[i]) {
            i += 1;
        }
        while j < b.len() && is_sep(b[j]) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        // Tilde sorts before everything else, including the end of the string.
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        // Caret is like tilde, except that the end of the string (the base version) sorts
        // lower than it.
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca.is_none() || cb.is_none() {
            break;
        }
        let (si, sj) = (i, j);
        let isnum = a[i].is_ascii_digit();
        if isnum {
            while i < a.len() && a[i].is_ascii_digit() {
                i += 1;
            }
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
        } else {
            while i < a.len() && a[i].is_ascii_alphabetic() {
                i += 1;
            }
            while j < b.len() && b[j].is_ascii_alphabetic() {
                j += 1;
            }
        }
        // Different segment types: numeric is newer than alpha.
        if sj == j {
            return if isnum { Ordering::Greater } else { Ordering::Less };
        }
        let (sa, sb) = (&a[si..i], &b[sj..j]);
        let ord = if isnum {
            let sa = strip_zeros(sa);
            let sb = strip_zeros(sb);
            sa.len().cmp(&sb.len()).then_with(|| sa.cmp(sb))
        } else {
            sa.cmp(sb)
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

fn strip_zeros(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|c| **c == b'0').count();
    &s[n..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        RpmVersion::parse(a).unwrap().cmp(&RpmVersion::parse(b).unwrap())
    }

    #[test]
    fn rpmvercmp_examples_from_rpm_test_suite() {
        // Cases from rpm's tests/rpmvercmp.at.
        let cases = [
            ("1.0", "1.0", Equal),
            ("1.0", "2.0", Less),
            ("2.0.1", "2.0.1a", Less),
            ("5.5p1", "5.5p2", Less),
            ("5.5p10", "5.5p1", Greater),
            ("10xyz", "10.1xyz", Less),
            ("xyz10", "xyz10.1", Less),
            ("xyz.4", "8", Less),
            ("5.5p1", "5.5.1", Less),
            ("6.0.rc1", "6.0", Greater),
            ("10b2", "10a1", Greater),
            ("1.0aa", "1.0a", Greater),
            ("10.0001", "10.1", Equal),
            ("10.0001", "10.0039", Less),
            ("4.999.9", "5.0", Less),
            ("20101121", "20101122", Less),
            ("2_0", "2_0", Equal),
            ("2.0", "2_0", Equal),
            ("a", "a", Equal),
            ("a+", "a_", Equal),
            ("+", "_", Equal),
            ("1.0~rc1", "1.0", Less),
            ("1.0~rc1", "1.0~rc2", Less),
            ("1.0~rc1~git123", "1.0~rc1", Less),
            ("1.0^", "1.0", Greater),
            ("1.0^git1", "1.0", Greater),
            ("1.0^git1", "1.01", Less),
            ("1.0^20160101", "1.0.1", Less),
            ("1.0^20160101^git1", "1.0^20160101", Greater),
            ("1.0~rc1^git1", "1.0~rc1", Greater),
            ("1.0^git1~pre", "1.0^git1", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(rpmvercmp(a, b), want, "{a} vs {b}");
            assert_eq!(rpmvercmp(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn epochs_and_releases() {
        assert_eq!(cmp("1:3.0.1-41.el9_0", "3.0.7-24.el9"), Greater);
        assert_eq!(cmp("0:3.0.7-24.el9", "3.0.7-24.el9"), Equal);
        assert_eq!(cmp("1:3.0.7-24.el9", "1:3.0.7-25.el9"), Less);
        // A missing release sorts below any release, even "~".
        assert_eq!(cmp("3.0.7", "3.0.7-24.el9"), Less);
        assert_eq!(cmp("3.0.7", "3.0.7-~"), Less);
        assert_eq!(cmp("3.0.7-", "3.0.7"), Greater);
        let v = RpmVersion::parse("2:1.0-rc1-3.el8").unwrap();
        assert_eq!((v.epoch(), v.version(), v.release()), (2, "1.0-rc1", Some("3.el8")));
    }
}
