//! The JSON report: [`ScanReport`] serialized as is, pretty-printed.
//!
//! Field order is the struct declaration order in `plimsoll-model`, so it is stable; the layout
//! is documented in `docs/json-report.md` and versioned by `schema_version`.

use plimsoll_model::ScanReport;

use crate::ReportError;

pub(crate) fn render(report: &ScanReport) -> Result<Vec<u8>, ReportError> {
    let mut out = serde_json::to_vec_pretty(report)?;
    out.push(b'\n');
    Ok(out)
}
