use crate::LayerRef;

/// Which package manager or ecosystem a package belongs to. It decides the version ordering, the
/// purl type and the advisory namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum PackageKind {
    Dpkg,
    Apk,
    Rpm,
    Python,
    Npm,
    Cargo,
    Go,
    Maven,
    Gem,
    Composer,
    Nuget,
}

impl PackageKind {
    /// True for packages from the OS package manager (as opposed to language ecosystems).
    pub fn is_os(self) -> bool {
        matches!(self, PackageKind::Dpkg | PackageKind::Apk | PackageKind::Rpm)
    }
}

/// One installed package.
///
/// `version` is the complete version in the ecosystem's own notation, the string that version
/// ordering compares: dpkg `[epoch:]upstream[-revision]`, rpm `[epoch:]version-release`, apk
/// `version-rN`. `epoch` and `release` repeat the parts broken out, because distro advisories and
/// SBOM consumers need them separately.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Package {
    pub kind: PackageKind,
    pub name: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub epoch: Option<u64>,
    /// rpm release or dpkg Debian revision.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub release: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub arch: Option<String>,
    /// Source package name (dpkg `Source:`, apk origin `o:`, rpm SOURCERPM name). Distro
    /// advisories are keyed by it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source_version: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub licenses: Vec<String>,
    /// dpkg `Maintainer`, apk `m:`, rpm VENDOR: the SBOM supplier.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub supplier: Option<String>,
    /// The package URL (purl-spec), with distro qualifiers for OS packages. Filled in once the OS
    /// is known (see [`crate::purl`]).
    #[serde(default)]
    pub purl: String,
    /// The file that declared the package, relative to the root (e.g. `var/lib/dpkg/status`).
    pub found_in: String,
    /// The layer that introduced this package at this version; `None` for a directory scan.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub layer: Option<LayerRef>,
    /// Files the package database says this package installed, relative to the root.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub files: Vec<String>,
    /// A development-only dependency (npm `dev`, composer `packages-dev`, poetry/pdm/uv dev groups,
    /// Gradle test configurations): not shipped at run time, so findings on it matter less.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
    /// The declaring file says it is only a transitive dependency (go.mod `// indirect`, NuGet
    /// `Transitive`). `false` when the file says it is direct or does not say.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub indirect: bool,
    /// Where a language package came from when it is not its ecosystem's registry; `None` for the
    /// registry or when the file does not say. Advisory matching by name should skip
    /// [`PackageOrigin::Local`] packages, whose names can collide with registry packages.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub origin: Option<PackageOrigin>,
}

/// Where a language package's code came from, when it is not the ecosystem's registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum PackageOrigin {
    /// The project itself, a workspace member, or a path/link/file dependency (or a Go module
    /// replaced by a local directory).
    Local,
    /// A git repository; the version may be a commit.
    Git,
    /// A tarball or archive fetched from a URL other than the registry.
    Url,
}

impl Package {
    /// A package with only the identifying fields set; analyzers fill in the rest.
    pub fn new(
        kind: PackageKind,
        name: impl Into<String>,
        version: impl Into<String>,
        found_in: impl Into<String>,
    ) -> Self {
        Package {
            kind,
            name: name.into(),
            version: version.into(),
            epoch: None,
            release: None,
            arch: None,
            source_name: None,
            source_version: None,
            licenses: Vec::new(),
            supplier: None,
            purl: String::new(),
            found_in: found_in.into(),
            layer: None,
            files: Vec::new(),
            dev: false,
            indirect: false,
            origin: None,
        }
    }
}
