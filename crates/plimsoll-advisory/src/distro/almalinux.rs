//! AlmaLinux: `AlmaLinux:<major>`; its OSV data (errata2osv) lists binary RPM names, with
//! epochs in the versions (`1:3.0.1-41.el9_0`).

use plimsoll_model::{OsFamily, OsRelease};

use super::{major, Distro, NameKey};
use crate::version::Scheme;

pub static ALMALINUX: Distro = Distro {
    family: OsFamily::Almalinux,
    name: "AlmaLinux",
    scheme: Scheme::Rpm,
    names: NameKey::Binary,
    ecosystem: |os: &OsRelease| Some(format!("AlmaLinux:{}", major(os.version_id.as_deref()?)?)),
};
