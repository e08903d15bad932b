//! Version ordering, one module per scheme.
//!
//! Every scheme parses a version string into a value with a total order that matches the
//! ecosystem's own tool (dpkg, rpm, apk-tools, Python `packaging`, node-semver, Go's
//! `x/mod/semver`, Maven's `ComparableVersion`, RubyGems' `Gem::Version`, NuGet's
//! `VersionComparer`, Composer's `VersionParser` + PHP `version_compare`). Where a well-kept
//! crate is exact we wrap it (`semver`, `pep440_rs`); the others are written by hand from the
//! reference implementation, because no crate reproduces them exactly, and each is tested
//! differentially against the real tool (`tests/differential.rs`).
//!
//! [`Scheme`] is the entry point: `Scheme::for_ecosystem("PyPI")`, then [`Scheme::parse`] or
//! [`Scheme::compare`].

pub mod apk;
pub mod composer;
pub mod dpkg;
pub mod go;
pub mod maven;
pub mod nuget;
pub mod pep440;
pub mod rpm;
pub mod rubygems;
pub mod semver;

use std::cmp::Ordering;
use std::fmt;

/// A version ordering scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Dpkg,
    Rpm,
    Apk,
    /// SemVer 2.0 precedence (npm, crates.io, and OSV `SEMVER` ranges).
    Semver,
    /// Go module versions (`x/mod/semver`), written without or with the `v` prefix.
    Go,
    Pep440,
    Maven,
    RubyGems,
    NuGet,
    Composer,
}

/// Maximum length of a version string we accept. Real versions are short; this bounds the work
/// an attacker-supplied string can cause.
pub const MAX_VERSION_LEN: usize = 256;

/// A version that its scheme cannot order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {scheme} version {version:?}: {reason}")]
pub struct VersionError {
    pub scheme: Scheme,
    pub version: String,
    pub reason: &'static str,
}

impl VersionError {
    pub(crate) fn new(scheme: Scheme, version: &str, reason: &'static str) -> Self {
        let mut version = version.to_owned();
        if version.len() > 80 {
            let mut cut = 80;
            while !version.is_char_boundary(cut) {
                cut -= 1;
            }
            version.truncate(cut);
            version.push('…');
        }
        VersionError { scheme, version, reason }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scheme::Dpkg => "dpkg",
            Scheme::Rpm => "rpm",
            Scheme::Apk => "apk",
            Scheme::Semver => "semver",
            Scheme::Go => "go",
            Scheme::Pep440 => "pep440",
            Scheme::Maven => "maven",
            Scheme::RubyGems => "rubygems",
            Scheme::NuGet => "nuget",
            Scheme::Composer => "composer",
        })
    }
}

/// A parsed version of some scheme. Versions of different schemes are unordered.
#[derive(Debug, Clone)]
pub enum Version {
    Dpkg(dpkg::DpkgVersion),
    Rpm(rpm::RpmVersion),
    Apk(apk::ApkVersion),
    Semver(semver::SemverVersion),
    Go(go::GoVersion),
    Pep440(pep440::Pep440Version),
    Maven(maven::MavenVersion),
    RubyGems(rubygems::GemVersion),
    NuGet(nuget::NuGetVersion),
    Composer(composer::ComposerVersion),
}

impl Scheme {
    /// The ordering of a package kind's versions; `None` for a kind with no known scheme (never a
    /// guess: comparing with the wrong ordering gives wrong verdicts silently).
    pub fn for_package_kind(kind: plimsoll_model::PackageKind) -> Option<Scheme> {
        use plimsoll_model::PackageKind as K;
        Some(match kind {
            K::Dpkg => Scheme::Dpkg,
            K::Apk => Scheme::Apk,
            K::Rpm => Scheme::Rpm,
            K::Python => Scheme::Pep440,
            K::Npm | K::Cargo => Scheme::Semver,
            K::Go => Scheme::Go,
            K::Maven => Scheme::Maven,
            K::Gem => Scheme::RubyGems,
            K::Composer => Scheme::Composer,
            K::Nuget => Scheme::NuGet,
            _ => return None,
        })
    }

    /// The ordering an OSV ecosystem string uses for `ECOSYSTEM` ranges (the part before the
    /// first `:` decides: `Debian:12` -> dpkg). `None` for ecosystems we cannot order.
    pub fn for_ecosystem(ecosystem: &str) -> Option<Scheme> {
        let base = ecosystem.split(':').next().unwrap_or(ecosystem);
        // The distribution table first, so that a distribution added there needs nothing here.
        if let Some(d) = plimsoll_model::distro::DistroTable::builtin().for_advisory_ecosystem(base) {
            return Scheme::for_package_kind(d.package_kind);
        }
        Some(match base {
            "Debian" | "Ubuntu" => Scheme::Dpkg,
            "Alpine" | "Wolfi" | "Chainguard" | "Alpaquita" | "BellSoft Hardened Containers" | "MinimOS" => Scheme::Apk,
            "AlmaLinux" | "Rocky Linux" | "Red Hat" | "openSUSE" | "SUSE" | "Mageia" | "Photon OS" | "openEuler"
            | "Azure Linux" | "CBL-Mariner" | "Oracle Linux" | "Amazon Linux" | "Fedora" | "CentOS" => Scheme::Rpm,
            "PyPI" => Scheme::Pep440,
            "npm" | "crates.io" | "Hex" | "Pub" | "SwiftURL" => Scheme::Semver,
            "Go" | "Kubernetes" => Scheme::Go,
            "Maven" => Scheme::Maven,
            "RubyGems" => Scheme::RubyGems,
            "NuGet" => Scheme::NuGet,
            "Packagist" => Scheme::Composer,
            _ => return None,
        })
    }

    /// Parses `s` as a version of this scheme.
    pub fn parse(self, s: &str) -> Result<Version, VersionError> {
        if s.len() > MAX_VERSION_LEN {
            return Err(VersionError::new(self, s, "longer than 256 bytes"));
        }
        Ok(match self {
            Scheme::Dpkg => Version::Dpkg(dpkg::DpkgVersion::parse(s)?),
            Scheme::Rpm => Version::Rpm(rpm::RpmVersion::parse(s)?),
            Scheme::Apk => Version::Apk(apk::ApkVersion::parse(s)?),
            Scheme::Semver => Version::Semver(semver::SemverVersion::parse(s)?),
            Scheme::Go => Version::Go(go::GoVersion::parse(s)?),
            Scheme::Pep440 => Version::Pep440(pep440::Pep440Version::parse(s)?),
            Scheme::Maven => Version::Maven(maven::MavenVersion::parse(s)?),
            Scheme::RubyGems => Version::RubyGems(rubygems::GemVersion::parse(s)?),
            Scheme::NuGet => Version::NuGet(nuget::NuGetVersion::parse(s)?),
            Scheme::Composer => Version::Composer(composer::ComposerVersion::parse(s)?),
        })
    }

    /// Compares two version strings of this scheme.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        let a = self.parse(a)?;
        let b = self.parse(b)?;
        Ok(a.partial_cmp(&b).unwrap_or(Ordering::Equal))
    }
}

impl Version {
    pub fn scheme(&self) -> Scheme {
        match self {
            Version::Dpkg(_) => Scheme::Dpkg,
            Version::Rpm(_) => Scheme::Rpm,
            Version::Apk(_) => Scheme::Apk,
            Version::Semver(_) => Scheme::Semver,
            Version::Go(_) => Scheme::Go,
            Version::Pep440(_) => Scheme::Pep440,
            Version::Maven(_) => Scheme::Maven,
            Version::RubyGems(_) => Scheme::RubyGems,
            Version::NuGet(_) => Scheme::NuGet,
            Version::Composer(_) => Scheme::Composer,
        }
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.partial_cmp(other) == Some(Ordering::Equal)
    }
}

impl PartialOrd for Version {
    /// `None` only when the two versions belong to different schemes.
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(match (self, other) {
            (Version::Dpkg(a), Version::Dpkg(b)) => a.cmp(b),
            (Version::Rpm(a), Version::Rpm(b)) => a.cmp(b),
            (Version::Apk(a), Version::Apk(b)) => a.cmp(b),
            (Version::Semver(a), Version::Semver(b)) => a.cmp(b),
            (Version::Go(a), Version::Go(b)) => a.cmp(b),
            (Version::Pep440(a), Version::Pep440(b)) => a.cmp(b),
            (Version::Maven(a), Version::Maven(b)) => a.cmp(b),
            (Version::RubyGems(a), Version::RubyGems(b)) => a.cmp(b),
            (Version::NuGet(a), Version::NuGet(b)) => a.cmp(b),
            (Version::Composer(a), Version::Composer(b)) => a.cmp(b),
            _ => return None,
        })
    }
}

/// Compares two runs of ASCII digits by numeric value without overflow: leading zeros are
/// skipped, then the longer run is larger, then the digits decide.
pub(crate) fn cmp_digit_strings(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystems_map_to_schemes() {
        assert_eq!(Scheme::for_ecosystem("Debian:12"), Some(Scheme::Dpkg));
        assert_eq!(Scheme::for_ecosystem("Ubuntu:22.04:LTS"), Some(Scheme::Dpkg));
        assert_eq!(Scheme::for_ecosystem("Alpine:v3.19"), Some(Scheme::Apk));
        assert_eq!(Scheme::for_ecosystem("Rocky Linux:9"), Some(Scheme::Rpm));
        assert_eq!(Scheme::for_ecosystem("Maven:https://maven.google.com"), Some(Scheme::Maven));
        assert_eq!(Scheme::for_ecosystem("Packagist"), Some(Scheme::Composer));
        assert_eq!(Scheme::for_ecosystem("Linux"), None);
    }

    #[test]
    fn different_schemes_are_unordered() {
        let a = Scheme::Dpkg.parse("1.0").unwrap();
        let b = Scheme::Rpm.parse("1.0").unwrap();
        assert_eq!(a.partial_cmp(&b), None);
        assert_ne!(a, b);
    }

    #[test]
    fn overlong_versions_are_rejected() {
        let long = "1.".repeat(200);
        assert!(Scheme::Dpkg.parse(&long).is_err());
    }

    #[test]
    fn arbitrary_input_never_panics() {
        // Deterministic garbage: every byte class the parsers treat specially, in random order.
        let alphabet: Vec<char> = "0123456789.-_+~^:!@abcxyzABCXYZ \t\u{0}\u{e9}\u{1F600}vrcpredev*".chars().collect();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let schemes = [
            Scheme::Dpkg,
            Scheme::Rpm,
            Scheme::Apk,
            Scheme::Semver,
            Scheme::Go,
            Scheme::Pep440,
            Scheme::Maven,
            Scheme::RubyGems,
            Scheme::NuGet,
            Scheme::Composer,
        ];
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let a: String = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
            let b: String = (0..len / 2).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
            for s in schemes {
                let _ = s.compare(&a, &b);
                let _ = s.compare(&a, &a);
            }
            let _ = apk::compare_str(&a, &b);
            let _ = go::compare_str(&a, &b);
            let _ = composer::php_version_compare(a.as_bytes(), b.as_bytes());
        }
    }

    #[test]
    fn digit_strings_compare_by_value() {
        assert_eq!(cmp_digit_strings("0010", "9"), Ordering::Greater);
        assert_eq!(cmp_digit_strings("000", ""), Ordering::Equal);
        assert_eq!(cmp_digit_strings("123456789012345678901234567890", "99"), Ordering::Greater);
    }
}
