//! Debian: `Debian:<release number>`; advisories name source packages (dpkg `Source:`).

use super::{major, AdvisoryFeed, DistroSpec, NameKey};
use crate::{OsFamily, OsRelease, PackageKind};

#[allow(non_upper_case_globals)]
impl OsFamily {
    pub const Debian: OsFamily = OsFamily::new("debian");
}

pub static DEBIAN: DistroSpec = DistroSpec {
    family: OsFamily::Debian,
    name: "Debian",
    ids: &["debian"],
    release_files: &[],
    release_line_names: &[],
    package_kind: PackageKind::Dpkg,
    purl_namespace: "debian",
    advisory: Some(AdvisoryFeed { ecosystem: "Debian", namespace, names: NameKey::Source }),
    // End of LTS (wiki.debian.org/LTS).
    end_of_life: &[
        ("8", "2020-06-30"),
        ("9", "2022-06-30"),
        ("10", "2024-06-30"),
        ("11", "2026-08-31"),
        ("12", "2028-06-30"),
    ],
};

/// `VERSION_ID` is the release number (`12`, or `12.5` from `debian_version`); testing and
/// unstable have none, so fall back to the code name (`bookworm` -> `12`).
fn namespace(os: &OsRelease) -> Option<String> {
    let n = os
        .version_id
        .as_deref()
        .and_then(major)
        .map(str::to_owned)
        .or_else(|| os.codename.as_deref().and_then(debian_release_number).map(str::to_owned))?;
    Some(format!("Debian:{n}"))
}

/// Debian code names and their release numbers (distro-info-data's debian.csv).
const DEBIAN_RELEASES: &[(&str, &str)] = &[
    ("buzz", "1.1"),
    ("rex", "1.2"),
    ("bo", "1.3"),
    ("hamm", "2.0"),
    ("slink", "2.1"),
    ("potato", "2.2"),
    ("woody", "3.0"),
    ("sarge", "3.1"),
    ("etch", "4"),
    ("lenny", "5"),
    ("squeeze", "6"),
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
    ("duke", "15"),
];

/// The Debian release number for a code name (`bookworm` -> `12`).
pub fn debian_release_number(codename: &str) -> Option<&'static str> {
    DEBIAN_RELEASES.iter().find(|(c, _)| *c == codename).map(|(_, n)| *n)
}
