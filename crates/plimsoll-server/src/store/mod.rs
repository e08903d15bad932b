//! The fleet store: images by digest, their layers, each layer's inventory stored once (keyed
//! by `diff_id`), references, findings with `first_seen`/`fixed_at`, workloads, tokens (hashed)
//! and the audit log. [`Store`] is what the server needs; [`sqlite::SqliteStore`] implements it
//! over one embedded SQLite file (WAL, one writer and a few readers).

pub mod sqlite;

use std::collections::BTreeMap;

use plimsoll_model::vuln::Vulnerability;
use plimsoll_model::{OsRelease, Package, Severity};
use serde::Serialize;

use crate::auth::Role;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("the store failed while {what}: {reason}")]
    Backend { what: &'static str, reason: String },
    #[error("stored data is corrupt ({what}): {reason}")]
    Corrupt { what: &'static str, reason: String },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// One layer of an uploaded image, bottom first.
#[derive(Debug, Clone)]
pub struct IngestLayer {
    pub index: i64,
    pub diff_id: String,
    pub digest: Option<String>,
    pub media_type: String,
    pub size: u64,
    pub created_by: Option<String>,
    /// The packages the report attributes to this layer (their `layer` field cleared).
    pub packages: Vec<Package>,
}

/// An image as ingested: the report (without packages and vulnerabilities, which live in the
/// layers and the findings), its layers and its references.
#[derive(Debug, Clone)]
pub struct IngestImage {
    pub digest: String,
    pub name: String,
    pub os: Option<OsRelease>,
    pub report_json: String,
    pub layers: Vec<IngestLayer>,
    pub references: Vec<Reference>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    pub registry: String,
    pub repository: String,
    pub tag: String,
}

impl Reference {
    /// `host/repo:tag` (a local archive has no host and no tag).
    pub fn display(&self) -> String {
        let mut s = String::new();
        if !self.registry.is_empty() && self.registry != "local" {
            s.push_str(&self.registry);
            s.push('/');
        }
        s.push_str(&self.repository);
        if !self.tag.is_empty() {
            s.push(':');
            s.push_str(&self.tag);
        }
        s
    }
}

/// A stored layer of an image, for matching.
#[derive(Debug, Clone)]
pub struct ImageLayer {
    pub index: i64,
    pub diff_id: String,
    pub digest: Option<String>,
    pub created_by: Option<String>,
}

/// What a re-match needs of one image.
#[derive(Debug, Clone)]
pub struct ImageInventory {
    pub digest: String,
    pub os: Option<OsRelease>,
    pub layers: Vec<ImageLayer>,
    /// Layer package rows this image does not have (removed or replaced by an upper layer).
    pub hidden: std::collections::HashSet<i64>,
}

/// A finding as stored.
#[derive(Debug, Clone, Serialize)]
pub struct FindingRow {
    pub digest: String,
    pub id: String,
    pub severity: Severity,
    pub package: String,
    pub version: String,
    pub purl: String,
    pub fixed_version: Option<String>,
    pub first_seen: String,
    pub fixed_at: Option<String>,
}

/// What applying a match result changed for one image.
#[derive(Debug, Default)]
pub struct Applied {
    pub new: Vec<FindingRow>,
    pub fixed: usize,
}

/// One row of the image list.
#[derive(Debug, Clone, Serialize)]
pub struct ImageSummary {
    pub digest: String,
    pub references: Vec<String>,
    pub os: Option<String>,
    pub last_scanned: String,
    pub counts: BTreeMap<&'static str, u64>,
    pub fixable: u64,
    pub worst_severity: &'static str,
    pub workloads: Vec<Workload>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Workload {
    pub cluster: String,
    pub namespace: String,
    pub kind: String,
    pub name: String,
}

/// An affected image of a vulnerability.
#[derive(Debug, Clone, Serialize)]
pub struct AffectedImage {
    pub digest: String,
    pub references: Vec<String>,
    pub package: AffectedPackage,
    pub fixed_version: Option<String>,
    pub severity: Severity,
    pub first_seen: String,
    pub workloads: Vec<Workload>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AffectedPackage {
    pub name: String,
    pub version: String,
    pub purl: String,
}

#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: i64,
    pub role: Role,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub token_id: Option<i64>,
    pub action: String,
    pub detail: String,
}

/// The stored image: its report without packages and vulnerabilities, its packages (with the
/// layer refs of this image) and its findings (open and fixed).
#[derive(Debug)]
pub struct StoredImage {
    pub report_json: String,
    pub packages: Vec<Package>,
    pub findings: Vec<(FindingRow, Vulnerability)>,
}

/// A package version and the images holding it: (purl, name, version, digests).
pub type PackageImages = (String, String, String, Vec<String>);

/// The persistence the server needs. Every method is blocking; the server calls them on tokio's
/// blocking pool.
pub trait Store: Send + Sync {
    /// Stores an image, its layers (a known `diff_id` is stored once; new packages of it are
    /// added) and references; returns its inventory for matching.
    fn put_image(&self, image: &IngestImage, now: &str) -> Result<ImageInventory>;
    /// Every stored image's inventory.
    fn inventories(&self) -> Result<Vec<ImageInventory>>;
    /// The package rows of a layer (row id, package).
    fn layer_packages(&self, diff_id: &str) -> Result<Vec<(i64, Package)>>;
    fn layer_package_count(&self, diff_id: &str) -> Result<usize>;
    /// Replaces an image's open findings by `found`: new ones get `first_seen = now`, vanished
    /// ones `fixed_at = now`.
    fn apply_findings(&self, digest: &str, found: &[Vulnerability], now: &str) -> Result<Applied>;
    /// Records today's open-finding counts by severity (for `stats/history`).
    fn snapshot_counts(&self, date: &str) -> Result<()>;
    fn history(&self, since: &str) -> Result<Vec<(String, BTreeMap<&'static str, u64>)>>;

    fn image_summaries(&self) -> Result<Vec<ImageSummary>>;
    fn image(&self, digest: &str) -> Result<Option<StoredImage>>;
    fn references(&self, digest: &str) -> Result<Vec<Reference>>;
    fn image_exists(&self, digest: &str) -> Result<bool>;
    /// Vulnerability ids known to the store by `id` or an alias of it.
    fn vuln_ids_for(&self, id: &str) -> Result<Vec<String>>;
    /// A stored finding's full vulnerability record for one of `ids` (summary and severity).
    fn any_vulnerability(&self, ids: &[String]) -> Result<Option<Vulnerability>>;
    fn affected_images(&self, ids: &[String]) -> Result<Vec<AffectedImage>>;
    fn open_findings(&self, digest: &str) -> Result<Vec<FindingRow>>;
    /// Findings first seen at or after `since`, newest first.
    fn new_findings_since(&self, since: &str, limit: usize) -> Result<Vec<FindingRow>>;
    /// Packages whose purl (without version) is `purl`: (purl, name, version, image digests).
    fn packages_by_purl(&self, purl: &str) -> Result<Vec<PackageImages>>;
    fn search_images(&self, q: &str, limit: usize) -> Result<Vec<(String, Vec<String>)>>;
    fn search_vulnerabilities(&self, q: &str, limit: usize) -> Result<Vec<(String, Severity)>>;
    fn search_packages(&self, q: &str, limit: usize) -> Result<Vec<(String, String)>>;

    fn put_workload(&self, digest: &str, w: &Workload, now: &str) -> Result<()>;

    fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRow>>;
    fn put_token(&self, hash: &str, role: Role, name: &str, now: &str) -> Result<i64>;
    fn audit(&self, token_id: Option<i64>, action: &str, detail: &str, now: &str) -> Result<()>;
    fn audit_log(&self, limit: usize) -> Result<Vec<AuditRow>>;

    fn meta(&self, key: &str) -> Result<Option<String>>;
    fn set_meta(&self, key: &str, value: &str) -> Result<()>;
}

/// Severity names in the API, most severe first.
pub const SEVERITIES: [&str; 5] = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"];

pub fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Unknown => "UNKNOWN",
    }
}

pub fn parse_severity(s: &str) -> Option<Severity> {
    Some(match s.to_ascii_uppercase().as_str() {
        "CRITICAL" => Severity::Critical,
        "HIGH" => Severity::High,
        "MEDIUM" => Severity::Medium,
        "LOW" => Severity::Low,
        "UNKNOWN" => Severity::Unknown,
        _ => return None,
    })
}
