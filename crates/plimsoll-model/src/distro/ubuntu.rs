//! Ubuntu: `Ubuntu:<YY.MM>`, with `:LTS` for long-term releases (April releases of even
//! years); advisories name source packages.

use super::{AdvisoryFeed, DistroSpec, NameKey};
use crate::{OsFamily, OsRelease, PackageKind};

#[allow(non_upper_case_globals)]
impl OsFamily {
    pub const Ubuntu: OsFamily = OsFamily::new("ubuntu");
}

pub static UBUNTU: DistroSpec = DistroSpec {
    family: OsFamily::Ubuntu,
    name: "Ubuntu",
    ids: &["ubuntu"],
    release_files: &[],
    release_line_names: &[],
    package_kind: PackageKind::Dpkg,
    purl_namespace: "ubuntu",
    advisory: Some(AdvisoryFeed { ecosystem: "Ubuntu", namespace, names: NameKey::Source }),
    // End of standard support (ubuntu.com/about/release-cycle).
    end_of_life: &[
        ("18.04:LTS", "2023-05-31"),
        ("20.04:LTS", "2025-05-31"),
        ("22.04:LTS", "2027-06-01"),
        ("24.04:LTS", "2029-05-31"),
    ],
};

fn namespace(os: &OsRelease) -> Option<String> {
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
