//! Wolfi and Chainguard: rolling, so the advisory namespace has no release; advisories name
//! origin packages and use apk versions.

use super::{AdvisoryFeed, DistroSpec, NameKey};
use crate::{OsFamily, OsRelease, PackageKind};

#[allow(non_upper_case_globals)]
impl OsFamily {
    pub const Wolfi: OsFamily = OsFamily::new("wolfi");
    pub const Chainguard: OsFamily = OsFamily::new("chainguard");
}

pub static WOLFI: DistroSpec = DistroSpec {
    family: OsFamily::Wolfi,
    name: "Wolfi",
    ids: &["wolfi"],
    release_files: &[],
    release_line_names: &[],
    package_kind: PackageKind::Apk,
    purl_namespace: "wolfi",
    advisory: Some(AdvisoryFeed {
        ecosystem: "Wolfi",
        namespace: |_: &OsRelease| Some("Wolfi".to_owned()),
        names: NameKey::Source,
    }),
    end_of_life: &[],
};

pub static CHAINGUARD: DistroSpec = DistroSpec {
    family: OsFamily::Chainguard,
    name: "Chainguard",
    ids: &["chainguard"],
    release_files: &[],
    release_line_names: &[],
    package_kind: PackageKind::Apk,
    purl_namespace: "chainguard",
    advisory: Some(AdvisoryFeed {
        ecosystem: "Chainguard",
        namespace: |_: &OsRelease| Some("Chainguard".to_owned()),
        names: NameKey::Source,
    }),
    end_of_life: &[],
};
