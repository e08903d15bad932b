use crate::misconfig::Misconfiguration;
use crate::secret::SecretFinding;
use crate::vuln::Vulnerability;
use crate::{Digest, OsRelease, Package};

/// Version of the JSON report layout (`docs/json-report.md`). Bump the minor part for additions,
/// the major part for anything that can break a consumer.
pub const REPORT_SCHEMA_VERSION: &str = "1.4";

/// The result of one scan: what every output format renders.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScanReport {
    pub schema_version: String,
    /// `plimsoll <version>`.
    pub tool: String,
    /// When the scan ran, RFC 3339 UTC.
    pub created_at: String,
    pub artifact: Artifact,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub os: Option<OsRelease>,
    #[serde(default)]
    pub layers: Vec<LayerInfo>,
    #[serde(default)]
    pub packages: Vec<Package>,
    /// Known vulnerabilities of the packages, one per vulnerability per package.
    #[serde(default)]
    pub vulnerabilities: Vec<Vulnerability>,
    /// Secrets found in layer files (deleted ones included) and in the image config; masked.
    #[serde(default)]
    pub secrets: Vec<SecretFinding>,
    /// Configuration findings: image-config rules for images, file rules for directories.
    #[serde(default)]
    pub misconfigurations: Vec<Misconfiguration>,
    /// Problems that did not stop the scan (a corrupt database in one layer, an unreadable file).
    #[serde(default)]
    pub diagnostics: Vec<Diagnostic>,
    /// Findings an ignore file or a VEX document took out of the lists above, with the reason, so
    /// that a suppression stays visible and auditable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<Suppressed>,
    /// The advisory database used and what it covered; `None` when no database was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vulnerability_scan: Option<crate::coverage::VulnerabilityCoverage>,
}

/// Which list a suppressed finding came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    Vulnerability,
    Secret,
    Misconfiguration,
}

/// What suppressed a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SuppressionSource {
    /// An entry of the ignore file (`.plimsollignore`).
    IgnoreFile,
    /// A VEX statement (`not_affected` or `fixed`).
    Vex,
}

/// A finding removed by policy, and why. (Not `Eq`: it carries a [`Vulnerability`], whose CVSS
/// scores are floats.)
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Suppressed {
    pub kind: FindingKind,
    /// Vulnerability id, secret rule id or misconfiguration rule code.
    pub id: String,
    /// The affected package's name (vulnerabilities only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub package: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub package_version: Option<String>,
    /// The file of a secret or misconfiguration.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub path: Option<String>,
    pub source: SuppressionSource,
    /// The ignore entry's `reason`, or the VEX status with its justification / impact statement.
    pub reason: String,
    /// Where the suppression was declared: the ignore file or VEX document, and the entry in it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub origin: Option<String>,
    /// The ignore entry's expiry date, `YYYY-MM-DD` (source `ignore-file` only): the entry stops
    /// applying on that day.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expires: Option<String>,
    /// The VEX statement that suppressed the finding (source `vex` only), field by field, so that
    /// formats with their own VEX vocabulary (CycloneDX `analysis`) can map it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub vex: Option<VexStatementInfo>,
    /// The suppressed vulnerability finding itself (vulnerabilities only): its purl ties it to the
    /// inventory package, and formats can describe it as fully as a reported one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub vulnerability: Option<Box<Vulnerability>>,
}

/// What an OpenVEX statement said, as written (OpenVEX's own spellings).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VexStatementInfo {
    /// `not_affected` or `fixed` (the statuses that suppress).
    pub status: String,
    /// OpenVEX justification (`component_not_present`, `vulnerable_code_not_in_execute_path`, ...).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub justification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub impact_statement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub action_statement: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactKind {
    ContainerImage,
    Filesystem,
    /// A live container engine (`plimsoll docker`): its daemon, containers and runtime versions.
    ContainerEngine,
}

/// What was scanned.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Artifact {
    /// The reference the user gave (path, `oci:DIR:tag`, ...).
    pub name: String,
    pub kind: ArtifactKind,
    /// Image ID: the config blob's digest.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub image_id: Option<Digest>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub manifest_digest: Option<Digest>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub repo_tags: Vec<String>,
    /// `os/architecture[/variant]` from the image config.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub platform: Option<String>,
}

/// One layer of the scanned image, bottom first.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LayerInfo {
    pub index: usize,
    pub digest: Digest,
    pub diff_id: Digest,
    pub media_type: String,
    /// Compressed size as stored.
    pub size: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub created_by: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiagnosticLevel {
    Warning,
    Error,
}

/// A problem found while scanning that did not stop the scan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub level: DiagnosticLevel,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub layer: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub path: Option<String>,
}
