//! AlmaLinux: `AlmaLinux:<major>`; its OSV data (errata2osv) lists binary RPM names, with
//! epochs in the versions (`1:3.0.1-41.el9_0`).

use super::{major, AdvisoryFeed, DistroSpec, NameKey};
use crate::{OsFamily, OsRelease, PackageKind};

#[allow(non_upper_case_globals)]
impl OsFamily {
    pub const Almalinux: OsFamily = OsFamily::new("almalinux");
}

pub static ALMALINUX: DistroSpec = DistroSpec {
    family: OsFamily::Almalinux,
    name: "AlmaLinux",
    ids: &["almalinux"],
    release_files: &["etc/almalinux-release"],
    release_line_names: &[("almalinux", "almalinux")],
    package_kind: PackageKind::Rpm,
    purl_namespace: "almalinux",
    advisory: Some(AdvisoryFeed {
        ecosystem: "AlmaLinux",
        namespace: |os: &OsRelease| Some(format!("AlmaLinux:{}", major(os.version_id.as_deref()?)?)),
        names: NameKey::Binary,
    }),
    end_of_life: &[("8", "2029-03-01"), ("9", "2032-05-31")],
};
