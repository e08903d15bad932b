//! SemVer 2.0 versions (npm, crates.io, OSV `SEMVER` ranges).
//!
//! Parsing and precedence come from the `semver` crate (Cargo's own implementation); we only
//! compare with [`semver::Version::cmp_precedence`], which ignores build metadata as SemVer 2.0
//! section 11 requires (the crate's `Ord` does not). node-semver parses the same strict grammar
//! and accepts a leading `v` and surrounding whitespace, which we strip the same way; the
//! ordering is checked against node-semver's `compare` on generated pairs. (node-semver also
//! rejects numbers above 2^53 - 1, which Cargo accepts; we follow Cargo.)

use std::cmp::Ordering;

use super::{Scheme, VersionError};

/// A SemVer 2.0 version; equality and order are by precedence (build metadata ignored).
#[derive(Debug, Clone)]
pub struct SemverVersion(::semver::Version);

impl SemverVersion {
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        let t = s.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        ::semver::Version::parse(t)
            .map(SemverVersion)
            .map_err(|_| VersionError::new(Scheme::Semver, s, "not a SemVer 2.0 version"))
    }

    pub fn inner(&self) -> &::semver::Version {
        &self.0
    }
}

impl Ord for SemverVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp_precedence(&other.0)
    }
}

impl PartialOrd for SemverVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for SemverVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for SemverVersion {}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        SemverVersion::parse(a).unwrap().cmp(&SemverVersion::parse(b).unwrap())
    }

    #[test]
    fn semver_spec_examples() {
        // SemVer 2.0 section 11.
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
        ];
        for w in chain.windows(2) {
            assert_eq!(cmp(w[0], w[1]), Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(cmp("1.0.0+build.1", "1.0.0+build.2"), Equal);
        assert_eq!(cmp("v1.2.3", "1.2.3"), Equal);
    }

    #[test]
    fn rejects_non_semver() {
        for bad in ["1.2", "01.2.3", "1.2.3-01", "1.2.3-", "", "1.2.3.4"] {
            assert!(SemverVersion::parse(bad).is_err(), "{bad}");
        }
    }
}
