//! Debian package versions: `[epoch:]upstream_version[-debian_revision]` (deb-version(7)).
//!
//! Written by hand from dpkg's `lib/dpkg/version.c` (`verrevcmp`), which is forty lines; the
//! comparison is checked against `dpkg --compare-versions` and dpkg's own `Dpkg::Version` on
//! generated pairs (`tests/differential.rs`).

use std::cmp::Ordering;

use super::{Scheme, VersionError};

/// A parsed dpkg version.
#[derive(Debug, Clone)]
pub struct DpkgVersion {
    epoch: u32,
    upstream: String,
    revision: String,
}

impl DpkgVersion {
    /// Parses like dpkg's `parseversion`: surrounding whitespace is ignored; the epoch is the
    /// part before the first `:` and must be a number; the revision is the part after the last
    /// `-`. What dpkg only warns about (an upstream part not starting with a digit, unusual
    /// characters) is accepted, as `dpkg --compare-versions` accepts it.
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        let err = |reason| VersionError::new(Scheme::Dpkg, s, reason);
        let v = s.trim();
        if v.is_empty() {
            return Err(err("empty version"));
        }
        if v.contains(|c: char| c.is_ascii_whitespace()) {
            return Err(err("embedded whitespace"));
        }
        let (epoch, rest) = match v.split_once(':') {
            Some((e, rest)) => {
                if e.is_empty() {
                    return Err(err("empty epoch"));
                }
                if !e.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(err("epoch is not a number"));
                }
                let epoch =
                    e.parse::<u32>().ok().filter(|e| *e <= i32::MAX as u32).ok_or_else(|| err("epoch too big"))?;
                if rest.is_empty() {
                    return Err(err("nothing after the epoch colon"));
                }
                (epoch, rest)
            }
            None => (0, v),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((u, r)) => {
                if r.is_empty() {
                    return Err(err("empty revision"));
                }
                (u, r)
            }
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return Err(err("empty upstream version"));
        }
        Ok(DpkgVersion { epoch, upstream: upstream.to_owned(), revision: revision.to_owned() })
    }

    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    pub fn upstream(&self) -> &str {
        &self.upstream
    }

    pub fn revision(&self) -> &str {
        &self.revision
    }
}

/// The sort weight of a non-digit character: `~` before everything (even the end of the
/// string), then the end, then letters, then everything else.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => c as i32,
        Some(b'~') => -1,
        Some(c) => c as i32 + 256,
    }
}

/// dpkg's `verrevcmp`: alternate non-digit runs (compared by [`order`]) and digit runs
/// (compared numerically, of any length).
pub fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = order(a.get(i).copied());
            let bc = order(b.get(j).copied());
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while i < a.len() && a[i].is_ascii_digit() && j < b.len() && b[j].is_ascii_digit() {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if i < a.len() && a[i].is_ascii_digit() {
            return Ordering::Greater;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

impl Ord for DpkgVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(&self.upstream, &other.upstream))
            .then_with(|| verrevcmp(&self.revision, &other.revision))
    }
}

impl PartialOrd for DpkgVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for DpkgVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for DpkgVersion {}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        DpkgVersion::parse(a).unwrap().cmp(&DpkgVersion::parse(b).unwrap())
    }

    #[test]
    fn deb_version_manual_examples() {
        // deb-version(7): "~~" < "~~a" < "~" < "" < "a".
        assert_eq!(cmp("1.0~~", "1.0~~a"), Less);
        assert_eq!(cmp("1.0~~a", "1.0~"), Less);
        assert_eq!(cmp("1.0~", "1.0"), Less);
        assert_eq!(cmp("1.0", "1.0a"), Less);
        assert_eq!(cmp("1:1.0", "2.0"), Greater);
        assert_eq!(cmp("1.0-1", "1.0-1+deb12u1"), Less);
        assert_eq!(cmp("2.36-9+deb12u4", "2.36-9+deb12u10"), Less);
        assert_eq!(cmp("1.0", "1.0-0"), Equal);
        assert_eq!(cmp("0:1.0", "1.0"), Equal);
        assert_eq!(cmp("1.001", "1.1"), Equal);
        assert_eq!(cmp("1.2.3-1ubuntu1", "1.2.3-1"), Greater);
    }

    #[test]
    fn hyphens_in_upstream_split_at_the_last() {
        let v = DpkgVersion::parse("1:2.0-rc1-3").unwrap();
        assert_eq!((v.epoch(), v.upstream(), v.revision()), (1, "2.0-rc1", "3"));
    }

    #[test]
    fn malformed_versions_are_errors() {
        for bad in ["", "  ", ":1.0", "a:1.0", "1:", "1.0-", "1 .0", "99999999999:1"] {
            assert!(DpkgVersion::parse(bad).is_err(), "{bad:?}");
        }
    }
}
