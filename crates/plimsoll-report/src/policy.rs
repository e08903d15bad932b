//! The gate between findings and the report: ignore file, VEX documents and filters.
//!
//! [`apply`] takes a finished [`ScanReport`] and a [`Policy`] and
//! - moves findings matched by a live entry of the ignore file ([`IgnoreFile`], `.plimsollignore`)
//!   or by an OpenVEX `not_affected`/`fixed` statement ([`VexDocument`]) into
//!   [`ScanReport::suppressed`], with the reason, so that a suppression stays auditable;
//! - drops findings outside the requested severities, and unfixed vulnerabilities when asked;
//! - reports expired ignore entries (they stop applying) and entries that matched nothing, as
//!   cargo-deny does, so that stale exceptions get cleaned up;
//! - says whether anything is left, for `--exit-code`.
//!
//! Ignore entries and VEX statements are matched against every finding *before* the filters, so an
//! entry for a LOW vulnerability is not reported as unused just because this run asked for HIGH
//! only; only findings the filters keep are recorded as suppressed.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use plimsoll_model::purl::{self, Purl};
use plimsoll_model::vuln::{VulnStatus, Vulnerability};
use plimsoll_model::{
    Diagnostic, DiagnosticLevel, FindingKind, ScanReport, Severity, Suppressed, SuppressionSource, VexStatementInfo,
};
use serde::Deserialize;

/// Largest ignore file read: it is hand-written configuration.
pub const MAX_IGNORE_FILE_SIZE: u64 = 1024 * 1024;
/// Largest VEX document read.
pub const MAX_VEX_SIZE: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    #[error("cannot read {origin}")]
    Io {
        origin: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{origin}: {size} bytes, more than the {limit}-byte limit")]
    TooLarge { origin: String, size: u64, limit: u64 },
    #[error("{origin}: {reason}")]
    Invalid { origin: String, reason: String },
}

/// An ignore file's text: within the size limit and UTF-8.
fn ignore_file_text<'a>(origin: &str, bytes: &'a [u8]) -> Result<&'a str, PolicyError> {
    if bytes.len() as u64 > MAX_IGNORE_FILE_SIZE {
        return Err(PolicyError::TooLarge {
            origin: origin.to_owned(),
            size: bytes.len() as u64,
            limit: MAX_IGNORE_FILE_SIZE,
        });
    }
    std::str::from_utf8(bytes).map_err(|_| invalid(origin, "not UTF-8"))
}

fn invalid(origin: &str, reason: impl Into<String>) -> PolicyError {
    PolicyError::Invalid { origin: origin.to_owned(), reason: reason.into() }
}

fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, PolicyError> {
    use std::io::Read;
    let origin = path.display().to_string();
    let io = |source| PolicyError::Io { origin: origin.clone(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > limit {
        return Err(PolicyError::TooLarge { origin, size, limit });
    }
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(PolicyError::TooLarge { origin, size: bytes.len() as u64, limit });
    }
    Ok(bytes)
}

/// A calendar date (`YYYY-MM-DD`), for ignore-entry expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Today in UTC. `SOURCE_DATE_EPOCH` is deliberately not honoured: expiry is about the real
    /// date the gate runs on.
    pub fn today_utc() -> Date {
        let secs =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        Date::from_unix_days(secs.div_euclid(86_400))
    }

    /// Days since 1970-01-01 (Howard Hinnant's days-from-civil).
    pub fn unix_days(self) -> i64 {
        let (y, m, d) = (i64::from(self.year) - i64::from(self.month <= 2), i64::from(self.month), i64::from(self.day));
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Howard Hinnant's days-to-civil.
    fn from_unix_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl FromStr for Date {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a YYYY-MM-DD date");
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| {
            s.get(r).filter(|p| p.bytes().all(|c| c.is_ascii_digit())).and_then(|p| p.parse::<u32>().ok())
        };
        let (year, month, day) = (num(0..4).ok_or_else(bad)?, num(5..7).ok_or_else(bad)?, num(8..10).ok_or_else(bad)?);
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(bad()),
        };
        if day == 0 || day > days_in_month {
            return Err(bad());
        }
        Ok(Date { year: year as i32, month: month as u8, day: day as u8 })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One exception in the ignore file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreEntry {
    /// A vulnerability id (matched against the finding's id, aliases and related ids), a secret
    /// rule id or a misconfiguration rule code; compared case-insensitively.
    pub id: String,
    /// Only vulnerabilities of this package: a name, or a purl (qualifiers it leaves out are not
    /// compared, nor the version when it has none).
    pub package: Option<String>,
    /// Only findings in these files: globs (`*` within a path segment, `**` across segments, `?`
    /// one character) over the secret's path, the misconfiguration's file, or the vulnerable
    /// package's `found_in`.
    pub paths: Vec<String>,
    /// The entry applies *before* this date and stops applying on it.
    pub expires: Option<Date>,
    pub reason: String,
}

/// A parsed `.plimsollignore`.
///
/// ```yaml
/// ignore:
///   - id: CVE-2023-5678
///     package: openssl          # or pkg:apk/alpine/openssl
///     expires: 2026-06-30
///     reason: only reachable through DH parameter generation, which we never do
///   - id: aws-access-key-id
///     paths: ["test/fixtures/**"]
///     reason: documentation examples
/// ```
///
/// A bare list of entries (without `ignore:`) is accepted too. Unknown keys are errors, so a
/// misspelt `expire:` cannot silently make an exception permanent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreFile {
    /// The file name, for messages.
    pub origin: String,
    pub entries: Vec<IgnoreEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnoreFile {
    #[serde(default)]
    ignore: Vec<RawIgnoreEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnoreEntry {
    id: String,
    #[serde(default)]
    package: Option<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    expires: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

impl IgnoreFile {
    /// Reads and parses the ignore file at `path`: a file named `.trivyignore` (or ending so) in
    /// Trivy's plain format ([`IgnoreFile::parse_trivy`]), any other as YAML.
    pub fn load(path: &Path) -> Result<IgnoreFile, PolicyError> {
        let bytes = read_bounded(path, MAX_IGNORE_FILE_SIZE)?;
        let origin = path.display().to_string();
        let trivy = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".trivyignore"));
        if trivy {
            IgnoreFile::parse_trivy(&origin, &bytes)
        } else {
            IgnoreFile::parse(&origin, &bytes)
        }
    }

    /// Parses Trivy's `.trivyignore`, as Trivy users have them: one id per line (a
    /// vulnerability, a misconfiguration or a secret rule), `#` comments, and an optional
    /// ` exp:YYYY-MM-DD` after the id. The comment lines just above an id are its reason
    /// (as Trivy users annotate them), else the file is named as the reason.
    pub fn parse_trivy(origin: &str, bytes: &[u8]) -> Result<IgnoreFile, PolicyError> {
        let text = ignore_file_text(origin, bytes)?;
        let mut entries = Vec::new();
        let mut comment: Vec<&str> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                comment.clear();
                continue;
            }
            if let Some(c) = line.strip_prefix('#') {
                comment.push(c.trim());
                continue;
            }
            let mut words = line.split_whitespace();
            let id = words.next().unwrap_or_default().to_owned();
            let mut expires = None;
            for w in words {
                match w.strip_prefix("exp:") {
                    Some(d) => {
                        let date = d.parse::<Date>().map_err(|e| invalid(origin, format!("line {}: {e}", n + 1)))?;
                        expires = Some(date);
                    }
                    None => {
                        return Err(invalid(
                            origin,
                            format!(
                                "line {}: unexpected `{w}` after `{id}` (only `exp:YYYY-MM-DD` may follow an id)",
                                n + 1
                            ),
                        ))
                    }
                }
            }
            let reason = comment.iter().copied().filter(|c| !c.is_empty()).collect::<Vec<_>>().join(" ");
            let reason = if reason.is_empty() { format!("listed in {origin}") } else { reason };
            entries.push(IgnoreEntry { id, package: None, paths: Vec::new(), expires, reason });
            comment.clear();
        }
        Ok(IgnoreFile { origin: origin.to_owned(), entries })
    }

    /// Parses an ignore file; `origin` names it in errors and warnings.
    pub fn parse(origin: &str, bytes: &[u8]) -> Result<IgnoreFile, PolicyError> {
        let text = ignore_file_text(origin, bytes)?;
        let yaml_err = |e: serde_saphyr::Error| invalid(origin, format!("invalid ignore file: {e}"));
        // The first meaningful line decides between `ignore: [...]` and a bare list.
        let is_list = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#') && *l != "---")
            .is_some_and(|l| l == "-" || l.starts_with("- "));
        let raw = if text.trim().is_empty() {
            Vec::new()
        } else if is_list {
            serde_saphyr::from_str::<Vec<RawIgnoreEntry>>(text).map_err(yaml_err)?
        } else {
            serde_saphyr::from_str::<Option<RawIgnoreFile>>(text)
                .map_err(yaml_err)?
                .map(|f| f.ignore)
                .unwrap_or_default()
        };
        let entries = raw
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                let at = |reason: String| invalid(origin, format!("entry {} (`{}`): {reason}", i + 1, e.id));
                let id = e.id.trim().to_owned();
                if id.is_empty() {
                    return Err(invalid(origin, format!("entry {}: `id` is empty", i + 1)));
                }
                let reason = e.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
                let reason =
                    reason.ok_or_else(|| at("`reason` is required: say why the finding is acceptable".into()))?;
                let expires = e.expires.as_deref().map(|d| d.trim().parse::<Date>()).transpose().map_err(at)?;
                let package = e.package.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty());
                if let Some(p) = package.as_deref().filter(|p| p.starts_with("pkg:")) {
                    purl::parse(p).map_err(|err| at(err.to_string()))?;
                }
                Ok(IgnoreEntry { id, package, paths: e.paths, expires, reason: reason.to_owned() })
            })
            .collect::<Result<_, _>>()?;
        Ok(IgnoreFile { origin: origin.to_owned(), entries })
    }
}

/// An OpenVEX status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VexStatus {
    NotAffected,
    Affected,
    Fixed,
    UnderInvestigation,
}

impl VexStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VexStatus::NotAffected => "not_affected",
            VexStatus::Affected => "affected",
            VexStatus::Fixed => "fixed",
            VexStatus::UnderInvestigation => "under_investigation",
        }
    }

    /// Whether the statement takes the finding out of the report.
    pub fn suppresses(self) -> bool {
        matches!(self, VexStatus::NotAffected | VexStatus::Fixed)
    }
}

/// A product of a VEX statement: its identifiers, and the subcomponents the statement is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexProduct {
    /// `@id` and `identifiers.purl`, whichever are present.
    pub ids: Vec<String>,
    pub subcomponents: Vec<Vec<String>>,
}

/// One OpenVEX statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexStatement {
    /// `vulnerability.name`, `vulnerability.@id` and `vulnerability.aliases`.
    pub vulnerability: Vec<String>,
    pub products: Vec<VexProduct>,
    pub status: VexStatus,
    pub justification: Option<String>,
    pub impact_statement: Option<String>,
    pub action_statement: Option<String>,
    /// The statement's timestamp (else `last_updated`, else the document's), as Unix seconds;
    /// the latest statement about a vulnerability and product wins.
    pub timestamp: Option<i64>,
}

/// A parsed OpenVEX document (v0.2.0; the older v0.0.x string forms of `vulnerability` and
/// `products` are read too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexDocument {
    pub origin: String,
    pub statements: Vec<VexStatement>,
}

#[derive(Deserialize)]
struct RawVex {
    #[serde(rename = "@context")]
    context: Option<String>,
    timestamp: Option<String>,
    last_updated: Option<String>,
    statements: Option<Vec<RawStatement>>,
    #[serde(rename = "bomFormat")]
    bom_format: Option<String>,
}

#[derive(Deserialize)]
struct RawStatement {
    vulnerability: Option<RawVulnerability>,
    #[serde(default)]
    products: Vec<RawProduct>,
    status: String,
    justification: Option<String>,
    impact_statement: Option<String>,
    action_statement: Option<String>,
    timestamp: Option<String>,
    last_updated: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawVulnerability {
    Name(String),
    Object {
        name: Option<String>,
        #[serde(rename = "@id")]
        id: Option<String>,
        #[serde(default)]
        aliases: Vec<String>,
    },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawProduct {
    Id(String),
    Object {
        #[serde(rename = "@id")]
        id: Option<String>,
        identifiers: Option<RawIdentifiers>,
        #[serde(default)]
        subcomponents: Vec<RawSubcomponent>,
    },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawSubcomponent {
    Id(String),
    Object {
        #[serde(rename = "@id")]
        id: Option<String>,
        identifiers: Option<RawIdentifiers>,
    },
}

#[derive(Deserialize)]
struct RawIdentifiers {
    purl: Option<String>,
}

fn ids(id: Option<String>, identifiers: Option<RawIdentifiers>) -> Vec<String> {
    id.into_iter().chain(identifiers.and_then(|i| i.purl)).filter(|s| !s.trim().is_empty()).collect()
}

impl VexDocument {
    pub fn load(path: &Path) -> Result<VexDocument, PolicyError> {
        let bytes = read_bounded(path, MAX_VEX_SIZE)?;
        VexDocument::parse(&path.display().to_string(), &bytes)
    }

    pub fn parse(origin: &str, bytes: &[u8]) -> Result<VexDocument, PolicyError> {
        let raw: RawVex =
            serde_json::from_slice(bytes).map_err(|e| invalid(origin, format!("invalid OpenVEX JSON: {e}")))?;
        if raw.bom_format.is_some() {
            return Err(invalid(origin, "CycloneDX VEX is not read; give an OpenVEX document"));
        }
        if let Some(ctx) = raw.context.as_deref().filter(|c| !c.starts_with("https://openvex.dev/ns")) {
            return Err(invalid(origin, format!("`@context` `{ctx}` is not OpenVEX")));
        }
        let statements = raw.statements.ok_or_else(|| invalid(origin, "no `statements`: not an OpenVEX document"))?;
        let doc_time = raw.last_updated.as_deref().or(raw.timestamp.as_deref()).and_then(unix_seconds);
        let statements = statements
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let at = |reason: String| invalid(origin, format!("statement {}: {reason}", i + 1));
                let status = match s.status.as_str() {
                    "not_affected" => VexStatus::NotAffected,
                    "affected" => VexStatus::Affected,
                    "fixed" => VexStatus::Fixed,
                    "under_investigation" => VexStatus::UnderInvestigation,
                    other => return Err(at(format!("unknown status `{other}`"))),
                };
                let vulnerability: Vec<String> = match s.vulnerability {
                    Some(RawVulnerability::Name(n)) => vec![n],
                    Some(RawVulnerability::Object { name, id, aliases }) => {
                        name.into_iter().chain(id).chain(aliases).collect()
                    }
                    None => Vec::new(),
                };
                let vulnerability: Vec<String> =
                    vulnerability.into_iter().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).collect();
                if vulnerability.is_empty() {
                    return Err(at("no vulnerability name".into()));
                }
                let products = s
                    .products
                    .into_iter()
                    .map(|p| match p {
                        RawProduct::Id(id) => VexProduct { ids: vec![id], subcomponents: Vec::new() },
                        RawProduct::Object { id, identifiers, subcomponents } => VexProduct {
                            ids: ids(id, identifiers),
                            subcomponents: subcomponents
                                .into_iter()
                                .map(|s| match s {
                                    RawSubcomponent::Id(id) => vec![id],
                                    RawSubcomponent::Object { id, identifiers } => ids(id, identifiers),
                                })
                                .collect(),
                        },
                    })
                    .collect();
                let timestamp =
                    s.timestamp.as_deref().or(s.last_updated.as_deref()).and_then(unix_seconds).or(doc_time);
                Ok(VexStatement {
                    vulnerability,
                    products,
                    status,
                    justification: s.justification,
                    impact_statement: s.impact_statement,
                    action_statement: s.action_statement,
                    timestamp,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(VexDocument { origin: origin.to_owned(), statements })
    }
}

/// RFC 3339 date-time to Unix seconds (fractions dropped, offsets applied); `None` if malformed.
fn unix_seconds(s: &str) -> Option<i64> {
    let s = s.trim();
    let date: Date = s.get(..10)?.parse().ok()?;
    let rest = s.get(10..)?;
    if !rest.starts_with(['T', 't', ' ']) {
        return None;
    }
    let num =
        |r: std::ops::Range<usize>| rest.get(r).filter(|p| p.bytes().all(|c| c.is_ascii_digit()))?.parse::<i64>().ok();
    let (h, m, sec) = (num(1..3)?, num(4..6)?, num(7..9)?);
    let mut tz = rest.get(9..)?;
    if let Some(frac) = tz.strip_prefix('.') {
        tz = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match tz {
        "Z" | "z" => 0,
        _ => {
            let sign = match tz.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let n = |r: std::ops::Range<usize>| {
                tz.get(r).filter(|p| p.bytes().all(|c| c.is_ascii_digit()))?.parse::<i64>().ok()
            };
            if tz.len() != 6 {
                return None;
            }
            sign * (n(1..3)? * 3600 + n(4..6)? * 60)
        }
    };
    let days = date.unix_days();
    Some(days * 86_400 + h * 3600 + m * 60 + sec - offset)
}

/// What to apply. `Policy::default()` keeps everything.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub ignore: Option<IgnoreFile>,
    pub vex: Vec<VexDocument>,
    /// Severities to keep (`--severity`); empty keeps all. Applies to every kind of finding.
    pub severities: Vec<Severity>,
    /// Drop vulnerabilities without a fixed version (`--ignore-unfixed`).
    pub ignore_unfixed: bool,
    /// What the vulnerability scan must have covered for the gate to pass.
    pub coverage: CoverageGate,
}

/// Fail closed (issues 12 and 17): a report whose scanners did not look at everything they were
/// asked to cannot pass the gate as if they had. `CoverageGate::default()` expects no
/// vulnerability scan and sets no database age, but still fails on skipped files (the report
/// itself records those).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoverageGate {
    /// The vulnerability scanner was asked for: a report with packages but no
    /// `vulnerability_scan` (no database) was not checked.
    pub vulnerabilities_expected: bool,
    /// A database built more than this many days (UTC calendar days) before today is stale.
    pub max_db_age_days: Option<u64>,
    /// `--allow-uncovered`: a skipped scan or an uncovered OS release or ecosystem is stated but
    /// does not fail the gate.
    pub allow_uncovered: bool,
    /// `--allow-stale-db`: a stale database is stated but does not fail the gate.
    pub allow_stale_db: bool,
    /// `--allow-skipped-files`: files a scanner was asked to check but (partly) skipped at a
    /// limit (the report's error-level diagnostics: a lint limit, a package count over its cap)
    /// do not fail the gate.
    pub allow_skipped_files: bool,
    /// The scan had to fetch the advisory database (none, or a stale one) and the fetch
    /// failed: an error statement whatever the `allow_*` flags say, since the user did not opt
    /// out of the fetch (`--skip-db-update` does).
    pub db_update_error: Option<String>,
}

/// The result of [`apply`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PolicyOutcome {
    /// Expired ignore entries and entries that matched no finding, each naming the ignore file
    /// (in `path`) and the entry.
    pub warnings: Vec<Diagnostic>,
    /// Findings left in the report (vulnerabilities, secrets, misconfigurations): for
    /// `--exit-code`.
    pub failed: bool,
    /// How many findings the severity and unfixed filters dropped, ignored ones included (these
    /// are recorded nowhere).
    pub filtered: usize,
    /// What the vulnerability scan did not check (skipped, uncovered targets, stale database),
    /// one statement each: errors when they fail the gate, warnings when the policy allows them.
    pub coverage: Vec<Diagnostic>,
    /// Some statement of `coverage` fails the gate: the scan could not check everything.
    pub incomplete: bool,
}

/// Applies `policy` to `report` as of `today` (see the module docs).
pub fn apply(report: &mut ScanReport, policy: &Policy, today: Date) -> PolicyOutcome {
    let entries: &[IgnoreEntry] = policy.ignore.as_ref().map_or(&[], |f| &f.entries);
    let origin = policy.ignore.as_ref().map_or("", |f| f.origin.as_str());
    let live = |e: &IgnoreEntry| e.expires.is_none_or(|x| today < x);
    let mut hits = vec![0usize; entries.len()];
    let keep_severity = |s: Severity| policy.severities.is_empty() || policy.severities.contains(&s);
    let mut filtered = 0;
    let mut suppressed = Vec::new();

    let found_in: HashMap<&str, Vec<&str>> = report.packages.iter().fold(HashMap::new(), |mut m, p| {
        m.entry(p.purl.as_str()).or_default().push(p.found_in.as_str());
        m
    });
    let image = ImageIds::of(report);

    let vulns = std::mem::take(&mut report.vulnerabilities);
    for v in vulns {
        let shown = keep_severity(v.severity) && !(policy.ignore_unfixed && v.status == VulnStatus::Unfixed);
        let paths = found_in.get(v.purl.as_str()).map_or(&[][..], Vec::as_slice);
        let by_entry = first_live_match(entries, &mut hits, &live, |e| vuln_matches(e, &v, paths));
        let suppression = match by_entry {
            Some(i) => Some(Verdict::ignored(entries, i, origin)),
            None => vex_verdict(&policy.vex, &v, &image),
        };
        match (suppression, shown) {
            (Some(verdict), true) => suppressed.push(verdict.suppress(
                FindingKind::Vulnerability,
                v.id.clone(),
                Some((v.package_name.clone(), v.package_version.clone())),
                None,
                Some(Box::new(v)),
            )),
            (_, false) => filtered += 1,
            (None, true) => report.vulnerabilities.push(v),
        }
    }

    let secrets = std::mem::take(&mut report.secrets);
    for s in secrets {
        let by_entry = first_live_match(entries, &mut hits, &live, |e| {
            e.package.is_none() && e.id.eq_ignore_ascii_case(&s.rule_id) && paths_match(&e.paths, &[s.path.as_str()])
        });
        match (by_entry, keep_severity(s.severity)) {
            (Some(i), true) => suppressed.push(Verdict::ignored(entries, i, origin).suppress(
                FindingKind::Secret,
                s.rule_id.clone(),
                None,
                Some(s.path.clone()),
                None,
            )),
            (_, false) => filtered += 1,
            (None, true) => report.secrets.push(s),
        }
    }

    let misconfigs = std::mem::take(&mut report.misconfigurations);
    for m in misconfigs {
        let by_entry = first_live_match(entries, &mut hits, &live, |e| {
            e.package.is_none() && e.id.eq_ignore_ascii_case(&m.rule_id) && paths_match(&e.paths, &[m.file.as_str()])
        });
        match (by_entry, keep_severity(m.severity)) {
            (Some(i), true) => suppressed.push(Verdict::ignored(entries, i, origin).suppress(
                FindingKind::Misconfiguration,
                m.rule_id.clone(),
                None,
                Some(format!("{}:{}", m.file, m.line)),
                None,
            )),
            (_, false) => filtered += 1,
            (None, true) => report.misconfigurations.push(m),
        }
    }
    report.suppressed.extend(suppressed);

    let mut warnings = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let what = match &e.package {
            Some(p) => format!("entry {} (`{}`, package `{p}`)", i + 1, e.id),
            None => format!("entry {} (`{}`)", i + 1, e.id),
        };
        let message = match e.expires {
            Some(x) if !live(e) => {
                // Expired entries are still matched (below) to say whether they still matter.
                let n = count_matches(report, e, &found_in);
                format!(
                    "ignore {what} expired on {x} and no longer applies{}",
                    match n {
                        0 => "; it matches no finding either, remove it".to_owned(),
                        1 => "; 1 finding is reported again".to_owned(),
                        n => format!("; {n} findings are reported again"),
                    }
                )
            }
            _ if hits[i] == 0 => format!("ignore {what} matched no finding; remove it if it is no longer needed"),
            _ => continue,
        };
        warnings.push(Diagnostic {
            level: DiagnosticLevel::Warning,
            message,
            layer: None,
            path: Some(origin.to_owned()),
        });
    }

    let failed =
        !report.vulnerabilities.is_empty() || !report.secrets.is_empty() || !report.misconfigurations.is_empty();
    let coverage = coverage_statements(report, &policy.coverage, today);
    let incomplete = coverage.iter().any(|d| d.level == DiagnosticLevel::Error);
    PolicyOutcome { warnings, failed, filtered, coverage, incomplete }
}

/// What the vulnerability scan of `report` did not check, per [`CoverageGate`]: each statement an
/// error when it fails the gate, a warning when the gate allows it.
fn coverage_statements(report: &ScanReport, gate: &CoverageGate, today: Date) -> Vec<Diagnostic> {
    let statement = |allowed: bool, message: String, path: Option<String>| Diagnostic {
        level: if allowed { DiagnosticLevel::Warning } else { DiagnosticLevel::Error },
        message,
        layer: None,
        path,
    };
    let mut out = Vec::new();
    // Error-level diagnostics are files a scanner was asked to check and did not (fully): the
    // gate cannot pass on what was not looked at. Counted before this function adds its own.
    let skipped = report.diagnostics.iter().filter(|d| d.level == DiagnosticLevel::Error).count();
    if skipped > 0 && !gate.allow_skipped_files {
        out.push(statement(
            false,
            format!(
                "{skipped} {} not (fully) checked at a scanner limit (see the errors above; \
                 --allow-skipped-files accepts this)",
                if skipped == 1 { "file was" } else { "files were" }
            ),
            None,
        ));
    }
    if let Some(reason) = &gate.db_update_error {
        out.push(statement(
            false,
            format!(
                "cannot update the advisory database: {reason}; the scan used {} \
                 (--skip-db-update scans with what exists)",
                if report.vulnerability_scan.is_some() { "the existing database" } else { "no database" }
            ),
            None,
        ));
    }
    let Some(cov) = &report.vulnerability_scan else {
        // Nothing to look up means nothing was missed.
        if gate.vulnerabilities_expected && !report.packages.is_empty() {
            out.push(statement(
                gate.allow_uncovered,
                format!(
                    "vulnerability scan skipped: no advisory database; {} packages not checked \
                     (run `plimsoll db update` or pass --db; --allow-uncovered accepts this)",
                    report.packages.len()
                ),
                None,
            ));
        }
        return out;
    };
    let db = Some(cov.database.path.clone());
    for t in cov.uncovered() {
        let why = t.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
        out.push(statement(
            gate.allow_uncovered,
            format!(
                "{} not covered by the advisory database: {} of {} packages not checked{why} \
                 (--allow-uncovered accepts this)",
                t.name, t.packages_not_covered, t.packages
            ),
            db.clone(),
        ));
    }
    if let Some(max) = gate.max_db_age_days {
        let built = unix_seconds(&cov.database.built_at).map(|s| s.div_euclid(86_400));
        let age = built.map(|b| today.unix_days() - b);
        let message = match age {
            None => Some(format!(
                "advisory database has no valid build time (`{}`); its age is unknown \
                 (run `plimsoll db update`; --allow-stale-db accepts this)",
                cov.database.built_at
            )),
            Some(days) if days > i64::try_from(max).unwrap_or(i64::MAX) => Some(format!(
                "advisory database is stale: built {} ({days} days ago), more than --db-max-age {max} days \
                 (run `plimsoll db update`; --allow-stale-db accepts this)",
                cov.database.built_at
            )),
            Some(_) => None,
        };
        out.extend(message.map(|m| statement(gate.allow_stale_db, m, db.clone())));
    }
    out
}

/// The first live entry matching, counting a hit for every live entry that matches (so that an
/// entry shadowed by an earlier one is not reported as unused).
fn first_live_match(
    entries: &[IgnoreEntry],
    hits: &mut [usize],
    live: &dyn Fn(&IgnoreEntry) -> bool,
    matches: impl Fn(&IgnoreEntry) -> bool,
) -> Option<usize> {
    let mut first = None;
    for (i, e) in entries.iter().enumerate() {
        if live(e) && matches(e) {
            if let Some(h) = hits.get_mut(i) {
                *h += 1;
            }
            first = first.or(Some(i));
        }
    }
    first
}

/// Findings left in the report that an (expired) entry would match.
fn count_matches(report: &ScanReport, e: &IgnoreEntry, found_in: &HashMap<&str, Vec<&str>>) -> usize {
    let v = report
        .vulnerabilities
        .iter()
        .filter(|v| vuln_matches(e, v, found_in.get(v.purl.as_str()).map_or(&[][..], Vec::as_slice)))
        .count();
    if e.package.is_some() {
        return v;
    }
    let s = report
        .secrets
        .iter()
        .filter(|s| e.id.eq_ignore_ascii_case(&s.rule_id) && paths_match(&e.paths, &[s.path.as_str()]))
        .count();
    let m = report
        .misconfigurations
        .iter()
        .filter(|m| e.id.eq_ignore_ascii_case(&m.rule_id) && paths_match(&e.paths, &[m.file.as_str()]))
        .count();
    v + s + m
}

fn vuln_matches(e: &IgnoreEntry, v: &Vulnerability, found_in: &[&str]) -> bool {
    let id_matches =
        std::iter::once(&v.id).chain(&v.aliases).chain(&v.related).any(|id| id.eq_ignore_ascii_case(&e.id));
    id_matches
        && e.package.as_deref().is_none_or(|p| package_matches(p, v))
        && (e.paths.is_empty() || paths_match(&e.paths, found_in))
}

fn package_matches(want: &str, v: &Vulnerability) -> bool {
    if want.starts_with("pkg:") {
        return match (purl::parse(want), purl::parse(&v.purl)) {
            (Ok(w), Ok(have)) => purl_matches(&w, &have),
            _ => false,
        };
    }
    want == v.package_name
        || (v.package_kind == plimsoll_model::PackageKind::Python
            && purl::pep503_normalize(want) == purl::pep503_normalize(&v.package_name))
}

/// Whether the purl `want` (from a VEX document or an ignore entry) names the package `have`:
/// type, namespace and name equal, the version equal unless `want` has none, and every qualifier
/// `want` gives present with the same value (so a purl without qualifiers matches every arch and
/// distro).
pub fn purl_matches(want: &Purl, have: &Purl) -> bool {
    let name_eq = if want.ty == "pypi" {
        purl::pep503_normalize(&want.name) == purl::pep503_normalize(&have.name)
    } else {
        want.name == have.name
    };
    want.ty == have.ty
        && name_eq
        && want.namespace.as_deref().map(str::to_ascii_lowercase)
            == have.namespace.as_deref().map(str::to_ascii_lowercase)
        && want.version.as_ref().is_none_or(|v| Some(v) == have.version.as_ref())
        && want.qualifiers.iter().all(|(k, v)| have.qualifier(k) == Some(v.as_str()))
        && want.subpath.as_ref().is_none_or(|s| Some(s) == have.subpath.as_ref())
}

/// Whether any of `paths` matches any of the globs; no globs match everything.
fn paths_match(globs: &[String], paths: &[&str]) -> bool {
    globs.is_empty() || globs.iter().any(|g| paths.iter().any(|p| glob_match(g, p)))
}

fn normalize_path(p: &str) -> &str {
    let mut p = p.trim_start_matches('/');
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.trim_start_matches('/');
    }
    p
}

/// Glob matching over `/`-separated paths: `*` any run within a segment, `**` any run across
/// segments (`**/` also matches no directory at all), `?` one character other than `/`.
/// Dynamic programming over (pattern, text) positions: linear in their product, no backtracking.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Tok {
        Char(char),
        Any,
        Star,
        DoubleStar,
        DoubleStarSlash,
    }
    let pattern: Vec<char> = normalize_path(pattern).chars().collect();
    let text: Vec<char> = normalize_path(path).chars().collect();
    let mut toks = Vec::with_capacity(pattern.len());
    let mut i = 0;
    while let Some(&c) = pattern.get(i) {
        match c {
            '*' if pattern.get(i + 1) == Some(&'*') => {
                if pattern.get(i + 2) == Some(&'/') {
                    toks.push(Tok::DoubleStarSlash);
                    i += 3;
                } else {
                    toks.push(Tok::DoubleStar);
                    i += 2;
                }
                while pattern.get(i) == Some(&'*') {
                    i += 1;
                }
            }
            '*' => {
                toks.push(Tok::Star);
                i += 1;
            }
            '?' => {
                toks.push(Tok::Any);
                i += 1;
            }
            c => {
                toks.push(Tok::Char(c));
                i += 1;
            }
        }
    }
    // prev[j]: toks[..t] matches text[..j].
    let n = text.len();
    let mut prev = vec![false; n + 1];
    prev[0] = true;
    for tok in &toks {
        let mut cur = vec![false; n + 1];
        for j in 0..=n {
            cur[j] = match *tok {
                Tok::Char(c) => j > 0 && prev[j - 1] && text[j - 1] == c,
                Tok::Any => j > 0 && prev[j - 1] && text[j - 1] != '/',
                Tok::Star => prev[j] || (j > 0 && cur[j - 1] && text[j - 1] != '/'),
                Tok::DoubleStar => prev[j] || (j > 0 && cur[j - 1]),
                // Zero directories, or any run ending in `/`.
                Tok::DoubleStarSlash => prev[j] || (j > 0 && text[j - 1] == '/' && (0..j).any(|k| prev[k])),
            };
        }
        prev = cur;
    }
    prev[n]
}

/// What identifies the scanned image in a VEX product.
struct ImageIds {
    purl: Option<Purl>,
    digests: Vec<String>,
    name: String,
}

impl ImageIds {
    fn of(report: &ScanReport) -> ImageIds {
        let a = &report.artifact;
        ImageIds {
            purl: crate::ident::image_purl(a).and_then(|p| purl::parse(&p).ok()),
            digests: a.manifest_digest.iter().chain(&a.image_id).map(ToString::to_string).collect(),
            name: a.name.clone(),
        }
    }

    /// Whether a product id names the scanned image: an `oci` purl with its digest (or, without
    /// a version, its name), the bare digest, or the reference the user scanned.
    fn is_image(&self, id: &str) -> bool {
        if let Ok(p) = purl::parse(id) {
            return p.ty == "oci"
                && match &p.version {
                    Some(d) => self.digests.iter().any(|x| x == d),
                    None => self.purl.as_ref().is_some_and(|me| me.name.eq_ignore_ascii_case(&p.name)),
                };
        }
        self.digests.iter().any(|d| d == id) || (!self.name.is_empty() && self.name == id)
    }
}

/// Why a vulnerability finding is suppressed.
struct Verdict {
    source: SuppressionSource,
    reason: String,
    origin: String,
    expires: Option<Date>,
    vex: Option<VexStatementInfo>,
}

impl Verdict {
    /// Ignore-file entry `i` (of the file named `origin`) matched.
    fn ignored(entries: &[IgnoreEntry], i: usize, origin: &str) -> Verdict {
        Verdict {
            source: SuppressionSource::IgnoreFile,
            reason: entries[i].reason.clone(),
            origin: format!("{origin}: entry {}", i + 1),
            expires: entries[i].expires,
            vex: None,
        }
    }

    /// The record of the finding this verdict suppressed: `id` of `kind`, in a package (name,
    /// version) or at a path.
    fn suppress(
        self,
        kind: FindingKind,
        id: String,
        package: Option<(String, String)>,
        path: Option<String>,
        vulnerability: Option<Box<Vulnerability>>,
    ) -> Suppressed {
        let (package, package_version) = package.unzip();
        Suppressed {
            kind,
            id,
            package,
            package_version,
            path,
            source: self.source,
            reason: self.reason,
            origin: Some(self.origin),
            expires: self.expires.map(|d| d.to_string()),
            vex: self.vex,
            vulnerability,
        }
    }
}

/// The latest VEX statement about `v` (by timestamp, then document and statement order), as a
/// suppression if its status suppresses.
fn vex_verdict(docs: &[VexDocument], v: &Vulnerability, image: &ImageIds) -> Option<Verdict> {
    let pkg = purl::parse(&v.purl).ok();
    let names_vuln = |s: &VexStatement| {
        s.vulnerability.iter().any(|n| std::iter::once(&v.id).chain(&v.aliases).any(|id| id.eq_ignore_ascii_case(n)))
    };
    let names_pkg = |id: &str| match (&pkg, purl::parse(id)) {
        (Some(have), Ok(want)) => purl_matches(&want, have),
        _ => false,
    };
    let applies = |p: &VexProduct| {
        p.ids.iter().any(|id| names_pkg(id))
            || (p.ids.iter().any(|id| image.is_image(id))
                && (p.subcomponents.is_empty() || p.subcomponents.iter().any(|ids| ids.iter().any(|id| names_pkg(id)))))
    };
    let mut best: Option<(Option<i64>, &VexDocument, usize, &VexStatement)> = None;
    for doc in docs {
        for (i, s) in doc.statements.iter().enumerate() {
            if names_vuln(s) && s.products.iter().any(applies) && best.as_ref().is_none_or(|b| s.timestamp >= b.0) {
                best = Some((s.timestamp, doc, i, s));
            }
        }
    }
    let (_, doc, i, s) = best?;
    if !s.status.suppresses() {
        return None;
    }
    let mut reason = s.status.as_str().to_owned();
    let detail = match s.status {
        VexStatus::NotAffected => [s.justification.as_deref(), s.impact_statement.as_deref()],
        _ => [s.action_statement.as_deref(), None],
    };
    for d in detail.into_iter().flatten().map(str::trim).filter(|d| !d.is_empty()) {
        reason.push_str(": ");
        reason.push_str(d);
    }
    let trimmed = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    Some(Verdict {
        source: SuppressionSource::Vex,
        reason,
        origin: format!("{}: statement {}", doc.origin, i + 1),
        expires: None,
        vex: Some(VexStatementInfo {
            status: s.status.as_str().to_owned(),
            justification: trimmed(&s.justification),
            impact_statement: trimmed(&s.impact_statement),
            action_statement: trimmed(&s.action_statement),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("test/**", "test/a/b.txt"));
        assert!(glob_match("**/fixtures/*.pem", "src/x/fixtures/key.pem"));
        assert!(glob_match("**/fixtures/*.pem", "fixtures/key.pem"));
        assert!(!glob_match("**/fixtures/*.pem", "fixtures/sub/key.pem"));
        assert!(glob_match("/etc/*.conf", "etc/app.conf"));
        assert!(!glob_match("etc/*.conf", "etc/a/app.conf"));
        assert!(glob_match("a?c", "abc") && !glob_match("a?c", "a/c"));
        assert!(glob_match("*", "") && !glob_match("?", ""));
        // Pathological patterns stay polynomial.
        assert!(!glob_match(&"*a".repeat(50), &"a".repeat(49)));
    }

    #[test]
    fn dates_and_timestamps() {
        assert_eq!("2024-02-29".parse::<Date>().unwrap().to_string(), "2024-02-29");
        for bad in ["2023-02-29", "2024-13-01", "2024-1-01", "24-01-01", "2024-01-00", "２０２４-01-01"] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(19_782).to_string(), "2024-02-29");
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_seconds("2024-02-29T12:00:00.5+02:00"), Some(19_782 * 86_400 + 10 * 3600));
        assert_eq!(unix_seconds("2024-02-29"), None);
        for days in [0, 19_782, -1, 60, 59, 11_016] {
            assert_eq!(Date::from_unix_days(days).unix_days(), days);
        }
    }
}
