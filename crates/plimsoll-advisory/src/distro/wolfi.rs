//! Wolfi and Chainguard: rolling, so the ecosystem has no release; advisories name origin
//! packages and use apk versions.

use plimsoll_model::{OsFamily, OsRelease};

use super::{Distro, NameKey};
use crate::version::Scheme;

pub static WOLFI: Distro = Distro {
    family: OsFamily::Wolfi,
    name: "Wolfi",
    scheme: Scheme::Apk,
    names: NameKey::Source,
    ecosystem: |_: &OsRelease| Some("Wolfi".to_owned()),
};

pub static CHAINGUARD: Distro = Distro {
    family: OsFamily::Chainguard,
    name: "Chainguard",
    scheme: Scheme::Apk,
    names: NameKey::Source,
    ecosystem: |_: &OsRelease| Some("Chainguard".to_owned()),
};
