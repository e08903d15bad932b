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
