//! Debian: `Debian:<release number>`; advisories name source packages (dpkg `Source:`).

use plimsoll_model::{OsFamily, OsRelease};

use super::{major, Distro, NameKey};
use crate::native::debian_dsa::release_number;
use crate::version::Scheme;

pub static DEBIAN: Distro =
    Distro { family: OsFamily::Debian, name: "Debian", scheme: Scheme::Dpkg, names: NameKey::Source, ecosystem };

/// `VERSION_ID` is the release number (`12`, or `12.5` from `debian_version`); testing and
/// unstable have none, so fall back to the code name (`bookworm` -> `12`).
fn ecosystem(os: &OsRelease) -> Option<String> {
    let n = os
        .version_id
        .as_deref()
        .and_then(major)
        .map(str::to_owned)
        .or_else(|| os.codename.as_deref().and_then(release_number).map(str::to_owned))?;
    Some(format!("Debian:{n}"))
}
