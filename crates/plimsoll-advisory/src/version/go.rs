//! Go module versions, as `golang.org/x/mod/semver` orders them.
//!
//! Go's rules differ from the `semver` crate in small ways that matter here: `v1` and `v1.2` are
//! valid shorthands for `v1.0.0` and `v1.2.0`, numbers have no size limit, and invalid versions
//! compare equal to each other and below every valid one. Pseudo-versions
//! (`v0.0.0-20191109021931-daa7c04131f5`, `v1.2.4-0.2019...`) are ordinary pre-releases, and
//! `+incompatible` is build metadata, so both order correctly without special cases. Written by
//! hand from `x/mod/semver`; checked against it on generated pairs. OSV writes Go versions
//! without the `v`, so [`GoVersion::parse`] accepts both forms.

use std::cmp::Ordering;

use super::{cmp_digit_strings, Scheme, VersionError};

/// A valid Go module version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoVersion {
    major: String,
    minor: String,
    patch: String,
    /// Including the leading `-`, or empty.
    prerelease: String,
    /// Including the leading `+`, or empty.
    build: String,
}

fn parse_int(v: &str) -> Option<(&str, &str)> {
    let n = v.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || (v.starts_with('0') && n != 1) {
        return None;
    }
    Some((&v[..n], &v[n..]))
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}

fn is_bad_num(v: &str) -> bool {
    v.len() > 1 && v.starts_with('0') && v.bytes().all(|c| c.is_ascii_digit())
}

fn is_num(v: &str) -> bool {
    v.bytes().all(|c| c.is_ascii_digit())
}

/// Splits `-pre.release` off the front of `v`.
fn parse_prerelease(v: &str) -> Option<(&str, &str)> {
    let b = v.as_bytes();
    if b.first() != Some(&b'-') {
        return None;
    }
    let (mut i, mut start) = (1, 1);
    while i < b.len() && b[i] != b'+' {
        if !is_ident_char(b[i]) && b[i] != b'.' {
            return None;
        }
        if b[i] == b'.' {
            if start == i || is_bad_num(&v[start..i]) {
                return None;
            }
            start = i + 1;
        }
        i += 1;
    }
    if start == i || is_bad_num(&v[start..i]) {
        return None;
    }
    Some((&v[..i], &v[i..]))
}

fn parse_build(v: &str) -> Option<(&str, &str)> {
    let b = v.as_bytes();
    if b.first() != Some(&b'+') {
        return None;
    }
    let (mut i, mut start) = (1, 1);
    while i < b.len() {
        if !is_ident_char(b[i]) && b[i] != b'.' {
            return None;
        }
        if b[i] == b'.' {
            if start == i {
                return None;
            }
            start = i + 1;
        }
        i += 1;
    }
    if start == i {
        return None;
    }
    Some((&v[..i], &v[i..]))
}

impl GoVersion {
    /// Parses a Go version, with or without the leading `v`.
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        let t = s.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        Self::parse_canonical(t).ok_or_else(|| VersionError::new(Scheme::Go, s, "not a Go module version"))
    }

    /// `x/mod/semver`'s `parse`, on the text after the `v`.
    fn parse_canonical(v: &str) -> Option<Self> {
        let (major, v) = parse_int(v)?;
        let owned = |s: &str| s.to_owned();
        let mut out = GoVersion {
            major: owned(major),
            minor: "0".into(),
            patch: "0".into(),
            prerelease: String::new(),
            build: String::new(),
        };
        if v.is_empty() {
            return Some(out);
        }
        let (minor, v) = parse_int(v.strip_prefix('.')?)?;
        out.minor = owned(minor);
        if v.is_empty() {
            return Some(out);
        }
        let (patch, mut v) = parse_int(v.strip_prefix('.')?)?;
        out.patch = owned(patch);
        if v.starts_with('-') {
            let (pre, rest) = parse_prerelease(v)?;
            out.prerelease = owned(pre);
            v = rest;
        }
        if v.starts_with('+') {
            let (build, rest) = parse_build(v)?;
            out.build = owned(build);
            v = rest;
        }
        v.is_empty().then_some(out)
    }

    /// True for pseudo-versions (`vX.Y.Z-[0.]yyyymmddhhmmss-abcdefabcdef`), which name a commit
    /// rather than a release.
    pub fn is_pseudo(&self) -> bool {
        let Some(last) = self.prerelease.rsplit(['-', '.']).next() else { return false };
        let idents: Vec<&str> = self.prerelease.trim_start_matches('-').split(['.', '-']).collect();
        let has_time = idents.iter().rev().nth(1).is_some_and(|t| t.len() == 14 && is_num(t));
        has_time && last.len() == 12 && last.bytes().all(|c| c.is_ascii_hexdigit())
    }

    /// True when the version carries `+incompatible` (a v2+ module without a go.mod suffix).
    pub fn is_incompatible(&self) -> bool {
        self.build == "+incompatible"
    }
}

fn compare_prerelease(x: &str, y: &str) -> Ordering {
    if x == y {
        return Ordering::Equal;
    }
    if x.is_empty() {
        return Ordering::Greater;
    }
    if y.is_empty() {
        return Ordering::Less;
    }
    // Skip the leading `-`, then compare dot-separated identifiers.
    let mut xs = x[1..].split('.');
    let mut ys = y[1..].split('.');
    loop {
        match (xs.next(), ys.next()) {
            (Some(dx), Some(dy)) => {
                if dx == dy {
                    continue;
                }
                let (ix, iy) = (is_num(dx), is_num(dy));
                return match (ix, iy) {
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (true, true) => cmp_digit_strings(dx, dy),
                    (false, false) => dx.cmp(dy),
                };
            }
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (None, None) => return Ordering::Equal,
        }
    }
}

impl Ord for GoVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digit_strings(&self.major, &other.major)
            .then_with(|| cmp_digit_strings(&self.minor, &other.minor))
            .then_with(|| cmp_digit_strings(&self.patch, &other.patch))
            .then_with(|| compare_prerelease(&self.prerelease, &other.prerelease))
    }
}

impl PartialOrd for GoVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `x/mod/semver.Compare` on strings that must carry the `v`: invalid versions are equal to
/// each other and less than valid ones.
pub fn compare_str(v: &str, w: &str) -> Ordering {
    let parse = |s: &str| s.strip_prefix('v').and_then(GoVersion::parse_canonical);
    match (parse(v), parse(w)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => a.cmp(&b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn shorthand_and_build_metadata() {
        assert_eq!(compare_str("v1", "v1.0.0"), Equal);
        assert_eq!(compare_str("v1.2", "v1.2.0"), Equal);
        assert_eq!(compare_str("v2.0.0+incompatible", "v2.0.0"), Equal);
        assert_eq!(compare_str("v1.2-pre", "v1.2.0"), Less, "invalid sorts first");
        assert_eq!(compare_str("bad", "also bad"), Equal);
    }

    #[test]
    fn pseudo_versions_order_as_prereleases() {
        let base = "v0.0.0-20191109021931-daa7c04131f5";
        assert_eq!(compare_str(base, "v0.0.0-20200101000000-000000000000"), Less);
        assert_eq!(compare_str("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3"), Greater);
        assert_eq!(compare_str("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4"), Less);
        assert!(GoVersion::parse(base).unwrap().is_pseudo());
        assert!(GoVersion::parse("1.2.4-0.20191109021931-daa7c04131f5").unwrap().is_pseudo());
        assert!(!GoVersion::parse("1.2.4-rc.1").unwrap().is_pseudo());
        assert!(GoVersion::parse("2.0.0+incompatible").unwrap().is_incompatible());
    }

    #[test]
    fn osv_form_without_v() {
        let a = GoVersion::parse("1.4.3").unwrap();
        let b = GoVersion::parse("v1.10.0").unwrap();
        assert_eq!(a.cmp(&b), Less);
        assert!(GoVersion::parse("01.2.3").is_err());
    }
}
