//! Application dependencies: language lockfiles, installed package metadata and binaries.
//!
//! One module per file format, each with one [`Analyzer`](crate::Analyzer), listed in
//! [`crate::ANALYZERS`]. Like every analyzer they are pure functions of `(path, bytes)`: a lockfile
//! says nothing about the layer it sits in, and the pipeline fills in `purl` and `layer` later.
//!
//! Each [`Package`] gets its kind, the name and version exactly as the file declares them (PEP 503
//! normalisation happens only in the purl), `found_in` (the declaring file) and, where the file
//! says so, licences, [`Package::dev`], [`Package::indirect`] and [`Package::origin`]. Things a
//! file states that cannot become packages (an unpinned requirement, an archive over a size
//! limit) become [`Facts::warnings`].
//!
//! | ecosystem | module |
//! |---|---|
//! | Python | [`python_metadata`], [`requirements`], [`poetry`], [`pipfile`], [`uv`], [`pdm`] |
//! | Node | [`npm_lock`], [`yarn_lock`], [`pnpm_lock`], [`node_modules`] |
//! | Rust | [`cargo_lock`], [`cargo_auditable`] |
//! | Go | [`go_binary`], [`go_mod`] |
//! | Java | [`java_archive`], [`gradle_lock`] |
//! | Ruby | [`gemfile_lock`], [`gemspec`] |
//! | PHP | [`composer_lock`], [`composer_installed`] |
//! | .NET | [`dotnet_deps`], [`nuget_lock`] |

mod binary;
pub mod cargo_auditable;
pub mod cargo_lock;
pub mod composer_installed;
pub mod composer_lock;
pub mod dotnet_deps;
pub mod gemfile_lock;
pub mod gemspec;
pub mod go_binary;
pub mod go_mod;
pub mod gradle_lock;
pub mod java_archive;
pub mod node_modules;
pub mod npm_lock;
pub mod nuget_lock;
pub mod pdm;
pub mod pipfile;
pub mod pnpm_lock;
pub mod poetry;
pub mod python_metadata;
pub mod requirements;
pub mod uv;
pub mod yarn_lock;

use std::borrow::Cow;
use std::collections::HashMap;

use plimsoll_model::{Package, PackageKind};
use serde::de::DeserializeOwned;

use crate::{AnalyzeError, Facts, MAX_PACKAGES_PER_FILE};

/// Lockfiles and manifests: generous (monorepo lockfiles reach tens of MiB) but bounded.
pub(crate) const LOCKFILE_MAX: u64 = 128 * 1024 * 1024;
/// One package's installed metadata file.
pub(crate) const METADATA_MAX: u64 = 16 * 1024 * 1024;

pub(crate) fn malformed(path: &str, reason: impl std::fmt::Display) -> AnalyzeError {
    AnalyzeError::Malformed { path: path.to_owned(), reason: reason.to_string() }
}

/// The last path segment.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The name of the directory holding `path`, if any.
pub(crate) fn parent_name(path: &str) -> Option<&str> {
    let (dir, _) = path.rsplit_once('/')?;
    Some(file_name(dir))
}

/// Whether a directory of `path` is named one of `dirs`. Lockfiles inside installed dependency
/// trees (`node_modules/x/package-lock.json`, a crate's `Cargo.lock` in `~/.cargo/registry`, a
/// module's `go.mod` in `vendor/`) describe how that dependency was developed, not what is
/// installed, and would report packages that are not there.
pub(crate) fn under_any(path: &str, dirs: &[&str]) -> bool {
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    !dir.is_empty() && dir.split('/').any(|c| dirs.contains(&c))
}

/// Whether `path` is documentation or an example: `usr/share/doc/<package>/` (FHS 3.0 §4.11.6,
/// where Debian puts e.g. `python3-pip`'s `requirements.txt`) or an `examples` directory under
/// `usr/share`. A lockfile or requirements file there describes how something was developed or
/// how to use it, not what is installed: reading it reports packages that are not there and
/// "not pinned" noise.
pub(crate) fn is_documentation(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("usr/share/").or_else(|| path.strip_prefix("usr/local/share/")) else {
        return false;
    };
    let dir = rest.rsplit_once('/').map_or("", |(d, _)| d);
    rest.starts_with("doc/")
        || rest.starts_with("doc-base/")
        || dir.split('/').any(|c| matches!(c, "examples" | "example"))
}

/// Directories holding installed Python distributions.
pub(crate) const PYTHON_INSTALL_DIRS: &[&str] = &["site-packages", "dist-packages"];

/// Decodes a text file: UTF-8 (a BOM is dropped) or UTF-16 with a BOM (Windows editors write
/// requirements files that way). Invalid UTF-8 is an error: lockfiles are machine-written.
pub(crate) fn text<'a>(path: &str, content: &'a [u8]) -> Result<Cow<'a, str>, AnalyzeError> {
    match content {
        [0xEF, 0xBB, 0xBF, rest @ ..] => {
            std::str::from_utf8(rest).map(Cow::Borrowed).map_err(|e| malformed(path, format!("not UTF-8: {e}")))
        }
        [0xFF, 0xFE, rest @ ..] => utf16(path, rest, u16::from_le_bytes).map(Cow::Owned),
        [0xFE, 0xFF, rest @ ..] => utf16(path, rest, u16::from_be_bytes).map(Cow::Owned),
        _ => std::str::from_utf8(content).map(Cow::Borrowed).map_err(|e| malformed(path, format!("not UTF-8: {e}"))),
    }
}

fn utf16(path: &str, bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, AnalyzeError> {
    let units = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    char::decode_utf16(units).collect::<Result<String, _>>().map_err(|e| malformed(path, format!("bad UTF-16: {e}")))
}

pub(crate) fn json<T: DeserializeOwned>(path: &str, content: &[u8]) -> Result<T, AnalyzeError> {
    let s = text(path, content)?;
    serde_json::from_str(&s).map_err(|e| malformed(path, format!("invalid JSON: {e}")))
}

pub(crate) fn toml<T: DeserializeOwned>(path: &str, content: &[u8]) -> Result<T, AnalyzeError> {
    let s = text(path, content)?;
    ::toml::from_str(&s).map_err(|e| malformed(path, format!("invalid TOML: {}", e.message())))
}

/// Budget for YAML lockfiles: serde-saphyr's defaults (250k nodes) are sized for config files,
/// large pnpm lockfiles exceed them; events and nodes stay proportional to the input instead.
fn yaml_options(len: usize) -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_events: len.saturating_mul(2).saturating_add(10_000),
            max_nodes: len.saturating_add(10_000),
        },
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::LastWins,
    }
}

/// All documents of a YAML stream (pnpm 9 may write two: the package manager's own, then the
/// project's).
pub(crate) fn yaml_documents<T: DeserializeOwned>(path: &str, content: &[u8]) -> Result<Vec<T>, AnalyzeError> {
    let s = text(path, content)?;
    serde_saphyr::from_multiple_with_options(&s, yaml_options(s.len()))
        .map_err(|e| malformed(path, format!("invalid YAML: {}", first_line(&e.to_string()))))
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

pub(crate) fn too_many(path: &str) -> AnalyzeError {
    AnalyzeError::TooMany { path: path.to_owned(), what: "packages", limit: MAX_PACKAGES_PER_FILE }
}

thread_local! {
    /// Package records deserialised so far in the file being parsed on this thread (see
    /// [`count_record`]).
    static RECORDS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Marker in the serde error that [`count_record`] raises, to tell it from a syntax error.
const TOO_MANY_RECORDS: &str = "too many package records";

/// Counts one package record (a lockfile entry, an SBOM component) while it is deserialised,
/// failing past [`MAX_PACKAGES_PER_FILE`]: the parse stops there, before the rest of a huge file
/// is turned into values. Call from a `#[serde(try_from)]` conversion; run the parse inside
/// [`count_records`].
pub(crate) fn count_record() -> Result<(), &'static str> {
    RECORDS.with(|n| {
        n.set(n.get() + 1);
        if n.get() > MAX_PACKAGES_PER_FILE {
            Err(TOO_MANY_RECORDS)
        } else {
            Ok(())
        }
    })
}

/// Runs a parse with a fresh record count; whether it stopped at the limit.
pub(crate) fn count_records<T, E: std::fmt::Display>(parse: impl FnOnce() -> Result<T, E>) -> Result<T, (E, bool)> {
    RECORDS.with(|n| n.set(0));
    let out = parse();
    RECORDS.with(|n| n.set(0));
    out.map_err(|e| {
        let limit = e.to_string().contains(TOO_MANY_RECORDS);
        (e, limit)
    })
}

/// A package record that counts itself through [`count_record`] before it is deserialised.
pub struct Counted<T>(pub T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Counted<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        count_record().map_err(serde::de::Error::custom)?;
        T::deserialize(d).map(Counted)
    }
}

impl<T> std::ops::Deref for Counted<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Like [`json`], for formats whose records count through [`Counted`].
pub(crate) fn json_counted<T: DeserializeOwned>(path: &str, content: &[u8]) -> Result<T, AnalyzeError> {
    let s = text(path, content)?;
    count_records(|| serde_json::from_str(&s)).map_err(|(e, limit)| {
        if limit {
            too_many(path)
        } else {
            malformed(path, format!("invalid JSON: {e}"))
        }
    })
}

/// A package of `kind` declared by the file at `path`.
pub(crate) fn package(kind: PackageKind, name: &str, version: &str, path: &str) -> Package {
    Package::new(kind, name, version, path)
}

/// Collects one file's packages, merging repeats of the same name and version (a lockfile lists a
/// package once per place it is installed, or once per target framework). A repeat is `dev` or
/// `indirect` only if every occurrence is.
#[derive(Default)]
pub(crate) struct Collector {
    packages: Vec<Package>,
    index: HashMap<(String, String, Option<String>), usize>,
    warnings: Vec<String>,
    warnings_dropped: usize,
    /// More than [`MAX_PACKAGES_PER_FILE`] distinct packages were pushed; later ones are not kept.
    overflow: bool,
}

/// Warnings kept per file; a file with thousands of unpinned lines says so once, with a count.
const MAX_WARNINGS: usize = 20;

impl Collector {
    pub(crate) fn push(&mut self, p: Package) {
        let key = (p.name.clone(), p.version.clone(), p.arch.clone());
        match self.index.get(&key) {
            Some(&i) => {
                let have = &mut self.packages[i];
                have.dev &= p.dev;
                have.indirect &= p.indirect;
                if have.origin.is_none() {
                    have.origin = p.origin;
                }
                for l in p.licenses {
                    if !have.licenses.contains(&l) {
                        have.licenses.push(l);
                    }
                }
            }
            None if self.packages.len() >= MAX_PACKAGES_PER_FILE => self.overflow = true,
            None => {
                self.index.insert(key, self.packages.len());
                self.packages.push(p);
            }
        }
    }

    pub(crate) fn warn(&mut self, w: impl Into<String>) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(w.into());
        } else {
            self.warnings_dropped += 1;
        }
    }

    /// The file's facts, or an error when it declared more than [`MAX_PACKAGES_PER_FILE`]
    /// packages (the whole file is refused rather than a truncated list reported).
    pub(crate) fn finish(mut self, path: &str) -> Result<Facts, AnalyzeError> {
        if self.overflow {
            return Err(too_many(path));
        }
        if self.warnings_dropped > 0 {
            self.warnings.push(format!("... and {} more warnings", self.warnings_dropped));
        }
        Ok(Facts { packages: self.packages, warnings: self.warnings, ..Facts::default() })
    }
}

/// Licence strings from a field that may be a string, a list of strings, an SPDX expression, or
/// objects with a `type`/`name` (npm's legacy `{"type": "MIT"}`, composer's lists).
pub(crate) fn licenses_from_json(v: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    collect_licenses(v, &mut out, 0);
    out
}

fn collect_licenses(v: &serde_json::Value, out: &mut Vec<String>, depth: usize) {
    use serde_json::Value;
    if depth > 4 {
        return;
    }
    match v {
        Value::String(s) => {
            let s = s.trim();
            if !s.is_empty() && !s.eq_ignore_ascii_case("UNKNOWN") && !out.iter().any(|l| l == s) {
                out.push(s.to_owned());
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_licenses(i, out, depth + 1)),
        Value::Object(m) => {
            if let Some(t) = m.get("type").or_else(|| m.get("name")) {
                collect_licenses(t, out, depth + 1);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_decodes_boms() {
        assert_eq!(text("f", b"\xEF\xBB\xBFa==1").unwrap(), "a==1");
        assert_eq!(text("f", b"\xFF\xFEa\0=\0").unwrap(), "a=");
        assert_eq!(text("f", b"\xFE\xFF\0a\0=").unwrap(), "a=");
        assert!(text("f", b"\xFF\xFE\0\xD8").is_err(), "lone surrogate");
        assert!(text("f", b"\xC3").is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let toml_bomb = format!("a = {}{}", "[".repeat(200_000), "]".repeat(200_000));
        assert!(toml::<serde::de::IgnoredAny>("f", toml_bomb.as_bytes()).is_err());
        let yaml_bomb = format!("a: {}{}", "[".repeat(200_000), "]".repeat(200_000));
        assert!(yaml_documents::<serde::de::IgnoredAny>("f", yaml_bomb.as_bytes()).is_err());
        let yaml_block: String = (0..5_000).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        assert!(yaml_documents::<serde::de::IgnoredAny>("f", yaml_block.as_bytes()).is_err());
        let json_bomb = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
        assert!(json::<serde_json::Value>("f", json_bomb.as_bytes()).is_err());
    }

    #[test]
    fn dependency_trees() {
        assert!(under_any("app/node_modules/x/yarn.lock", &["node_modules"]));
        assert!(!under_any("app/yarn.lock", &["node_modules"]));
        assert!(!under_any("yarn.lock", &["node_modules"]));
        assert!(!under_any("app/node_modules", &["node_modules"]), "only directories count");
    }

    #[test]
    fn documentation_paths() {
        assert!(is_documentation("usr/share/doc/python3-pip/requirements.txt"));
        assert!(is_documentation("usr/local/share/doc/x/package-lock.json"));
        assert!(is_documentation("usr/share/nodejs/express/examples/app/package-lock.json"));
        assert!(!is_documentation("usr/share/nodejs/express/package-lock.json"));
        assert!(!is_documentation("app/doc/requirements.txt"));
        assert!(!is_documentation("usr/share/examples"), "only directories count");
    }

    #[test]
    fn collector_merges_repeats() {
        let mut c = Collector::default();
        let mut a = package(PackageKind::Npm, "a", "1", "f");
        a.dev = true;
        c.push(a.clone());
        a.dev = false;
        c.push(a);
        c.push(package(PackageKind::Npm, "a", "2", "f"));
        let f = c.finish("f").unwrap();
        assert_eq!(f.packages.len(), 2);
        assert!(!f.packages[0].dev);
    }
}
