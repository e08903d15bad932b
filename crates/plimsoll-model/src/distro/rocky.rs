//! Rocky Linux: `Rocky Linux:<major>`; like AlmaLinux its advisories list binary RPMs.

use super::{major, AdvisoryFeed, DistroSpec, NameKey};
use crate::{OsFamily, OsRelease, PackageKind};

#[allow(non_upper_case_globals)]
impl OsFamily {
    pub const Rocky: OsFamily = OsFamily::new("rocky");
}

pub static ROCKY: DistroSpec = DistroSpec {
    family: OsFamily::Rocky,
    name: "Rocky Linux",
    ids: &["rocky"],
    release_files: &["etc/rocky-release"],
    release_line_names: &[("rocky", "rocky")],
    package_kind: PackageKind::Rpm,
    purl_namespace: "rocky",
    advisory: Some(AdvisoryFeed {
        ecosystem: "Rocky Linux",
        namespace: |os: &OsRelease| Some(format!("Rocky Linux:{}", major(os.version_id.as_deref()?)?)),
        names: NameKey::Binary,
    }),
    end_of_life: &[("8", "2029-05-31"), ("9", "2032-05-31")],
};
