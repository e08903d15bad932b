//! The human-readable table, in the spirit of Trivy's: a header naming the artifact, the
//! package count, the vulnerabilities grouped by layer then package with a count per severity,
//! then secrets and misconfigurations; the packages grouped by the layer that introduced them
//! only when asked (`--list-all-pkgs`, [`PackageListing::All`]); then the scan's diagnostics.
//!
//! Every string taken from the image goes through [`crate::text::clean`] before it reaches the
//! terminal. The output is a list of sections ([`render`]); a new kind of finding is one more
//! section function.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use plimsoll_model::secret::SecretSource;
use plimsoll_model::vuln::{VulnStatus, Vulnerability};
use plimsoll_model::{ArtifactKind, DiagnosticLevel, Package, ScanReport, Severity};

use super::{kind_name, layer_from, layer_of, severity_name, Layer};
use crate::text::{clean, truncate, width};
use crate::{PackageListing, RenderOptions};

/// Width used to shorten Dockerfile steps when the terminal's is unknown.
const DEFAULT_WIDTH: usize = 100;
/// Narrowest a column is squeezed to when fitting the terminal.
const MIN_COLUMN: usize = 8;

pub(crate) fn render(report: &ScanReport, opts: &RenderOptions) -> String {
    let style = Style { color: opts.color };
    let line_width = opts.terminal_width.unwrap_or(DEFAULT_WIDTH).max(40);
    let mut out = String::new();
    header(&mut out, report, style, opts.packages != PackageListing::None);
    // Findings first, as Trivy's table; the package list only when asked for.
    if opts.packages == PackageListing::Summary {
        out.push('\n');
        match report.packages.is_empty() {
            true => out.push_str("No packages found.\n"),
            false => summary(&mut out, report, style),
        }
    }
    vulnerabilities(&mut out, report, style, line_width, opts.terminal_width);
    secrets(&mut out, report, style, opts.terminal_width);
    misconfigurations(&mut out, report, style, opts.terminal_width);
    if opts.packages == PackageListing::All {
        packages(&mut out, report, style, line_width, opts.terminal_width);
    }
    diagnostics(&mut out, report, style);
    if let Some(lines) = super::coverage_lines(report) {
        let _ = writeln!(out);
        for l in lines {
            let _ = writeln!(out, "{}", clean(&l));
        }
    }
    out
}

fn header(out: &mut String, report: &ScanReport, style: Style, inventory: bool) {
    let a = &report.artifact;
    let kind = match a.kind {
        ArtifactKind::ContainerImage => "container image",
        ArtifactKind::Filesystem => "filesystem",
        ArtifactKind::ContainerEngine => "container engine",
    };
    let mut rows: Vec<(&str, String)> = vec![("Artifact", format!("{} ({kind})", clean(&a.name)))];
    if let Some(id) = &a.image_id {
        rows.push(("Image ID", id.to_string()));
    }
    if let Some(d) = &a.manifest_digest {
        rows.push(("Digest", d.to_string()));
    }
    if !a.repo_tags.is_empty() {
        rows.push(("Tags", clean(&a.repo_tags.join(", "))));
    }
    if let Some(p) = &a.platform {
        rows.push(("Platform", clean(p)));
    }
    let os = match &report.os {
        Some(os) => clean(&match (&os.pretty_name, &os.version_id) {
            (Some(pretty), _) => pretty.clone(),
            (None, Some(v)) => format!("{} {v}", os.id),
            (None, None) => os.id.clone(),
        }),
        None => "unknown".to_owned(),
    };
    if inventory {
        rows.push(("OS", os));
    }
    for (label, value) in rows {
        let _ = writeln!(out, "{}  {value}", style.bold(&format!("{:<9}", format!("{label}:"))));
    }
}

fn packages(out: &mut String, report: &ScanReport, style: Style, line_width: usize, fit: Option<usize>) {
    out.push('\n');
    if report.packages.is_empty() {
        let _ = writeln!(out, "No packages found.");
        return;
    }
    let mut groups: BTreeMap<Option<usize>, Vec<&Package>> = BTreeMap::new();
    for p in &report.packages {
        groups.entry(p.layer.as_ref().map(|l| l.index)).or_default().push(p);
    }
    let only_unlayered = groups.len() == 1 && groups.contains_key(&None);
    for (index, mut pkgs) in groups {
        pkgs.sort_by(|a, b| (&a.name, &a.version, a.kind).cmp(&(&b.name, &b.version, b.kind)));
        let title = match pkgs.first().and_then(|p| layer_of(report, p)).filter(|_| index.is_some()) {
            Some(layer) => layer_title(&layer, line_width),
            None if only_unlayered => "Packages".to_owned(),
            None => "Packages not tied to a layer".to_owned(),
        };
        let _ = writeln!(out, "{}", style.cyan(&title));
        let rows: Vec<Vec<String>> = pkgs.iter().map(|p| package_row(p)).collect();
        table(out, PACKAGE_HEADERS, &rows, style, fit, |_, cell| cell.to_owned());
        out.push('\n');
    }
    summary(out, report, style);
}

/// `Layer N sha256:0123456789ab (STEP)`, the step shortened to fit `line_width`.
fn layer_title(layer: &Layer<'_>, line_width: usize) -> String {
    let mut t = format!("Layer {}", layer.index);
    if let Some(d) = layer.diff_id.or(layer.digest) {
        let _ = write!(t, " {}:{}", d.algorithm(), d.short());
    }
    if let Some(step) = layer.created_by.map(dockerfile_step).filter(|s| !s.is_empty()) {
        // Room left on the line for "(…)".
        let room = line_width.saturating_sub(width(&t) + 3).max(10);
        let _ = write!(t, " ({})", truncate(&step, room));
    }
    t
}

/// A history entry's `created_by` as the Dockerfile step it was: the classic builder's
/// `/bin/sh -c #(nop) ` and `/bin/sh -c ` prefixes and BuildKit's `# buildkit` suffix removed,
/// whitespace runs collapsed.
pub(crate) fn dockerfile_step(created_by: &str) -> String {
    let s = created_by.trim();
    let s = s.strip_suffix("# buildkit").unwrap_or(s).trim_end();
    let step = if let Some(rest) = s.strip_prefix("RUN /bin/sh -c ") {
        format!("RUN {}", rest.trim())
    } else if let Some(rest) = s.strip_prefix("/bin/sh -c ") {
        match rest.trim_start().strip_prefix("#(nop)") {
            Some(instr) => instr.trim().to_owned(),
            None => format!("RUN {}", rest.trim()),
        }
    } else {
        s.to_owned()
    };
    clean(&step).split_whitespace().collect::<Vec<_>>().join(" ")
}

const PACKAGE_HEADERS: &[&str] = &["Package", "Version", "Arch", "Type", "Source"];

fn package_row(p: &Package) -> Vec<String> {
    // The source column only says something the row does not already say.
    let source = match (&p.source_name, &p.source_version) {
        (Some(n), Some(v)) if *n != p.name || *v != p.version => format!("{n} {v}"),
        (Some(n), None) if *n != p.name => n.clone(),
        (None, Some(v)) if *v != p.version => v.clone(),
        _ => String::new(),
    };
    vec![clean(&p.name), clean(&p.version), clean(p.arch.as_deref().unwrap_or("")), kind_name(p.kind), clean(&source)]
}

/// A boxed table with aligned columns. Cells must already be [`clean`]; `paint` styles a cell
/// (by column index) after its width was measured, so escape codes never skew the alignment.
fn table(
    out: &mut String,
    headers: &[&str],
    rows: &[Vec<String>],
    style: Style,
    fit: Option<usize>,
    paint: impl Fn(usize, &str) -> String,
) {
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(width(cell));
        }
    }
    if let Some(limit) = fit {
        shrink(&mut widths, limit);
    }
    let line = |l: char, m: char, r: char| {
        let mut s = String::from(l);
        for (i, w) in widths.iter().enumerate() {
            s.push_str(&"─".repeat(w + 2));
            s.push(if i + 1 == widths.len() { r } else { m });
        }
        s
    };
    let cells = |cells: &mut dyn Iterator<Item = &str>, header: bool| {
        let mut s = String::from("│");
        for (i, (cell, w)) in cells.zip(&widths).enumerate() {
            let cell = truncate(cell, *w);
            let pad = " ".repeat(w - width(&cell));
            let cell = if header { style.bold(&cell) } else { paint(i, &cell) };
            let _ = write!(s, " {cell}{pad} │");
        }
        s
    };
    let _ = writeln!(out, "{}", line('┌', '┬', '┐'));
    let _ = writeln!(out, "{}", cells(&mut headers.iter().copied(), true));
    let _ = writeln!(out, "{}", line('├', '┼', '┤'));
    for r in rows {
        let _ = writeln!(out, "{}", cells(&mut r.iter().map(String::as_str), false));
    }
    let _ = writeln!(out, "{}", line('└', '┴', '┘'));
}

/// Narrows the widest columns one at a time until the table (borders included) fits `limit`
/// or every column is at its minimum.
fn shrink(widths: &mut [usize], limit: usize) {
    // "│ " before each cell, " │" after the last: 3 columns per cell plus one.
    let total = |w: &[usize]| w.iter().sum::<usize>() + 3 * w.len() + 1;
    while total(widths) > limit {
        let Some((i, w)) = widths.iter().copied().enumerate().max_by_key(|(_, w)| *w) else { return };
        if w <= MIN_COLUMN {
            return;
        }
        widths[i] = w - 1;
    }
}

fn summary(out: &mut String, report: &ScanReport, style: Style) {
    let mut by_kind = BTreeMap::new();
    for p in &report.packages {
        *by_kind.entry(p.kind).or_insert(0usize) += 1;
    }
    let n = report.packages.len();
    let kinds: Vec<String> = by_kind.iter().map(|(k, c)| format!("{c} {}", kind_name(*k))).collect();
    let noun = if n == 1 { "package" } else { "packages" };
    let _ = writeln!(out, "{}", style.bold(&format!("Total: {n} {noun} ({})", kinds.join(", "))));
}

const VULN_HEADERS: &[&str] = &["Package", "Vulnerability", "Severity", "Installed", "Fixed", "Title"];
/// Titles are cut to this many columns even when the terminal is wide (Trivy does the same).
const TITLE_WIDTH: usize = 50;

/// Vulnerabilities under the layer that introduced the package, packages in name order, each
/// package's findings most severe first. The package name is printed on its first row only.
fn vulnerabilities(out: &mut String, report: &ScanReport, style: Style, line_width: usize, fit: Option<usize>) {
    if report.vulnerabilities.is_empty() {
        // Nothing to say, and "Total: 0" would claim a vulnerability scan that may not have run.
        return;
    }
    let _ = writeln!(out, "\n{}", style.bold(&format!("Vulnerabilities ({}):", report.vulnerabilities.len())));
    let _ = writeln!(out, "{}", style.bold(&severity_summary(report.vulnerabilities.iter().map(|v| v.severity))));
    let mut groups: BTreeMap<Option<usize>, Vec<&Vulnerability>> = BTreeMap::new();
    for v in &report.vulnerabilities {
        groups.entry(v.layer.as_ref().map(|l| l.index)).or_default().push(v);
    }
    let only_unlayered = groups.len() == 1 && groups.contains_key(&None);
    for (index, mut found) in groups {
        found.sort_by(|a, b| {
            (&a.package_name, &a.package_version, a.package_kind, std::cmp::Reverse(a.severity), &a.id).cmp(&(
                &b.package_name,
                &b.package_version,
                b.package_kind,
                std::cmp::Reverse(b.severity),
                &b.id,
            ))
        });
        let title = match found.first().and_then(|v| layer_from(report, v.layer.as_ref())).filter(|_| index.is_some()) {
            Some(layer) => layer_title(&layer, line_width),
            None if only_unlayered => "Packages".to_owned(),
            None => "Packages not tied to a layer".to_owned(),
        };
        let _ = writeln!(out, "{}", style.cyan(&title));
        // A terminal too narrow for six columns loses the title rather than every column at once.
        let columns = if fit.is_some_and(|w| w < VULN_HEADERS.len() * (MIN_COLUMN + 3) + 1) {
            VULN_HEADERS.len() - 1
        } else {
            VULN_HEADERS.len()
        };
        let mut previous: Option<(&str, &str)> = None;
        let rows: Vec<Vec<String>> = found
            .iter()
            .map(|v| {
                let this = (v.package_name.as_str(), v.package_version.as_str());
                let package = if previous == Some(this) { String::new() } else { clean(&v.package_name) };
                previous = Some(this);
                let mut row = vuln_row(v, package);
                row.truncate(columns);
                row
            })
            .collect();
        table(out, &VULN_HEADERS[..columns], &rows, style, fit, |col, cell| {
            if col == 2 {
                style.severity(cell)
            } else {
                cell.to_owned()
            }
        });
    }
}

fn vuln_row(v: &Vulnerability, package: String) -> Vec<String> {
    let id = match v.aliases.split_first() {
        None => v.id.clone(),
        Some((first, [])) => format!("{} ({first})", v.id),
        Some((first, rest)) => format!("{} ({first}, +{})", v.id, rest.len()),
    };
    let fixed = match (&v.fixed_version, v.status) {
        (Some(f), _) => f.clone(),
        (None, VulnStatus::Unfixed) => "unfixed".to_owned(),
        (None, VulnStatus::Fixed) => String::new(),
    };
    let title = v.title.as_deref().or(v.description.as_deref()).unwrap_or("");
    vec![
        package,
        clean(&id),
        severity_name(v.severity),
        clean(&v.package_version),
        clean(&fixed),
        truncate(&clean(title), TITLE_WIDTH),
    ]
}

/// `Total: N (UNKNOWN: a, LOW: b, MEDIUM: c, HIGH: d, CRITICAL: e)`, every severity listed.
fn severity_summary(severities: impl Iterator<Item = Severity>) -> String {
    let all = [Severity::Unknown, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];
    let mut counts = [0usize; 5];
    for s in severities {
        if let Some(i) = all.iter().position(|x| *x == s) {
            counts[i] += 1;
        }
    }
    let parts: Vec<String> = all.iter().zip(counts).map(|(s, n)| format!("{}: {n}", severity_name(*s))).collect();
    format!("Total: {} ({})", counts.iter().sum::<usize>(), parts.join(", "))
}

const SECRET_HEADERS: &[&str] = &["Severity", "Rule", "Location", "Match", "Layer"];

/// Secrets, most severe first. Only the masked form is ever printed, even when the report holds
/// the revealed secret: a terminal is the wrong place for it (`--format json` has it).
fn secrets(out: &mut String, report: &ScanReport, style: Style, fit: Option<usize>) {
    if report.secrets.is_empty() {
        return;
    }
    let mut found: Vec<_> = report.secrets.iter().collect();
    found.sort_by(|a, b| b.severity.cmp(&a.severity).then((&a.path, a.line).cmp(&(&b.path, b.line))));
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|f| {
            let location = match f.source {
                SecretSource::File => format!("{}:{}:{}", f.path, f.line, f.column),
                _ => format!("image config {}", f.path),
            };
            let layer = match (&f.layer, f.hidden_by_layer) {
                (Some(l), Some(h)) => format!("{} (removed in {h})", l.index),
                (Some(l), None) => l.index.to_string(),
                (None, _) => String::new(),
            };
            vec![severity_name(f.severity), clean(&f.rule_id), clean(&location), clean(&f.masked), layer]
        })
        .collect();
    let _ = writeln!(out, "\n{}", style.bold(&format!("Secrets ({}):", rows.len())));
    table(
        out,
        SECRET_HEADERS,
        &rows,
        style,
        fit,
        |col, cell| if col == 0 { style.severity(cell) } else { cell.to_owned() },
    );
}

const MISCONFIG_HEADERS: &[&str] = &["Severity", "Rule", "Location", "Message", "Layer"];

/// Misconfigurations, most severe first. The layer column (the layer that added a configuration
/// file found inside an image) is shown only when some finding has one.
fn misconfigurations(out: &mut String, report: &ScanReport, style: Style, fit: Option<usize>) {
    if report.misconfigurations.is_empty() {
        return;
    }
    let mut found: Vec<_> = report.misconfigurations.iter().collect();
    found.sort_by(|a, b| b.severity.cmp(&a.severity).then((&a.file, a.line).cmp(&(&b.file, b.line))));
    let layered = found.iter().any(|m| m.layer.is_some());
    let columns = if layered { MISCONFIG_HEADERS.len() } else { MISCONFIG_HEADERS.len() - 1 };
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|m| {
            let mut location = if m.line > 0 { format!("{}:{}", m.file, m.line) } else { m.file.clone() };
            if let Some(r) = &m.resource {
                let _ = write!(location, " ({r})");
            }
            let layer = m.layer.as_ref().map(|l| l.index.to_string()).unwrap_or_default();
            let mut row =
                vec![severity_name(m.severity), clean(&m.rule_id), clean(&location), clean(&m.message), layer];
            row.truncate(columns);
            row
        })
        .collect();
    let _ = writeln!(out, "\n{}", style.bold(&format!("Misconfigurations ({}):", rows.len())));
    table(out, &MISCONFIG_HEADERS[..columns], &rows, style, fit, |col, cell| {
        if col == 0 {
            style.severity(cell)
        } else {
            cell.to_owned()
        }
    });
}

fn diagnostics(out: &mut String, report: &ScanReport, style: Style) {
    if report.diagnostics.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{}", style.bold(&format!("Diagnostics ({}):", report.diagnostics.len())));
    for d in &report.diagnostics {
        let level = match d.level {
            DiagnosticLevel::Warning => style.yellow("warning"),
            DiagnosticLevel::Error => style.red("error"),
        };
        let mut wher = Vec::new();
        if let Some(l) = d.layer {
            wher.push(format!("layer {l}"));
        }
        if let Some(p) = &d.path {
            wher.push(clean(p));
        }
        let wher = if wher.is_empty() { String::new() } else { format!(" ({})", wher.join(", ")) };
        let _ = writeln!(out, "  {level}: {}{wher}", clean(&d.message));
    }
}

/// ANSI styling, or none.
#[derive(Clone, Copy)]
struct Style {
    color: bool,
}

impl Style {
    fn paint(self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }
    fn cyan(self, s: &str) -> String {
        self.paint("36", s)
    }
    fn yellow(self, s: &str) -> String {
        self.paint("33", s)
    }
    fn red(self, s: &str) -> String {
        self.paint("31", s)
    }
    /// Trivy's colours: CRITICAL bold red, HIGH red, MEDIUM yellow, LOW blue.
    fn severity(self, s: &str) -> String {
        match s.trim_end() {
            "CRITICAL" => self.paint("1;31", s),
            "HIGH" => self.red(s),
            "MEDIUM" => self.yellow(s),
            "LOW" => self.paint("34", s),
            _ => s.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_steps() {
        assert_eq!(dockerfile_step("/bin/sh -c #(nop) ADD file:abc in / "), "ADD file:abc in /");
        assert_eq!(dockerfile_step("/bin/sh -c #(nop)  CMD [\"bash\"]"), "CMD [\"bash\"]");
        assert_eq!(
            dockerfile_step("/bin/sh -c apt-get update &&     apt-get install -y curl"),
            "RUN apt-get update && apt-get install -y curl"
        );
        assert_eq!(dockerfile_step("RUN /bin/sh -c apk add --no-cache curl # buildkit"), "RUN apk add --no-cache curl");
        assert_eq!(dockerfile_step("RUN |2 A=1 B=2 /bin/sh -c make"), "RUN |2 A=1 B=2 /bin/sh -c make");
        assert_eq!(dockerfile_step("COPY app /app\n\u{1b}[2J"), "COPY app /app \u{FFFD}[2J");
    }

    #[test]
    fn shrinking_stops_at_the_minimum() {
        let mut w = vec![30, 20, 5, 4, 20];
        shrink(&mut w, 60);
        assert!(w.iter().sum::<usize>() + 16 <= 60, "{w:?}");
        let mut w = vec![30, 20, 5, 4, 20];
        shrink(&mut w, 10);
        assert_eq!(w, [8, 8, 5, 4, 8]);
    }
}
