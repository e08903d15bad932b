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

use crate::{AnalyzeError, Facts};

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

    pub(crate) fn finish(mut self) -> Facts {
        if self.warnings_dropped > 0 {
            self.warnings.push(format!("... and {} more warnings", self.warnings_dropped));
        }
        Facts { packages: self.packages, warnings: self.warnings, ..Facts::default() }
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
    fn collector_merges_repeats() {
        let mut c = Collector::default();
        let mut a = package(PackageKind::Npm, "a", "1", "f");
        a.dev = true;
        c.push(a.clone());
        a.dev = false;
        c.push(a);
        c.push(package(PackageKind::Npm, "a", "2", "f"));
        let f = c.finish();
        assert_eq!(f.packages.len(), 2);
        assert!(!f.packages[0].dev);
    }
}
