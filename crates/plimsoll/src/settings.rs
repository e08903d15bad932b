//! Loading what a scan is configured with, from the files and names a door was given: the
//! advisory database, the secret rules, the misconfiguration rule settings and the policy. Each
//! door decides where the inputs come from (flags, a request, a stored profile) and calls these;
//! the resulting [`ScanOptions`](crate::ScanOptions) parts and [`Policy`] go to the `scan_*` calls.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use plimsoll_advisory::Database;
use plimsoll_lint::LintConfig;
use plimsoll_model::Severity;

use crate::policy::{IgnoreFile, Policy, VexDocument};
use crate::{Error, LayerCache, SecretOptions};

/// `<cache dir>/advisories.db`: where the database is when no path is given.
pub fn default_db_path() -> Option<PathBuf> {
    LayerCache::default_dir().map(|d| d.join("advisories.db"))
}

/// An opened advisory database, or why there is none, with warnings for the user.
pub struct Advisories {
    pub db: Option<Arc<Database>>,
    /// A stale database, or vulnerability scanning skipped because no database exists.
    pub warnings: Vec<String>,
}

/// Opens the advisory database at `path` (else [`default_db_path`]). A missing database is an
/// error when `required` (the user asked for it), else vulnerability scanning is skipped with a
/// warning. A database older than `max_age` gives a warning.
pub fn open_advisories(path: Option<PathBuf>, required: bool, max_age: Duration) -> Result<Advisories, Error> {
    let required = required || path.is_some();
    let path = path.or_else(default_db_path);
    match path.as_deref().filter(|p| p.exists()) {
        Some(p) => {
            let db = Database::open(p).map_err(|source| Error::OpenDatabase { path: p.to_owned(), source })?;
            let warnings = db
                .info()
                .ok()
                .and_then(|info| plimsoll_advisory::staleness_warning(&info, max_age, SystemTime::now()))
                .into_iter()
                .collect();
            Ok(Advisories { db: Some(Arc::new(db)), warnings })
        }
        None if required => Err(Error::NoDatabase { path }),
        None => Ok(Advisories {
            db: None,
            warnings: vec![
                "no advisory database found; vulnerability scanning skipped (see `plimsoll db build --help`)".into(),
            ],
        }),
    }
}

/// Whether a scan may fetch the advisory database itself, as Trivy does on its first run.
#[derive(Debug, Clone)]
pub enum DbUpdate {
    /// `--skip-db-update` / `--offline-scan`: use what exists, fetch nothing.
    Skip,
    /// Fetch the database into [`default_db_path`] when it is missing or older than the
    /// maximum age (only when no database path was given: a named file is the user's).
    WhenMissingOrStale(plimsoll_advisory::UpdateOptions),
}

/// What [`open_advisories_updating`] did about the database before opening it.
#[derive(Debug, Default)]
pub struct DbUpdateOutcome {
    /// The database was fetched into this path.
    pub updated: Option<PathBuf>,
    /// The fetch was needed and failed (the message, with its causes): the scan goes on with
    /// what exists and the gate states it (see `CoverageGate::db_update_error`).
    pub error: Option<String>,
}

/// As [`open_advisories`], after fetching the database into [`default_db_path`] first when no
/// `path` is given, `update` allows it, and the database there is missing or older than
/// `max_age`. `before_fetch` is called with the path and the base URL just before a fetch (the
/// CLI says where the database goes). A failed fetch is not an error here: the outcome carries
/// it and the database that exists (stale, or none) is used, so the gate fails closed on it;
/// when there is no database and the user asked for vulnerabilities by name, the error says
/// why the fetch failed.
pub fn open_advisories_updating(
    path: Option<PathBuf>,
    required: bool,
    max_age: Duration,
    update: &DbUpdate,
    before_fetch: &dyn Fn(&Path, &str),
) -> Result<(Advisories, DbUpdateOutcome), Error> {
    let mut outcome = DbUpdateOutcome::default();
    if let (None, DbUpdate::WhenMissingOrStale(opts), Some(target)) = (&path, update, default_db_path()) {
        if needs_update(&target, max_age) {
            before_fetch(&target, &opts.base_url);
            match plimsoll_advisory::update(opts, &target) {
                Ok(_) => outcome.updated = Some(target),
                Err(e) => outcome.error = Some(error_chain(&e)),
            }
        }
    }
    match open_advisories(path, required, max_age) {
        Err(Error::NoDatabase { path }) if outcome.error.is_some() => {
            Err(Error::DbUpdate { path, reason: outcome.error.unwrap_or_default() })
        }
        result => result.map(|a| (a, outcome)),
    }
}

/// A database that is absent, unreadable, or built more than `max_age` ago.
fn needs_update(path: &Path, max_age: Duration) -> bool {
    if !path.exists() {
        return true;
    }
    let info = Database::open(path).and_then(|db| db.info());
    !info.is_ok_and(|info| info.built_at_unix != 0 && info.age(SystemTime::now()) <= max_age)
}

/// `e` and its sources, `: `-separated (the gate states it in one line).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

/// The secret scanner: the built-in rules, or those a TOML configuration file adds, disables
/// and allows (see `docs/secrets.md`).
pub fn secret_options(config: Option<&Path>, reveal: bool, include_os_files: bool) -> Result<SecretOptions, Error> {
    let scanner = match config {
        Some(path) => {
            let err = |source| Error::SecretConfig { path: path.to_owned(), source };
            let cfg = plimsoll_secrets::ScanConfig::from_file(path).map_err(err)?;
            plimsoll_secrets::Scanner::new(&cfg).map_err(err)?
        }
        None => plimsoll_secrets::Scanner::builtin(),
    };
    Ok(SecretOptions { scanner: Arc::new(scanner), reveal, include_os_files })
}

/// The `[misconfig]` table of a rules settings file.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    misconfig: MisconfigSettings,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MisconfigSettings {
    #[serde(default)]
    disabled: Vec<String>,
    pss_version: Option<String>,
}

/// The misconfiguration rule settings: `rules_config` (else `.plimsoll.toml` in the current
/// directory, when present; TOML `[misconfig] disabled = [...]`, `pss_version = "v1.30"`), with
/// the `skip` codes disabled too.
pub fn lint_config(rules_config: Option<&Path>, skip: &[String]) -> Result<LintConfig, Error> {
    let default = Path::new(".plimsoll.toml");
    let path = match rules_config {
        Some(p) => Some(p),
        None if default.is_file() => Some(default),
        None => None,
    };
    let mut cfg = LintConfig::default();
    if let Some(path) = path {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.to_owned(), source })?;
        let file: RulesFile =
            toml::from_str(&text).map_err(|source| Error::RulesConfig { path: path.to_owned(), source })?;
        for code in &file.misconfig.disabled {
            if plimsoll_lint::rule(code).is_none() {
                return Err(Error::UnknownRule { path: path.to_owned(), code: code.clone() });
            }
            cfg = cfg.disable(code);
        }
        if let Some(v) = &file.misconfig.pss_version {
            let version = plimsoll_lint::k8s::pss::Version::parse(v)
                .ok_or_else(|| Error::PssVersion { path: path.to_owned(), value: v.clone() })?;
            cfg.pss_version = Some(version);
        }
    }
    for code in skip {
        // A typo would otherwise keep the rule on without a word.
        if plimsoll_lint::rule(code).is_none() {
            return Err(Error::UnknownSkippedRule { code: code.clone() });
        }
        cfg = cfg.disable(code);
    }
    Ok(cfg)
}

/// `UNKNOWN`, `LOW`, `MEDIUM`, `HIGH` or `CRITICAL`, in any case.
pub fn parse_severity(s: &str) -> Result<Severity, Error> {
    Ok(match s.trim().to_ascii_uppercase().as_str() {
        "UNKNOWN" => Severity::Unknown,
        "LOW" => Severity::Low,
        "MEDIUM" => Severity::Medium,
        "HIGH" => Severity::High,
        "CRITICAL" => Severity::Critical,
        other => return Err(Error::Severity(other.to_owned())),
    })
}

/// The policy: the ignore file (`ignorefile`, else `.plimsollignore`, else `.trivyignore` when
/// present), the VEX
/// documents, the severities to keep and whether to drop unfixed vulnerabilities.
pub fn policy(
    ignorefile: Option<PathBuf>,
    vex: &[PathBuf],
    severities: &[String],
    ignore_unfixed: bool,
) -> Result<Policy, Error> {
    let severities: std::collections::BTreeSet<Severity> =
        severities.iter().map(|s| parse_severity(s)).collect::<Result<_, _>>()?;
    // `.plimsollignore`, else Trivy's `.trivyignore` (what a Trivy user already has).
    let ignorefile =
        ignorefile.or_else(|| [".plimsollignore", ".trivyignore"].into_iter().map(PathBuf::from).find(|p| p.is_file()));
    let ignore = match ignorefile {
        Some(p) => Some(IgnoreFile::load(&p).map_err(|source| Error::IgnoreFile { path: p, source })?),
        None => None,
    };
    let vex = vex
        .iter()
        .map(|p| VexDocument::load(p).map_err(|source| Error::Vex { path: p.clone(), source }))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Policy { ignore, vex, severities: severities.into_iter().collect(), ignore_unfixed, ..Policy::default() })
}
