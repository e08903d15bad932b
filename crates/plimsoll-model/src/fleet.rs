//! The result of scanning many images of one registry (`plimsoll registry`, later the fleet
//! server): one [`FleetImage`] per distinct digest, or per repository or tag that failed before
//! it had one. Plain data; the facade (`plimsoll::registry`) fills it and `plimsoll-report`
//! renders it.

use crate::{Digest, ScanReport, Severity};

/// Every image of a registry scan, sorted by repository and tags.
#[derive(Debug, Clone)]
pub struct FleetScan {
    /// The registry `host[:port]`.
    pub host: String,
    /// Repositories asked for (or listed by the catalog).
    pub repositories: usize,
    /// Tags listed and resolved (Cosign tags excluded).
    pub tags: usize,
    /// Cosign signature, attestation and SBOM tags that were skipped.
    pub skipped: usize,
    pub images: Vec<FleetImage>,
}

/// One row of the summary: every tag of one digest, or a repository or tag that failed before
/// it had a digest.
#[derive(Debug, Clone)]
pub struct FleetImage {
    pub repository: String,
    pub tags: Vec<String>,
    /// Full references, `HOST/REPO:TAG`.
    pub references: Vec<String>,
    pub digest: Option<Digest>,
    /// The scan, or why there is none (an error and its causes on one line).
    pub outcome: Result<FleetScanned, String>,
}

/// A scanned image of a [`FleetScan`].
#[derive(Debug, Clone)]
pub struct FleetScanned {
    /// The platform's image manifest (differs from the tag's digest for a multi-platform index).
    pub manifest_digest: Digest,
    pub counts: FindingCounts,
    /// Some finding passed the policy (`--exit-code`).
    pub gate_failed: bool,
    /// The vulnerability scan could not check everything and the policy does not allow it
    /// (no database, an uncovered OS release or ecosystem, a stale database).
    pub incomplete: bool,
    /// The policy's warnings (expired or unused ignore-file entries), as `origin: message`.
    pub policy_warnings: Vec<String>,
    /// The full report, when the caller asked to keep them.
    pub report: Option<ScanReport>,
}

/// Findings left after the policy (ignore file, VEX, severity and unfixed filters).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FindingCounts {
    pub packages: usize,
    /// `None` when no vulnerability scan ran (no advisory database, or no vuln scanner).
    pub vulnerabilities: Option<VulnCounts>,
    pub secrets: usize,
    pub misconfigurations: usize,
}

/// Vulnerabilities by severity.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VulnCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub unknown: usize,
}

impl FindingCounts {
    /// Counts `report`'s findings; `vuln_scanned` says whether a vulnerability scan ran.
    pub fn of(report: &ScanReport, vuln_scanned: bool) -> FindingCounts {
        let vulnerabilities = vuln_scanned.then(|| {
            let mut c = VulnCounts::default();
            for v in &report.vulnerabilities {
                *match v.severity {
                    Severity::Critical => &mut c.critical,
                    Severity::High => &mut c.high,
                    Severity::Medium => &mut c.medium,
                    Severity::Low => &mut c.low,
                    Severity::Unknown => &mut c.unknown,
                } += 1;
            }
            c
        });
        FindingCounts {
            packages: report.packages.len(),
            vulnerabilities,
            secrets: report.secrets.len(),
            misconfigurations: report.misconfigurations.len(),
        }
    }
}

impl FleetScan {
    /// Rows that could not be listed, resolved or scanned.
    pub fn errors(&self) -> usize {
        self.images.iter().filter(|r| r.outcome.is_err()).count()
    }

    /// Some scanned image has a finding that passed the policy.
    pub fn gate_failed(&self) -> bool {
        self.images.iter().any(|r| r.outcome.as_ref().is_ok_and(|s| s.gate_failed))
    }

    /// Some scanned image could not be checked completely (see [`FleetScanned::incomplete`]).
    pub fn incomplete(&self) -> bool {
        self.images.iter().any(|r| r.outcome.as_ref().is_ok_and(|s| s.incomplete))
    }

    /// The policy warnings every scanned image has (an ignore entry that matched nothing
    /// anywhere); the others are in each image's report.
    pub fn common_warnings(&self) -> Vec<String> {
        let mut scanned = self.images.iter().filter_map(|r| r.outcome.as_ref().ok());
        let Some(first) = scanned.next() else { return Vec::new() };
        let mut common = first.policy_warnings.clone();
        for s in scanned {
            common.retain(|w| s.policy_warnings.contains(w));
        }
        common
    }
}
