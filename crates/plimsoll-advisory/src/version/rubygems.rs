//! RubyGems versions, ordered as `Gem::Version#<=>` (rubygems 3.3).
//!
//! Written by hand from rubygems' `version.rb`: no crate implements its segment rules (`-` means
//! `.pre.`, letters start a pre-release, trailing zeros of the release and pre-release parts
//! are dropped separately). Checked against Ruby's `Gem::Version` on generated pairs.

use std::cmp::Ordering;

use super::{cmp_digit_strings, Scheme, VersionError};

/// One segment: a run of digits (leading zeros stripped) or of ASCII letters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Num(String),
    Str(String),
}

impl Segment {
    fn is_zero(&self) -> bool {
        matches!(self, Segment::Num(d) if d.is_empty())
    }

    fn cmp_seg(&self, other: &Segment) -> Ordering {
        match (self, other) {
            (Segment::Num(a), Segment::Num(b)) => cmp_digit_strings(a, b),
            (Segment::Str(a), Segment::Str(b)) => a.cmp(b),
            (Segment::Str(_), Segment::Num(_)) => Ordering::Less,
            (Segment::Num(_), Segment::Str(_)) => Ordering::Greater,
        }
    }
}

/// A RubyGems version.
#[derive(Debug, Clone)]
pub struct GemVersion {
    /// The normalised string (`-` replaced by `.pre.`).
    version: String,
    segments: Vec<Segment>,
    canonical: Vec<Segment>,
}

/// `Gem::Version::ANCHORED_VERSION_PATTERN` without the surrounding whitespace:
/// `[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`.
fn is_correct(v: &str) -> bool {
    let (main, pre) = match v.split_once('-') {
        Some((m, p)) => (m, Some(p)),
        None => (v, None),
    };
    let mut parts = main.split('.');
    let first_ok = parts.next().is_some_and(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()));
    if !first_ok || !parts.all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphanumeric())) {
        return false;
    }
    match pre {
        None => true,
        Some(p) => p.split('.').all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')),
    }
}

fn scan_segments(v: &str) -> Vec<Segment> {
    let b = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i].is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Segment::Num(v[start..i].trim_start_matches('0').to_owned()));
        } else if b[i].is_ascii_alphabetic() {
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(Segment::Str(v[start..i].to_owned()));
        } else {
            i += 1;
        }
    }
    out
}

fn drop_trailing_zeros(mut s: Vec<Segment>) -> Vec<Segment> {
    while s.last().is_some_and(Segment::is_zero) {
        s.pop();
    }
    s
}

impl GemVersion {
    /// `Gem::Version.new`: blank means `0`; anything else must match the version pattern.
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        // Ruby's `\s`: space, \t, \n, \v, \f, \r.
        let t = s.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r'));
        let t = if t.is_empty() { "0" } else { t };
        if !is_correct(t) {
            return Err(VersionError::new(Scheme::RubyGems, s, "malformed version number string"));
        }
        let version = t.replace('-', ".pre.");
        let segments = scan_segments(&version);
        // `canonical_segments`: trailing zeros are dropped from the release part and from the
        // pre-release part (from the first letter segment on) separately.
        let split = segments.iter().position(|s| matches!(s, Segment::Str(_))).unwrap_or(segments.len());
        let mut canonical = drop_trailing_zeros(segments[..split].to_vec());
        canonical.extend(drop_trailing_zeros(segments[split..].to_vec()));
        Ok(GemVersion { version, segments, canonical })
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// `prerelease?`: the version contains a letter.
    pub fn is_prerelease(&self) -> bool {
        self.version.bytes().any(|c| c.is_ascii_alphabetic())
    }

    fn from_segments(segments: &[Segment]) -> Self {
        let s: Vec<String> = segments
            .iter()
            .map(|s| match s {
                Segment::Num(d) if d.is_empty() => "0".to_owned(),
                Segment::Num(d) | Segment::Str(d) => d.clone(),
            })
            .collect();
        // Joining valid segments always yields a valid version; fall back to 0 defensively.
        GemVersion::parse(&s.join(".")).unwrap_or_else(|_| GemVersion {
            version: "0".into(),
            segments: vec![Segment::Num(String::new())],
            canonical: Vec::new(),
        })
    }

    /// `release`: the version without its pre-release segments.
    pub fn release(&self) -> GemVersion {
        if !self.is_prerelease() {
            return self.clone();
        }
        let n = self.segments.iter().position(|s| matches!(s, Segment::Str(_))).unwrap_or(self.segments.len());
        Self::from_segments(&self.segments[..n])
    }

    /// `bump`: drop pre-release segments and the last segment, then increment the new last one
    /// (`~> 2.1.3` means `>= 2.1.3, < 2.2`).
    pub fn bump(&self) -> GemVersion {
        let n = self.segments.iter().position(|s| matches!(s, Segment::Str(_))).unwrap_or(self.segments.len());
        let mut segs = self.segments[..n].to_vec();
        if segs.len() > 1 {
            segs.pop();
        }
        if let Some(Segment::Num(d)) = segs.last_mut() {
            *d = increment_digits(d);
        }
        Self::from_segments(&segs)
    }
}

/// Adds one to a decimal digit string of any length.
fn increment_digits(d: &str) -> String {
    let mut digits: Vec<u8> = d.bytes().collect();
    let mut i = digits.len();
    loop {
        if i == 0 {
            digits.insert(0, b'1');
            break;
        }
        i -= 1;
        if digits[i] == b'9' {
            digits[i] = b'0';
        } else {
            digits[i] += 1;
            break;
        }
    }
    String::from_utf8(digits).unwrap_or_default()
}

impl Ord for GemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.version == other.version {
            return Ordering::Equal;
        }
        let zero = Segment::Num(String::new());
        let n = self.canonical.len().max(other.canonical.len());
        for i in 0..n {
            let l = self.canonical.get(i).unwrap_or(&zero);
            let r = other.canonical.get(i).unwrap_or(&zero);
            let o = l.cmp_seg(r);
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for GemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GemVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GemVersion {}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn v(s: &str) -> GemVersion {
        GemVersion::parse(s).unwrap()
    }

    #[test]
    fn rubygems_ordering() {
        assert_eq!(v("1.0").cmp(&v("1")), Equal);
        assert_eq!(v("1.0.a").cmp(&v("1.0")), Less);
        assert_eq!(v("1.0.0-rc1").cmp(&v("1.0.0.pre.rc1")), Equal);
        assert_eq!(v("1.0.a.0").cmp(&v("1.0.a")), Equal);
        assert_eq!(v("1.0.b1").cmp(&v("1.0.a2")), Greater);
        assert_eq!(v("1.0.A").cmp(&v("1.0.a")), Less, "case-sensitive, byte order");
        assert_eq!(v("2.1.3").cmp(&v("2.10")), Less);
        assert_eq!(v("").cmp(&v("0")), Equal);
        assert_eq!(v("1.9.3.p0").cmp(&v("1.9.3")), Less);
    }

    #[test]
    fn bump_and_release() {
        assert_eq!(v("2.1.3").bump().segments(), v("2.2").segments());
        assert_eq!(v("2.1.3.pre1").bump().segments(), v("2.2").segments());
        assert_eq!(v("5").bump().segments(), v("6").segments());
        assert_eq!(v("1.9").bump().segments(), v("2").segments());
        assert_eq!(v("1.2.3.beta1").release().segments(), v("1.2.3").segments());
        assert_eq!(increment_digits("199"), "200");
        assert_eq!(increment_digits(""), "1");
    }

    #[test]
    fn malformed() {
        for bad in ["junk", "1..2", "1.2 3", "-1", "1.2.", "1.2-"] {
            assert!(GemVersion::parse(bad).is_err(), "{bad}");
        }
    }
}
