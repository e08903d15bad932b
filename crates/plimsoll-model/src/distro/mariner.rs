//! CBL-Mariner and Azure Linux: recognised and given purls; no advisory source yet.

use super::DistroSpec;
use crate::{OsFamily, PackageKind};

#[allow(non_upper_case_globals)]
impl OsFamily {
    pub const Mariner: OsFamily = OsFamily::new("mariner");
    pub const Azurelinux: OsFamily = OsFamily::new("azurelinux");
}

pub static MARINER: DistroSpec = DistroSpec {
    family: OsFamily::Mariner,
    name: "CBL-Mariner",
    ids: &["mariner"],
    release_files: &["etc/mariner-release"],
    release_line_names: &[("cbl-mariner", "mariner"), ("common base linux mariner", "mariner")],
    package_kind: PackageKind::Rpm,
    purl_namespace: "mariner",
    advisory: None,
    end_of_life: &[],
};

pub static AZURELINUX: DistroSpec = DistroSpec {
    family: OsFamily::Azurelinux,
    name: "Azure Linux",
    ids: &["azurelinux"],
    release_files: &["etc/azurelinux-release"],
    release_line_names: &[("azure linux", "azurelinux")],
    package_kind: PackageKind::Rpm,
    purl_namespace: "azurelinux",
    advisory: None,
    end_of_life: &[],
};
