//! Rendering a [`plimsoll_model::ScanReport`] for people and for other tools.
//!
//! [`render`] writes one report in one [`Format`]:
//! - [`Format::Table`]: aligned text for a terminal, packages grouped by the layer that introduced
//!   them (`format/table.rs`);
//! - [`Format::Json`]: the report itself, the stable layout documented in `docs/json-report.md`
//!   (`format/json.rs`);
//! - [`Format::CycloneDx`]: a CycloneDX 1.6 JSON BOM (`format/cyclonedx.rs`);
//! - [`Format::SpdxJson`]: an SPDX 2.3 JSON document (`format/spdx.rs`);
//! - [`Format::Sarif`]: SARIF 2.1.0 for code-scanning services, every finding a result
//!   (`format/sarif.rs`);
//! - [`Format::Junit`]: JUnit XML for CI test reports, every finding a failed test case
//!   (`format/junit.rs`);
//! - [`Format::Html`]: one self-contained HTML page with the per-layer chart and sortable tables,
//!   for CI artifacts (`format/html.rs`).
//!
//! No format ever prints a revealed secret (`SecretFinding::secret`) except JSON, which is the
//! report itself; the others show the masked form only.
//!
//! Each format builds its whole output in memory and writes it with one `write_all`, so an I/O
//! error (a closed pipe) surfaces as a plain [`std::io::Error`] in [`ReportError::Io`] and a
//! failed render never leaves half a JSON document behind. Adding a format is one file under
//! `format/` plus one [`Format`] variant; adding a kind of finding to the report is one section
//! per format file.
//!
//! [`fleet::render`] writes the summary of a registry-wide scan (a table or a JSON array).
//!
//! [`enrich_cyclonedx`] writes the CycloneDX vulnerabilities into an existing CycloneDX document
//! instead, keeping its components and their `bom-ref`s (`plimsoll sbom`).
//!
//! The SBOM formats are deterministic: identifiers that must be unique (the CycloneDX serial
//! number, the SPDX document namespace) are derived from a hash of the report, which already
//! carries its creation time, so the same scan renders to the same bytes.

pub mod fleet;
mod format;
mod ident;
mod license;
pub mod policy;
mod text;
mod time;

use std::fmt;
use std::io;
use std::str::FromStr;

use plimsoll_model::ScanReport;

/// An output format. The names are Trivy's (`--format table|json|cyclonedx|spdx-json|sarif|junit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Table,
    Json,
    CycloneDx,
    SpdxJson,
    Sarif,
    Junit,
    Html,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: &[Format] =
        &[Format::Table, Format::Json, Format::CycloneDx, Format::SpdxJson, Format::Sarif, Format::Junit, Format::Html];

    /// The name the command line accepts.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::CycloneDx => "cyclonedx",
            Format::SpdxJson => "spdx-json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Html => "html",
        }
    }

    /// True for the formats meant for machines (the CLI never colours them).
    pub fn is_machine_readable(self) -> bool {
        !matches!(self, Format::Table)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of parsing a format name; its message lists the valid ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{given}` (valid formats: {})", valid_names())]
pub struct UnknownFormat {
    pub given: String,
}

fn valid_names() -> String {
    Format::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL.iter().copied().find(|f| f.name() == s).ok_or_else(|| UnknownFormat { given: s.to_owned() })
    }
}

/// How to render. Only the table uses these; the machine formats ignore them.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// Emit ANSI colours. The CLI decides (terminal, `NO_COLOR`, `--color`).
    pub color: bool,
    /// Fit the table into this many columns by shortening the widest cells; `None` never
    /// shortens package columns.
    pub terminal_width: Option<usize>,
    /// What the table says about packages.
    pub packages: PackageListing,
}

/// What the table says about the package inventory (machine formats always carry it whole).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum PackageListing {
    /// After the findings, every package grouped by layer (`--list-all-pkgs`).
    #[default]
    All,
    /// One line with the count per type, as Trivy lists packages only when asked.
    Summary,
    /// Nothing, and no OS line: a scan without an inventory (`plimsoll config`).
    None,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Writing the rendered report failed (e.g. the reader of a pipe went away).
    #[error("cannot write the report")]
    Io(#[from] io::Error),
    #[error("cannot serialize the report as JSON")]
    Json(#[from] serde_json::Error),
    /// `created_at` is not an RFC 3339 date-time; SPDX and CycloneDX need a valid one.
    #[error("the report's creation time `{value}` is not an RFC 3339 date-time")]
    BadTimestamp { value: String },
    /// [`enrich_cyclonedx`] cannot write into this document (not CycloneDX 1.4 or later, or the
    /// component locations do not fit it); nothing was written.
    #[error("cannot add vulnerabilities to this CycloneDX document: {reason}")]
    CannotEnrich { reason: String },
    /// This format cannot render `what` (a registry summary is a table or JSON).
    #[error("{what} is rendered as table or json, not {format}")]
    UnsupportedFormat { format: Format, what: &'static str },
}

/// Renders `report` as `format` into `out`.
///
/// The output is built in memory first and written with a single `write_all` followed by a
/// flush. JSON formats end with a newline.
pub fn render(
    report: &ScanReport,
    format: Format,
    out: &mut dyn io::Write,
    opts: &RenderOptions,
) -> Result<(), ReportError> {
    let bytes = match format {
        Format::Table => format::table::render(report, opts).into_bytes(),
        Format::Json => format::json::render(report)?,
        Format::CycloneDx => format::cyclonedx::render(report)?,
        Format::SpdxJson => format::spdx::render(report)?,
        Format::Sarif => format::sarif::render(report)?,
        Format::Junit => format::junit::render(report).into_bytes(),
        Format::Html => format::html::render(report).into_bytes(),
    };
    out.write_all(&bytes)?;
    out.flush()?;
    Ok(())
}

/// Writes `report`'s vulnerability findings (reported and suppressed, as [`Format::CycloneDx`]
/// renders them) into `bom`, the CycloneDX 1.4+ JSON document its packages were read from, and
/// writes the result to `out`. Everything else in the document is kept (see the crate's
/// `format/cyclonedx.rs` for the few fields a producer updates: `version`, `metadata.timestamp`,
/// `metadata.tools`, and a `bom-ref` for an affected component that had none).
///
/// `component_pointers[i]` is the JSON Pointer (RFC 6901) of the component `report.packages[i]`
/// was read from; `affects` names that component by its own `bom-ref`. On
/// [`ReportError::CannotEnrich`] nothing has been written, and the caller can fall back to
/// [`render`].
pub fn enrich_cyclonedx(
    bom: serde_json::Value,
    report: &ScanReport,
    component_pointers: &[String],
    out: &mut dyn io::Write,
) -> Result<(), ReportError> {
    let bytes = format::cyclonedx::enrich(bom, report, component_pointers)?;
    out.write_all(&bytes)?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>().unwrap(), *f);
            assert_eq!(f.to_string(), f.name());
        }
        let mut names: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Format::ALL.len());
    }

    #[test]
    fn unknown_format_lists_valid_ones() {
        let err = "spdx".parse::<Format>().unwrap_err();
        assert_eq!(err.given, "spdx");
        assert_eq!(
            err.to_string(),
            "unknown format `spdx` (valid formats: table, json, cyclonedx, spdx-json, sarif, junit, html)"
        );
        assert!("JSON".parse::<Format>().is_err(), "names are case-sensitive, as Trivy's are");
    }
}
