//! The plimsoll fleet server (`plimsoll server`): a door like the admission webhook, depending on
//! the facade only.
//!
//! - [`store`]: the [`store::Store`] trait and its SQLite implementation: images by digest, each
//!   layer's inventory stored once by `diff_id`, references, findings with `first_seen` and
//!   `fixed_at`, workloads, hashed tokens, the audit log; versioned migrations at start.
//! - [`matcher`]: ingest (a `plimsoll image -f json` report split into layers) and re-matching of
//!   stored inventories through [`plimsoll::match_vulnerabilities`], each layer once; the
//!   advisory database file is watched and a change re-matches everything.
//! - [`api`]: the JSON API under `/api/v1` (documented in `openapi.yaml`) and the web page.
//! - [`auth`], [`notify`] (HMAC-signed webhooks), [`serve`] (HTTP or HTTPS), [`client`] (the
//!   upload `plimsoll image --server` does).

pub mod api;
pub mod auth;
pub mod client;
pub mod matcher;
pub mod notify;
pub mod serve;
pub mod store;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use plimsoll_model::Severity;

use crate::matcher::{Advisories, MatchError, RematchStats};
use crate::store::Store;

/// The OpenAPI description of the API (served at `/api/v1/openapi.yaml`).
pub const OPENAPI: &str = include_str!("../openapi.yaml");

/// Now, RFC 3339 UTC, seconds.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    plimsoll_model::time::rfc3339_utc(secs as i64)
}

/// The server's configuration file (TOML):
///
/// ```toml
/// stale_days = 30                 # images not scanned for this long are "stale"
/// [notify]
/// min_severity = "HIGH"           # new findings at or above this are sent
/// [[notify.webhooks]]
/// url = "https://hooks.example/plimsoll"
/// secret = "shared secret for X-Plimsoll-Signature"
/// ```
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "default_stale_days")]
    pub stale_days: u64,
    #[serde(default)]
    pub notify: Notify,
}

impl Default for Config {
    fn default() -> Self {
        Config { stale_days: default_stale_days(), notify: Notify::default() }
    }
}

fn default_stale_days() -> u64 {
    30
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    #[serde(default)]
    pub min_severity: Option<String>,
    #[serde(default)]
    pub webhooks: Vec<notify::Webhook>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("cannot read the configuration {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid configuration {}: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        let c: Config =
            toml::from_str(&text).map_err(|e| ConfigError::Invalid { path: path.to_owned(), reason: e.to_string() })?;
        if let Some(s) = &c.notify.min_severity {
            store::parse_severity(s).ok_or_else(|| ConfigError::Invalid {
                path: path.to_owned(),
                reason: format!("notify.min_severity `{s}` is not CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN"),
            })?;
        }
        Ok(c)
    }

    fn min_severity(&self) -> Severity {
        self.notify.min_severity.as_deref().and_then(store::parse_severity).unwrap_or(Severity::High)
    }
}

/// The server's state, shared by the routes and the background tasks.
pub struct App {
    pub store: Arc<dyn Store>,
    pub advisories: Advisories,
    pub config: Config,
    /// One re-match at a time (a timer tick and `POST /rematch` may coincide).
    rematching: Mutex<()>,
    /// Layer matches shared by uploads, for the database in service (base layers match once).
    matcher: Mutex<matcher::Matcher>,
    snapshot: Mutex<Option<std::time::Instant>>,
    /// Messages of background work (webhook failures), for the log.
    log: Box<dyn Fn(&str) + Send + Sync>,
}

/// `meta` key: when the advisory database in service last changed.
pub const META_DB_CHANGED: &str = "advisory_db_changed_at";
const META_DB_STAMP: &str = "advisory_db_stamp";

impl App {
    pub fn new(
        store: Arc<dyn Store>,
        db_path: Option<PathBuf>,
        config: Config,
        log: Box<dyn Fn(&str) + Send + Sync>,
    ) -> App {
        App {
            store,
            advisories: Advisories::new(db_path),
            config,
            rematching: Mutex::new(()),
            matcher: Mutex::new(matcher::Matcher::new(None)),
            snapshot: Mutex::new(None),
            log,
        }
    }

    /// Loads the advisory database if its file changed (or at start) and, when the database in
    /// service is not the one the stored findings were matched against, re-matches everything
    /// and notifies. Blocking.
    pub fn check_advisories(&self) -> Result<Option<RematchStats>, MatchError> {
        // Held throughout, so a timer tick and a direct call never both re-match one change.
        let _one = self.rematching.lock().unwrap_or_else(|p| p.into_inner());
        if !self.advisories.reload_if_changed()? {
            return Ok(None);
        }
        let Some(loaded) = self.advisories.current() else { return Ok(None) };
        let stamp = format!("{:?}", loaded.stamp);
        if self.store.meta(META_DB_STAMP)?.as_deref() == Some(stamp.as_str()) {
            return Ok(None);
        }
        let first = self.store.meta(META_DB_STAMP)?.is_none();
        let now = now_rfc3339();
        self.store.set_meta(META_DB_CHANGED, &now)?;
        // The first database a server sees finds everything "new": no news to send.
        let stats = self.rematch_locked(!first)?;
        self.store.set_meta(META_DB_STAMP, &stamp)?;
        Ok(Some(stats))
    }

    /// Re-matches every stored inventory; with `notify`, sends the new findings at or above the
    /// configured severity to the webhooks (one POST each). Blocking.
    pub fn rematch(&self, notify: bool) -> Result<RematchStats, MatchError> {
        let _one = self.rematching.lock().unwrap_or_else(|p| p.into_inner());
        self.rematch_locked(notify)
    }

    fn rematch_locked(&self, notify: bool) -> Result<RematchStats, MatchError> {
        let loaded = self.advisories.current();
        let now = now_rfc3339();
        let (stats, new) = matcher::rematch_all(self.store.as_ref(), loaded.as_ref().map(|l| Arc::clone(&l.db)), &now)?;
        if notify {
            let min = self.config.min_severity();
            let send: Vec<_> = new.into_iter().filter(|f| f.severity >= min).collect();
            let built = loaded.as_ref().and_then(|l| l.info.as_ref()).map(|i| i.built_at.as_str());
            for e in notify::send(&self.config.notify.webhooks, &send, built) {
                (self.log)(&e);
            }
        }
        Ok(stats)
    }

    /// Stores an uploaded report and matches it. Blocking.
    pub fn ingest(&self, report: plimsoll_model::ScanReport) -> Result<String, api::ApiError> {
        let image = matcher::ingest_image(report).map_err(|e| api::ApiError::bad_request(e.to_string()))?;
        let now = now_rfc3339();
        let inv = self.store.put_image(&image, &now)?;
        let db = self.advisories.current().map(|l| Arc::clone(&l.db));
        let found = {
            let mut m = self.matcher.lock().unwrap_or_else(|p| p.into_inner());
            if !m.uses(db.as_ref()) {
                *m = matcher::Matcher::new(db);
            }
            m.image(self.store.as_ref(), &inv)?
        };
        self.store.apply_findings(&inv.digest, &found, &now)?;
        // Today's counts scan every open finding: at most once a minute from uploads (re-matches
        // and the history route record them too).
        let mut last = self.snapshot.lock().unwrap_or_else(|p| p.into_inner());
        if last.is_none_or(|t| t.elapsed() > std::time::Duration::from_secs(60)) {
            self.store.snapshot_counts(&now[..10])?;
            *last = Some(std::time::Instant::now());
        }
        Ok(image.digest)
    }

    /// Stores the bootstrap admin token from `file` (creating the file with a new token, mode
    /// 0600, when it does not exist).
    pub fn bootstrap_admin(&self, file: &Path) -> Result<(), ConfigError> {
        let token = match std::fs::read_to_string(file) {
            Ok(t) if !t.trim().is_empty() => t.trim().to_owned(),
            Ok(_) => {
                return Err(ConfigError::Invalid { path: file.to_owned(), reason: "the token file is empty".into() })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let t = auth::generate();
                write_private(file, &t).map_err(|source| ConfigError::Read { path: file.to_owned(), source })?;
                t
            }
            Err(source) => return Err(ConfigError::Read { path: file.to_owned(), source }),
        };
        let now = now_rfc3339();
        let id = self
            .store
            .put_token(&auth::hash(&token), auth::Role::Admin, "bootstrap", &now)
            .map_err(|e| ConfigError::Invalid { path: file.to_owned(), reason: e.to_string() })?;
        self.store
            .audit(Some(id), "token.bootstrap", "admin token from --admin-token-file", &now)
            .map_err(|e| ConfigError::Invalid { path: file.to_owned(), reason: e.to_string() })?;
        Ok(())
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)?.write_all(text.as_bytes())
}

/// Creates a token with `role` in the store (`plimsoll server token create`); returns it.
pub fn create_token(
    store: &dyn Store,
    role: auth::Role,
    name: &str,
    by: Option<i64>,
) -> Result<String, store::StoreError> {
    let token = auth::generate();
    let now = now_rfc3339();
    let id = store.put_token(&auth::hash(&token), role, name, &now)?;
    store.audit(by, "token.create", &format!("token {id} role {} name {name:?}", role.as_str()), &now)?;
    Ok(token)
}
