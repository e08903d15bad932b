//! Alpine: `Alpine:v<major>.<minor>` (the release branch); advisories (secdb) name origin
//! packages.

use super::{AdvisoryFeed, DistroSpec, NameKey};
use crate::{OsFamily, OsRelease, PackageKind};

#[allow(non_upper_case_globals)]
impl OsFamily {
    pub const Alpine: OsFamily = OsFamily::new("alpine");
}

pub static ALPINE: DistroSpec = DistroSpec {
    family: OsFamily::Alpine,
    name: "Alpine Linux",
    ids: &["alpine"],
    release_files: &["etc/alpine-release"],
    release_line_names: &[],
    package_kind: PackageKind::Apk,
    purl_namespace: "alpine",
    advisory: Some(AdvisoryFeed { ecosystem: "Alpine", namespace, names: NameKey::Source }),
    // alpinelinux.org/releases (end of support of the main repository).
    end_of_life: &[
        ("v3.14", "2023-05-01"),
        ("v3.15", "2023-11-01"),
        ("v3.16", "2024-05-23"),
        ("v3.17", "2024-11-22"),
        ("v3.18", "2025-05-09"),
        ("v3.19", "2025-11-01"),
        ("v3.20", "2026-04-01"),
        ("v3.21", "2026-11-01"),
    ],
};

/// `3.19.1` -> `Alpine:v3.19`; an edge image (`3.20_alpha20240315`) maps to its branch.
fn namespace(os: &OsRelease) -> Option<String> {
    let v = os.version_id.as_deref()?.trim();
    let mut parts = v.split(['.', '_']);
    let (maj, min) = (parts.next()?, parts.next()?);
    if maj.is_empty() || min.is_empty() || !(maj.bytes().chain(min.bytes()).all(|b| b.is_ascii_digit())) {
        return None;
    }
    Some(format!("Alpine:v{maj}.{min}"))
}
