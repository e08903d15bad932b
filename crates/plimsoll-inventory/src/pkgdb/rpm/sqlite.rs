//! rpm's sqlite backend, `rpmdb.sqlite` (rpm >= 4.16: Fedora 33+, RHEL 9, CBL-Mariner, Amazon
//! Linux 2023): table `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`, one header blob per row.
//!
//! The file is loaded into an in-memory, read-only SQLite database (`sqlite3_deserialize`), so
//! nothing touches the disk. The database file is attacker controlled, so the connection is set
//! up as SQLite's "defense against the dark arts" advice says: defensive mode, no trusted schema,
//! cell size checks, a cap on value sizes; and `Packages` must be a plain table (a view or
//! generated columns could make reading it arbitrarily expensive).

use rusqlite::config::DbConfig;
use rusqlite::limits::Limit;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, OptionalExtension, MAIN_DB};

use super::{DbError, Sink};

const MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// rpm's own limit on a header blob (`headerMaxbytes`).
const MAX_VALUE: i32 = 256 * 1024 * 1024;

/// Whether `content` starts with the SQLite file magic.
pub fn sniff(content: &[u8]) -> bool {
    content.starts_with(MAGIC)
}

fn db_err(e: rusqlite::Error) -> DbError {
    DbError::new(format!("sqlite: {e}"))
}

/// Calls `f(hnum, blob)` for every row of `Packages`, in `hnum` order. A row whose blob is not a
/// blob is reported to `f`; a database SQLite cannot open or query is an error.
pub fn read(content: &[u8], f: &mut Sink<'_>) -> Result<(), DbError> {
    if !sniff(content) || content.len() < 100 {
        return Err(DbError::at(0, "not a SQLite database"));
    }
    let mut conn =
        Connection::open_in_memory_with_flags(OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(db_err)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true).map_err(db_err)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false).map_err(db_err)?;
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE).map_err(db_err)?;

    // rpm keeps its database in WAL mode (header bytes 18/19 = 2), which an in-memory database
    // cannot open; present it as a rollback-journal database instead. Any -wal file next to it is
    // a separate file that the analyzer never sees; rpm checkpoints it on close.
    let (head, rest) = content.split_at(18);
    let patched = std::io::Read::chain(std::io::Read::chain(head, &[1u8, 1][..]), &rest[2..]);
    conn.deserialize_read_exact(MAIN_DB, patched, content.len(), true).map_err(db_err)?;
    conn.pragma_update(None, "cell_size_check", true).map_err(db_err)?;
    conn.pragma_update(None, "query_only", true).map_err(db_err)?;

    let kind: Option<String> = conn
        .query_row("SELECT type FROM sqlite_schema WHERE name = 'Packages'", [], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    match kind.as_deref() {
        Some("table") => {}
        Some(other) => return Err(DbError::new(format!("`Packages` is a {other}, not a table"))),
        None => return Err(DbError::new("no `Packages` table")),
    }
    // table_xinfo's `hidden` is 2 or 3 for generated columns.
    let generated: i64 = conn
        .query_row("SELECT count(*) FROM pragma_table_xinfo('Packages') WHERE hidden IN (2, 3)", [], |r| r.get(0))
        .map_err(db_err)?;
    if generated > 0 {
        return Err(DbError::new("`Packages` has generated columns"));
    }

    let mut stmt = conn.prepare("SELECT hnum, blob FROM Packages ORDER BY hnum").map_err(db_err)?;
    let mut rows = stmt.query([]).map_err(db_err)?;
    // Rows hold their own storage, so all blobs together are smaller than the file. A corrupt file
    // whose rows share overflow pages could otherwise cost rows x blob size.
    let mut budget = content.len();
    while let Some(row) = rows.next().map_err(db_err)? {
        let hnum = match row.get_ref(0).map_err(db_err)? {
            ValueRef::Integer(n) => u32::try_from(n).unwrap_or(0),
            _ => 0,
        };
        match row.get_ref(1).map_err(db_err)? {
            ValueRef::Blob(blob) => {
                budget = budget
                    .checked_sub(blob.len())
                    .ok_or_else(|| DbError::new("the blobs add up to more than the file: rows share storage"))?;
                f(hnum, Ok(blob))
            }
            other => f(hnum, Err(DbError::new(format!("row {hnum}: blob column holds {:?}", other.data_type())))),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds an rpm-style database with rusqlite and serializes it to file bytes.
    fn db(setup: &str, wal: bool) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rpmdb.sqlite");
        let conn = Connection::open(&path).unwrap();
        if wal {
            conn.pragma_update(None, "journal_mode", "wal").unwrap();
        }
        conn.execute_batch(setup).unwrap();
        drop(conn);
        std::fs::read(path).unwrap()
    }

    const SCHEMA: &str = "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);";

    fn collect(content: &[u8]) -> Result<super::super::Collected, DbError> {
        super::super::collect(read, content)
    }

    #[test]
    fn reads_rows_from_a_wal_mode_database() {
        let bytes = db(&format!("{SCHEMA} INSERT INTO Packages VALUES (2, x'0102'), (1, x'03'), (3, 'text');"), true);
        assert_eq!(&bytes[18..20], &[2, 2], "fixture should be in WAL mode");
        let (ok, bad) = collect(&bytes).unwrap();
        assert_eq!(ok, vec![(1, vec![3]), (2, vec![1, 2])]);
        assert_eq!(bad.len(), 1, "a text value is reported: {bad:?}");
    }

    #[test]
    fn views_and_missing_tables_are_rejected() {
        let view = db("CREATE TABLE t (hnum INTEGER, blob BLOB); CREATE VIEW Packages AS SELECT * FROM t;", false);
        assert!(collect(&view).unwrap_err().to_string().contains("view"));
        let none = db("CREATE TABLE other (x);", false);
        assert!(collect(&none).unwrap_err().to_string().contains("no `Packages`"));
        let generated = db("CREATE TABLE Packages (hnum INTEGER, x BLOB, blob BLOB AS (zeroblob(1000000000)));", false);
        assert!(collect(&generated).unwrap_err().to_string().contains("generated"));
    }

    #[test]
    fn corrupt_files_are_errors() {
        let good = db(&format!("{SCHEMA} INSERT INTO Packages VALUES (1, x'0102');"), false);
        assert!(collect(&good[..100]).is_err());
        assert!(collect(b"SQLite format 3\0").is_err());
        // Corrupting pages may or may not be detected, but must never panic.
        for i in (100..good.len()).step_by(13) {
            let mut m = good.clone();
            m[i] ^= 0xff;
            let _ = collect(&m);
        }
    }
}
