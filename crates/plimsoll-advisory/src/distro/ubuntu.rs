//! Ubuntu: `Ubuntu:<YY.MM>`, with `:LTS` for long-term releases (April releases of even
//! years); advisories name source packages.

use plimsoll_model::{OsFamily, OsRelease};

use super::{Distro, NameKey};
use crate::version::Scheme;

pub static UBUNTU: Distro =
    Distro { family: OsFamily::Ubuntu, name: "Ubuntu", scheme: Scheme::Dpkg, names: NameKey::Source, ecosystem };

fn ecosystem(os: &OsRelease) -> Option<String> {
    let v = os.version_id.as_deref()?.trim();
    let (yy, mm) = v.split_once('.')?;
    let year: u32 = yy.parse().ok()?;
    if mm.len() != 2 || !mm.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // `is_multiple_of` is newer than our MSRV.
    let lts = mm == "04" && year & 1 == 0;
    Some(if lts { format!("Ubuntu:{yy}.{mm}:LTS") } else { format!("Ubuntu:{yy}.{mm}") })
}
