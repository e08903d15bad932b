//! SUSE and openSUSE: the OSV ecosystem's release is the os-release `PRETTY_NAME`
//! (`SUSE:SUSE Linux Enterprise Server 15 SP5`, `openSUSE:openSUSE Leap 15.5`); advisories
//! name source RPMs.

use plimsoll_model::{OsFamily, OsRelease};

use super::{Distro, NameKey};
use crate::version::Scheme;

pub static SLES: Distro = Distro {
    family: OsFamily::Sles,
    name: "SUSE Linux Enterprise",
    scheme: Scheme::Rpm,
    names: NameKey::Source,
    ecosystem: |os: &OsRelease| Some(format!("SUSE:{}", os.pretty_name.as_deref()?.trim())),
};

pub static OPENSUSE: Distro = Distro {
    family: OsFamily::Opensuse,
    name: "openSUSE",
    scheme: Scheme::Rpm,
    names: NameKey::Source,
    ecosystem: |os: &OsRelease| Some(format!("openSUSE:{}", os.pretty_name.as_deref()?.trim())),
};
