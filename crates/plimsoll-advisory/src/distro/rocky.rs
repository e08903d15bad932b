//! Rocky Linux: `Rocky Linux:<major>`; like AlmaLinux its advisories list binary RPMs.

use plimsoll_model::{OsFamily, OsRelease};

use super::{major, Distro, NameKey};
use crate::version::Scheme;

pub static ROCKY: Distro = Distro {
    family: OsFamily::Rocky,
    name: "Rocky Linux",
    scheme: Scheme::Rpm,
    names: NameKey::Binary,
    ecosystem: |os: &OsRelease| Some(format!("Rocky Linux:{}", major(os.version_id.as_deref()?)?)),
};
