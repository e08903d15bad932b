//! Distributions, as the matcher sees them: the table lives in [`plimsoll_model::distro`] (one
//! file per distribution and one line in its `DISTROS`), shared with OS detection and purls. This
//! module adds what only matching needs: the version ordering of a distribution's packages.

pub use plimsoll_model::distro::{AdvisoryFeed, DistroSpec, DistroTable, NameKey, DISTROS};
use plimsoll_model::OsRelease;

use crate::version::Scheme;

/// The rules for an OS, if we know it.
pub fn for_os(os: &OsRelease) -> Option<&'static DistroSpec> {
    DistroTable::builtin().get(os.family)
}

/// The version ordering of a distribution's packages: its package manager's.
pub fn scheme(d: &DistroSpec) -> Option<Scheme> {
    Scheme::for_package_kind(d.package_kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_distribution_has_a_version_scheme() {
        for d in DISTROS {
            assert!(scheme(d).is_some(), "{}", d.name);
            if let Some(feed) = &d.advisory {
                assert_eq!(Scheme::for_ecosystem(feed.ecosystem), scheme(d), "{}", d.name);
            }
        }
    }
}
