/// The distribution family, which decides the package database, the version ordering and the
/// advisory namespace. Several `ID`s map to one family (e.g. `rocky` and `almalinux` are RHEL
/// rebuilds, but keep their own advisories, so they stay separate variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum OsFamily {
    Debian,
    Ubuntu,
    Alpine,
    Wolfi,
    Chainguard,
    Rhel,
    Centos,
    Rocky,
    Almalinux,
    Fedora,
    Oracle,
    Amazon,
    Sles,
    Opensuse,
    Mariner,
    Azurelinux,
    Photon,
    Unknown,
}

/// What `etc/os-release` (or the distro's own release file) says about the image's OS.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OsRelease {
    pub family: OsFamily,
    /// `ID` from os-release, lowercase (e.g. `debian`, `sles`, `mariner`).
    pub id: String,
    /// `VERSION_ID`, or the release file's version (e.g. `12`, `3.14.3`, `8.9`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub version_id: Option<String>,
    /// `VERSION_CODENAME` (e.g. `bookworm`), where known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub codename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pretty_name: Option<String>,
    /// The file the facts were read from, relative to the root (e.g. `etc/os-release`).
    pub source_path: String,
}

impl OsFamily {
    /// The purl namespace / `distro` qualifier prefix used for this family's packages
    /// (purl-spec type definitions for deb, apk and rpm).
    pub fn purl_namespace(self) -> &'static str {
        match self {
            OsFamily::Debian => "debian",
            OsFamily::Ubuntu => "ubuntu",
            OsFamily::Alpine => "alpine",
            OsFamily::Wolfi => "wolfi",
            OsFamily::Chainguard => "chainguard",
            OsFamily::Rhel => "redhat",
            OsFamily::Centos => "centos",
            OsFamily::Rocky => "rocky",
            OsFamily::Almalinux => "almalinux",
            OsFamily::Fedora => "fedora",
            OsFamily::Oracle => "oracle",
            OsFamily::Amazon => "amazon",
            OsFamily::Sles => "suse",
            OsFamily::Opensuse => "opensuse",
            OsFamily::Mariner => "mariner",
            OsFamily::Azurelinux => "azurelinux",
            OsFamily::Photon => "photon",
            OsFamily::Unknown => "unknown",
        }
    }
}
