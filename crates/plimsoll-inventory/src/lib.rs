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
pub mod os_release;
pub mod pkgdb;

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
}

/// One analyzer: decides which paths it wants and turns their bytes into [`Facts`].
pub trait Analyzer: Sync + Send {
    /// Stable name, used in cache keys and diagnostics.
    fn name(&self) -> &'static str;
    /// Bump when the output for the same input changes, so cached layer facts are recomputed.
    fn version(&self) -> u32;
    /// `path` is relative to the root, `/`-separated, without a leading `/` or `./`.
    fn wants(&self, path: &str) -> bool;
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

/// Every analyzer, in the order their facts are applied. One line per analyzer.
pub static ANALYZERS: &[&dyn Analyzer] = &[
    &os_release::OsReleaseAnalyzer,
    &pkgdb::dpkg::DpkgStatus,
    &pkgdb::dpkg::DpkgFileList,
    &pkgdb::apk::ApkInstalled,
    &pkgdb::rpm::RpmDatabase,
];

/// Names and versions of all analyzers, for cache keys.
pub fn analyzers_fingerprint() -> String {
    ANALYZERS.iter().map(|a| format!("{}@{}", a.name(), a.version())).collect::<Vec<_>>().join(",")
}
