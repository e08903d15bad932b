//! Reading advisory files from directory trees: format detection, parallel parsing, and merging
//! advisories that one source states in several files.
//!
//! A *source* is a directory with a marker file (`.COMMIT`, `LICENSE*`, `README*`, `.git`), the
//! way advisory repositories are checked out; its directory name (`pypi-osv`) becomes the
//! advisories' [`Advisory::source`]. Files outside any marked directory belong to the root.
//! A file that fails to parse is reported in [`Loaded::errors`] and does not stop the load.
//!
//! A `.zip` root (the osv.dev per-ecosystem `all.zip` export) is one source named after the
//! file (`PyPI.zip` -> `PyPI`; `PyPI/all.zip` -> `PyPI`); its JSON/YAML entries are parsed as
//! files. Archives are checked against [`ZipLimits`] before anything is decompressed, and each
//! entry is read through a cap, so a zip bomb is an error rather than an allocation.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::model::Advisory;
use crate::native::{alpine_secdb, debian_dsa, debian_tracker, friendsofphp, nvd, rubysec, rustsec_md};
use crate::osv;

/// Files larger than this are not advisories (the largest real one, Debian's DSA list, is
/// about 1 MiB); refusing them bounds memory on hostile trees.
pub const MAX_FILE_BYTES: u64 = 64 << 20;
/// Bounds on a zip archive, checked from its central directory before any entry is inflated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipLimits {
    /// Size of the archive file itself (it is held in memory while loading).
    pub max_archive_bytes: u64,
    pub max_entries: usize,
    /// Declared uncompressed size of one entry (an OSV record is a few KiB; the largest real
    /// ones are under 1 MiB).
    pub max_entry_bytes: u64,
    /// Sum of the declared uncompressed sizes (osv.dev's largest export, Debian, is far below).
    pub max_total_bytes: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits {
            max_archive_bytes: 2 << 30,
            max_entries: 2_000_000,
            max_entry_bytes: 32 << 20,
            max_total_bytes: 16 << 30,
        }
    }
}

type Archive = zip::ZipArchive<Cursor<Arc<[u8]>>>;

/// Opens a zip archive and checks it against `limits` (entry count, declared sizes) without
/// inflating anything. The error is a message to prefix with the archive's name.
pub fn check_zip<R: Read + Seek>(reader: R, limits: &ZipLimits) -> Result<zip::ZipArchive<R>, String> {
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| format!("not a readable zip archive: {e}"))?;
    if archive.len() > limits.max_entries {
        return Err(format!("{} entries, more than the limit of {}", archive.len(), limits.max_entries));
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| format!("entry {i}: {e}"))?;
        if entry.size() > limits.max_entry_bytes {
            return Err(format!(
                "entry {} claims {} bytes uncompressed, more than the limit of {}",
                entry.name(),
                entry.size(),
                limits.max_entry_bytes
            ));
        }
        total = total.saturating_add(entry.size());
        if total > limits.max_total_bytes {
            return Err(format!(
                "entries claim more than {} bytes uncompressed in total (zip bomb?)",
                limits.max_total_bytes
            ));
        }
    }
    Ok(archive)
}

/// Directory depth bound (the real trees are 4 deep).
const MAX_DEPTH: usize = 32;

/// An advisory source format: how to recognise its files and how to convert one.
///
/// Adding a format is one converter file (with its `Converter` static) plus one line in
/// [`CONVERTERS`].
#[derive(Debug)]
pub struct Converter {
    /// Stable name, as `db build` reports files per format (`osv-json`, `rustsec-md`).
    pub name: &'static str,
    pub detect: fn(&Candidate<'_>) -> Claim,
    /// The advisories of one file (`Err` is the reason it could not be converted).
    pub convert: fn(&Candidate<'_>) -> Result<Vec<Advisory>, String>,
}

impl PartialEq for Converter {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

/// A file offered to the converters.
#[derive(Debug)]
pub struct Candidate<'a> {
    pub path: &'a Path,
    pub name: &'a str,
    /// Lowercase extension, `""` when none.
    pub ext: &'a str,
    /// The name of the parent directory.
    pub parent: &'a str,
    pub text: &'a str,
    /// The file name without extension (many formats use it as the advisory id).
    pub stem: &'a str,
}

impl Candidate<'_> {
    /// Top-level YAML keys (lines at column 0 up to a `:`), enough to tell formats apart.
    pub fn top_keys(&self) -> Vec<&str> {
        top_keys(self.text)
    }
}

/// A converter's answer for a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Not this format.
    No,
    /// This format: convert it.
    Yes,
    /// This format's file, but one that holds no package advisory (the reason is reported).
    Skip(&'static str),
}

/// Every format `db build` reads, tried in order: the first converter that claims a file reads
/// it, so more specific formats come before generic ones (the Debian tracker export before OSV
/// JSON).
pub static CONVERTERS: &[&Converter] = &[
    &debian_dsa::CONVERTER,
    &debian_tracker::CONVERTER,
    &nvd::CONVERTER,
    &osv::JSON_CONVERTER,
    &alpine_secdb::CONVERTER,
    &rubysec::CONVERTER,
    &friendsofphp::CONVERTER,
    &osv::YAML_CONVERTER,
    &rustsec_md::CONVERTER,
];

/// A converter, by its name.
pub type Format = &'static Converter;

/// Why a whole root could not be read (a bad file is only a [`FileError`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A zip root that is unreadable or exceeds [`ZipLimits`].
    #[error("zip archive {path}: {message}")]
    Archive { path: PathBuf, message: String },
}

/// A file that could not be converted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileError {
    pub path: PathBuf,
    /// The converter's name, when the format was recognised.
    pub format: Option<&'static str>,
    pub message: String,
}

/// What one source contributed.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct SourceStats {
    pub name: String,
    pub path: String,
    /// The upstream commit from a `.COMMIT` file, if present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Advisory files parsed, per format.
    pub files: BTreeMap<String, usize>,
    pub advisories: usize,
    pub errors: usize,
    /// Files that are not advisories in a format we read (READMEs, licences, ...).
    pub skipped: usize,
    /// Skipped files per reason.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub skipped_reasons: BTreeMap<String, usize>,
}

/// The result of loading roots.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Merged advisories, sorted by (source, id).
    pub advisories: Vec<Advisory>,
    pub sources: Vec<SourceStats>,
    pub errors: Vec<FileError>,
    /// Files skipped, with the reason.
    pub skipped: Vec<(PathBuf, &'static str)>,
}

struct Job {
    /// For a zip entry, `archive.zip/entry/name` (for messages and format detection only).
    path: PathBuf,
    source: usize,
    /// (index into the opened archives, entry index) for a zip entry.
    entry: Option<(usize, usize)>,
}

fn is_marker(name: &str) -> bool {
    name == ".COMMIT" || name == ".git" || name.starts_with("LICENSE") || name.starts_with("README")
}

fn dir_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| p.display().to_string())
}

fn read_commit(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".COMMIT")).ok()?;
    text.split_whitespace()
        .next()
        .filter(|c| c.len() <= 64 && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
}

fn walk(
    dir: &Path,
    depth: usize,
    current: Option<usize>,
    root_source: usize,
    sources: &mut Vec<SourceStats>,
    jobs: &mut Vec<Job>,
) -> Result<(), LoadError> {
    let io = |source| LoadError::Io { path: dir.to_owned(), source };
    let mut entries: Vec<_> = std::fs::read_dir(dir).map_err(io)?.collect::<Result<Vec<_>, _>>().map_err(io)?;
    entries.sort_by_key(|e| e.file_name());
    let mut current = current;
    if current.is_none() && entries.iter().any(|e| is_marker(&e.file_name().to_string_lossy())) {
        sources.push(SourceStats {
            name: dir_name(dir),
            path: dir.display().to_string(),
            commit: read_commit(dir),
            ..Default::default()
        });
        current = Some(sources.len() - 1);
    }
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        // Never follow symlinks: a tree may link to itself.
        let Ok(ft) = e.file_type() else { continue };
        let path = e.path();
        if ft.is_dir() {
            if depth < MAX_DEPTH {
                walk(&path, depth + 1, current, root_source, sources, jobs)?;
            }
        } else if ft.is_file() {
            jobs.push(Job { path, source: current.unwrap_or(root_source), entry: None });
        }
    }
    Ok(())
}

/// Top-level YAML keys (lines at column 0 up to a `:`), enough to tell the formats apart.
fn top_keys(text: &str) -> Vec<&str> {
    text.lines()
        .take(400)
        .filter(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once(':').map(|(k, _)| k.trim()))
        .collect()
}

/// Detects a file's format from its path and content; `Err(reason)` for files to skip.
pub fn detect(path: &Path, text: &str) -> Result<Format, &'static str> {
    with_candidate(path, text, |c| {
        for &conv in CONVERTERS {
            match (conv.detect)(c) {
                Claim::No => {}
                Claim::Yes => return Ok(conv),
                Claim::Skip(reason) => return Err(reason),
            }
        }
        Err(match c.ext {
            "yaml" | "yml" => "YAML in no known advisory format",
            _ => "not an advisory file",
        })
    })
}

fn with_candidate<T>(path: &Path, text: &str, f: impl FnOnce(&Candidate<'_>) -> T) -> T {
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let parent = path.parent().and_then(Path::file_name).map(|n| n.to_string_lossy()).unwrap_or_default();
    let stem = path.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default();
    f(&Candidate { path, name: &name, ext: &ext, parent: &parent, text, stem: &stem })
}

/// Parses one file of a known format.
pub fn parse(format: Format, path: &Path, text: &str) -> Result<Vec<Advisory>, String> {
    with_candidate(path, text, |c| (format.convert)(c))
}

enum Outcome {
    Parsed(Format, Vec<Advisory>),
    Skipped(&'static str),
    Failed(Option<&'static str>, String),
}

/// Reads one zip entry through a cap (the declared size is not trusted).
fn read_entry(archive: &Archive, index: usize) -> Result<Vec<u8>, String> {
    // Clones share the archive bytes and the parsed directory; only the cursor is copied.
    let mut archive = archive.clone();
    let mut entry = archive.by_index(index).map_err(|e| e.to_string())?;
    let declared = entry.size();
    let cap = declared.min(MAX_FILE_BYTES);
    let mut buf = Vec::with_capacity(usize::try_from(cap.min(1 << 20)).unwrap_or(0));
    (&mut entry).take(cap + 1).read_to_end(&mut buf).map_err(|e| e.to_string())?;
    if buf.len() as u64 > cap {
        return Err(format!("inflates to more than its declared {declared} bytes"));
    }
    Ok(buf)
}

fn process_entry(job: &Job, archive: &Archive, index: usize) -> Outcome {
    let ext = job.path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if !matches!(ext.as_str(), "json" | "yaml" | "yml") {
        return Outcome::Skipped("not an advisory file");
    }
    let text = match read_entry(archive, index).map(String::from_utf8) {
        Ok(Ok(t)) => t,
        Ok(Err(_)) => return Outcome::Failed(detect(&job.path, "").ok().map(|f| f.name), "not UTF-8".into()),
        Err(e) => return Outcome::Failed(None, e),
    };
    match detect(&job.path, &text) {
        Err(reason) => Outcome::Skipped(reason),
        Ok(format) => match parse(format, &job.path, &text) {
            Ok(list) => Outcome::Parsed(format, list),
            Err(e) => Outcome::Failed(Some(format.name), e),
        },
    }
}

/// Opens a zip root and queues its file entries.
fn add_zip(
    root: &Path,
    limits: &ZipLimits,
    source: usize,
    archives: &mut Vec<Archive>,
    jobs: &mut Vec<Job>,
) -> Result<(), LoadError> {
    let err = |message: String| LoadError::Archive { path: root.to_owned(), message };
    let meta = std::fs::metadata(root).map_err(|source| LoadError::Io { path: root.to_owned(), source })?;
    if meta.len() > limits.max_archive_bytes {
        return Err(err(format!("{} bytes, more than the limit of {}", meta.len(), limits.max_archive_bytes)));
    }
    let bytes: Arc<[u8]> =
        std::fs::read(root).map_err(|source| LoadError::Io { path: root.to_owned(), source })?.into();
    let archive = check_zip(Cursor::new(bytes), limits).map_err(err)?;
    let n = archives.len();
    for i in 0..archive.len() {
        let Some(name) = archive.name_for_index(i) else { continue };
        if name.ends_with('/') {
            continue;
        }
        // String concatenation, not `join`: an absolute entry name must not replace the root.
        let path = PathBuf::from(format!("{}/{}", root.display(), name));
        jobs.push(Job { path, source, entry: Some((n, i)) });
    }
    archives.push(archive);
    Ok(())
}

fn is_zip(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// The source name of a zip root: its stem, or the directory of an osv.dev-style `all.zip`.
fn zip_source_name(path: &Path) -> String {
    match path.file_stem().map(|s| s.to_string_lossy().into_owned()) {
        Some(stem) if stem != "all" && !stem.is_empty() => stem,
        _ => dir_name(path.parent().unwrap_or(Path::new("."))),
    }
}

fn process(job: &Job, archives: &[Archive]) -> Outcome {
    if let Some((a, i)) = job.entry {
        return match archives.get(a) {
            Some(archive) => process_entry(job, archive, i),
            None => Outcome::Failed(None, "internal: archive index out of range".into()),
        };
    }
    let meta = match std::fs::metadata(&job.path) {
        Ok(m) => m,
        Err(e) => return Outcome::Failed(None, e.to_string()),
    };
    if meta.len() > MAX_FILE_BYTES {
        return Outcome::Skipped("larger than 64 MiB");
    }
    let name = job.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    if is_marker(&name) || name.starts_with("NOTICE") {
        return Outcome::Skipped("not an advisory file");
    }
    let bytes = match std::fs::read(&job.path) {
        Ok(b) => b,
        Err(e) => return Outcome::Failed(None, e.to_string()),
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return match detect(&job.path, "") {
            Ok(f) => Outcome::Failed(Some(f.name), "not UTF-8".into()),
            Err(_) => Outcome::Skipped("not an advisory file"),
        };
    };
    match detect(&job.path, &text) {
        Err(reason) => Outcome::Skipped(reason),
        Ok(format) => match parse(format, &job.path, &text) {
            Ok(list) => Outcome::Parsed(format, list),
            Err(e) => Outcome::Failed(Some(format.name), e),
        },
    }
}

/// Merges `b` into `a` (same source and id): affected entries and ids are unioned.
fn merge(a: &mut Advisory, b: Advisory) {
    for x in b.aliases {
        if !a.aliases.contains(&x) && x != a.id {
            a.aliases.push(x);
        }
    }
    for x in b.related {
        if !a.related.contains(&x) {
            a.related.push(x);
        }
    }
    for x in b.upstream {
        if !a.upstream.contains(&x) {
            a.upstream.push(x);
        }
    }
    for x in b.affected {
        if !a.affected.contains(&x) {
            a.affected.push(x);
        }
    }
    for x in b.references {
        if !a.references.contains(&x) {
            a.references.push(x);
        }
    }
    if a.severity.is_empty() {
        a.severity = b.severity;
    }
    a.severity_label = a.severity_label.or(b.severity_label);
    a.summary = a.summary.take().or(b.summary);
    a.details = a.details.take().or(b.details);
    if b.modified > a.modified {
        a.modified = b.modified;
    }
}

/// Loads every advisory file under `roots` (directories, single files, or `.zip` archives), in
/// parallel, with the default [`ZipLimits`].
pub fn load(roots: &[PathBuf]) -> Result<Loaded, LoadError> {
    load_with(roots, &ZipLimits::default())
}

/// [`load`] with explicit bounds on zip roots.
pub fn load_with(roots: &[PathBuf], limits: &ZipLimits) -> Result<Loaded, LoadError> {
    let mut sources = Vec::new();
    let mut jobs = Vec::new();
    let mut archives = Vec::new();
    for root in roots {
        let meta = std::fs::metadata(root).map_err(|source| LoadError::Io { path: root.clone(), source })?;
        if meta.is_file() && is_zip(root) {
            sources.push(SourceStats {
                name: zip_source_name(root),
                path: root.display().to_string(),
                ..Default::default()
            });
            add_zip(root, limits, sources.len() - 1, &mut archives, &mut jobs)?;
        } else if meta.is_dir() {
            // Files not under a marked directory belong to the root itself.
            sources.push(SourceStats { name: dir_name(root), path: root.display().to_string(), ..Default::default() });
            let root_source = sources.len() - 1;
            walk(root, 0, None, root_source, &mut sources, &mut jobs)?;
        } else {
            let parent = root.parent().unwrap_or(Path::new("."));
            sources.push(SourceStats {
                name: dir_name(parent),
                path: root.display().to_string(),
                ..Default::default()
            });
            jobs.push(Job { path: root.clone(), source: sources.len() - 1, entry: None });
        }
    }
    let outcomes: Vec<Outcome> = jobs.par_iter().map(|job| process(job, &archives)).collect();
    drop(archives);

    let mut merged: BTreeMap<(usize, String), Advisory> = BTreeMap::new();
    let mut loaded = Loaded::default();
    for (job, outcome) in jobs.into_iter().zip(outcomes) {
        let stats = &mut sources[job.source];
        match outcome {
            Outcome::Parsed(format, list) => {
                *stats.files.entry(format.name.to_owned()).or_default() += 1;
                for mut a in list {
                    a.source = stats.name.clone();
                    match merged.entry((job.source, a.id.clone())) {
                        std::collections::btree_map::Entry::Occupied(mut e) => merge(e.get_mut(), a),
                        std::collections::btree_map::Entry::Vacant(e) => {
                            e.insert(a);
                        }
                    }
                }
            }
            Outcome::Skipped(reason) => {
                stats.skipped += 1;
                *stats.skipped_reasons.entry(reason.to_owned()).or_default() += 1;
                loaded.skipped.push((job.path, reason));
            }
            Outcome::Failed(format, message) => {
                stats.errors += 1;
                loaded.errors.push(FileError { path: job.path, format, message });
            }
        }
    }
    for ((source, _), a) in merged {
        sources[source].advisories += 1;
        loaded.advisories.push(a);
    }
    // Drop the implicit root sources that received nothing.
    loaded.sources = sources.into_iter().filter(|s| s.advisories > 0 || s.errors > 0 || !s.files.is_empty()).collect();
    loaded.advisories.sort_by(|a, b| (&a.source, &a.id).cmp(&(&b.source, &b.id)));
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats() {
        let p = |s: &str| PathBuf::from(s);
        let detect = |p: &Path, t: &str| detect(p, t).map(|c| c.name);
        assert_eq!(detect(&p("a/DSA/list"), ""), Ok("debian-dsa-list"));
        assert_eq!(detect(&p("x/GO-1.json"), "{}"), Ok("osv-json"));
        assert_eq!(
            detect(&p("tracker/data.json"), r#"{"zlib": {"CVE-2018-25032": {"releases": {}}}}"#),
            Ok("debian-tracker")
        );
        assert_eq!(detect(&p("x/CVE-1.json"), r#"{"id": "CVE-1", "affected": []}"#), Ok("osv-json"));
        assert_eq!(detect(&p("debian/json"), r#"{"a": {"TEMP-1": {"releases": {}}}}"#), Ok("debian-tracker"));
        assert_eq!(detect(&p("v3.10/main.yaml"), "---\ndistroversion: v3.10\npackages:\n"), Ok("alpine-secdb"));
        assert_eq!(detect(&p("gems/x/CVE-1.yml"), "---\ngem: x\ncve: 1\n"), Ok("rubysec"));
        assert!(detect(&p("rubies/ruby/CVE-1.yml"), "---\nengine: ruby\n").is_err());
        assert_eq!(
            detect(&p("a/b/CVE-1.yaml"), "title: t\nbranches:\nreference: composer://a/b\n"),
            Ok("friendsofphp")
        );
        assert_eq!(detect(&p("vulns/x/PYSEC-1.yaml"), "id: PYSEC-1\nmodified: x\n"), Ok("osv-yaml"));
        assert!(detect(&p("README.md"), "# hi").is_err());
    }

    #[test]
    fn loads_a_tree_with_sources_errors_and_merges() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("alpine");
        std::fs::create_dir_all(src.join("v3.10")).unwrap();
        std::fs::create_dir_all(src.join("v3.11")).unwrap();
        std::fs::write(src.join(".COMMIT"), "0123abcd 2020-01-01\n").unwrap();
        let secdb = |v: &str, fix: &str| {
            format!("distroversion: {v}\npackages:\n  - pkg:\n      name: musl\n      secfixes:\n        {fix}:\n          - CVE-2019-14697\n")
        };
        std::fs::write(src.join("v3.10/main.yaml"), secdb("v3.10", "1.1.22-r3")).unwrap();
        std::fs::write(src.join("v3.11/main.yaml"), secdb("v3.11", "1.1.23-r2")).unwrap();
        std::fs::write(src.join("v3.11/broken.yaml"), "distroversion: v3.11\npackages: [[[\n").unwrap();
        std::fs::write(src.join("README.md"), "# readme").unwrap();
        let loaded = load(&[dir.path().to_owned()]).unwrap();
        assert_eq!(loaded.advisories.len(), 1, "one CVE merged across two files");
        let a = &loaded.advisories[0];
        assert_eq!((a.source.as_str(), a.id.as_str(), a.affected.len()), ("alpine", "CVE-2019-14697", 2));
        assert_eq!(loaded.errors.len(), 1);
        assert!(loaded.errors[0].path.ends_with("broken.yaml"));
        assert_eq!(loaded.sources.len(), 1);
        assert_eq!(loaded.sources[0].commit.as_deref(), Some("0123abcd"));
        assert_eq!(loaded.sources[0].files.get("alpine-secdb"), Some(&2));
    }

    #[test]
    fn hostile_trees_do_not_hang_or_abort() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("feed");
        std::fs::create_dir_all(root.join("vulns")).unwrap();
        // A symlink loop is not followed.
        #[cfg(unix)]
        std::os::unix::fs::symlink(&root, root.join("vulns/loop")).unwrap();
        // A YAML alias bomb, deeply nested JSON, and bytes that are not UTF-8 are file errors.
        let mut bomb = String::from("id: X\nmodified: y\na: &a [x, x, x, x, x, x, x, x]\n");
        for (i, prev) in ["a", "b", "c", "d", "e", "f", "g"].iter().enumerate() {
            let name = ["b", "c", "d", "e", "f", "g", "h"][i];
            bomb.push_str(&format!(
                "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        bomb.push_str("affected: [*h]\n");
        std::fs::write(root.join("vulns/bomb.yaml"), bomb).unwrap();
        std::fs::write(root.join("vulns/deep.json"), "[".repeat(100_000)).unwrap();
        std::fs::write(root.join("vulns/latin1.json"), b"{\"id\": \"\xe9\"}").unwrap();
        let loaded = load(&[root]).unwrap();
        assert!(loaded.advisories.is_empty());
        assert_eq!(loaded.errors.len(), 3, "{:?}", loaded.errors);
    }

    #[test]
    fn zip_entries_that_lie_about_their_size_are_file_errors() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        w.start_file("GO-1.json", opts).unwrap();
        w.write_all(&[b' '; 100_000]).unwrap();
        let mut bytes = w.finish().unwrap().into_inner();
        // Declare 10 bytes uncompressed in the local header (offset 22) and the central
        // directory entry (signature PK\x01\x02, offset 24); the stream still inflates to 100 KB.
        bytes[22..26].copy_from_slice(&10u32.to_le_bytes());
        let cd = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
        bytes[cd + 24..cd + 28].copy_from_slice(&10u32.to_le_bytes());
        let path = dir.path().join("Go.zip");
        std::fs::write(&path, bytes).unwrap();
        let loaded = load(&[path]).unwrap();
        assert!(loaded.advisories.is_empty());
        assert_eq!(loaded.errors.len(), 1, "{:?}", loaded.errors);
        assert!(loaded.errors[0].path.ends_with("Go.zip/GO-1.json"), "{:?}", loaded.errors);
        assert!(loaded.errors[0].message.contains("declared"), "{:?}", loaded.errors);
    }

    #[test]
    fn zip_limits_are_checked_before_inflating() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..5 {
            w.start_file(format!("{i}.json"), zip::write::SimpleFileOptions::default()).unwrap();
        }
        let path = dir.path().join("npm.zip");
        std::fs::write(&path, w.finish().unwrap().into_inner()).unwrap();
        let limits = ZipLimits { max_entries: 4, ..ZipLimits::default() };
        let err = load_with(std::slice::from_ref(&path), &limits).unwrap_err().to_string();
        assert!(err.contains("npm.zip") && err.contains("5 entries"), "{err}");
        std::fs::write(&path, b"PK\x03\x04 truncated").unwrap();
        assert!(matches!(load(&[path]), Err(LoadError::Archive { .. })));
    }

    #[test]
    fn missing_root_is_an_error() {
        assert!(load(&[PathBuf::from("/nonexistent/plimsoll")]).is_err());
    }
}
