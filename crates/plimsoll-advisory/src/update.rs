//! `plimsoll db update`: fetching osv.dev's per-ecosystem exports and rebuilding the database.
//!
//! osv.dev publishes one `{base}/{ecosystem}/all.zip` per ecosystem (a flat archive of OSV JSON
//! records). We download each over HTTPS (or copy it from a `file://` mirror for air-gapped
//! hosts) into a temporary directory next to the output, check every archive against the zip
//! bounds before inflating anything, and hand the archives to [`Database::build`], which
//! replaces the database atomically. TLS (system roots, extra CA files, `insecure`) and the
//! retries on 429, 5xx and connection failures are `plimsoll-net`'s, as for image registries.
//! Nothing is printed here: skipped ecosystems come back as [`UpdateStats::warnings`] for the
//! caller to show.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use plimsoll_net::{AgentConfig, NetError, RetryPolicy, TlsOptions};

use crate::index::{BuildStats, Database, DbError, DbInfo};
use crate::load::{self, LoadError, ZipLimits};

/// osv.dev's public export bucket.
pub const DEFAULT_BASE_URL: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// The osv.dev language ecosystems the matcher understands; [`default_ecosystems`] adds the
/// distributions of the table ([`crate::distro`]).
pub const LANGUAGE_ECOSYSTEMS: &[&str] =
    &["PyPI", "npm", "Go", "crates.io", "Maven", "NuGet", "RubyGems", "Packagist", "Hex", "Pub"];

/// Every osv.dev ecosystem `db update` fetches by default: the language ecosystems, then each
/// distribution with an advisory feed in the table.
pub fn default_ecosystems() -> Vec<&'static str> {
    let distros = crate::distro::DistroTable::builtin().advisory_ecosystems().collect::<Vec<_>>();
    LANGUAGE_ECOSYSTEMS.iter().copied().chain(distros).collect()
}

/// `Ok` when `ecosystem` is one the matcher understands (a [`default_ecosystems`] entry); a typo
/// would otherwise fetch nothing and leave the gate silently uncovered.
pub fn check_ecosystem(ecosystem: &str) -> Result<(), UpdateError> {
    let known = default_ecosystems();
    if known.contains(&ecosystem) {
        Ok(())
    } else {
        Err(UpdateError::UnknownEcosystem { given: ecosystem.to_owned(), known })
    }
}

/// What to fetch and the bounds on what is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateOptions {
    /// `https://...` (or `http://...` with `insecure`) or `file:///path/to/mirror`; the archive
    /// of an ecosystem is `{base_url}/{ecosystem}/all.zip`.
    pub base_url: String,
    pub ecosystems: Vec<String>,
    /// Accept any TLS certificate and allow plain `http://` base URLs.
    pub insecure: bool,
    /// Extra PEM CA certificates trusted besides the system roots (a mirror behind a private CA).
    pub ca_files: Vec<PathBuf>,
    /// Largest archive accepted (compressed), per ecosystem.
    pub max_zip_bytes: u64,
    /// Most entries accepted in one archive.
    pub max_zip_entries: usize,
    /// Largest declared uncompressed size of one entry.
    pub max_entry_bytes: u64,
}

impl Default for UpdateOptions {
    fn default() -> Self {
        let zip = ZipLimits::default();
        UpdateOptions {
            base_url: DEFAULT_BASE_URL.to_owned(),
            ecosystems: default_ecosystems().into_iter().map(str::to_owned).collect(),
            insecure: false,
            ca_files: Vec::new(),
            max_zip_bytes: zip.max_archive_bytes,
            max_zip_entries: zip.max_entries,
            max_entry_bytes: zip.max_entry_bytes,
        }
    }
}

impl UpdateOptions {
    fn zip_limits(&self) -> ZipLimits {
        ZipLimits {
            max_archive_bytes: self.max_zip_bytes,
            max_entries: self.max_zip_entries,
            max_entry_bytes: self.max_entry_bytes,
            ..ZipLimits::default()
        }
    }
}

/// One archive that was fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub ecosystem: String,
    pub url: String,
    pub bytes: u64,
}

/// What an update did.
#[derive(Debug)]
pub struct UpdateStats {
    pub fetched: Vec<Fetched>,
    /// Ecosystems with no archive at the base URL (HTTP 404 or no such file in the mirror).
    pub missing: Vec<String>,
    /// Human-readable warnings for the caller to print (one per missing ecosystem).
    pub warnings: Vec<String>,
    pub build: BuildStats,
}

/// Why an update failed. The existing database is left untouched in every case.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    #[error("unsupported base URL `{0}`: use https://HOST[/PATH], file:///PATH, or http:// with --insecure")]
    BaseUrl(String),
    #[error(
        "cannot fetch the {ecosystem} advisories from {url}: {reason}; without network access, mirror the \
         archives and use `--base-url file:///path/to/mirror`"
    )]
    Network { ecosystem: String, url: String, reason: String },
    #[error("cannot fetch the {ecosystem} advisories: {url} answered HTTP {status}{}", after(*attempts))]
    Http { ecosystem: String, url: String, status: u16, attempts: u32 },
    #[error("the {ecosystem} advisory archive {url} is larger than the limit of {limit} bytes")]
    TooLarge { ecosystem: String, url: String, limit: u64 },
    #[error("the {ecosystem} advisory archive {url} is rejected: {message}")]
    Archive { ecosystem: String, url: String, message: String },
    #[error("unknown ecosystem `{given}`; known: {}", known.join(", "))]
    UnknownEcosystem { given: String, known: Vec<&'static str> },
    #[error("none of the ecosystems ({0}) has an archive at the base URL; the database was not changed")]
    NothingFound(String),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Db(#[from] DbError),
    /// A `ca_files` entry is missing or not a PEM certificate file.
    #[error(transparent)]
    Tls(#[from] NetError),
}

/// ` (after N attempts)` when a request was retried.
fn after(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

/// Percent-encodes one URL path segment (RFC 3986 unreserved characters pass through), so
/// `Rocky Linux` becomes `Rocky%20Linux` and `crates.io` stays as it is.
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes in a `file://` URL path; malformed escapes are kept literally.
fn decode_path(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Where the archives come from.
enum Base {
    Http { base: String, agent: ureq::Agent },
    Dir(PathBuf),
}

impl Base {
    fn parse(opts: &UpdateOptions) -> Result<Base, UpdateError> {
        let url = opts.base_url.trim_end_matches('/');
        if let Some(rest) = url.strip_prefix("file://") {
            // Only local files: `file:///p` or `file://localhost/p`.
            let path = rest.strip_prefix("localhost").unwrap_or(rest);
            if !path.starts_with('/') {
                return Err(UpdateError::BaseUrl(opts.base_url.clone()));
            }
            #[cfg(unix)]
            let path = {
                use std::os::unix::ffi::OsStringExt;
                PathBuf::from(std::ffi::OsString::from_vec(decode_path(path)))
            };
            #[cfg(not(unix))]
            let path = PathBuf::from(String::from_utf8_lossy(&decode_path(path)).into_owned());
            return Ok(Base::Dir(path));
        }
        let host_ok = |rest: &str| !rest.is_empty() && !rest.starts_with('/');
        let plain = url.strip_prefix("http://").filter(|r| host_ok(r) && opts.insecure);
        let tls = url.strip_prefix("https://").filter(|r| host_ok(r));
        if plain.is_none() && tls.is_none() {
            return Err(UpdateError::BaseUrl(opts.base_url.clone()));
        }
        let tls_url = tls.is_some();
        let tls = TlsOptions { insecure: opts.insecure, ca_files: opts.ca_files.clone() };
        // An HTTPS mirror may redirect, but never to plain HTTP.
        let net = AgentConfig { https_only: tls_url, ..AgentConfig::default() };
        let agent = plimsoll_net::agent(&tls, &net)?;
        Ok(Base::Http { base: url.to_owned(), agent })
    }

    fn url(&self, ecosystem: &str) -> String {
        match self {
            Base::Http { base, .. } => format!("{base}/{}/all.zip", encode_segment(ecosystem)),
            Base::Dir(dir) => format!("file://{}", self.path(dir, ecosystem).display()),
        }
    }

    fn path(&self, dir: &Path, ecosystem: &str) -> PathBuf {
        dir.join(ecosystem).join("all.zip")
    }

    /// Copies the archive of `ecosystem` to `dest`; `Ok(None)` when there is none. Downloads
    /// are retried as [`RetryPolicy::DEFAULT`] says, also when the body breaks off midway.
    fn fetch(&self, ecosystem: &str, dest: &Path, limit: u64) -> Result<Option<u64>, UpdateError> {
        let url = self.url(ecosystem);
        let too_large = || UpdateError::TooLarge { ecosystem: ecosystem.to_owned(), url: url.clone(), limit };
        let network =
            |reason: String| UpdateError::Network { ecosystem: ecosystem.to_owned(), url: url.clone(), reason };
        let saved = |result| match result {
            Ok(n) => Ok(Some(n)),
            Err(SaveError::TooLarge) => Err(too_large()),
            Err(SaveError::Write(source)) => Err(UpdateError::Io { path: dest.to_owned(), source }),
            Err(SaveError::Read(e)) => Err(network(e.to_string())),
        };
        let agent = match self {
            Base::Http { agent, .. } => agent,
            Base::Dir(dir) => {
                let path = self.path(dir, ecosystem);
                let file = match std::fs::File::open(&path) {
                    Ok(f) => f,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(network(e.to_string())),
                };
                if file.metadata().map_err(|e| network(e.to_string()))?.len() > limit {
                    return Err(too_large());
                }
                return saved(save(file, dest, limit));
            }
        };
        let retry = RetryPolicy::DEFAULT;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let resp = match agent.get(&url).call() {
                Ok(resp) => resp,
                Err(ureq::Error::Status(404, _)) => return Ok(None),
                Err(e) => match (retry.wait_after(attempt, &e), e) {
                    (Some(wait), _) => {
                        std::thread::sleep(wait);
                        continue;
                    }
                    (None, ureq::Error::Status(status, _)) => {
                        let ecosystem = ecosystem.to_owned();
                        return Err(UpdateError::Http { ecosystem, url, status, attempts: attempt });
                    }
                    (None, ureq::Error::Transport(t)) => {
                        let why = plimsoll_net::explain_transport(&t).unwrap_or_else(|| t.to_string());
                        return Err(network(format!("{why}{}", after(attempt))));
                    }
                },
            };
            let declared = resp.header("Content-Length").and_then(|v| v.trim().parse::<u64>().ok());
            if declared.is_some_and(|n| n > limit) {
                return Err(too_large());
            }
            match save(resp.into_reader(), dest, limit) {
                // A connection broken off midway is worth another try; the file is rewritten.
                Err(SaveError::Read(e)) => match retry.wait_after_failure(attempt) {
                    Some(wait) => std::thread::sleep(wait),
                    None => return Err(network(format!("{e}{}", after(attempt)))),
                },
                result => return saved(result),
            }
        }
    }
}

/// Why [`save`] failed: reading the source and writing the file are told apart, since only a
/// failed read is worth retrying.
enum SaveError {
    Read(std::io::Error),
    Write(std::io::Error),
    TooLarge,
}

/// Copies `reader` to a new file at `dest` (replacing it), at most `limit` bytes.
fn save(mut reader: impl Read, dest: &Path, limit: u64) -> Result<u64, SaveError> {
    let mut file = std::fs::File::create(dest).map_err(SaveError::Write)?;
    let mut buf = vec![0; 256 << 10];
    let mut n: u64 = 0;
    loop {
        let k = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(SaveError::Read(e)),
        };
        n = n.saturating_add(k as u64);
        if n > limit {
            return Err(SaveError::TooLarge);
        }
        file.write_all(buf.get(..k).unwrap_or_default()).map_err(SaveError::Write)?;
    }
    file.flush().map_err(SaveError::Write)?;
    Ok(n)
}

/// A file name for an ecosystem's archive whose stem is the ecosystem (it names the source).
fn archive_name(ecosystem: &str) -> String {
    let safe: String =
        ecosystem.chars().map(|c| if c.is_alphanumeric() || " .-_:".contains(c) { c } else { '_' }).collect();
    format!("{}.zip", safe.trim_start_matches('.'))
}

/// Downloads every ecosystem's archive and rebuilds the database at `out` from them.
///
/// An ecosystem without an archive (HTTP 404, or no file in a mirror) is skipped with a warning;
/// any other failure aborts the update and leaves `out` as it was.
pub fn update(opts: &UpdateOptions, out: &Path) -> Result<UpdateStats, UpdateError> {
    for e in &opts.ecosystems {
        check_ecosystem(e)?;
    }
    let base = Base::parse(opts)?;
    let dir = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|source| UpdateError::Io { path: dir.to_owned(), source })?;
    // Next to the output rather than in /tmp: the archives can be large and /tmp may be RAM.
    let tmp = tempfile::Builder::new()
        .prefix(".plimsoll-update-")
        .tempdir_in(dir)
        .map_err(|source| UpdateError::Io { path: dir.to_owned(), source })?;
    let limits = opts.zip_limits();

    let mut fetched = Vec::new();
    let mut missing = Vec::new();
    let mut warnings = Vec::new();
    let mut zips = Vec::new();
    for (i, ecosystem) in opts.ecosystems.iter().enumerate() {
        let url = base.url(ecosystem);
        // The index keeps two ecosystems that sanitise alike apart.
        let sub = tmp.path().join(i.to_string());
        std::fs::create_dir(&sub).map_err(|source| UpdateError::Io { path: sub.clone(), source })?;
        let dest = sub.join(archive_name(ecosystem));
        let Some(bytes) = base.fetch(ecosystem, &dest, opts.max_zip_bytes)? else {
            warnings.push(format!("no advisory archive for ecosystem {ecosystem} at {url}; skipped"));
            missing.push(ecosystem.clone());
            continue;
        };
        // Check the central directory now, so a zip bomb is reported against its ecosystem.
        let file = std::fs::File::open(&dest).map_err(|source| UpdateError::Io { path: dest.clone(), source })?;
        load::check_zip(std::io::BufReader::new(file), &limits).map_err(|message| UpdateError::Archive {
            ecosystem: ecosystem.clone(),
            url: url.clone(),
            message,
        })?;
        fetched.push(Fetched { ecosystem: ecosystem.clone(), url, bytes });
        zips.push(dest);
    }
    if zips.is_empty() {
        return Err(UpdateError::NothingFound(opts.ecosystems.join(", ")));
    }
    let build = Database::build_with(&zips, out, &limits).map_err(|e| match e {
        // Already checked, but name the ecosystem if the second read disagrees.
        DbError::Load(LoadError::Archive { path, message }) => {
            match zips.iter().position(|z| *z == path).and_then(|i| fetched.get(i)) {
                Some(f) => UpdateError::Archive { ecosystem: f.ecosystem.clone(), url: f.url.clone(), message },
                None => UpdateError::Db(DbError::Load(LoadError::Archive { path, message })),
            }
        }
        e => UpdateError::Db(e),
    })?;
    Ok(UpdateStats { fetched, missing, warnings, build })
}

/// A warning when the database is older than `max_age` at `now`, for scans to print.
pub fn staleness_warning(info: &DbInfo, max_age: Duration, now: SystemTime) -> Option<String> {
    if info.built_at_unix == 0 {
        return Some("advisory database has no build time; run `plimsoll db update`".to_owned());
    }
    let age = info.age(now);
    if age <= max_age {
        return None;
    }
    let days = age.as_secs() / 86_400;
    let unit = if days == 1 { "day" } else { "days" };
    Some(format!("advisory database built {days} {unit} ago ({}); run `plimsoll db update`", info.built_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(encode_segment("crates.io"), "crates.io");
        assert_eq!(encode_segment("Rocky Linux"), "Rocky%20Linux");
        assert_eq!(encode_segment("Debian:12"), "Debian%3A12");
        assert_eq!(encode_segment("a/b"), "a%2Fb");
        assert_eq!(decode_path("/m/Rocky%20Linux/%zz%"), b"/m/Rocky Linux/%zz%");
    }

    #[test]
    fn base_urls_are_checked() {
        let with = |url: &str, insecure: bool| UpdateOptions { base_url: url.into(), insecure, ..Default::default() };
        assert!(
            matches!(Base::parse(&with("file:///srv/osv/", false)), Ok(Base::Dir(p)) if p == Path::new("/srv/osv"))
        );
        assert!(matches!(Base::parse(&with("file://localhost/srv", false)), Ok(Base::Dir(_))));
        assert!(matches!(Base::parse(&with("file://host/srv", false)), Err(UpdateError::BaseUrl(_))));
        assert!(matches!(Base::parse(&with("http://127.0.0.1:1", false)), Err(UpdateError::BaseUrl(_))));
        assert!(matches!(Base::parse(&with("ftp://x", true)), Err(UpdateError::BaseUrl(_))));
        let b = Base::parse(&with("https://example.org/osv/", false)).unwrap();
        assert_eq!(b.url("Rocky Linux"), "https://example.org/osv/Rocky%20Linux/all.zip");
        assert!(Base::parse(&with("http://127.0.0.1:1", true)).is_ok());
    }

    #[test]
    fn archive_names_keep_the_ecosystem_as_stem() {
        assert_eq!(archive_name("crates.io"), "crates.io.zip");
        assert_eq!(archive_name("Photon OS"), "Photon OS.zip");
        assert_eq!(archive_name("../x/y"), "_x_y.zip");
    }

    #[test]
    fn staleness() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let info = |built: u64| DbInfo {
            schema_version: 1,
            built_at: crate::index::rfc3339(built),
            built_at_unix: built,
            tool: String::new(),
            sources: vec![],
            advisories: 0,
            affected: 0,
            ecosystems: Default::default(),
        };
        let day = Duration::from_secs(86_400);
        assert_eq!(staleness_warning(&info(1_000_000_000 - 3600), day, now), None);
        let w = staleness_warning(&info(1_000_000_000 - 3 * 86_400 - 5), day, now).unwrap();
        assert!(w.starts_with("advisory database built 3 days ago (2001-09-06T01:46:35Z)"), "{w}");
        assert!(w.ends_with("run `plimsoll db update`"));
        assert!(staleness_warning(&info(0), day, now).unwrap().contains("no build time"));
    }
}
