//! Whether the advisory database covers what an inventory holds, so that a report can tell "no
//! vulnerabilities" from "not looked at".

/// The database a vulnerability scan ran against, and what it covered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VulnerabilityCoverage {
    pub database: DatabaseSummary,
    /// One entry per OS release and per language ecosystem present in the inventory.
    pub targets: Vec<CoverageTarget>,
}

impl VulnerabilityCoverage {
    /// The targets the database does not cover.
    pub fn uncovered(&self) -> impl Iterator<Item = &CoverageTarget> {
        self.targets.iter().filter(|t| !t.covered)
    }
}

/// The advisory database's identity: where it is, when it was built, from what.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DatabaseSummary {
    pub path: String,
    /// RFC 3339, UTC.
    pub built_at: String,
    /// The source names it was built from (`pypi-osv`, `debian-dsa-dla`, ...).
    pub sources: Vec<String>,
    pub advisories: u64,
}

/// What kind of package set a [`CoverageTarget`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CoverageKind {
    /// The OS packages of one distribution release.
    Os,
    /// The packages of one language ecosystem.
    Ecosystem,
}

/// One OS release or ecosystem of the inventory, and whether the database covers it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CoverageTarget {
    pub kind: CoverageKind,
    /// Display name: `Debian 12`, `npm`.
    pub name: String,
    /// The advisory namespace looked up (`Debian:12`, `npm`); `None` when there is none (an OS
    /// without an advisory source, an unknown release).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub namespace: Option<String>,
    /// Packages of this target in the inventory.
    pub packages: usize,
    pub covered: bool,
    /// Packages not looked up: all of them when the database has no advisory for the namespace.
    pub packages_not_covered: usize,
    /// Why it is not covered, when it is not.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
    /// For an OS release: the end of its security support (`YYYY-MM-DD`), where the
    /// distribution table knows it. Advisories stop being published after it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub end_of_life: Option<String>,
}
