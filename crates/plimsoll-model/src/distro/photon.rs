//! Photon OS: `Photon OS:<major>.0`; advisories name RPMs as installed.

use super::{major, AdvisoryFeed, DistroSpec, NameKey};
use crate::{OsFamily, OsRelease, PackageKind};

#[allow(non_upper_case_globals)]
impl OsFamily {
    pub const Photon: OsFamily = OsFamily::new("photon");
}

pub static PHOTON: DistroSpec = DistroSpec {
    family: OsFamily::Photon,
    name: "Photon OS",
    ids: &["photon"],
    release_files: &["etc/photon-release"],
    release_line_names: &[("photon", "photon")],
    package_kind: PackageKind::Rpm,
    purl_namespace: "photon",
    advisory: Some(AdvisoryFeed {
        ecosystem: "Photon OS",
        namespace: |os: &OsRelease| Some(format!("Photon OS:{}.0", major(os.version_id.as_deref()?)?)),
        names: NameKey::Binary,
    }),
    end_of_life: &[],
};
