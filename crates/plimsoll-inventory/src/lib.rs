//! Analyzers: small functions from `(path, bytes)` to facts about the image.
//!
//! The layer walk (in `plimsoll-image`) asks every analyzer in [`ANALYZERS`] whether it
//! [`Analyzer::wants`] a path; the file's bytes are read once and handed to each analyzer that
//! wants them. Each analyzer returns [`Facts`] for that one file. Facts are per layer and are
//! cached by layer digest; [`assemble`] then combines the facts of all layers with the final
//! filesystem view (whiteouts applied) into the image's OS and package list, attributing each
//! package to the layer that introduced it.
//!
//! Adding a package database or lockfile format: one module implementing [`Analyzer`] plus one
//! line in [`ANALYZERS`].

pub mod assemble;
pub mod lang;
pub mod os_release;
pub mod pkgdb;
pub mod sbom;

use plimsoll_model::{OsRelease, Package, PackageKind};

pub use assemble::{assemble, Inventory, LayerFacts};

/// A file the analyzer could not make sense of. The scan goes on; this becomes a diagnostic that
/// names the file and layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnalyzeError {
    #[error("{path}: {reason}")]
    Malformed { path: String, reason: String },
    #[error("{path}: {reason} (at byte offset {offset})")]
    MalformedAt { path: String, reason: String, offset: u64 },
    /// The file declares more than plimsoll reads from one file. Not a partial result: the
    /// whole file is refused, so a scan never reports a silently truncated list.
    #[error("{path}: more than {limit} {what}, the limit for one file; the file was not read")]
    TooMany { path: String, what: &'static str, limit: usize },
}

/// Most packages (or package records: lockfile entries, SBOM components, database stanzas) one
/// file may declare; past it the file is refused with [`AnalyzeError::TooMany`]. Memory grows
/// with the records a file holds (about 2.5 KiB each through a whole scan), so this bounds a
/// scan of one such file to about 256 MiB (`bench/parsers_memory.sh`). Real ones stay well below:
/// the whole Debian archive has about 65,000 binary packages per architecture, and the largest
/// lockfiles hold a few tens of thousands of entries.
pub const MAX_PACKAGES_PER_FILE: usize = 65_536;

/// Most installed-file paths one file may list (an rpm database's headers together, one dpkg
/// `.list` or `md5sums` file); past it the file is refused with [`AnalyzeError::TooMany`], as
/// for [`MAX_PACKAGES_PER_FILE`]. Each path costs about 100 bytes through a scan, so this bounds
/// one file's lists to about 100 MiB. Real ones stay far below: a whole RHEL or Fedora install
/// lists a few hundred thousand files, the largest Debian packages tens of thousands.
pub const MAX_FILES_PER_FILE: usize = 1 << 20;

/// One analyzer: decides which paths it wants and turns their bytes into [`Facts`].
pub trait Analyzer: Sync + Send {
    /// Stable name, used in cache keys and diagnostics.
    fn name(&self) -> &'static str;
    /// Bump when the output for the same input changes, so cached layer facts are recomputed.
    fn version(&self) -> u32;
    /// `path` is relative to the root, `/`-separated, without a leading `/` or `./`.
    fn wants(&self, path: &str) -> bool;
    /// Whether the files are the OS package database (dpkg status and file lists, the rpm and apk
    /// databases): one too large to read hides what is installed, so it is an error in the
    /// report (the gate fails closed on it), not a warning as for other skipped files.
    fn package_database(&self) -> bool {
        false
    }
    /// Largest file this analyzer will read; larger files are reported and skipped.
    fn max_size(&self) -> u64 {
        512 * 1024 * 1024
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError>;
}

/// What one file told an analyzer.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Facts {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub os: Option<OsRelease>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub packages: Vec<Package>,
    /// File lists kept apart from the package database (dpkg's `info/*.list`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub installed_files: Vec<InstalledFiles>,
    /// Licences recorded apart from the package database (Debian's `usr/share/doc/*/copyright`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub licenses: Vec<PackageLicenses>,
    /// Things worth telling the user about a file that was still understood (an unpinned
    /// requirement, a nested archive skipped by a size limit). Each names what it is about.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub warnings: Vec<String>,
}

/// The files one package installed, from a file separate from its database record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InstalledFiles {
    pub kind: PackageKind,
    /// Package name, without any `:arch` suffix.
    pub package: String,
    /// Paths relative to the root, without a leading `/`.
    pub files: Vec<String>,
}

/// The licences of one package, from a file separate from its database record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PackageLicenses {
    pub kind: PackageKind,
    /// Package name, without any `:arch` suffix.
    pub package: String,
    pub licenses: Vec<String>,
}

/// Every analyzer, in the order their facts are applied. One line per analyzer.
pub static ANALYZERS: &[&dyn Analyzer] = &[
    &os_release::OsReleaseAnalyzer,
    &pkgdb::dpkg::DpkgStatus,
    &pkgdb::dpkg::DpkgFileList,
    &pkgdb::dpkg::DpkgCopyright,
    &pkgdb::apk::ApkInstalled,
    &pkgdb::rpm::RpmDatabase,
    &lang::python_metadata::PythonMetadata,
    &lang::requirements::RequirementsTxt,
    &lang::poetry::PoetryLock,
    &lang::pipfile::PipfileLock,
    &lang::uv::UvLock,
    &lang::pdm::PdmLock,
    &lang::npm_lock::NpmLock,
    &lang::yarn_lock::YarnLock,
    &lang::pnpm_lock::PnpmLock,
    &lang::node_modules::NodeModulesPackageJson,
    &lang::cargo_lock::CargoLock,
    &lang::cargo_auditable::CargoAuditable,
    &lang::go_binary::GoBinary,
    &lang::go_mod::GoMod,
    &lang::java_archive::JavaArchive,
    &lang::gradle_lock::GradleLockfile,
    &lang::gemfile_lock::GemfileLock,
    &lang::gemspec::Gemspec,
    &lang::composer_lock::ComposerLock,
    &lang::composer_installed::ComposerInstalled,
    &lang::dotnet_deps::DotnetDeps,
    &lang::nuget_lock::NugetLock,
];

/// Names and versions of all analyzers, for cache keys.
pub fn analyzers_fingerprint() -> String {
    ANALYZERS.iter().map(|a| format!("{}@{}", a.name(), a.version())).collect::<Vec<_>>().join(",")
}
