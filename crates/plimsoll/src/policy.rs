//! The policy every door applies after a scan, and the exit decision that follows from it.
//!
//! The policy itself (ignore file, OpenVEX, severity and unfixed filters) lives in
//! `plimsoll-report` and is re-exported here: it is a pure function of a [`ScanReport`] and only
//! needs `plimsoll-model`, and the report layer renders what it records (suppressed findings, VEX
//! analysis in CycloneDX). The facade owns *when* it runs: every `scan_*` call applies it
//! ([`apply`]) and returns a [`Verdict`], and [`exit_code`] is the one place that turns verdicts
//! into a process exit code.

pub use plimsoll_report::policy::{
    CoverageGate, Date, IgnoreEntry, IgnoreFile, Policy, PolicyError, PolicyOutcome, VexDocument, VexStatement,
    VexStatus,
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
    /// What the vulnerability scan did not check (see [`CoverageGate`]); also appended to the
    /// report's diagnostics. Errors fail the gate, warnings were allowed by the policy.
    pub coverage: Vec<Diagnostic>,
    /// The scan could not check everything it was asked to and the policy does not allow it:
    /// `--exit-code` fails with [`ExitCodes::incomplete`].
    pub incomplete: bool,
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
    report.diagnostics.extend(outcome.coverage.iter().cloned());
    Verdict {
        failed: outcome.failed,
        warnings: outcome.warnings,
        filtered: outcome.filtered,
        coverage: outcome.coverage,
        incomplete: outcome.incomplete,
    }
}

/// The exit codes a door was asked to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitCodes {
    /// When findings remain after the policy (`--exit-code`); 0 never fails on findings.
    pub findings: u8,
    /// When some target could not be scanned (`--error-exit-code`); 0 never fails on errors.
    pub errors: u8,
    /// When no finding remains but the scan could not check everything ([`Verdict::incomplete`]);
    /// applies only when `findings` is not 0 (a run without `--exit-code` does not gate).
    pub incomplete: u8,
}

/// The exit code of a gate that could not check everything (no database, an uncovered OS
/// release or ecosystem, a stale database): distinct from findings and from errors (2).
pub const INCOMPLETE_EXIT_CODE: u8 = 3;

impl Default for ExitCodes {
    fn default() -> Self {
        ExitCodes { findings: 0, errors: 2, incomplete: INCOMPLETE_EXIT_CODE }
    }
}

/// The exit code after the policy: `codes.errors` when some target failed, else
/// `codes.findings` when findings remain, else `codes.incomplete` when the scan could not check
/// everything (only with a non-zero `codes.findings`: fail closed once a gate is asked for),
/// else 0. A zero code never fails. Findings come before incompleteness: they fail the gate
/// whatever else was missed, and the report states the missed coverage either way.
pub fn exit_code(codes: ExitCodes, failed_targets: usize, findings_remain: bool, incomplete: bool) -> u8 {
    if failed_targets > 0 && codes.errors != 0 {
        codes.errors
    } else if codes.findings == 0 {
        0
    } else if findings_remain {
        codes.findings
    } else if incomplete {
        codes.incomplete
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_first_then_findings_and_zero_never_fails() {
        let codes = ExitCodes { findings: 4, errors: 2, incomplete: 3 };
        assert_eq!(exit_code(codes, 1, true, true), 2);
        assert_eq!(exit_code(codes, 0, true, true), 4);
        assert_eq!(exit_code(codes, 0, false, true), 3);
        assert_eq!(exit_code(codes, 0, false, false), 0);
        assert_eq!(exit_code(ExitCodes { errors: 0, ..codes }, 2, true, false), 4);
        assert_eq!(exit_code(ExitCodes { findings: 0, errors: 0, incomplete: 3 }, 2, true, true), 0);
        // Without --exit-code, an incomplete scan does not gate either.
        assert_eq!(exit_code(ExitCodes { findings: 0, ..codes }, 0, false, true), 0);
    }
}
