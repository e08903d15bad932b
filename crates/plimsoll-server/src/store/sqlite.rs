//! [`Store`] over one SQLite file (`DIR/plimsoll-server.db`): WAL so readers never wait for the
//! writer, one writer connection and a few reader connections. SQLite (rusqlite, bundled) rather
//! than an embedded key-value store because users can query the file with `sqlite3`, and because
//! the advisory database already links the same library.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use plimsoll_model::vuln::Vulnerability;
use plimsoll_model::{OsRelease, Package, Severity};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest as _, Sha256};

use super::*;

/// Versioned migrations, applied in order at start inside one transaction each; the applied
/// versions are in `schema_migrations`. Never edit a released one: add the next.
const MIGRATIONS: &[(i64, &str)] = &[(
    1,
    r#"
CREATE TABLE layers (diff_id TEXT PRIMARY KEY, digest TEXT, media_type TEXT NOT NULL, size INTEGER NOT NULL);
CREATE TABLE layer_packages (
    id INTEGER PRIMARY KEY, diff_id TEXT NOT NULL REFERENCES layers(diff_id), pkg_key TEXT NOT NULL,
    name TEXT NOT NULL, version TEXT NOT NULL, purl TEXT NOT NULL, package_json TEXT NOT NULL,
    UNIQUE (diff_id, pkg_key));
CREATE INDEX layer_packages_purl ON layer_packages(purl);
CREATE INDEX layer_packages_name ON layer_packages(name);
CREATE TABLE images (
    digest TEXT PRIMARY KEY, name TEXT NOT NULL, os_json TEXT, os_label TEXT, report_json TEXT NOT NULL,
    first_seen TEXT NOT NULL, last_scanned TEXT NOT NULL);
CREATE TABLE image_layers (
    digest TEXT NOT NULL REFERENCES images(digest), idx INTEGER NOT NULL,
    diff_id TEXT NOT NULL REFERENCES layers(diff_id), layer_digest TEXT, created_by TEXT,
    PRIMARY KEY (digest, idx));
CREATE INDEX image_layers_diff ON image_layers(diff_id);
CREATE TABLE image_hidden (digest TEXT NOT NULL, package_id INTEGER NOT NULL, PRIMARY KEY (digest, package_id));
CREATE TABLE refs (
    registry TEXT NOT NULL, repository TEXT NOT NULL, tag TEXT NOT NULL, digest TEXT NOT NULL REFERENCES images(digest),
    updated_at TEXT NOT NULL, PRIMARY KEY (registry, repository, tag));
CREATE INDEX refs_digest ON refs(digest);
CREATE TABLE findings (
    id INTEGER PRIMARY KEY, digest TEXT NOT NULL REFERENCES images(digest), vuln_id TEXT NOT NULL,
    package_name TEXT NOT NULL, package_version TEXT NOT NULL, purl TEXT NOT NULL, severity TEXT NOT NULL,
    fixed_version TEXT, first_seen TEXT NOT NULL, fixed_at TEXT, vuln_json TEXT NOT NULL,
    UNIQUE (digest, vuln_id, package_name, package_version, purl));
CREATE INDEX findings_vuln ON findings(vuln_id);
CREATE INDEX findings_first_seen ON findings(first_seen);
CREATE TABLE vuln_aliases (alias TEXT NOT NULL, vuln_id TEXT NOT NULL, PRIMARY KEY (alias, vuln_id));
CREATE TABLE workloads (
    digest TEXT NOT NULL, cluster TEXT NOT NULL, namespace TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    reported_at TEXT NOT NULL, PRIMARY KEY (cluster, namespace, kind, name, digest));
CREATE INDEX workloads_digest ON workloads(digest);
CREATE TABLE tokens (id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL, name TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, token_id INTEGER, action TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE daily_counts (
    date TEXT PRIMARY KEY, critical INTEGER NOT NULL, high INTEGER NOT NULL, medium INTEGER NOT NULL,
    low INTEGER NOT NULL, unknown INTEGER NOT NULL);
"#,
)];

const READERS: usize = 4;

pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next: AtomicUsize,
}

fn be(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::Backend { what, reason: e.to_string() }
}

fn corrupt(what: &'static str) -> impl Fn(serde_json::Error) -> StoreError {
    move |e| StoreError::Corrupt { what, reason: e.to_string() }
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn open_conn(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).map_err(be("opening the database"))?;
    conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(be("setting the busy timeout"))?;
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
        .map_err(be("setting pragmas"))?;
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating) `DIR/plimsoll-server.db` and applies pending migrations.
    pub fn open(dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Backend { what: "creating the data directory", reason: e.to_string() })?;
        let path = dir.join("plimsoll-server.db");
        let mut writer = open_conn(&path)?;
        migrate(&mut writer)?;
        let readers = (0..READERS).map(|_| open_conn(&path).map(Mutex::new)).collect::<Result<_>>()?;
        Ok(SqliteStore { writer: Mutex::new(writer), readers, next: AtomicUsize::new(0) })
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        lock(&self.readers[i])
    }

    /// The versions applied so far.
    pub fn applied_migrations(&self) -> Result<Vec<i64>> {
        let c = self.reader();
        let mut s = c.prepare("SELECT version FROM schema_migrations ORDER BY version").map_err(be("migrations"))?;
        let v = s.query_map([], |r| r.get(0)).map_err(be("migrations"))?.collect::<std::result::Result<_, _>>();
        v.map_err(be("migrations"))
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
    )
    .map_err(be("creating schema_migrations"))?;
    for (version, sql) in MIGRATIONS {
        let tx = conn.transaction().map_err(be("migrating"))?;
        let done: bool = tx
            .query_row("SELECT EXISTS(SELECT 1 FROM schema_migrations WHERE version = ?1)", [version], |r| r.get(0))
            .map_err(be("migrating"))?;
        if !done {
            tx.execute_batch(sql).map_err(be("migrating"))?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                params![version, crate::now_rfc3339()],
            )
            .map_err(be("migrating"))?;
        }
        tx.commit().map_err(be("migrating"))?;
    }
    Ok(())
}

fn pkg_key(p: &Package) -> Result<(String, String)> {
    let json = serde_json::to_string(p).map_err(corrupt("package"))?;
    Ok((hex::encode(Sha256::digest(json.as_bytes())), json))
}

fn finding_key(vuln_id: &str, name: &str, version: &str, purl: &str) -> String {
    format!("{vuln_id}\u{0}{name}\u{0}{version}\u{0}{purl}")
}

fn os_label(os: &OsRelease) -> String {
    match &os.version_id {
        Some(v) => format!("{} {v}", os.id),
        None => os.id.clone(),
    }
}

fn sev(s: &str) -> Severity {
    parse_severity(s).unwrap_or(Severity::Unknown)
}

fn finding_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FindingRow> {
    Ok(FindingRow {
        digest: r.get(0)?,
        id: r.get(1)?,
        severity: sev(&r.get::<_, String>(2)?),
        package: r.get(3)?,
        version: r.get(4)?,
        purl: r.get(5)?,
        fixed_version: r.get(6)?,
        first_seen: r.get(7)?,
        fixed_at: r.get(8)?,
    })
}

const FINDING_COLS: &str =
    "f.digest, f.vuln_id, f.severity, f.package_name, f.package_version, f.purl, f.fixed_version, f.first_seen, f.fixed_at";

fn inventory_of(c: &Connection, digest: &str) -> Result<Option<ImageInventory>> {
    let os_json: Option<Option<String>> = c
        .query_row("SELECT os_json FROM images WHERE digest = ?1", [digest], |r| r.get(0))
        .optional()
        .map_err(be("reading an image"))?;
    let Some(os_json) = os_json else { return Ok(None) };
    let os = os_json.map(|j| serde_json::from_str(&j)).transpose().map_err(corrupt("image os"))?;
    let mut s = c
        .prepare_cached(
            "SELECT idx, diff_id, layer_digest, created_by FROM image_layers WHERE digest = ?1 ORDER BY idx",
        )
        .map_err(be("reading layers"))?;
    let layers = s
        .query_map([digest], |r| {
            Ok(ImageLayer { index: r.get(0)?, diff_id: r.get(1)?, digest: r.get(2)?, created_by: r.get(3)? })
        })
        .map_err(be("reading layers"))?
        .collect::<std::result::Result<_, _>>()
        .map_err(be("reading layers"))?;
    let mut s =
        c.prepare_cached("SELECT package_id FROM image_hidden WHERE digest = ?1").map_err(be("reading masks"))?;
    let hidden = s
        .query_map([digest], |r| r.get(0))
        .map_err(be("reading masks"))?
        .collect::<std::result::Result<_, _>>()
        .map_err(be("reading masks"))?;
    Ok(Some(ImageInventory { digest: digest.to_owned(), os, layers, hidden }))
}

fn workloads_of(c: &Connection, digest: &str) -> Result<Vec<Workload>> {
    let mut s = c
        .prepare_cached(
            "SELECT cluster, namespace, kind, name FROM workloads WHERE digest = ?1 ORDER BY cluster, namespace, kind, name",
        )
        .map_err(be("reading workloads"))?;
    let v = s
        .query_map([digest], |r| {
            Ok(Workload { cluster: r.get(0)?, namespace: r.get(1)?, kind: r.get(2)?, name: r.get(3)? })
        })
        .map_err(be("reading workloads"))?
        .collect::<std::result::Result<_, _>>();
    v.map_err(be("reading workloads"))
}

fn refs_of(c: &Connection, digest: &str) -> Result<Vec<Reference>> {
    let mut s = c
        .prepare_cached(
            "SELECT registry, repository, tag FROM refs WHERE digest = ?1 ORDER BY registry, repository, tag",
        )
        .map_err(be("reading references"))?;
    let v = s
        .query_map([digest], |r| Ok(Reference { registry: r.get(0)?, repository: r.get(1)?, tag: r.get(2)? }))
        .map_err(be("reading references"))?
        .collect::<std::result::Result<_, _>>();
    v.map_err(be("reading references"))
}

fn ref_strings(c: &Connection, digest: &str) -> Result<Vec<String>> {
    Ok(refs_of(c, digest)?.iter().map(Reference::display).collect())
}

impl Store for SqliteStore {
    fn put_image(&self, image: &IngestImage, now: &str) -> Result<ImageInventory> {
        let mut c = lock(&self.writer);
        let tx = c.transaction().map_err(be("storing an image"))?;
        let os_json = image.os.as_ref().map(serde_json::to_string).transpose().map_err(corrupt("os"))?;
        let label = image.os.as_ref().map(os_label);
        tx.execute(
            "INSERT INTO images (digest, name, os_json, os_label, report_json, first_seen, last_scanned)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
             ON CONFLICT (digest) DO UPDATE SET name = ?2, os_json = ?3, os_label = ?4, report_json = ?5, last_scanned = ?6",
            params![image.digest, image.name, os_json, label, image.report_json, now],
        )
        .map_err(be("storing an image"))?;
        tx.execute("DELETE FROM image_layers WHERE digest = ?1", [&image.digest]).map_err(be("storing layers"))?;
        tx.execute("DELETE FROM image_hidden WHERE digest = ?1", [&image.digest]).map_err(be("storing layers"))?;
        for layer in &image.layers {
            tx.execute(
                "INSERT INTO layers (diff_id, digest, media_type, size) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                params![layer.diff_id, layer.digest, layer.media_type, layer.size as i64],
            )
            .map_err(be("storing layers"))?;
            tx.execute(
                "INSERT INTO image_layers (digest, idx, diff_id, layer_digest, created_by) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![image.digest, layer.index, layer.diff_id, layer.digest, layer.created_by],
            )
            .map_err(be("storing layers"))?;
            // The layer's rows as stored, then this image's: rows it lacks are masked for it
            // (another image with this layer kept a package this one replaced higher up).
            let mut present = HashSet::new();
            {
                let mut ins = tx
                    .prepare_cached(
                        "INSERT INTO layer_packages (diff_id, pkg_key, name, version, purl, package_json)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (diff_id, pkg_key) DO NOTHING",
                    )
                    .map_err(be("storing packages"))?;
                let mut get = tx
                    .prepare_cached("SELECT id FROM layer_packages WHERE diff_id = ?1 AND pkg_key = ?2")
                    .map_err(be("storing packages"))?;
                for p in &layer.packages {
                    let (key, json) = pkg_key(p)?;
                    ins.execute(params![layer.diff_id, key, p.name, p.version, p.purl, json])
                        .map_err(be("storing packages"))?;
                    let id: i64 =
                        get.query_row(params![layer.diff_id, key], |r| r.get(0)).map_err(be("storing packages"))?;
                    present.insert(id);
                }
            }
            let all: Vec<i64> = {
                let mut s = tx
                    .prepare_cached("SELECT id FROM layer_packages WHERE diff_id = ?1")
                    .map_err(be("storing packages"))?;
                let v = s.query_map([&layer.diff_id], |r| r.get(0)).map_err(be("storing packages"))?;
                v.collect::<std::result::Result<_, _>>().map_err(be("storing packages"))?
            };
            for id in all.into_iter().filter(|id| !present.contains(id)) {
                tx.execute(
                    "INSERT OR IGNORE INTO image_hidden (digest, package_id) VALUES (?1, ?2)",
                    params![image.digest, id],
                )
                .map_err(be("storing packages"))?;
            }
        }
        for r in &image.references {
            tx.execute(
                "INSERT INTO refs (registry, repository, tag, digest, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (registry, repository, tag) DO UPDATE SET digest = ?4, updated_at = ?5",
                params![r.registry, r.repository, r.tag, image.digest, now],
            )
            .map_err(be("storing references"))?;
        }
        let inv = inventory_of(&tx, &image.digest)?
            .ok_or(StoreError::Corrupt { what: "image", reason: "vanished while stored".into() })?;
        tx.commit().map_err(be("storing an image"))?;
        Ok(inv)
    }

    fn inventories(&self) -> Result<Vec<ImageInventory>> {
        let c = self.reader();
        let digests: Vec<String> = {
            let mut s = c.prepare("SELECT digest FROM images ORDER BY digest").map_err(be("listing images"))?;
            let v = s.query_map([], |r| r.get(0)).map_err(be("listing images"))?;
            v.collect::<std::result::Result<_, _>>().map_err(be("listing images"))?
        };
        digests.iter().filter_map(|d| inventory_of(&c, d).transpose()).collect()
    }

    fn layer_packages(&self, diff_id: &str) -> Result<Vec<(i64, Package)>> {
        let c = self.reader();
        let mut s = c
            .prepare_cached("SELECT id, package_json FROM layer_packages WHERE diff_id = ?1 ORDER BY id")
            .map_err(be("reading packages"))?;
        let rows: Vec<(i64, String)> = s
            .query_map([diff_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(be("reading packages"))?
            .collect::<std::result::Result<_, _>>()
            .map_err(be("reading packages"))?;
        rows.into_iter().map(|(id, j)| Ok((id, serde_json::from_str(&j).map_err(corrupt("package"))?))).collect()
    }

    fn layer_package_count(&self, diff_id: &str) -> Result<usize> {
        let n: i64 = self
            .reader()
            .prepare_cached("SELECT COUNT(*) FROM layer_packages WHERE diff_id = ?1")
            .and_then(|mut s| s.query_row([diff_id], |r| r.get(0)))
            .map_err(be("counting packages"))?;
        Ok(n as usize)
    }

    fn apply_findings(&self, digest: &str, found: &[Vulnerability], now: &str) -> Result<Applied> {
        let mut c = lock(&self.writer);
        let tx = c.transaction().map_err(be("storing findings"))?;
        let mut applied = Applied::default();
        // Every row of the image (open and fixed), by key.
        let existing: HashMap<String, (i64, bool)> = {
            let mut s = tx
                .prepare_cached(
                    "SELECT id, vuln_id, package_name, package_version, purl, fixed_at IS NULL FROM findings WHERE digest = ?1",
                )
                .map_err(be("reading findings"))?;
            let v = s
                .query_map([digest], |r| {
                    let key = finding_key(
                        &r.get::<_, String>(1)?,
                        &r.get::<_, String>(2)?,
                        &r.get::<_, String>(3)?,
                        &r.get::<_, String>(4)?,
                    );
                    Ok((key, (r.get(0)?, r.get(5)?)))
                })
                .map_err(be("reading findings"))?;
            v.collect::<std::result::Result<_, _>>().map_err(be("reading findings"))?
        };
        let mut seen = HashSet::new();
        for v in found {
            let key = finding_key(&v.id, &v.package_name, &v.package_version, &v.purl);
            if !seen.insert(key.clone()) {
                continue;
            }
            let json = serde_json::to_string(v).map_err(corrupt("vulnerability"))?;
            let severity = severity_name(v.severity);
            match existing.get(&key) {
                Some((id, true)) => {
                    tx.prepare_cached(
                        "UPDATE findings SET severity = ?2, fixed_version = ?3, vuln_json = ?4 WHERE id = ?1",
                    )
                    .and_then(|mut s| s.execute(params![id, severity, v.fixed_version, json]))
                    .map_err(be("storing findings"))?;
                }
                Some((id, false)) => {
                    // Back after a fix (a wrong fix range corrected upstream): news again.
                    tx.execute(
                        "UPDATE findings SET severity = ?2, fixed_version = ?3, vuln_json = ?4, first_seen = ?5, fixed_at = NULL WHERE id = ?1",
                        params![id, severity, v.fixed_version, json, now],
                    )
                    .map_err(be("storing findings"))?;
                    applied.new.push(new_row(digest, v, now));
                }
                None => {
                    tx.prepare_cached(
                        "INSERT INTO findings (digest, vuln_id, package_name, package_version, purl, severity, fixed_version, first_seen, vuln_json)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    )
                    .and_then(|mut s| {
                        s.execute(params![digest, v.id, v.package_name, v.package_version, v.purl, severity, v.fixed_version, now, json])
                    })
                    .map_err(be("storing findings"))?;
                    applied.new.push(new_row(digest, v, now));
                }
            }
            let mut alias = tx
                .prepare_cached("INSERT OR IGNORE INTO vuln_aliases (alias, vuln_id) VALUES (?1, ?2)")
                .map_err(be("storing aliases"))?;
            for a in std::iter::once(&v.id).chain(&v.aliases) {
                alias.execute(params![a, v.id]).map_err(be("storing aliases"))?;
            }
        }
        for (key, (id, open)) in &existing {
            if *open && !seen.contains(key) {
                tx.execute("UPDATE findings SET fixed_at = ?2 WHERE id = ?1", params![id, now])
                    .map_err(be("storing findings"))?;
                applied.fixed += 1;
            }
        }
        tx.commit().map_err(be("storing findings"))?;
        Ok(applied)
    }

    fn snapshot_counts(&self, date: &str) -> Result<()> {
        let c = lock(&self.writer);
        c.execute(
            "INSERT INTO daily_counts (date, critical, high, medium, low, unknown)
             SELECT ?1, COALESCE(SUM(severity = 'CRITICAL'), 0), COALESCE(SUM(severity = 'HIGH'), 0), COALESCE(SUM(severity = 'MEDIUM'), 0),
                    COALESCE(SUM(severity = 'LOW'), 0), COALESCE(SUM(severity = 'UNKNOWN'), 0)
             FROM findings WHERE fixed_at IS NULL
             ON CONFLICT (date) DO UPDATE SET critical = excluded.critical, high = excluded.high,
                 medium = excluded.medium, low = excluded.low, unknown = excluded.unknown",
            [date],
        )
        .map_err(be("recording counts"))?;
        Ok(())
    }

    fn history(&self, since: &str) -> Result<Vec<(String, BTreeMap<&'static str, u64>)>> {
        let c = self.reader();
        let mut s = c
            .prepare(
                "SELECT date, critical, high, medium, low, unknown FROM daily_counts WHERE date >= ?1 ORDER BY date",
            )
            .map_err(be("reading history"))?;
        let v = s
            .query_map([since], |r| {
                let mut m = BTreeMap::new();
                for (i, name) in SEVERITIES.iter().enumerate() {
                    m.insert(*name, r.get::<_, i64>(i + 1)? as u64);
                }
                Ok((r.get(0)?, m))
            })
            .map_err(be("reading history"))?
            .collect::<std::result::Result<_, _>>();
        v.map_err(be("reading history"))
    }

    fn image_summaries(&self) -> Result<Vec<ImageSummary>> {
        let c = self.reader();
        let mut s = c
            .prepare(
                "SELECT i.digest, i.os_label, i.last_scanned,
                        COALESCE(SUM(f.severity = 'CRITICAL'), 0), COALESCE(SUM(f.severity = 'HIGH'), 0),
                        COALESCE(SUM(f.severity = 'MEDIUM'), 0), COALESCE(SUM(f.severity = 'LOW'), 0),
                        COALESCE(SUM(f.severity = 'UNKNOWN'), 0), COALESCE(SUM(f.fixed_version IS NOT NULL), 0)
                 FROM images i LEFT JOIN findings f ON f.digest = i.digest AND f.fixed_at IS NULL
                 GROUP BY i.digest ORDER BY i.last_scanned DESC, i.digest",
            )
            .map_err(be("listing images"))?;
        let rows: Vec<ImageSummary> = s
            .query_map([], |r| {
                let mut counts = BTreeMap::new();
                let mut worst = "NONE";
                for (i, name) in SEVERITIES.iter().enumerate() {
                    let n = r.get::<_, i64>(3 + i)? as u64;
                    if n > 0 && worst == "NONE" {
                        worst = name;
                    }
                    counts.insert(*name, n);
                }
                Ok(ImageSummary {
                    digest: r.get(0)?,
                    references: Vec::new(),
                    os: r.get(1)?,
                    last_scanned: r.get(2)?,
                    counts,
                    fixable: r.get::<_, i64>(8)? as u64,
                    worst_severity: worst,
                    workloads: Vec::new(),
                })
            })
            .map_err(be("listing images"))?
            .collect::<std::result::Result<_, _>>()
            .map_err(be("listing images"))?;
        rows.into_iter()
            .map(|mut row| {
                row.references = ref_strings(&c, &row.digest)?;
                row.workloads = workloads_of(&c, &row.digest)?;
                Ok(row)
            })
            .collect()
    }

    fn image(&self, digest: &str) -> Result<Option<StoredImage>> {
        let c = self.reader();
        let report_json: Option<String> = c
            .query_row("SELECT report_json FROM images WHERE digest = ?1", [digest], |r| r.get(0))
            .optional()
            .map_err(be("reading an image"))?;
        let Some(report_json) = report_json else { return Ok(None) };
        let inv =
            inventory_of(&c, digest)?.ok_or(StoreError::Corrupt { what: "image", reason: "no inventory".into() })?;
        let mut packages = Vec::new();
        let mut s = c
            .prepare_cached("SELECT id, package_json FROM layer_packages WHERE diff_id = ?1 ORDER BY id")
            .map_err(be("reading packages"))?;
        for layer in &inv.layers {
            let rows: Vec<(i64, String)> = s
                .query_map([&layer.diff_id], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(be("reading packages"))?
                .collect::<std::result::Result<_, _>>()
                .map_err(be("reading packages"))?;
            for (id, json) in rows {
                if inv.hidden.contains(&id) {
                    continue;
                }
                let mut p: Package = serde_json::from_str(&json).map_err(corrupt("package"))?;
                p.layer = crate::matcher::layer_ref(layer);
                packages.push(p);
            }
        }
        let mut s = c
            .prepare_cached(&format!(
                "SELECT {FINDING_COLS}, f.vuln_json FROM findings f WHERE f.digest = ?1 ORDER BY f.fixed_at IS NOT NULL, f.vuln_id"
            ))
            .map_err(be("reading findings"))?;
        let rows: Vec<(FindingRow, String)> = s
            .query_map([digest], |r| Ok((finding_row(r)?, r.get(9)?)))
            .map_err(be("reading findings"))?
            .collect::<std::result::Result<_, _>>()
            .map_err(be("reading findings"))?;
        let findings = rows
            .into_iter()
            .map(|(f, j)| Ok((f, serde_json::from_str(&j).map_err(corrupt("vulnerability"))?)))
            .collect::<Result<_>>()?;
        Ok(Some(StoredImage { report_json, packages, findings }))
    }

    fn references(&self, digest: &str) -> Result<Vec<Reference>> {
        refs_of(&self.reader(), digest)
    }

    fn image_exists(&self, digest: &str) -> Result<bool> {
        self.reader()
            .query_row("SELECT EXISTS(SELECT 1 FROM images WHERE digest = ?1)", [digest], |r| r.get(0))
            .map_err(be("reading an image"))
    }

    fn vuln_ids_for(&self, id: &str) -> Result<Vec<String>> {
        let c = self.reader();
        let mut s = c
            .prepare_cached("SELECT DISTINCT vuln_id FROM vuln_aliases WHERE alias = ?1 ORDER BY vuln_id")
            .map_err(be("reading aliases"))?;
        let v = s.query_map([id], |r| r.get(0)).map_err(be("reading aliases"))?.collect::<std::result::Result<_, _>>();
        v.map_err(be("reading aliases"))
    }

    fn any_vulnerability(&self, ids: &[String]) -> Result<Option<Vulnerability>> {
        let c = self.reader();
        for id in ids {
            let j: Option<String> = c
                .query_row(
                    "SELECT vuln_json FROM findings WHERE vuln_id = ?1 ORDER BY fixed_at IS NOT NULL LIMIT 1",
                    [id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(be("reading findings"))?;
            if let Some(j) = j {
                return Ok(Some(serde_json::from_str(&j).map_err(corrupt("vulnerability"))?));
            }
        }
        Ok(None)
    }

    fn affected_images(&self, ids: &[String]) -> Result<Vec<AffectedImage>> {
        let c = self.reader();
        let mut out = Vec::new();
        // Three queries per id (findings, their images' references, their workloads), not two
        // per affected image: an advisory on a base layer reaches thousands of images.
        let mut s = c
            .prepare_cached(&format!(
                "SELECT {FINDING_COLS} FROM findings f WHERE f.vuln_id = ?1 AND f.fixed_at IS NULL ORDER BY f.digest"
            ))
            .map_err(be("reading findings"))?;
        let mut rs = c
            .prepare_cached(
                "SELECT r.digest, r.registry, r.repository, r.tag FROM refs r WHERE r.digest IN
                   (SELECT f.digest FROM findings f WHERE f.vuln_id = ?1 AND f.fixed_at IS NULL)
                 ORDER BY r.registry, r.repository, r.tag",
            )
            .map_err(be("reading references"))?;
        let mut ws = c
            .prepare_cached(
                "SELECT w.digest, w.cluster, w.namespace, w.kind, w.name FROM workloads w WHERE w.digest IN
                   (SELECT f.digest FROM findings f WHERE f.vuln_id = ?1 AND f.fixed_at IS NULL)
                 ORDER BY w.cluster, w.namespace, w.kind, w.name",
            )
            .map_err(be("reading workloads"))?;
        for id in ids {
            let rows: Vec<FindingRow> = s
                .query_map([id], finding_row)
                .map_err(be("reading findings"))?
                .collect::<std::result::Result<_, _>>()
                .map_err(be("reading findings"))?;
            let mut refs: HashMap<String, Vec<String>> = HashMap::new();
            for r in rs
                .query_map([id], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        Reference { registry: r.get(1)?, repository: r.get(2)?, tag: r.get(3)? },
                    ))
                })
                .map_err(be("reading references"))?
            {
                let (d, r) = r.map_err(be("reading references"))?;
                refs.entry(d).or_default().push(r.display());
            }
            let mut loads: HashMap<String, Vec<Workload>> = HashMap::new();
            for w in ws
                .query_map([id], |r| {
                    let w = Workload { cluster: r.get(1)?, namespace: r.get(2)?, kind: r.get(3)?, name: r.get(4)? };
                    Ok((r.get::<_, String>(0)?, w))
                })
                .map_err(be("reading workloads"))?
            {
                let (d, w) = w.map_err(be("reading workloads"))?;
                loads.entry(d).or_default().push(w);
            }
            for f in rows {
                out.push(AffectedImage {
                    references: refs.get(&f.digest).cloned().unwrap_or_default(),
                    workloads: loads.get(&f.digest).cloned().unwrap_or_default(),
                    digest: f.digest,
                    package: AffectedPackage { name: f.package, version: f.version, purl: f.purl },
                    fixed_version: f.fixed_version,
                    severity: f.severity,
                    first_seen: f.first_seen,
                });
            }
        }
        Ok(out)
    }

    fn open_findings(&self, digest: &str) -> Result<Vec<FindingRow>> {
        let c = self.reader();
        let mut s = c
            .prepare_cached(&format!(
                "SELECT {FINDING_COLS} FROM findings f WHERE f.digest = ?1 AND f.fixed_at IS NULL ORDER BY f.vuln_id, f.package_name"
            ))
            .map_err(be("reading findings"))?;
        let v =
            s.query_map([digest], finding_row).map_err(be("reading findings"))?.collect::<std::result::Result<_, _>>();
        v.map_err(be("reading findings"))
    }

    fn new_findings_since(&self, since: &str, limit: usize) -> Result<Vec<FindingRow>> {
        let c = self.reader();
        let mut s = c
            .prepare_cached(&format!(
                "SELECT {FINDING_COLS} FROM findings f WHERE f.first_seen >= ?1 AND f.fixed_at IS NULL
                 ORDER BY f.first_seen DESC, f.id DESC LIMIT ?2"
            ))
            .map_err(be("reading findings"))?;
        let v = s
            .query_map(params![since, limit as i64], finding_row)
            .map_err(be("reading findings"))?
            .collect::<std::result::Result<_, _>>();
        v.map_err(be("reading findings"))
    }

    fn packages_by_purl(&self, purl: &str) -> Result<Vec<PackageImages>> {
        let c = self.reader();
        // `pkg:npm/lodash` matches `pkg:npm/lodash@4.17.15` and `...@4.17.15?arch=x`, as a range
        // on the indexed column.
        let lo = format!("{purl}@");
        let hi = format!("{purl}A"); // 'A' sorts right after '@'
        let mut s = c
            .prepare_cached(
                "SELECT lp.purl, lp.name, lp.version, il.digest FROM layer_packages lp
                 JOIN image_layers il ON il.diff_id = lp.diff_id
                 WHERE (lp.purl = ?1 OR (lp.purl >= ?2 AND lp.purl < ?3))
                   AND NOT EXISTS (SELECT 1 FROM image_hidden h WHERE h.digest = il.digest AND h.package_id = lp.id)
                 ORDER BY lp.purl, il.digest",
            )
            .map_err(be("reading packages"))?;
        let rows: Vec<(String, String, String, String)> = s
            .query_map(params![purl, lo, hi], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(be("reading packages"))?
            .collect::<std::result::Result<_, _>>()
            .map_err(be("reading packages"))?;
        let mut out: Vec<PackageImages> = Vec::new();
        for (p, n, v, d) in rows {
            match out.last_mut() {
                Some(last) if last.0 == p && last.1 == n && last.2 == v => {
                    if !last.3.contains(&d) {
                        last.3.push(d)
                    }
                }
                _ => out.push((p, n, v, vec![d])),
            }
        }
        Ok(out)
    }

    fn search_images(&self, q: &str, limit: usize) -> Result<Vec<(String, Vec<String>)>> {
        let c = self.reader();
        let like = format!("%{}%", q.replace(['%', '_'], ""));
        let digests: Vec<String> = {
            let mut s = c
                .prepare_cached(
                    "SELECT DISTINCT digest FROM (
                         SELECT digest FROM refs WHERE repository LIKE ?1 OR tag LIKE ?1 OR registry LIKE ?1
                         UNION SELECT digest FROM images WHERE digest LIKE ?1 OR name LIKE ?1)
                     ORDER BY digest LIMIT ?2",
                )
                .map_err(be("searching"))?;
            let v = s.query_map(params![like, limit as i64], |r| r.get(0)).map_err(be("searching"))?;
            v.collect::<std::result::Result<_, _>>().map_err(be("searching"))?
        };
        digests.into_iter().map(|d| Ok((d.clone(), ref_strings(&c, &d)?))).collect()
    }

    fn search_vulnerabilities(&self, q: &str, limit: usize) -> Result<Vec<(String, Severity)>> {
        let c = self.reader();
        let prefix = format!("{}%", q.replace(['%', '_'], ""));
        let mut s = c
            .prepare_cached(
                // The most severe of the id's findings (severities are stored by name, so not MAX).
                "SELECT f.vuln_id, CASE MIN(CASE f.severity WHEN 'CRITICAL' THEN 0 WHEN 'HIGH' THEN 1
                     WHEN 'MEDIUM' THEN 2 WHEN 'LOW' THEN 3 ELSE 4 END)
                   WHEN 0 THEN 'CRITICAL' WHEN 1 THEN 'HIGH' WHEN 2 THEN 'MEDIUM' WHEN 3 THEN 'LOW'
                   ELSE 'UNKNOWN' END FROM findings f
                 WHERE f.vuln_id IN (SELECT vuln_id FROM vuln_aliases WHERE alias LIKE ?1)
                 GROUP BY f.vuln_id ORDER BY f.vuln_id LIMIT ?2",
            )
            .map_err(be("searching"))?;
        let v = s
            .query_map(params![prefix, limit as i64], |r| Ok((r.get::<_, String>(0)?, sev(&r.get::<_, String>(1)?))))
            .map_err(be("searching"))?
            .collect::<std::result::Result<_, _>>();
        v.map_err(be("searching"))
    }

    fn search_packages(&self, q: &str, limit: usize) -> Result<Vec<(String, String)>> {
        let c = self.reader();
        let prefix = format!("{}%", q.replace(['%', '_'], ""));
        let mut s = c
            .prepare_cached(
                "SELECT name, MIN(purl) FROM layer_packages WHERE name LIKE ?1 GROUP BY name ORDER BY name LIMIT ?2",
            )
            .map_err(be("searching"))?;
        let v = s
            .query_map(params![prefix, limit as i64], |r| {
                let purl: String = r.get(1)?;
                // The package's purl without its version: what `packages?purl=` takes.
                let base = purl.split('@').next().unwrap_or_default().to_owned();
                Ok((r.get(0)?, base))
            })
            .map_err(be("searching"))?
            .collect::<std::result::Result<_, _>>();
        v.map_err(be("searching"))
    }

    fn put_workload(&self, digest: &str, w: &Workload, now: &str) -> Result<()> {
        lock(&self.writer)
            .execute(
                "INSERT INTO workloads (digest, cluster, namespace, kind, name, reported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT DO UPDATE SET reported_at = ?6",
                params![digest, w.cluster, w.namespace, w.kind, w.name, now],
            )
            .map_err(be("storing a workload"))?;
        Ok(())
    }

    fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRow>> {
        let row: Option<(i64, String, String)> = self
            .reader()
            .query_row("SELECT id, role, name FROM tokens WHERE hash = ?1", [hash], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()
            .map_err(be("reading tokens"))?;
        row.map(|(id, role, name)| {
            let role = role.parse().map_err(|_| StoreError::Corrupt { what: "token role", reason: role.clone() })?;
            Ok(TokenRow { id, role, name })
        })
        .transpose()
    }

    fn put_token(&self, hash: &str, role: Role, name: &str, now: &str) -> Result<i64> {
        let c = lock(&self.writer);
        c.execute(
            "INSERT INTO tokens (hash, role, name, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (hash) DO NOTHING",
            params![hash, role.as_str(), name, now],
        )
        .map_err(be("storing a token"))?;
        c.query_row("SELECT id FROM tokens WHERE hash = ?1", [hash], |r| r.get(0)).map_err(be("storing a token"))
    }

    fn audit(&self, token_id: Option<i64>, action: &str, detail: &str, now: &str) -> Result<()> {
        lock(&self.writer)
            .execute(
                "INSERT INTO audit (at, token_id, action, detail) VALUES (?1, ?2, ?3, ?4)",
                params![now, token_id, action, detail],
            )
            .map_err(be("writing the audit log"))?;
        Ok(())
    }

    fn audit_log(&self, limit: usize) -> Result<Vec<AuditRow>> {
        let c = self.reader();
        let mut s = c
            .prepare("SELECT id, at, token_id, action, detail FROM audit ORDER BY id DESC LIMIT ?1")
            .map_err(be("reading the audit log"))?;
        let v = s
            .query_map([limit as i64], |r| {
                Ok(AuditRow { id: r.get(0)?, at: r.get(1)?, token_id: r.get(2)?, action: r.get(3)?, detail: r.get(4)? })
            })
            .map_err(be("reading the audit log"))?
            .collect::<std::result::Result<_, _>>();
        v.map_err(be("reading the audit log"))
    }

    fn meta(&self, key: &str) -> Result<Option<String>> {
        self.reader()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(be("reading meta"))
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        lock(&self.writer)
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
                params![key, value],
            )
            .map_err(be("writing meta"))?;
        Ok(())
    }
}

fn new_row(digest: &str, v: &Vulnerability, now: &str) -> FindingRow {
    FindingRow {
        digest: digest.to_owned(),
        id: v.id.clone(),
        severity: v.severity,
        package: v.package_name.clone(),
        version: v.package_version.clone(),
        purl: v.purl.clone(),
        fixed_version: v.fixed_version.clone(),
        first_seen: now.to_owned(),
        fixed_at: None,
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_model::PackageKind;

    use super::*;

    fn layer(i: i64, diff: &str, pkgs: &[(&str, &str)]) -> IngestLayer {
        IngestLayer {
            index: i,
            diff_id: diff.into(),
            digest: None,
            media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
            size: 1,
            created_by: Some(format!("RUN step {i}")),
            packages: pkgs
                .iter()
                .map(|(n, v)| {
                    let mut p = Package::new(PackageKind::Npm, *n, *v, "app/package-lock.json");
                    p.purl = format!("pkg:npm/{n}@{v}");
                    p
                })
                .collect(),
        }
    }

    fn image(digest: &str, layers: Vec<IngestLayer>) -> IngestImage {
        IngestImage {
            digest: digest.into(),
            name: "reg.example/app:1".into(),
            os: None,
            report_json: "{}".into(),
            layers,
            references: vec![Reference {
                registry: "reg.example".into(),
                repository: "app".into(),
                tag: digest.into(),
            }],
        }
    }

    #[test]
    fn migrations_are_versioned_and_run_once() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(s.applied_migrations().unwrap(), vec![1]);
        s.set_meta("k", "v").unwrap();
        drop(s);
        let s = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(s.applied_migrations().unwrap(), vec![1]);
        assert_eq!(s.meta("k").unwrap().as_deref(), Some("v"));
    }

    #[test]
    fn a_shared_layer_is_stored_once_and_masked_per_image() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(dir.path()).unwrap();
        let base = layer(0, "sha256:base", &[("a", "1"), ("b", "1")]);
        s.put_image(&image("sha256:one", vec![base.clone(), layer(1, "sha256:app1", &[("c", "1")])]), "t").unwrap();
        // The second image replaced `b` higher up: the base layer's `b` row is masked for it.
        let mut base2 = base.clone();
        base2.packages.retain(|p| p.name != "b");
        let inv = s.put_image(&image("sha256:two", vec![base2, layer(1, "sha256:app2", &[("b", "2")])]), "t").unwrap();
        assert_eq!(s.layer_packages("sha256:base").unwrap().len(), 2, "stored once");
        assert_eq!(inv.hidden.len(), 1);
        let two = s.image("sha256:two").unwrap().unwrap();
        let names: Vec<_> = two.packages.iter().map(|p| format!("{}@{}", p.name, p.version)).collect();
        assert_eq!(names, ["a@1", "b@2"]);
        assert_eq!(two.packages[1].layer.as_ref().unwrap().created_by.as_deref(), Some("RUN step 1"));
        let b = s.packages_by_purl("pkg:npm/b").unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].3, ["sha256:one"]);
        assert_eq!(b[1].3, ["sha256:two"]);
    }

    #[test]
    fn search_names_the_most_severe_finding_of_an_id() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(dir.path()).unwrap();
        s.put_image(&image("sha256:one", vec![layer(0, "sha256:l", &[("a", "1"), ("b", "1")])]), "t").unwrap();
        // One id in two packages, rated differently (as distro advisories are per package).
        let finding = |pkg: &str, severity: &str| -> Vulnerability {
            serde_json::from_value(serde_json::json!({
                "id": "CVE-2024-0001", "aliases": ["GHSA-xxxx-yyyy-zzzz"], "package_name": pkg,
                "package_version": "1", "package_kind": "npm", "purl": format!("pkg:npm/{pkg}@1"),
                "status": "fixed", "fixed_version": "2", "severity": severity, "data_source": "test",
            }))
            .unwrap()
        };
        for order in [["LOW", "HIGH"], ["HIGH", "LOW"]] {
            s.apply_findings("sha256:one", &[finding("a", order[0]), finding("b", order[1])], "t").unwrap();
            let found = s.search_vulnerabilities("ghsa-xxxx", 10).unwrap();
            assert_eq!(found, [("CVE-2024-0001".to_owned(), Severity::High)], "{order:?}");
        }
    }
}
