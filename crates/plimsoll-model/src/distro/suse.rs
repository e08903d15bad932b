//! SUSE and openSUSE: the OSV ecosystem's release is the os-release `PRETTY_NAME`
//! (`SUSE:SUSE Linux Enterprise Server 15 SP5`, `openSUSE:openSUSE Leap 15.5`); advisories
//! name source RPMs.

use super::{AdvisoryFeed, DistroSpec, NameKey};
use crate::{OsFamily, OsRelease, PackageKind};

#[allow(non_upper_case_globals)]
impl OsFamily {
    pub const Sles: OsFamily = OsFamily::new("sles");
    pub const Opensuse: OsFamily = OsFamily::new("opensuse");
}

pub static SLES: DistroSpec = DistroSpec {
    family: OsFamily::Sles,
    name: "SUSE Linux Enterprise",
    ids: &["sles", "sled", "sles_sap", "sle_hpc", "sle-micro"],
    release_files: &["etc/SuSE-release"],
    release_line_names: &[],
    package_kind: PackageKind::Rpm,
    purl_namespace: "suse",
    advisory: Some(AdvisoryFeed {
        ecosystem: "SUSE",
        namespace: |os: &OsRelease| Some(format!("SUSE:{}", os.pretty_name.as_deref()?.trim())),
        names: NameKey::Source,
    }),
    end_of_life: &[],
};

pub static OPENSUSE: DistroSpec = DistroSpec {
    family: OsFamily::Opensuse,
    name: "openSUSE",
    ids: &["opensuse", "opensuse-leap", "opensuse-tumbleweed", "opensuse-microos"],
    release_files: &[],
    release_line_names: &[],
    package_kind: PackageKind::Rpm,
    purl_namespace: "opensuse",
    advisory: Some(AdvisoryFeed {
        ecosystem: "openSUSE",
        namespace: |os: &OsRelease| Some(format!("openSUSE:{}", os.pretty_name.as_deref()?.trim())),
        names: NameKey::Source,
    }),
    end_of_life: &[],
};
