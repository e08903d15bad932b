//! Vulnerability findings: a known vulnerability affecting one installed package.
//!
//! Produced by `plimsoll-advisory`'s matching, one per vulnerability per package (ids that are
//! aliases of each other are merged into one finding), rendered by the report formats.

use crate::{LayerRef, PackageKind, Severity};

/// Whether a fix is available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VulnStatus {
    /// A version that fixes it is known (`fixed_version`).
    Fixed,
    /// Affected, and no fixed version is known yet.
    Unfixed,
}

/// A CVSS vector and the base score computed from it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CvssScore {
    /// `2.0`, `3.0`, `3.1` or `4.0`.
    pub version: String,
    pub vector: String,
    /// `None` when the vector could not be scored (malformed).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub score: Option<f64>,
}

/// One vulnerability in one package.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Vulnerability {
    /// The primary id: the CVE when the vulnerability has one, else the advisory's own id.
    pub id: String,
    /// Every other id of the same vulnerability (GHSA, PYSEC, RUSTSEC, distro ids), sorted.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub aliases: Vec<String>,
    /// Related ids that are not the same vulnerability (e.g. the CVEs a distro advisory fixes).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub related: Vec<String>,
    pub package_name: String,
    pub package_version: String,
    pub package_kind: PackageKind,
    /// The package's purl (as in the inventory).
    #[serde(default)]
    pub purl: String,
    /// The lowest version that fixes it, in the package's own version notation.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub fixed_version: Option<String>,
    pub status: VulnStatus,
    pub severity: Severity,
    /// Where `severity` came from: the finding's own advisory data (its source, e.g.
    /// `pypi-osv`), or, when that has no rating, `<alias id> (<source>)` for the alias in the
    /// database whose rating was taken (GHSA and NVD CVSS first, then distribution ratings).
    /// `None` while the severity is unknown.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub severity_source: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub cvss: Vec<CvssScore>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    /// Advisory and reference URLs.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub references: Vec<String>,
    /// The layer that introduced the package, copied from the inventory.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub layer: Option<LayerRef>,
    /// Which advisory data the finding came from (e.g. `pypi-osv`, `alpine-secdb`); several
    /// sources are comma-separated when they agreed.
    pub data_source: String,
}
