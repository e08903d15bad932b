//! rpm package databases, read without the `rpm` binary or libdb.
//!
//! rpm keeps one header blob per installed package (the package's own header, see [`header`]) in
//! one of three storage formats, told apart here by their magic rather than their file name:
//! - sqlite `rpmdb.sqlite` ([`sqlite`]; rpm >= 4.16: Fedora, RHEL 9, CBL-Mariner, Amazon Linux 2023),
//! - Berkeley DB hash `Packages` ([`bdb`]; RHEL/CentOS <= 8, Amazon Linux 2, older SUSE),
//! - NDB `Packages.db` ([`ndb`]; SLE 15 SP3+, openSUSE).
//!
//! Every backend hands its blobs to one header parser, and each header becomes a [`Package`].
//! A header that cannot be read is skipped and reported in [`Facts::warnings`]; the rest of the
//! database is still read.
//!
//! Decisions, so that our output and `rpm -qa` can be compared:
//! - `gpg-pubkey` entries are skipped. `rpm -qa` lists them, but they are imported signing keys
//!   that rpm stores as pseudo-packages (no files, no arch, no source), not installed software;
//!   Trivy and Syft skip them too.
//! - `version` is `[epoch:]version-release`, with the epoch only when it is non-zero (rpm treats
//!   a missing epoch as 0, so `0:1.0-1` and `1.0-1` are the same version). `epoch` is the EPOCH
//!   tag as stored: `Some(0)` when the package declares epoch 0, `None` when it declares none.
//! - `source_version` is `[epoch:]version-release` of the SOURCERPM file name, with the binary
//!   package's epoch (a source rpm's file name carries none; binaries share their source's epoch).

pub mod bdb;
pub mod header;
pub mod ndb;
pub mod sqlite;

use std::fmt;

use plimsoll_model::{Package, PackageKind};

use crate::{AnalyzeError, Analyzer, Facts, MAX_FILES_PER_FILE, MAX_PACKAGES_PER_FILE};
use header::Header;

/// Reads rpm databases at their standard locations, whatever their backend.
pub struct RpmDatabase;

/// Where rpm keeps its database: `var/lib/rpm` (classic), `usr/lib/sysimage/rpm` (Fedora 36+,
/// SUSE) and `usr/share/rpm` (older SUSE images).
const DB_DIRS: &[&str] = &["var/lib/rpm/", "usr/lib/sysimage/rpm/", "usr/share/rpm/"];
const DB_FILES: &[&str] = &["Packages", "Packages.db", "rpmdb.sqlite"];

// One header lists at most rpm's HEADER_ARRAY_MAX paths (the header parser refuses more), below
// the file-path cap: only many records together reach it, which `read_packages` counts.
const _: () = assert!((header::MAX_ARRAY as usize) < MAX_FILES_PER_FILE);

/// Largest rpm database file read.
pub const RPMDB_MAX: u64 = 192 * 1024 * 1024;

/// Per-record warnings listed one by one before they are summarised.
const MAX_WARNINGS: usize = 20;

impl Analyzer for RpmDatabase {
    fn name(&self) -> &'static str {
        "rpmdb"
    }
    fn version(&self) -> u32 {
        3
    }
    /// A package database: a copy too large to read fails the gate (see `Analyzer`).
    fn package_database(&self) -> bool {
        true
    }
    fn wants(&self, path: &str) -> bool {
        DB_DIRS.iter().any(|dir| path.strip_prefix(dir).is_some_and(|file| DB_FILES.contains(&file)))
    }
    /// The walk hands analyzers whole files. Container images' rpm databases are a few to a few
    /// tens of MiB (a full RHEL install about 100 MiB); larger ones are refused and reported.
    fn max_size(&self) -> u64 {
        RPMDB_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let read = read_packages(path, content)?;
        Ok(Facts { packages: read.packages, warnings: read.warnings, ..Facts::default() })
    }
}

/// The storage format of an rpm database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    BerkeleyDb,
    Ndb,
}

impl Backend {
    /// Identifies the format from the file's magic bytes.
    pub fn detect(content: &[u8]) -> Option<Backend> {
        if sqlite::sniff(content) {
            Some(Backend::Sqlite)
        } else if ndb::sniff(content) {
            Some(Backend::Ndb)
        } else if bdb::sniff(content) {
            Some(Backend::BerkeleyDb)
        } else {
            None
        }
    }

    /// rpm's name for the backend (`%_db_backend`).
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::BerkeleyDb => "bdb",
            Backend::Ndb => "ndb",
        }
    }
}

/// What one database file held.
#[derive(Debug, Clone, PartialEq)]
pub struct RpmPackages {
    /// `None` for an empty file.
    pub backend: Option<Backend>,
    /// In database order, `gpg-pubkey` entries left out.
    pub packages: Vec<Package>,
    /// Records that could not be read, for diagnostics.
    pub warnings: Vec<String>,
}

/// A structural problem in a database file, at a byte offset when one is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbError {
    pub offset: Option<u64>,
    pub reason: String,
}

impl DbError {
    fn new(reason: impl Into<String>) -> Self {
        DbError { offset: None, reason: reason.into() }
    }

    fn at(offset: u64, reason: impl Into<String>) -> Self {
        DbError { offset: Some(offset), reason: reason.into() }
    }

    fn into_analyze(self, path: &str) -> AnalyzeError {
        match self.offset {
            Some(offset) => AnalyzeError::MalformedAt { path: path.to_owned(), reason: self.reason, offset },
            None => AnalyzeError::Malformed { path: path.to_owned(), reason: self.reason },
        }
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "{} (at byte offset {offset})", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

/// Receives each record of a database from a backend: its number (0 when unknown) and its header
/// blob, or why it could not be read.
pub type Sink<'f> = dyn FnMut(u32, Result<&[u8], DbError>) + 'f;

/// Blobs and per-record errors, as the backends' tests collect them.
#[cfg(test)]
type Collected = (Vec<(u32, Vec<u8>)>, Vec<String>);

#[cfg(test)]
fn collect(read: fn(&[u8], &mut Sink<'_>) -> Result<(), DbError>, content: &[u8]) -> Result<Collected, DbError> {
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    read(content, &mut |id, r| match r {
        Ok(b) => ok.push((id, b.to_vec())),
        Err(e) => bad.push(e.to_string()),
    })?;
    Ok((ok, bad))
}

/// Calls `f(record number, header blob)` for every record of the database, whatever its backend,
/// and returns the backend with the records it could not read. For tools that re-export headers.
pub fn for_each_header_blob(
    path: &str,
    content: &[u8],
    f: &mut dyn FnMut(u32, &[u8]),
) -> Result<(Backend, Vec<String>), AnalyzeError> {
    let mut warnings = Warnings::default();
    let backend = walk(path, content, &mut |id, blob| match blob {
        Ok(blob) => f(id, blob),
        Err(e) => warnings.push(id, &e),
    })?;
    Ok((backend, warnings.finish()))
}

fn walk(path: &str, content: &[u8], f: &mut Sink<'_>) -> Result<Backend, AnalyzeError> {
    let Some(backend) = Backend::detect(content) else {
        return Err(AnalyzeError::Malformed {
            path: path.to_owned(),
            reason: "not an rpm database (no sqlite, Berkeley DB or NDB magic)".into(),
        });
    };
    match backend {
        Backend::Sqlite => sqlite::read(content, f),
        Backend::BerkeleyDb => bdb::read(content, f),
        Backend::Ndb => ndb::read(content, f),
    }
    .map_err(|e| e.into_analyze(path))?;
    Ok(backend)
}

/// Reads every package of an rpm database file. `path` (relative to the root) names the file in
/// errors and becomes each package's `found_in`.
///
/// An empty file holds no packages. A file that is not an rpm database, or whose structure is
/// broken, is an error; so is a database none of whose headers can be read.
pub fn read_packages(path: &str, content: &[u8]) -> Result<RpmPackages, AnalyzeError> {
    read_packages_capped(path, content, MAX_PACKAGES_PER_FILE, MAX_FILES_PER_FILE)
}

/// [`read_packages`] with the record and file-path caps given (tests use small ones).
fn read_packages_capped(
    path: &str,
    content: &[u8],
    max_packages: usize,
    max_files: usize,
) -> Result<RpmPackages, AnalyzeError> {
    if content.is_empty() {
        // A placeholder, or a database file created but never written.
        return Ok(RpmPackages { backend: None, packages: Vec::new(), warnings: Vec::new() });
    }
    let mut packages = Vec::new();
    let mut warnings = Warnings::default();
    // Past a cap the rest of the records are not decoded (the walk itself only visits pages of
    // the file, which `max_size` bounds) and the whole file is refused below.
    let mut over: Option<(&'static str, usize)> = None;
    let mut files = 0usize;
    let backend = walk(path, content, &mut |id, blob| {
        if over.is_some() {
            return;
        }
        if packages.len() + warnings.skipped >= max_packages {
            over = Some(("package records", max_packages));
            return;
        }
        let parsed = blob.map_err(|e| e.to_string()).and_then(|blob| package_from_blob(path, blob));
        match parsed {
            Ok(Some((p, files_error))) => {
                if let Some(e) = files_error {
                    warnings.note(format!("{} {}: file list left out: {e}", p.name, p.version));
                }
                files = files.saturating_add(p.files.len());
                if files > max_files {
                    over = Some(("installed file paths", max_files));
                    return;
                }
                packages.push(p);
            }
            Ok(None) => {}
            Err(e) => warnings.push(id, &e),
        }
    })?;
    if let Some((what, limit)) = over {
        return Err(AnalyzeError::TooMany { path: path.to_owned(), what, limit });
    }
    if packages.is_empty() && warnings.skipped > 0 {
        let first = warnings.list.first().cloned().unwrap_or_default();
        return Err(AnalyzeError::Malformed {
            path: path.to_owned(),
            reason: format!("none of {} package records could be read; first: {first}", warnings.skipped),
        });
    }
    let warnings = warnings.finish().into_iter().map(|w| format!("{path}: {w}")).collect();
    Ok(RpmPackages { backend: Some(backend), packages, warnings })
}

/// Problems met while reading one database, the first few listed and the rest counted.
#[derive(Default)]
struct Warnings {
    list: Vec<String>,
    /// Records left out.
    skipped: usize,
    /// Problems not listed (records left out or not).
    unlisted: usize,
}

impl Warnings {
    fn note(&mut self, msg: String) {
        if self.list.len() < MAX_WARNINGS {
            self.list.push(msg);
        } else {
            self.unlisted += 1;
        }
    }

    fn push(&mut self, id: u32, e: &dyn fmt::Display) {
        self.skipped += 1;
        self.note(if id == 0 { format!("skipped a record: {e}") } else { format!("skipped record {id}: {e}") });
    }

    fn finish(mut self) -> Vec<String> {
        if self.unlisted > 0 {
            self.list.push(format!("{} more problems (records skipped or file lists left out)", self.unlisted));
        }
        self.list
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A tag's first string, if present, non-empty and not rpm's `(none)` placeholder.
fn opt_string(h: &Header<'_>, tag: u32) -> Option<String> {
    h.string(tag).filter(|s| !s.is_empty() && *s != b"(none)").map(text)
}

/// Parses one header blob into a package; `Ok(None)` for `gpg-pubkey` entries. A broken file list
/// does not lose the package: it comes back without files, with the reason.
fn package_from_blob(path: &str, blob: &[u8]) -> Result<Option<(Package, Option<String>)>, String> {
    let h = Header::parse(blob).map_err(|e| e.to_string())?;
    let name = h.string(header::TAG_NAME).filter(|n| !n.is_empty()).ok_or("header has no NAME")?;
    if name == b"gpg-pubkey" {
        return Ok(None);
    }
    let name = text(name);
    let version = h.string(header::TAG_VERSION).map(text).ok_or_else(|| format!("{name}: header has no VERSION"))?;
    let release = h.string(header::TAG_RELEASE).map(text).filter(|r| !r.is_empty());
    let epoch = h.u32(header::TAG_EPOCH).map(u64::from);

    let mut pkg = Package::new(PackageKind::Rpm, &name, evr(epoch, &version, release.as_deref()), path);
    pkg.epoch = epoch;
    pkg.release = release;
    pkg.arch = opt_string(&h, header::TAG_ARCH);
    if let Some((src_name, src_version, src_release)) =
        opt_string(&h, header::TAG_SOURCERPM).as_deref().and_then(parse_source_rpm)
    {
        pkg.source_name = Some(src_name.to_owned());
        pkg.source_version = Some(evr(epoch, src_version, Some(src_release)));
    }
    pkg.licenses = opt_string(&h, header::TAG_LICENSE).into_iter().collect();
    pkg.supplier = opt_string(&h, header::TAG_VENDOR);
    let files_error = match files(&h) {
        Ok(files) => {
            pkg.files = files;
            None
        }
        Err(e) => Some(e),
    };
    Ok(Some((pkg, files_error)))
}

/// `[epoch:]version[-release]`, the epoch only when non-zero.
fn evr(epoch: Option<u64>, version: &str, release: Option<&str>) -> String {
    let mut s = match epoch {
        Some(e) if e > 0 => format!("{e}:{version}"),
        _ => version.to_owned(),
    };
    if let Some(r) = release.filter(|r| !r.is_empty()) {
        s.push('-');
        s.push_str(r);
    }
    s
}

/// Splits `name-version-release.src.rpm` (or `.nosrc.rpm`) into its parts. Names may contain
/// dashes; version and release may not, so the split is from the right.
pub fn parse_source_rpm(file: &str) -> Option<(&str, &str, &str)> {
    let stem = file.strip_suffix(".src.rpm").or_else(|| file.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    (!name.is_empty() && !version.is_empty() && !release.is_empty()).then_some((name, version, release))
}

/// Installed paths, relative to the root: DIRNAMES[DIRINDEXES[i]] + BASENAMES[i], or the old
/// FILENAMES tag of headers written before rpm 4.
fn files(h: &Header<'_>) -> Result<Vec<String>, String> {
    let rel = |p: String| p.trim_start_matches('/').to_owned();
    if let Some(basenames) = h.strings(header::TAG_BASENAMES) {
        let dirnames: Vec<&[u8]> = h.strings(header::TAG_DIRNAMES).ok_or("BASENAMES without DIRNAMES")?.collect();
        let indexes = h.u32s(header::TAG_DIRINDEXES).ok_or("BASENAMES without DIRINDEXES")?;
        if h.count(header::TAG_BASENAMES) != h.count(header::TAG_DIRINDEXES) {
            return Err("BASENAMES and DIRINDEXES differ in length".into());
        }
        let mut out = Vec::with_capacity(indexes.len());
        for (base, idx) in basenames.zip(indexes) {
            let dir = dirnames.get(idx as usize).ok_or_else(|| format!("DIRINDEXES entry {idx} out of range"))?;
            let mut p = Vec::with_capacity(dir.len() + base.len());
            p.extend_from_slice(dir);
            p.extend_from_slice(base);
            out.push(rel(text(&p)));
        }
        out.retain(|p| !p.is_empty());
        return Ok(out);
    }
    Ok(h.strings(header::TAG_OLDFILENAMES)
        .map(|names| names.map(|n| rel(text(n))).filter(|p| !p.is_empty()).collect())
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::header::build::{blob, Value, Value::*};
    use super::header::*;
    use super::*;

    fn package(path: &str, blob: &[u8]) -> Package {
        let (p, files_error) = package_from_blob(path, blob).unwrap().unwrap();
        assert_eq!(files_error, None);
        p
    }

    fn bash(extra: &[(u32, Value<'static>)]) -> Vec<u8> {
        let mut entries = vec![
            (TAG_NAME, Str("bash")),
            (TAG_VERSION, Str("5.1.8")),
            (TAG_RELEASE, Str("1.cm2")),
            (TAG_VENDOR, Str("Microsoft Corporation")),
            (TAG_LICENSE, Str("GPLv3+")),
            (TAG_ARCH, Str("x86_64")),
            (TAG_SOURCERPM, Str("bash-5.1.8-1.cm2.src.rpm")),
            (TAG_DIRINDEXES, Int32(vec![0, 1, 1])),
            (TAG_BASENAMES, StrArray(vec!["bash", "sh", "bashbug"])),
            (TAG_DIRNAMES, StrArray(vec!["/bin/", "/usr/bin/"])),
        ];
        entries.extend(extra.iter().cloned());
        entries.sort_by_key(|e| e.0);
        blob(&entries, &[], false)
    }

    #[test]
    fn package_fields() {
        let p = package("var/lib/rpm/rpmdb.sqlite", &bash(&[]));
        assert_eq!(p.kind, PackageKind::Rpm);
        assert_eq!((p.name.as_str(), p.version.as_str()), ("bash", "5.1.8-1.cm2"));
        assert_eq!(p.epoch, None);
        assert_eq!(p.release.as_deref(), Some("1.cm2"));
        assert_eq!(p.arch.as_deref(), Some("x86_64"));
        assert_eq!(p.source_name.as_deref(), Some("bash"));
        assert_eq!(p.source_version.as_deref(), Some("5.1.8-1.cm2"));
        assert_eq!(p.licenses, vec!["GPLv3+".to_string()]);
        assert_eq!(p.supplier.as_deref(), Some("Microsoft Corporation"));
        assert_eq!(p.found_in, "var/lib/rpm/rpmdb.sqlite");
        assert_eq!(p.files, vec!["bin/bash", "usr/bin/sh", "usr/bin/bashbug"]);
    }

    #[test]
    fn epoch_goes_into_version_only_when_non_zero() {
        let p = package("p", &bash(&[(TAG_EPOCH, Int32(vec![2]))]));
        assert_eq!((p.version.as_str(), p.epoch), ("2:5.1.8-1.cm2", Some(2)));
        assert_eq!(p.source_version.as_deref(), Some("2:5.1.8-1.cm2"));
        let p = package("p", &bash(&[(TAG_EPOCH, Int32(vec![0]))]));
        assert_eq!((p.version.as_str(), p.epoch), ("5.1.8-1.cm2", Some(0)));
    }

    #[test]
    fn gpg_pubkey_is_skipped() {
        let b = blob(
            &[(TAG_NAME, Str("gpg-pubkey")), (TAG_VERSION, Str("fd431d51")), (TAG_RELEASE, Str("4ae0493b"))],
            &[],
            false,
        );
        assert_eq!(package_from_blob("p", &b), Ok(None));
    }

    #[test]
    fn old_filenames_and_bad_dir_indexes() {
        let b = blob(
            &[
                (TAG_NAME, Str("old")),
                (TAG_VERSION, Str("1")),
                (TAG_OLDFILENAMES, StrArray(vec!["/etc/old.conf", "/"])),
            ],
            &[],
            true,
        );
        assert_eq!(package("p", &b).files, vec!["etc/old.conf"]);
        let b = bash(&[]);
        let h = Header::parse(&b).unwrap();
        assert_eq!(files(&h).unwrap().len(), 3);
        let bad = blob(
            &[
                (TAG_NAME, Str("x")),
                (TAG_VERSION, Str("1")),
                (TAG_DIRINDEXES, Int32(vec![5])),
                (TAG_BASENAMES, StrArray(vec!["a"])),
                (TAG_DIRNAMES, StrArray(vec!["/"])),
            ],
            &[],
            false,
        );
        let (p, files_error) = package_from_blob("p", &bad).unwrap().unwrap();
        assert_eq!((p.name.as_str(), p.files.len()), ("x", 0));
        assert!(files_error.unwrap().contains("out of range"));
        // Reported, with the package kept.
        let facts = RpmDatabase.analyze("var/lib/rpm/Packages.db", &ndb::build::ndb(&[(1, bad)])).unwrap();
        assert_eq!(facts.packages.len(), 1);
        assert!(
            facts.warnings[0].contains("x 1: file list left out: DIRINDEXES entry 5 out of range"),
            "{:?}",
            facts.warnings
        );
    }

    #[test]
    fn source_rpm_names() {
        assert_eq!(parse_source_rpm("util-linux-2.32.1-42.el8_8.src.rpm"), Some(("util-linux", "2.32.1", "42.el8_8")));
        assert_eq!(parse_source_rpm("gcc11-11.2.1+git610-1.3.9.nosrc.rpm"), Some(("gcc11", "11.2.1+git610", "1.3.9")));
        assert_eq!(parse_source_rpm("nodashes.src.rpm"), None);
        assert_eq!(parse_source_rpm("a-1-2.rpm"), None);
        assert_eq!(parse_source_rpm("-1-2.src.rpm"), None);
    }

    #[test]
    fn wants_standard_locations_only() {
        let a = RpmDatabase;
        for p in ["var/lib/rpm/Packages", "usr/lib/sysimage/rpm/rpmdb.sqlite", "usr/share/rpm/Packages.db"] {
            assert!(a.wants(p), "{p}");
        }
        for p in ["var/lib/rpm/Name", "var/lib/rpm/rpmdb.sqlite-wal", "opt/var/lib/rpm/Packages", "var/lib/rpm"] {
            assert!(!a.wants(p), "{p}");
        }
    }

    #[test]
    fn every_backend_through_the_analyzer() {
        let blobs =
            vec![(1, bash(&[])), (2, blob(&[(TAG_NAME, Str("gpg-pubkey")), (TAG_VERSION, Str("1"))], &[], false))];
        for (path, db) in [
            ("var/lib/rpm/Packages", bdb::build::hash_db(&blobs, 4096, false, 1000)),
            ("usr/lib/sysimage/rpm/Packages.db", ndb::build::ndb(&blobs)),
        ] {
            let facts = RpmDatabase.analyze(path, &db).unwrap();
            let names: Vec<_> = facts.packages.iter().map(|p| p.name.as_str()).collect();
            assert_eq!(names, vec!["bash"], "{path}");
            assert!(facts.warnings.is_empty());
        }
    }

    /// Issue 17: a hostile rpm database is refused whole, with the limit named, once it holds
    /// more package records or installed file paths than one file may.
    #[test]
    fn records_and_file_paths_past_the_caps_are_refused() {
        // The record cap, small here (the test NDB writer holds one page of slots), over a real
        // database: at the cap the file is read, one record more and it is refused.
        let db = |n: u32| ndb::build::ndb(&(1..=n).map(|i| (i, bash(&[]))).collect::<Vec<_>>());
        let path = "var/lib/rpm/Packages.db";
        assert_eq!(read_packages_capped(path, &db(3), 3, MAX_FILES_PER_FILE).unwrap().packages.len(), 3);
        let err = read_packages_capped(path, &db(4), 3, MAX_FILES_PER_FILE).unwrap_err();
        assert!(matches!(err, AnalyzeError::TooMany { what: "package records", limit: 3, .. }), "{err}");
        assert!(err.to_string().contains("more than 3 package records"), "{err}");
        // File paths add up across records (bash lists 3).
        assert!(read_packages_capped(path, &db(3), 10, 9).is_ok());
        let err = read_packages_capped(path, &db(4), 10, 9).unwrap_err();
        assert!(matches!(err, AnalyzeError::TooMany { what: "installed file paths", limit: 9, .. }), "{err}");
    }

    #[test]
    fn corrupt_header_is_skipped_and_reported() {
        let mut broken = bash(&[]);
        broken.truncate(broken.len() - 1);
        let blobs = vec![(1, broken), (2, bash(&[]))];
        let facts = RpmDatabase.analyze("usr/lib/sysimage/rpm/Packages.db", &ndb::build::ndb(&blobs)).unwrap();
        assert_eq!(facts.packages.len(), 1);
        assert_eq!(facts.warnings.len(), 1);
        assert!(
            facts.warnings[0].starts_with("usr/lib/sysimage/rpm/Packages.db: skipped record 1:"),
            "{:?}",
            facts.warnings
        );
        // When nothing can be read, the file is reported as malformed.
        let mut broken = bash(&[]);
        broken[0] = 0xff;
        let err = RpmDatabase.analyze("var/lib/rpm/Packages.db", &ndb::build::ndb(&[(1, broken)])).unwrap_err();
        assert!(matches!(err, AnalyzeError::Malformed { .. }), "{err}");
    }

    #[test]
    fn many_bad_records_are_summarised() {
        let blobs: Vec<_> = (1..=50).map(|i| (i, vec![0u8; 3])).chain([(99, bash(&[]))]).collect();
        let facts = RpmDatabase.analyze("var/lib/rpm/Packages.db", &ndb::build::ndb(&blobs)).unwrap();
        assert_eq!(facts.packages.len(), 1);
        assert_eq!(facts.warnings.len(), MAX_WARNINGS + 1);
        assert!(facts.warnings.last().unwrap().starts_with("var/lib/rpm/Packages.db: 30 more problems"));
    }

    #[test]
    fn unknown_and_empty_files() {
        let err = RpmDatabase.analyze("var/lib/rpm/Packages", b"hello").unwrap_err();
        assert!(err.to_string().contains("not an rpm database"), "{err}");
        assert_eq!(RpmDatabase.analyze("var/lib/rpm/rpmdb.sqlite", b"").unwrap(), Facts::default());
    }
}
