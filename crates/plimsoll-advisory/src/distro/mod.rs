//! Distributions: which OSV ecosystem string a release's advisories are filed under, which
//! version ordering its packages use, and whether advisories name source or binary packages.
//!
//! One file per distribution and one line in [`DISTROS`]; nothing else needs to change to add
//! one.

mod almalinux;
mod alpine;
mod debian;
mod photon;
mod rocky;
mod suse;
mod ubuntu;
mod wolfi;

use plimsoll_model::{OsFamily, OsRelease};

use crate::version::Scheme;

/// Which package name a distribution's advisories use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKey {
    /// The source package (Debian `Source:`, apk origin, SUSE source RPM); the source version
    /// is compared when the inventory knows it.
    Source,
    /// The binary package, as installed (AlmaLinux and Rocky list binary RPMs).
    Binary,
}

/// A distribution's matching rules.
#[derive(Debug)]
pub struct Distro {
    pub family: OsFamily,
    /// Display name.
    pub name: &'static str,
    pub scheme: Scheme,
    pub names: NameKey,
    /// The OSV ecosystem of a release (`Debian:12`), or `None` when the release is unknown.
    pub ecosystem: fn(&OsRelease) -> Option<String>,
}

/// Every distribution we match.
pub static DISTROS: &[&Distro] = &[
    &debian::DEBIAN,
    &ubuntu::UBUNTU,
    &alpine::ALPINE,
    &wolfi::WOLFI,
    &wolfi::CHAINGUARD,
    &almalinux::ALMALINUX,
    &rocky::ROCKY,
    &suse::SLES,
    &suse::OPENSUSE,
    &photon::PHOTON,
];

/// The rules for an OS, if we support it.
pub fn for_os(os: &OsRelease) -> Option<&'static Distro> {
    DISTROS.iter().copied().find(|d| d.family == os.family)
}

/// The major part of a dotted version id: `9.3` -> `9`.
pub(crate) fn major(v: &str) -> Option<&str> {
    let m = v.split('.').next()?.trim();
    (!m.is_empty() && m.bytes().all(|b| b.is_ascii_digit())).then_some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn os(family: OsFamily, id: &str, version_id: Option<&str>, codename: Option<&str>) -> OsRelease {
        OsRelease {
            family,
            id: id.into(),
            version_id: version_id.map(Into::into),
            codename: codename.map(Into::into),
            pretty_name: None,
            source_path: "etc/os-release".into(),
        }
    }

    fn eco(o: &OsRelease) -> Option<String> {
        (for_os(o)?.ecosystem)(o)
    }

    #[test]
    fn ecosystem_strings() {
        assert_eq!(eco(&os(OsFamily::Debian, "debian", Some("12"), Some("bookworm"))).as_deref(), Some("Debian:12"));
        assert_eq!(eco(&os(OsFamily::Debian, "debian", None, Some("bullseye"))).as_deref(), Some("Debian:11"));
        assert_eq!(eco(&os(OsFamily::Ubuntu, "ubuntu", Some("22.04"), None)).as_deref(), Some("Ubuntu:22.04:LTS"));
        assert_eq!(eco(&os(OsFamily::Ubuntu, "ubuntu", Some("23.10"), None)).as_deref(), Some("Ubuntu:23.10"));
        assert_eq!(eco(&os(OsFamily::Alpine, "alpine", Some("3.19.1"), None)).as_deref(), Some("Alpine:v3.19"));
        assert_eq!(eco(&os(OsFamily::Almalinux, "almalinux", Some("9.3"), None)).as_deref(), Some("AlmaLinux:9"));
        assert_eq!(eco(&os(OsFamily::Rocky, "rocky", Some("9.3"), None)).as_deref(), Some("Rocky Linux:9"));
        assert_eq!(eco(&os(OsFamily::Wolfi, "wolfi", Some("20230201"), None)).as_deref(), Some("Wolfi"));
        assert_eq!(eco(&os(OsFamily::Photon, "photon", Some("5.0"), None)).as_deref(), Some("Photon OS:5.0"));
        assert_eq!(eco(&os(OsFamily::Alpine, "alpine", None, None)), None);
        assert!(for_os(&os(OsFamily::Fedora, "fedora", Some("39"), None)).is_none());
    }

    #[test]
    fn families_are_unique() {
        for (i, a) in DISTROS.iter().enumerate() {
            assert!(DISTROS[i + 1..].iter().all(|b| b.family != a.family), "{} twice", a.name);
        }
    }
}
