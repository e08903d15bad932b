//! The table of distributions: everything plimsoll knows about a distribution, in one place.
//!
//! A [`DistroSpec`] says how the distribution is recognised (os-release `ID`s, its own release
//! files), how its packages are named in purls (type from the package manager, namespace), which
//! advisory namespace a release's advisories are filed under (`Debian:12`, `Alpine:v3.19`), which
//! version ordering applies (the package manager's), whether advisories name source or binary
//! packages, and when releases reach their end of life.
//!
//! Adding a distribution on a package manager plimsoll already reads is one file here plus one
//! line in [`DISTROS`]: OS detection (`plimsoll-inventory`), purls ([`crate::purl`]), advisory
//! matching and `db update` (`plimsoll-advisory`) all read this table. Code that must work with a
//! table other than the built-in one (a test adding a throwaway distribution) takes a
//! [`DistroTable`].

mod almalinux;
mod alpine;
mod debian;
mod mariner;
mod photon;
mod redhat;
mod rocky;
mod suse;
mod ubuntu;
mod wolfi;

pub use debian::debian_release_number;

use crate::{OsFamily, OsRelease, PackageKind};

/// Every distribution plimsoll recognises. Order matters only for os-release `ID`s claimed twice
/// (none are) and for the one-line release files, where earlier entries are tried first.
pub static DISTROS: &[&DistroSpec] = &[
    &debian::DEBIAN,
    &ubuntu::UBUNTU,
    &alpine::ALPINE,
    &wolfi::WOLFI,
    &wolfi::CHAINGUARD,
    &redhat::RHEL,
    &redhat::CENTOS,
    &rocky::ROCKY,
    &almalinux::ALMALINUX,
    &redhat::FEDORA,
    &redhat::ORACLE,
    &redhat::AMAZON,
    &suse::SLES,
    &suse::OPENSUSE,
    &mariner::MARINER,
    &mariner::AZURELINUX,
    &photon::PHOTON,
];

/// Which package name a distribution's advisories use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKey {
    /// The source package (Debian `Source:`, apk origin, SUSE source RPM); the source version
    /// is compared when the inventory knows it.
    Source,
    /// The binary package, as installed (AlmaLinux and Rocky list binary RPMs).
    Binary,
}

/// Where a distribution's advisories live.
#[derive(Debug)]
pub struct AdvisoryFeed {
    /// The OSV ecosystem without a release (`Debian`, `Rocky Linux`): what `db update` downloads.
    pub ecosystem: &'static str,
    /// The advisory namespace of a release (`Debian:12`), or `None` when the release is unknown.
    pub namespace: fn(&OsRelease) -> Option<String>,
    pub names: NameKey,
}

/// One distribution.
#[derive(Debug)]
pub struct DistroSpec {
    pub family: OsFamily,
    /// Display name.
    pub name: &'static str,
    /// os-release `ID`s (lowercase) that stand for this family; also matched against `ID_LIKE`
    /// words and purl `distro` qualifiers.
    pub ids: &'static [&'static str],
    /// Release files named after this distribution (`etc/alpine-release`); they rank above the
    /// generic ones when several are present.
    pub release_files: &'static [&'static str],
    /// Lowercase names that identify it on the first line of a one-line release file
    /// (`red hat`, `cbl-mariner`), with the os-release `ID` that the release stands for.
    pub release_line_names: &'static [(&'static str, &'static str)],
    /// The package manager: decides the purl type (`deb`, `apk`, `rpm`) and the version ordering.
    pub package_kind: PackageKind,
    /// The purl namespace and `distro` qualifier prefix (purl-spec deb/apk/rpm type definitions).
    pub purl_namespace: &'static str,
    /// `None` when plimsoll has no advisory source for it (its packages are reported as not
    /// covered).
    pub advisory: Option<AdvisoryFeed>,
    /// End of life by advisory-namespace release (`("12", "2028-06-30")`, `("v3.19", ...)`):
    /// the end of all security support (LTS included) as the distribution publishes it.
    pub end_of_life: &'static [(&'static str, &'static str)],
}

impl DistroSpec {
    /// The advisory namespace of `os` (`Debian:12`), if it has a feed and the release is known.
    pub fn advisory_namespace(&self, os: &OsRelease) -> Option<String> {
        (self.advisory.as_ref()?.namespace)(os)
    }

    /// The end-of-life date (`YYYY-MM-DD`) of `os`'s release, where known.
    pub fn end_of_life(&self, os: &OsRelease) -> Option<&'static str> {
        let ns = self.advisory_namespace(os)?;
        let release = ns.split_once(':').map(|(_, r)| r)?;
        self.end_of_life.iter().find(|(r, _)| *r == release).map(|(_, d)| *d)
    }
}

/// A set of distributions to look things up in: [`DistroTable::builtin`] everywhere, or a
/// longer list in a test.
#[derive(Debug, Clone, Copy)]
pub struct DistroTable<'a> {
    specs: &'a [&'a DistroSpec],
}

impl Default for DistroTable<'static> {
    fn default() -> Self {
        Self::builtin()
    }
}

impl<'a> DistroTable<'a> {
    pub const fn new(specs: &'a [&'a DistroSpec]) -> Self {
        DistroTable { specs }
    }

    /// The table of [`DISTROS`].
    pub const fn builtin() -> DistroTable<'static> {
        DistroTable { specs: DISTROS }
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a DistroSpec> + '_ {
        self.specs.iter().copied()
    }

    /// The spec of a family.
    pub fn get(&self, family: OsFamily) -> Option<&'a DistroSpec> {
        self.iter().find(|d| d.family == family)
    }

    /// The family an os-release `ID` (or an `ID_LIKE` word) stands for.
    pub fn family_from_id(&self, id: &str) -> Option<OsFamily> {
        self.iter().find(|d| d.ids.contains(&id)).map(|d| d.family)
    }

    /// The family whose purl namespace is `ns` (`redhat` -> RHEL).
    pub fn family_from_purl_namespace(&self, ns: &str) -> Option<OsFamily> {
        self.iter().find(|d| d.purl_namespace == ns).map(|d| d.family)
    }

    /// The family whose key is `key` (`debian`), as [`OsFamily`] serialises.
    pub fn family_from_key(&self, key: &str) -> Option<OsFamily> {
        self.iter().find(|d| d.family.as_str() == key).map(|d| d.family)
    }

    /// Release files named after one distribution.
    pub fn is_release_file(&self, path: &str) -> bool {
        self.iter().any(|d| d.release_files.contains(&path))
    }

    /// The distribution a one-line release file names (`Rocky Linux release 9.3`) and the
    /// os-release `ID` it stands for. Names are tried in table order.
    pub fn from_release_line(&self, lowercase_line: &str) -> Option<(&'a DistroSpec, &'static str)> {
        self.iter()
            .find_map(|d| d.release_line_names.iter().find(|(n, _)| lowercase_line.contains(n)).map(|(_, id)| (d, *id)))
    }

    /// Every OSV ecosystem (without release) that some distribution's advisories use.
    pub fn advisory_ecosystems(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.iter().filter_map(|d| d.advisory.as_ref().map(|a| a.ecosystem))
    }

    /// The distribution whose advisories are filed under `ecosystem` (`Debian:12` or `Debian`).
    pub fn for_advisory_ecosystem(&self, ecosystem: &str) -> Option<&'a DistroSpec> {
        let base = ecosystem.split(':').next().unwrap_or(ecosystem);
        self.iter().find(|d| d.advisory.as_ref().is_some_and(|a| a.ecosystem == base))
    }
}

/// The major part of a dotted version id: `9.3` -> `9`.
pub fn major(v: &str) -> Option<&str> {
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

    fn ns(o: &OsRelease) -> Option<String> {
        DistroTable::builtin().get(o.family)?.advisory_namespace(o)
    }

    #[test]
    fn advisory_namespaces() {
        assert_eq!(ns(&os(OsFamily::Debian, "debian", Some("12"), Some("bookworm"))).as_deref(), Some("Debian:12"));
        assert_eq!(ns(&os(OsFamily::Debian, "debian", None, Some("bullseye"))).as_deref(), Some("Debian:11"));
        assert_eq!(ns(&os(OsFamily::Ubuntu, "ubuntu", Some("22.04"), None)).as_deref(), Some("Ubuntu:22.04:LTS"));
        assert_eq!(ns(&os(OsFamily::Ubuntu, "ubuntu", Some("23.10"), None)).as_deref(), Some("Ubuntu:23.10"));
        assert_eq!(ns(&os(OsFamily::Alpine, "alpine", Some("3.19.1"), None)).as_deref(), Some("Alpine:v3.19"));
        assert_eq!(ns(&os(OsFamily::Almalinux, "almalinux", Some("9.3"), None)).as_deref(), Some("AlmaLinux:9"));
        assert_eq!(ns(&os(OsFamily::Rocky, "rocky", Some("9.3"), None)).as_deref(), Some("Rocky Linux:9"));
        assert_eq!(ns(&os(OsFamily::Wolfi, "wolfi", Some("20230201"), None)).as_deref(), Some("Wolfi"));
        assert_eq!(ns(&os(OsFamily::Photon, "photon", Some("5.0"), None)).as_deref(), Some("Photon OS:5.0"));
        assert_eq!(ns(&os(OsFamily::Alpine, "alpine", None, None)), None);
        assert_eq!(ns(&os(OsFamily::Fedora, "fedora", Some("39"), None)), None);
    }

    #[test]
    fn end_of_life_dates() {
        let t = DistroTable::builtin();
        let deb = os(OsFamily::Debian, "debian", Some("12"), None);
        assert_eq!(t.get(OsFamily::Debian).unwrap().end_of_life(&deb), Some("2028-06-30"));
        let alp = os(OsFamily::Alpine, "alpine", Some("3.14.3"), None);
        assert_eq!(t.get(OsFamily::Alpine).unwrap().end_of_life(&alp), Some("2023-05-01"));
        for d in t.iter() {
            for (_, date) in d.end_of_life {
                let ok = date.len() == 10 && date.bytes().enumerate().all(|(i, b)| matches!(i, 4 | 7) == (b == b'-'));
                assert!(ok, "{} {date}", d.name);
            }
        }
    }

    #[test]
    fn keys_ids_and_namespaces_are_unique() {
        let t = DistroTable::builtin();
        for (i, a) in DISTROS.iter().enumerate() {
            for b in &DISTROS[i + 1..] {
                assert_ne!(a.family, b.family, "{} twice", a.name);
                assert!(a.ids.iter().all(|id| !b.ids.contains(id)), "{} and {} share an id", a.name, b.name);
            }
            assert_eq!(t.family_from_key(a.family.as_str()), Some(a.family));
            for (_, id) in a.release_line_names {
                assert_eq!(t.family_from_id(id).unwrap_or(a.family), a.family, "{}", a.name);
            }
        }
        assert_eq!(t.family_from_purl_namespace("redhat"), Some(OsFamily::Rhel));
        assert_eq!(t.for_advisory_ecosystem("Alpine:v3.19").map(|d| d.family), Some(OsFamily::Alpine));
    }
}
