//! Misconfiguration findings: what the lint engine (`plimsoll-lint`) reports for Dockerfiles,
//! Kubernetes manifests, compose files and image configurations.

use crate::Severity;

/// One rule violation at one place in one file.
///
/// Lines are 1-based; `column` is 1-based too, 0 when the rule only knows the line (most
/// Dockerfile rules point at an instruction, not a character). `end_line` is the last line of the
/// construct (a multi-line `RUN`, a container block), equal to `line` for one-line spans.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Misconfiguration {
    /// Stable rule code, e.g. `PL-DF-001`. Never renamed once published.
    pub rule_id: String,
    pub title: String,
    pub severity: Severity,
    /// The path as given to the linter (for image configs: the image reference).
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    /// What is wrong here, specific to this occurrence.
    pub message: String,
    /// Equivalent checks elsewhere: hadolint `DL3007`, `CIS-Docker-4.1`, `PSS:baseline/privileged`...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Where the rule's documentation lives (`docs/rules/<code>.md`).
    pub doc_url: String,
    /// The Kubernetes object (`Kind/namespace/name`) or compose service the finding belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}
