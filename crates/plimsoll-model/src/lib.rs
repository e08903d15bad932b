//! Plain data shared by every plimsoll stage.
//!
//! Nothing here does I/O. The pipeline is
//! `source -> layers -> analyzers -> inventory -> matching -> policy -> report`, and these are the
//! values that travel along it: [`Digest`], [`LayerRef`], [`OsRelease`], [`Package`] (with its
//! [`purl`]), [`Diagnostic`], and the versioned [`ScanReport`] that every output format renders.

pub mod coverage;
mod digest;
pub mod distro;
pub mod fleet;
pub mod misconfig;
mod os;
mod package;
pub mod purl;
mod report;
pub mod secret;
pub mod time;
pub mod vuln;

pub use digest::{Digest, DigestError};
pub use os::{OsFamily, OsRelease};
pub use package::{Package, PackageKind, PackageOrigin};
pub use report::{
    Artifact, ArtifactKind, Diagnostic, DiagnosticLevel, FindingKind, LayerInfo, ScanReport, Suppressed,
    SuppressionSource, VexStatementInfo, REPORT_SCHEMA_VERSION,
};

/// Severity of a finding, ordered from least to most severe so that `>=` filters work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Unknown,
    Low,
    Medium,
    High,
    Critical,
}

/// Where a finding or package came from inside an image: the layer (0-based, bottom first).
///
/// `diff_id` is the digest of the uncompressed layer tar (what the image config lists),
/// `digest` the digest of the blob as stored (compressed); a root filesystem scan has neither.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct LayerRef {
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub digest: Option<Digest>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub diff_id: Option<Digest>,
    /// The history entry's `created_by` (the Dockerfile step), empty layers skipped.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub created_by: Option<String>,
}
