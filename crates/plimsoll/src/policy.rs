//! The policy every door applies after a scan, and the exit decision that follows from it.
//!
//! The policy itself (ignore file, OpenVEX, severity and unfixed filters) lives in
//! `plimsoll-report` and is re-exported here: it is a pure function of a [`ScanReport`] and only
//! needs `plimsoll-model`, and the report layer renders what it records (suppressed findings, VEX
//! analysis in CycloneDX). The facade owns *when* it runs: every `scan_*` call applies it
//! ([`apply`]) and returns a [`Verdict`], and [`exit_code`] is the one place that turns verdicts
//! into a process exit code.

pub use plimsoll_report::policy::{
    Date, IgnoreEntry, IgnoreFile, Policy, PolicyError, PolicyOutcome, VexDocument, VexStatement, VexStatus,
};

use plimsoll_model::{Diagnostic, ScanReport};

/// What the policy decided about one report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Findings remain after the policy (what `--exit-code` gates on).
    pub failed: bool,
    /// Expired or unused ignore entries; also appended to the report's diagnostics.
    pub warnings: Vec<Diagnostic>,
    /// Findings the severity and unfixed filters dropped.
    pub filtered: usize,
}

/// Applies `policy` to `report` as of today (UTC), adding its warnings to the report's
/// diagnostics.
pub fn apply(report: &mut ScanReport, policy: &Policy) -> Verdict {
    apply_on(report, policy, Date::today_utc())
}

/// As [`apply`], as of `today`.
pub fn apply_on(report: &mut ScanReport, policy: &Policy, today: Date) -> Verdict {
    let outcome = plimsoll_report::policy::apply(report, policy, today);
    report.diagnostics.extend(outcome.warnings.iter().cloned());
    Verdict { failed: outcome.failed, warnings: outcome.warnings, filtered: outcome.filtered }
}

/// The exit codes a door was asked to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitCodes {
    /// When findings remain after the policy (`--exit-code`); 0 never fails on findings.
    pub findings: u8,
    /// When some target could not be scanned (`--error-exit-code`); 0 never fails on errors.
    pub errors: u8,
}

impl Default for ExitCodes {
    fn default() -> Self {
        ExitCodes { findings: 0, errors: 2 }
    }
}

/// The exit code after the policy: `codes.errors` when some target failed, else
/// `codes.findings` when findings remain, else 0. A zero code never fails.
pub fn exit_code(codes: ExitCodes, failed_targets: usize, findings_remain: bool) -> u8 {
    if failed_targets > 0 && codes.errors != 0 {
        codes.errors
    } else if findings_remain && codes.findings != 0 {
        codes.findings
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_first_then_findings_and_zero_never_fails() {
        let codes = ExitCodes { findings: 4, errors: 3 };
        assert_eq!(exit_code(codes, 1, true), 3);
        assert_eq!(exit_code(codes, 0, true), 4);
        assert_eq!(exit_code(codes, 0, false), 0);
        assert_eq!(exit_code(ExitCodes { findings: 4, errors: 0 }, 2, true), 4);
        assert_eq!(exit_code(ExitCodes { findings: 0, errors: 0 }, 2, true), 0);
    }
}
