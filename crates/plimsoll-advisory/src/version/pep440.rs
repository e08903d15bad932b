//! Python package versions (PEP 440), for PyPI.
//!
//! Wraps `pep440_rs` (the implementation uv uses), whose parser and order follow PEP 440 and
//! Python `packaging` exactly: epochs, pre/post/dev releases, local versions, and the
//! normalisations (`1.0-1` is `1.0.post1`, `1.0RC1` is `1.0rc1`). Checked against
//! `packaging.version.Version` on generated pairs.

use std::cmp::Ordering;
use std::str::FromStr;

use super::{Scheme, VersionError};

#[derive(Debug, Clone)]
pub struct Pep440Version(pep440_rs::Version);

impl Pep440Version {
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        // `packaging` strips surrounding whitespace; pep440_rs does too, but be explicit.
        pep440_rs::Version::from_str(s.trim())
            .map(Pep440Version)
            .map_err(|_| VersionError::new(Scheme::Pep440, s, "not a PEP 440 version"))
    }

    pub fn inner(&self) -> &pep440_rs::Version {
        &self.0
    }
}

impl Ord for Pep440Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

impl PartialOrd for Pep440Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Pep440Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Pep440Version {}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        Pep440Version::parse(a).unwrap().cmp(&Pep440Version::parse(b).unwrap())
    }

    #[test]
    fn pep440_examples() {
        // PEP 440 "Summary of permitted suffixes and relative ordering".
        let chain = [
            "1.dev0",
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
        ];
        for w in chain.windows(2) {
            assert_eq!(cmp(w[0], w[1]), Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(cmp("1.0-1", "1.0.post1"), Equal);
        assert_eq!(cmp("1.0RC1", "1.0rc1"), Equal);
        assert_eq!(cmp("1!0.1", "2.0"), Greater);
        assert_eq!(cmp("2.10", "2.9"), Greater);
    }

    #[test]
    fn rejects_legacy_versions() {
        assert!(Pep440Version::parse("1.0-SNAPSHOT").is_err());
        assert_eq!(cmp("2.0-beta-3", "2.0b3"), Equal);
        assert!(Pep440Version::parse("").is_err());
    }
}
