//! Photon OS: `Photon OS:<major>.0`; advisories name RPMs as installed.

use plimsoll_model::{OsFamily, OsRelease};

use super::{major, Distro, NameKey};
use crate::version::Scheme;

pub static PHOTON: Distro = Distro {
    family: OsFamily::Photon,
    name: "Photon OS",
    scheme: Scheme::Rpm,
    names: NameKey::Binary,
    ecosystem: |os: &OsRelease| Some(format!("Photon OS:{}.0", major(os.version_id.as_deref()?)?)),
};
