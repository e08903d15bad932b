//! Rendering a [`FleetScan`] (`plimsoll registry`): a table with one row per image and a summary
//! line, or a JSON array with one object per image (`{references, digest, manifest_digest,
//! status, error, counts, report}`).

use std::io;

use plimsoll_model::fleet::{FindingCounts, FleetScan};
use plimsoll_model::{Digest, ScanReport};
use serde::Serialize;

use crate::{Format, RenderOptions, ReportError};

/// One image in the JSON array.
#[derive(Serialize)]
struct JsonImage<'a> {
    references: &'a [String],
    digest: Option<&'a Digest>,
    manifest_digest: Option<&'a Digest>,
    status: &'static str,
    error: Option<&'a str>,
    counts: Option<&'a FindingCounts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<Option<&'a ScanReport>>,
}

/// Renders `scan` as a table (only `opts.color` is used) or as JSON; `counts_only` leaves each
/// image's `report` out of the JSON. Other formats are [`ReportError::UnsupportedFormat`].
pub fn render(
    scan: &FleetScan,
    format: Format,
    counts_only: bool,
    out: &mut dyn io::Write,
    opts: &RenderOptions,
) -> Result<(), ReportError> {
    let bytes = match format {
        Format::Json => {
            let items: Vec<JsonImage<'_>> = scan
                .images
                .iter()
                .map(|r| {
                    let ok = r.outcome.as_ref().ok();
                    JsonImage {
                        references: &r.references,
                        digest: r.digest.as_ref(),
                        manifest_digest: ok.map(|s| &s.manifest_digest),
                        status: if ok.is_some() { "ok" } else { "error" },
                        error: r.outcome.as_ref().err().map(String::as_str),
                        counts: ok.map(|s| &s.counts),
                        report: (!counts_only).then(|| ok.and_then(|s| s.report.as_ref())),
                    }
                })
                .collect();
            let mut b = serde_json::to_vec_pretty(&items)?;
            b.push(b'\n');
            b
        }
        Format::Table => table(scan, opts.color).into_bytes(),
        other => return Err(ReportError::UnsupportedFormat { format: other, what: "a registry summary" }),
    };
    out.write_all(&bytes)?;
    out.flush()?;
    Ok(())
}

/// `HOST: N images (T tags in R repositories): S scanned, F failed[; K skipped]`.
pub fn summary_line(scan: &FleetScan) -> String {
    let images = scan.images.iter().filter(|r| r.digest.is_some()).count();
    let ok = scan.images.iter().filter(|r| r.outcome.is_ok()).count();
    let failed = scan.images.len() - ok;
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut s = format!(
        "{}: {} ({} in {}): {ok} scanned, {failed} failed",
        scan.host,
        plural(images, "image", "images"),
        plural(scan.tags, "tag", "tags"),
        plural(scan.repositories, "repository", "repositories"),
    );
    if scan.skipped > 0 {
        s.push_str(&format!(
            "; {} skipped",
            plural(scan.skipped, "Cosign signature/attestation/SBOM tag", "Cosign signature/attestation/SBOM tags")
        ));
    }
    s
}

fn table(scan: &FleetScan, color: bool) -> String {
    let header: Vec<String> =
        ["IMAGE", "DIGEST", "PACKAGES", "VULNS C/H/M/L/U", "SECRETS", "MISCONFIG", "STATUS"].map(String::from).into();
    let cells: Vec<Vec<String>> = scan
        .images
        .iter()
        .map(|r| {
            let image =
                if r.tags.is_empty() { r.repository.clone() } else { format!("{}:{}", r.repository, r.tags.join(",")) };
            let digest = r.digest.as_ref().map_or("-", Digest::short).to_owned();
            match &r.outcome {
                Ok(s) => {
                    let c = &s.counts;
                    let vulns = c.vulnerabilities.as_ref().map_or_else(
                        || "-".to_owned(),
                        |v| format!("{}/{}/{}/{}/{}", v.critical, v.high, v.medium, v.low, v.unknown),
                    );
                    let (p, s, m) = (c.packages, c.secrets, c.misconfigurations);
                    vec![image, digest, p.to_string(), vulns, s.to_string(), m.to_string(), "ok".into()]
                }
                Err(e) => {
                    let dash = || "-".to_owned();
                    vec![image, digest, dash(), dash(), dash(), dash(), format!("error: {e}")]
                }
            }
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| cells.iter().chain(std::iter::once(&header)).map(|r| r.get(i).map_or(0, |c| c.chars().count())).max())
        .map(|w| w.unwrap_or(0))
        .collect();
    let last = header.len() - 1;
    let mut out = String::new();
    for (n, row) in std::iter::once(&header).chain(&cells).enumerate() {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            if i == last {
                // The status is last: no padding, red or green on a terminal.
                match (color && n > 0, cell.starts_with("error")) {
                    (false, _) => line.push_str(cell),
                    (true, error) => line.push_str(&format!("\x1b[{}m{cell}\x1b[0m", if error { 31 } else { 32 })),
                }
            } else {
                line.push_str(&format!("{cell:<width$}"));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&summary_line(scan));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use plimsoll_model::fleet::{FleetImage, FleetScanned, VulnCounts};

    fn scan() -> FleetScan {
        let d = Digest::sha256_from_bytes(&[7; 32]);
        FleetScan {
            host: "reg:5000".into(),
            repositories: 2,
            tags: 3,
            skipped: 1,
            images: vec![
                FleetImage {
                    repository: "team/app".into(),
                    tags: vec!["1".into(), "latest".into()],
                    references: vec!["reg:5000/team/app:1".into(), "reg:5000/team/app:latest".into()],
                    digest: Some(d.clone()),
                    outcome: Ok(FleetScanned {
                        manifest_digest: d,
                        counts: FindingCounts {
                            packages: 12,
                            vulnerabilities: Some(VulnCounts { critical: 1, high: 2, ..VulnCounts::default() }),
                            secrets: 0,
                            misconfigurations: 3,
                        },
                        gate_failed: true,
                        incomplete: false,
                        policy_warnings: Vec::new(),
                        report: None,
                    }),
                },
                FleetImage {
                    repository: "team/db".into(),
                    tags: vec!["2".into()],
                    references: vec!["reg:5000/team/db:2".into()],
                    digest: None,
                    outcome: Err("cannot resolve: refused".into()),
                },
            ],
        }
    }

    #[test]
    fn table_rows_and_summary() {
        let mut out = Vec::new();
        render(&scan(), Format::Table, false, &mut out, &RenderOptions::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("IMAGE") && lines[0].ends_with("STATUS"), "{text}");
        assert!(
            lines[1].starts_with("team/app:1,latest") && lines[1].contains("1/2/0/0/0") && lines[1].ends_with("ok")
        );
        assert!(lines[2].ends_with("error: cannot resolve: refused"), "{text}");
        assert_eq!(
            lines.last().copied(),
            Some("reg:5000: 1 image (3 tags in 2 repositories): 1 scanned, 1 failed; 1 Cosign signature/attestation/SBOM tag skipped")
        );
        assert!(!text.contains('\x1b'));
        let mut colored = Vec::new();
        render(
            &scan(),
            Format::Table,
            false,
            &mut colored,
            &RenderOptions { color: true, terminal_width: None, ..Default::default() },
        )
        .unwrap();
        assert!(String::from_utf8(colored).unwrap().contains("\x1b[32mok\x1b[0m"));
    }

    #[test]
    fn json_array_and_unsupported_formats() {
        let mut out = Vec::new();
        render(&scan(), Format::Json, true, &mut out, &RenderOptions::default()).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v[0]["status"], "ok");
        assert_eq!(v[0]["counts"]["vulnerabilities"]["high"], 2);
        assert!(v[0].get("report").is_none(), "counts only");
        assert_eq!(v[1]["error"], "cannot resolve: refused");
        let err = render(&scan(), Format::Sarif, false, &mut Vec::new(), &RenderOptions::default()).unwrap_err();
        assert!(matches!(err, ReportError::UnsupportedFormat { .. }));
    }
}
