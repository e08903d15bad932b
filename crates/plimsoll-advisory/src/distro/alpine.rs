//! Alpine: `Alpine:v<major>.<minor>` (the release branch); advisories (secdb) name origin
//! packages.

use plimsoll_model::{OsFamily, OsRelease};

use super::{Distro, NameKey};
use crate::version::Scheme;

pub static ALPINE: Distro =
    Distro { family: OsFamily::Alpine, name: "Alpine Linux", scheme: Scheme::Apk, names: NameKey::Source, ecosystem };

/// `3.19.1` -> `Alpine:v3.19`; an edge image (`3.20_alpha20240315`) maps to its branch.
fn ecosystem(os: &OsRelease) -> Option<String> {
    let v = os.version_id.as_deref()?.trim();
    let mut parts = v.split(['.', '_']);
    let (maj, min) = (parts.next()?, parts.next()?);
    if maj.is_empty() || min.is_empty() || !(maj.bytes().chain(min.bytes()).all(|b| b.is_ascii_digit())) {
        return None;
    }
    Some(format!("Alpine:v{maj}.{min}"))
}
