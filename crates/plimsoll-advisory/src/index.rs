//! The advisory store: one SQLite file.
//!
//! Why SQLite rather than redb: the database is written once (`db build`/`db update`) and then
//! only read, often by several scans at once (CI jobs, the server). SQLite readers share the file
//! across processes without a lock dance (redb's default `Database::open` takes an exclusive
//! lock, which is the complaint users have about Trivy's bbolt cache; its shared read-only mode
//! needs redb 3+, above our MSRV), users can inspect it with the `sqlite3` shell
//! (`SELECT * FROM affected WHERE name = 'openssl'`), and the workspace already builds the bundled
//! SQLite for rpm's `rpmdb.sqlite`, so it costs no extra dependency. Lookups are one indexed
//! B-tree probe (a few microseconds).
//!
//! Layout: `advisory` rows hold each advisory as JSON (without its affected entries); `affected`
//! rows hold one affected entry each in a table clustered on (ecosystem, normalised name), with
//! the explicit `versions` list in its own column (only the versions the ranges do not already
//! cover) so that matching rarely decodes it. `alias` maps every id and alias to its advisories; `meta` holds the
//! schema version, build time and per-source statistics. Withdrawn advisories are kept but
//! their affected rows are flagged and never returned for matching.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rayon::prelude::*;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use crate::ecosystem::{normalize_name, store_key};
use crate::load::{load_with, FileError, LoadError, SourceStats, ZipLimits};
use crate::model::{Advisory, Affected, MatchEntry};

/// Bumped whenever the layout or the JSON shapes change incompatibly.
pub const SCHEMA_VERSION: u32 = 1;

/// A database error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    #[error("advisory database {path}: {message}")]
    Store {
        path: PathBuf,
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    #[error("{path} is not a plimsoll advisory database of schema {expected} (found {found:?})")]
    Schema { path: PathBuf, expected: u32, found: Option<String> },
    #[error("corrupt record in {path}: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Nothing in the sources was an advisory we could read: a database without advisories would
    /// make every scan pass, so none is written.
    #[error(
        "no advisories found in {} ({} files read, {files_skipped} skipped, {files_failed} failed); \
         the database {path} was not written{}",
        roots.join(", "), files_read, skip_summary(skipped_reasons)
    )]
    Empty {
        path: PathBuf,
        roots: Vec<String>,
        files_read: usize,
        files_skipped: usize,
        files_failed: usize,
        /// Skipped files per reason.
        skipped_reasons: BTreeMap<String, usize>,
    },
}

fn skip_summary(reasons: &BTreeMap<String, usize>) -> String {
    if reasons.is_empty() {
        return String::new();
    }
    let list: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
    format!("; skipped: {}", list.join(", "))
}

fn store_err(path: &Path, what: &'static str) -> impl FnOnce(rusqlite::Error) -> DbError {
    let path = path.to_owned();
    move |e| DbError::Store { path, message: format!("{what}: {e}"), source: Some(Box::new(e)) }
}

/// What a build produced; serialisable for `db build --format json`.
#[derive(Debug, serde::Serialize)]
pub struct BuildStats {
    pub advisories: usize,
    pub withdrawn: usize,
    pub affected: usize,
    pub sources: Vec<SourceStats>,
    /// Files that could not be converted (the build goes on without them).
    pub errors: Vec<FileError>,
    pub skipped: usize,
    #[serde(skip)]
    pub elapsed: Duration,
}

impl BuildStats {
    /// A human summary, one line per source: files read per format, advisories loaded, files
    /// skipped (with reasons) and failed.
    pub fn summary(&self) -> String {
        let mut out = format!(
            "{} advisories ({} withdrawn), {} affected entries, {} files skipped, {} failed\n",
            self.advisories,
            self.withdrawn,
            self.affected,
            self.skipped,
            self.errors.len()
        );
        for s in &self.sources {
            let files: Vec<String> = s.files.iter().map(|(f, n)| format!("{n} {f}")).collect();
            let files = if files.is_empty() { "no advisory files".to_owned() } else { files.join(", ") };
            out.push_str(&format!("  {}: {files}; {} advisories", s.name, s.advisories));
            if s.skipped > 0 {
                let reasons: Vec<String> = s.skipped_reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
                out.push_str(&format!("; skipped {} ({})", s.skipped, reasons.join(", ")));
            }
            if s.errors > 0 {
                out.push_str(&format!("; {} failed", s.errors));
            }
            out.push('\n');
        }
        for e in self.errors.iter().take(20) {
            out.push_str(&format!("  failed: {}: {}\n", e.path.display(), e.message));
        }
        if self.errors.len() > 20 {
            out.push_str(&format!("  ... and {} more failed files\n", self.errors.len() - 20));
        }
        out
    }
}

/// The database's metadata (`plimsoll db info`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DbInfo {
    pub schema_version: u32,
    /// RFC 3339, UTC.
    pub built_at: String,
    pub built_at_unix: u64,
    /// The plimsoll version that built it.
    pub tool: String,
    pub sources: Vec<SourceStats>,
    pub advisories: u64,
    pub affected: u64,
    /// Affected entries per ecosystem.
    pub ecosystems: BTreeMap<String, u64>,
}

impl DbInfo {
    /// How old the database is at `now` (zero if built in the future).
    pub fn age(&self, now: SystemTime) -> Duration {
        let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        Duration::from_secs(now.saturating_sub(self.built_at_unix))
    }
}

/// One affected entry as stored, for matching.
#[derive(Debug, Clone)]
pub(crate) struct AffectedRow {
    pub advisory: i64,
    pub entry: MatchEntry,
    /// The `versions` list, still encoded; decode with [`AffectedRow::versions`].
    versions_json: Option<String>,
}

impl AffectedRow {
    pub fn versions(&self) -> Vec<String> {
        self.versions_json.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default()
    }
}

/// An open advisory database (read-only). `Sync`: share one across threads.
pub struct Database {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("path", &self.path).finish_non_exhaustive()
    }
}

/// `1700000000` -> `2023-11-14T22:13:20Z` (civil-from-days, proleptic Gregorian).
pub fn rfc3339(unix: u64) -> String {
    plimsoll_model::time::rfc3339_utc(i64::try_from(unix).unwrap_or(i64::MAX))
}

const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE advisory (
    rowid INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    id TEXT NOT NULL,
    withdrawn INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE affected (
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    advisory INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL,
    entry TEXT NOT NULL,
    versions TEXT,
    PRIMARY KEY (ecosystem, name, advisory, seq)
) WITHOUT ROWID;
CREATE TABLE alias (id TEXT NOT NULL, advisory INTEGER NOT NULL);
";

/// `affected` is clustered on its key (WITHOUT ROWID), so a lookup is one B-tree descent and a
/// short sequential scan; these serve `get` by id.
const INDEXES: &str = "
CREATE INDEX affected_advisory ON affected (advisory);
CREATE INDEX alias_id ON alias (id);
";

/// One `affected` row to insert: (ecosystem, name, advisory, seq, withdrawn, entry, versions).
type AffectedInsert<'a> = (&'a str, &'a str, i64, i64, bool, &'a str, Option<&'a str>);

/// An advisory's stored forms, encoded off the writer thread.
struct Encoded {
    source: String,
    id: String,
    withdrawn: bool,
    data: String,
    ids: Vec<String>,
    /// (ecosystem key, normalised name, entry JSON, versions JSON)
    affected: Vec<(String, String, String, Option<String>)>,
}

/// Takes the explicit `versions` out of an entry, keeping only those its ranges do not already
/// cover. OSV producers (osv.dev, the PyPA database) list every version inside the ranges; a
/// listed version that the ranges contain adds nothing (any version equal to it under the
/// ecosystem order is in the same ranges), so dropping it is lossless and keeps matching from
/// decoding hundreds of strings per lookup.
fn uncovered_versions(entry: &mut Affected) -> Vec<String> {
    let versions = std::mem::take(&mut entry.versions);
    let Some(scheme) = entry.scheme() else { return versions };
    versions
        .into_iter()
        .filter(|v| {
            let Ok(parsed) = scheme.parse(v) else { return true };
            !matches!(entry.evaluate(v, Some(&parsed)), Ok(crate::model::Verdict::Affected(_)))
        })
        .collect()
}

fn encode(a: &Advisory) -> Result<Encoded, serde_json::Error> {
    let mut head = a.clone();
    head.affected = Vec::new();
    let mut affected = Vec::with_capacity(a.affected.len());
    for e in &a.affected {
        let key = store_key(&e.ecosystem).to_owned();
        let name = normalize_name(&e.ecosystem, &e.name).into_owned();
        let mut entry = e.clone();
        let versions = uncovered_versions(&mut entry);
        let versions = if versions.is_empty() { None } else { Some(serde_json::to_string(&versions)?) };
        affected.push((key, name, serde_json::to_string(&entry)?, versions));
    }
    let mut ids: Vec<String> = a.ids().map(str::to_owned).collect();
    ids.sort();
    ids.dedup();
    Ok(Encoded {
        source: a.source.clone(),
        id: a.id.clone(),
        withdrawn: a.is_withdrawn(),
        data: serde_json::to_string(&head)?,
        ids,
        affected,
    })
}

impl Database {
    /// Reads every advisory under `from` (directories or files; see [`crate::load`]) and writes a
    /// new database to `out`, replacing it atomically (readers of the old file are unaffected).
    pub fn build(from: &[PathBuf], out: &Path) -> Result<BuildStats, DbError> {
        Self::build_with(from, out, &ZipLimits::default())
    }

    /// [`Database::build`] with explicit bounds on `.zip` sources.
    pub fn build_with(from: &[PathBuf], out: &Path, limits: &ZipLimits) -> Result<BuildStats, DbError> {
        let start = Instant::now();
        let loaded = load_with(from, limits)?;
        if loaded.advisories.is_empty() {
            let mut skipped_reasons: BTreeMap<String, usize> = BTreeMap::new();
            for (_, r) in &loaded.skipped {
                *skipped_reasons.entry((*r).to_owned()).or_default() += 1;
            }
            return Err(DbError::Empty {
                path: out.to_owned(),
                roots: from.iter().map(|p| p.display().to_string()).collect(),
                files_read: loaded.sources.iter().map(|s| s.files.values().sum::<usize>()).sum(),
                files_skipped: loaded.skipped.len(),
                files_failed: loaded.errors.len(),
                skipped_reasons,
            });
        }
        let encoded: Vec<Encoded> = loaded
            .advisories
            .par_iter()
            .map(encode)
            .collect::<Result<_, _>>()
            .map_err(|e| DbError::Corrupt { path: out.to_owned(), message: e.to_string() })?;

        let dir = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let tmp = dir.join(format!(
            ".{}.tmp-{}",
            out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "plimsoll-db".into()),
            std::process::id()
        ));
        let _ = std::fs::remove_file(&tmp);
        let result = Self::write(&tmp, &encoded, &loaded.sources);
        let (affected, withdrawn) = match result {
            Ok(counts) => counts,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        std::fs::rename(&tmp, out).map_err(|e| DbError::Store {
            path: out.to_owned(),
            message: format!("cannot move the new database into place: {e}"),
            source: Some(Box::new(e)),
        })?;
        Ok(BuildStats {
            advisories: encoded.len(),
            withdrawn,
            affected,
            sources: loaded.sources,
            errors: loaded.errors,
            skipped: loaded.skipped.len(),
            elapsed: start.elapsed(),
        })
    }

    fn write(path: &Path, encoded: &[Encoded], sources: &[SourceStats]) -> Result<(usize, usize), DbError> {
        let mut conn = Connection::open(path).map_err(store_err(path, "create"))?;
        // A fresh file that is renamed into place only when complete: no journal needed.
        conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 4096;")
            .map_err(store_err(path, "configure"))?;
        conn.execute_batch(SCHEMA).map_err(store_err(path, "create tables"))?;
        let tx = conn.transaction().map_err(store_err(path, "begin"))?;
        let mut affected_count = 0;
        let mut withdrawn = 0;
        let mut ecosystems: BTreeMap<String, u64> = BTreeMap::new();
        {
            let mut ins_adv = tx
                .prepare("INSERT INTO advisory (rowid, source, id, withdrawn, data) VALUES (?1, ?2, ?3, ?4, ?5)")
                .map_err(store_err(path, "prepare"))?;
            let mut ins_aff = tx
                .prepare(
                    "INSERT INTO affected (ecosystem, name, advisory, seq, withdrawn, entry, versions) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(store_err(path, "prepare"))?;
            let mut ins_alias =
                tx.prepare("INSERT INTO alias (id, advisory) VALUES (?1, ?2)").map_err(store_err(path, "prepare"))?;
            for (i, e) in encoded.iter().enumerate() {
                let rowid = i as i64 + 1;
                ins_adv
                    .execute(params![rowid, e.source, e.id, e.withdrawn, e.data])
                    .map_err(store_err(path, "insert advisory"))?;
                withdrawn += usize::from(e.withdrawn);
                for id in &e.ids {
                    ins_alias.execute(params![id, rowid]).map_err(store_err(path, "insert alias"))?;
                }
            }
            // Insert affected rows in key order: appending to the clustered B-tree is much
            // faster than random inserts.
            let mut rows: Vec<AffectedInsert<'_>> = Vec::new();
            for (i, e) in encoded.iter().enumerate() {
                for (seq, (eco, name, entry, versions)) in e.affected.iter().enumerate() {
                    rows.push((eco, name, i as i64 + 1, seq as i64, e.withdrawn, entry, versions.as_deref()));
                }
            }
            rows.sort_unstable_by(|a, b| (a.0, a.1, a.2, a.3).cmp(&(b.0, b.1, b.2, b.3)));
            for (eco, name, rowid, seq, wd, entry, versions) in rows {
                ins_aff
                    .execute(params![eco, name, rowid, seq, wd, entry, versions])
                    .map_err(store_err(path, "insert affected"))?;
                affected_count += 1;
                *ecosystems.entry(eco.to_owned()).or_default() += 1;
            }
        }
        tx.execute_batch(INDEXES).map_err(store_err(path, "index"))?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let meta = [
            ("schema_version", SCHEMA_VERSION.to_string()),
            ("built_at", rfc3339(now)),
            ("built_at_unix", now.to_string()),
            ("tool", format!("plimsoll {}", env!("CARGO_PKG_VERSION"))),
            ("sources", serde_json::to_string(sources).unwrap_or_else(|_| "[]".into())),
            ("advisories", encoded.len().to_string()),
            ("affected", affected_count.to_string()),
            ("ecosystems", serde_json::to_string(&ecosystems).unwrap_or_else(|_| "{}".into())),
        ];
        for (k, v) in meta {
            tx.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", params![k, v])
                .map_err(store_err(path, "meta"))?;
        }
        tx.commit().map_err(store_err(path, "commit"))?;
        // No ANALYZE: the plans are fixed by the keys, and STAT4 statistics would make SQLite
        // re-prepare statements whenever a bound value changes.
        Ok((affected_count, withdrawn))
    }

    /// Opens a database read-only. Many processes may have it open at once.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        if !path.is_file() {
            return Err(DbError::Store { path: path.to_owned(), message: "no such file".into(), source: None });
        }
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(store_err(path, "open"))?;
        let found: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'schema_version'", [], |r| r.get(0))
            .optional()
            .unwrap_or(None);
        if found.as_deref() != Some(SCHEMA_VERSION.to_string().as_str()) {
            return Err(DbError::Schema { path: path.to_owned(), expected: SCHEMA_VERSION, found });
        }
        // Map the file instead of pread()ing pages, and keep more of it cached: lookups touch
        // pages all over the file. (The file is replaced by rename, never rewritten in place,
        // so a mapping never sees a half-written page.)
        conn.execute_batch("PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -32768;")
            .map_err(store_err(path, "configure"))?;
        Ok(Database { path: path.to_owned(), conn: Mutex::new(conn) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave the read-only connection inconsistent.
        self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn corrupt(&self, e: impl std::fmt::Display) -> DbError {
        DbError::Corrupt { path: self.path.clone(), message: e.to_string() }
    }

    /// Metadata: build time, sources, counts.
    pub fn info(&self) -> Result<DbInfo, DbError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT key, value FROM meta").map_err(store_err(&self.path, "meta"))?;
        let rows: BTreeMap<String, String> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(store_err(&self.path, "meta"))?
            .collect::<Result<_, _>>()
            .map_err(store_err(&self.path, "meta"))?;
        let get = |k: &str| rows.get(k).cloned().unwrap_or_default();
        Ok(DbInfo {
            schema_version: get("schema_version").parse().unwrap_or(0),
            built_at: get("built_at"),
            built_at_unix: get("built_at_unix").parse().unwrap_or(0),
            tool: get("tool"),
            sources: serde_json::from_str(&get("sources")).map_err(|e| self.corrupt(e))?,
            advisories: get("advisories").parse().unwrap_or(0),
            affected: get("affected").parse().unwrap_or(0),
            ecosystems: serde_json::from_str(&get("ecosystems")).map_err(|e| self.corrupt(e))?,
        })
    }

    /// A read transaction for many lookups (one shared lock instead of one per statement).
    pub(crate) fn reader(&self) -> Result<Reader<'_>, DbError> {
        let conn = self.conn();
        conn.execute_batch("BEGIN").map_err(store_err(&self.path, "begin"))?;
        Ok(Reader { db: self, conn })
    }
}

/// A read transaction on a [`Database`]; ends when dropped.
pub(crate) struct Reader<'a> {
    db: &'a Database,
    conn: std::sync::MutexGuard<'a, Connection>,
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        // Ending a read-only transaction cannot fail in a way that matters.
        let _ = self.conn.execute_batch("COMMIT");
    }
}

impl Reader<'_> {
    /// The affected entries for a package, for matching (withdrawn advisories excluded).
    /// `ecosystem` is an OSV ecosystem string; `name` is normalised here.
    pub(crate) fn affected_rows(&self, ecosystem: &str, name: &str) -> Result<Vec<AffectedRow>, DbError> {
        let key = store_key(ecosystem);
        let name = normalize_name(ecosystem, name);
        let conn = &self.conn;
        let path = &self.db.path;
        let mut stmt = conn
            .prepare_cached(
                "SELECT advisory, entry, versions FROM affected WHERE ecosystem = ?1 AND name = ?2 AND withdrawn = 0",
            )
            .map_err(store_err(path, "lookup"))?;
        let mut rows = stmt.query(params![key, name.as_ref()]).map_err(store_err(path, "lookup"))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(store_err(path, "lookup"))? {
            let advisory: i64 = row.get(0).map_err(store_err(path, "lookup"))?;
            // Decode straight from SQLite's buffer, without copying the text first.
            let entry = row.get_ref(1).map_err(store_err(path, "lookup"))?.as_str().map_err(|e| self.db.corrupt(e))?;
            let entry: MatchEntry = serde_json::from_str(entry).map_err(|e| self.db.corrupt(e))?;
            let versions_json: Option<String> = row.get(2).map_err(store_err(path, "lookup"))?;
            out.push(AffectedRow { advisory, entry, versions_json });
        }
        Ok(out)
    }

    /// The advisory with row id `rowid`, without its affected entries.
    pub(crate) fn advisory_head(&self, rowid: i64) -> Result<Advisory, DbError> {
        let path = &self.db.path;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT data FROM advisory WHERE rowid = ?1")
            .map_err(store_err(path, "advisory"))?;
        let mut rows = stmt.query([rowid]).map_err(store_err(path, "advisory"))?;
        let row =
            rows.next().map_err(store_err(path, "advisory"))?.ok_or_else(|| self.db.corrupt("missing advisory row"))?;
        let data = row.get_ref(0).map_err(store_err(path, "advisory"))?.as_str().map_err(|e| self.db.corrupt(e))?;
        serde_json::from_str(data).map_err(|e| self.db.corrupt(e))
    }

    /// The advisories (without affected entries) that have `id` as their id or an alias.
    pub(crate) fn heads_with_id(&self, id: &str) -> Result<Vec<Advisory>, DbError> {
        let path = &self.db.path;
        let rowids: Vec<i64> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT DISTINCT advisory FROM alias WHERE id = ?1 ORDER BY advisory")
                .map_err(store_err(path, "alias"))?;
            let it = stmt.query_map([id], |r| r.get(0)).map_err(store_err(path, "alias"))?;
            it.collect::<Result<_, _>>().map_err(store_err(path, "alias"))?
        };
        rowids.into_iter().map(|r| self.advisory_head(r)).collect()
    }
}

impl Database {
    fn advisory_head(&self, rowid: i64) -> Result<Advisory, DbError> {
        self.reader()?.advisory_head(rowid)
    }

    fn all_affected_of(&self, rowid: i64) -> Result<Vec<Affected>, DbError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT entry, versions FROM affected WHERE advisory = ?1 ORDER BY seq")
            .map_err(store_err(&self.path, "affected"))?;
        let rows = stmt
            .query_map([rowid], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))
            .map_err(store_err(&self.path, "affected"))?;
        let mut out = Vec::new();
        for row in rows {
            let (entry, versions) = row.map_err(store_err(&self.path, "affected"))?;
            let mut a: Affected = serde_json::from_str(&entry).map_err(|e| self.corrupt(e))?;
            if let Some(v) = versions {
                a.versions = serde_json::from_str(&v).map_err(|e| self.corrupt(e))?;
            }
            out.push(a);
        }
        Ok(out)
    }

    /// The advisories that list a package, each with only the affected entries for that package.
    /// Withdrawn advisories are included (check [`Advisory::is_withdrawn`]).
    pub fn lookup(&self, ecosystem: &str, name: &str) -> Result<Vec<Advisory>, DbError> {
        let key = store_key(ecosystem);
        let norm = normalize_name(ecosystem, name);
        let rows: Vec<(i64, String, Option<String>)> = {
            let conn = self.conn();
            let mut stmt = conn
                .prepare_cached(
                    "SELECT advisory, entry, versions FROM affected WHERE ecosystem = ?1 AND name = ?2 \
                     ORDER BY advisory, seq",
                )
                .map_err(store_err(&self.path, "lookup"))?;
            let it = stmt
                .query_map(params![key, norm.as_ref()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(store_err(&self.path, "lookup"))?;
            it.collect::<Result<_, _>>().map_err(store_err(&self.path, "lookup"))?
        };
        let mut out: Vec<Advisory> = Vec::new();
        let mut current: Option<i64> = None;
        for (rowid, entry, versions) in rows {
            if current != Some(rowid) {
                out.push(self.advisory_head(rowid)?);
                current = Some(rowid);
            }
            let mut a: Affected = serde_json::from_str(&entry).map_err(|e| self.corrupt(e))?;
            if let Some(v) = versions {
                a.versions = serde_json::from_str(&v).map_err(|e| self.corrupt(e))?;
            }
            if let Some(last) = out.last_mut() {
                last.affected.push(a);
            }
        }
        Ok(out)
    }

    /// Every advisory known by `id` (its own id or an alias), with all its affected entries.
    pub fn get(&self, id: &str) -> Result<Vec<Advisory>, DbError> {
        let rowids: Vec<i64> = {
            let conn = self.conn();
            let mut stmt = conn
                .prepare_cached("SELECT DISTINCT advisory FROM alias WHERE id = ?1 ORDER BY advisory")
                .map_err(store_err(&self.path, "alias"))?;
            let it = stmt.query_map([id], |r| r.get(0)).map_err(store_err(&self.path, "alias"))?;
            it.collect::<Result<_, _>>().map_err(store_err(&self.path, "alias"))?
        };
        rowids
            .into_iter()
            .map(|rowid| {
                let mut a = self.advisory_head(rowid)?;
                a.affected = self.all_affected_of(rowid)?;
                Ok(a)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn build_open_lookup_get_info() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("feeds/pypi");
        write(&src, ".COMMIT", "abc123\n");
        write(
            &src,
            "vulns/jinja2/PYSEC-1.yaml",
            "id: PYSEC-1\nmodified: '2021-01-01T00:00:00Z'\naliases: [CVE-2014-1402]\naffected:\n- package: {name: Jinja2, ecosystem: PyPI}\n  ranges:\n  - type: ECOSYSTEM\n    events: [{introduced: '0'}, {fixed: 2.7.2}]\n  versions: ['2.0', '2.7.1', '3.0.0']\n",
        );
        write(
            &src,
            "vulns/jinja2/PYSEC-2.yaml",
            "id: PYSEC-2\nmodified: '2021-01-01T00:00:00Z'\nwithdrawn: '2022-01-01T00:00:00Z'\naffected:\n- package: {name: jinja2, ecosystem: PyPI}\n  ranges:\n  - type: ECOSYSTEM\n    events: [{introduced: '0'}]\n",
        );
        write(&src, "vulns/broken.yaml", "id: X\nmodified: y\naffected: 7\n");
        let out = dir.path().join("db.sqlite");
        let stats = Database::build(&[dir.path().join("feeds")], &out).unwrap();
        assert_eq!((stats.advisories, stats.withdrawn, stats.affected, stats.errors.len()), (2, 1, 2, 1));

        let db = Database::open(&out).unwrap();
        let info = db.info().unwrap();
        assert_eq!(info.schema_version, SCHEMA_VERSION);
        assert_eq!(info.advisories, 2);
        assert_eq!(info.ecosystems.get("PyPI"), Some(&2));
        assert_eq!(info.sources[0].name, "pypi");
        assert_eq!(info.sources[0].commit.as_deref(), Some("abc123"));
        assert!(info.age(SystemTime::now()) < Duration::from_secs(3600));

        // Lookup normalises the name (PEP 503) and returns withdrawn advisories flagged.
        let found = db.lookup("PyPI", "JINJA2").unwrap();
        assert_eq!(found.len(), 2);
        // Listed versions inside the ranges are redundant and dropped at build time.
        assert_eq!(found[0].affected[0].versions, ["3.0.0"]);
        assert!(found[1].is_withdrawn());
        // Matching rows exclude withdrawn advisories.
        assert_eq!(db.reader().unwrap().affected_rows("PyPI", "jinja2").unwrap().len(), 1);
        // By alias.
        let by_cve = db.get("CVE-2014-1402").unwrap();
        assert_eq!(by_cve.len(), 1);
        assert_eq!(by_cve[0].id, "PYSEC-1");
        assert!(db.get("CVE-0000-0000").unwrap().is_empty());
    }

    #[test]
    fn open_rejects_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("not-a-db");
        std::fs::write(&p, "hello").unwrap();
        assert!(Database::open(&p).is_err());
        let empty = dir.path().join("empty.sqlite");
        Connection::open(&empty).unwrap().execute_batch("CREATE TABLE t (x);").unwrap();
        assert!(matches!(Database::open(&empty), Err(DbError::Schema { .. })));
        assert!(Database::open(&dir.path().join("missing")).is_err());
    }
}
