//! pnpm's `pnpm-lock.yaml`, lockfile versions 5.x to 9.0.
//!
//! Every version lists installed packages under `packages`, keyed by a dependency path whose
//! shape changed over time: `/name/1.0.0_peer@2.0.0` (5.x), `/name@1.0.0(peer@2.0.0)` (6.x),
//! `name@1.0.0` (9.0, peers moved to `snapshots`). Tarball, git and directory packages carry
//! `name` and `version` fields. Up to 6.x an entry says `dev: true`/`false`; 9.0 dropped the flag,
//! so dev packages are those reached only from the importers' `devDependencies` through the
//! `snapshots` graph. pnpm 9 may write a first YAML document for the package manager's own
//! dependencies (`packageManagerDependencies`); that document is not the project's and is skipped.

use std::collections::{BTreeMap, HashSet};

use plimsoll_model::{PackageKind, PackageOrigin};
use serde::de::IgnoredAny;
use serde::Deserialize;

use super::npm_lock::split_spec;
use super::{file_name, package, under_any, yaml_documents, Collector, LOCKFILE_MAX};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct PnpmLock;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Doc {
    lockfile_version: Option<String>,
    #[serde(default)]
    importers: BTreeMap<String, Importer>,
    /// Single-project lockfiles before 9.0 keep the root importer's fields at the top level.
    #[serde(flatten)]
    root: Importer,
    #[serde(default)]
    packages: BTreeMap<String, Entry>,
    #[serde(default)]
    snapshots: BTreeMap<String, Snapshot>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Importer {
    #[serde(default)]
    dependencies: BTreeMap<String, ImporterDep>,
    #[serde(default)]
    dev_dependencies: BTreeMap<String, ImporterDep>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, ImporterDep>,
    package_manager_dependencies: Option<IgnoredAny>,
    config_dependencies: Option<IgnoredAny>,
}

/// 5.x writes the resolved version; 6.0 and later `{specifier, version}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum ImporterDep {
    Version(String),
    Full { version: String },
}

impl ImporterDep {
    fn version(&self) -> &str {
        match self {
            ImporterDep::Version(v) | ImporterDep::Full { version: v } => v,
        }
    }
}

#[derive(Deserialize)]
struct Entry {
    name: Option<String>,
    version: Option<String>,
    dev: Option<bool>,
    #[serde(default)]
    resolution: Resolution,
}

#[derive(Deserialize, Default)]
struct Resolution {
    tarball: Option<String>,
    directory: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    repo: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Snapshot {
    #[serde(default)]
    dependencies: BTreeMap<String, String>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, String>,
}

impl Analyzer for PnpmLock {
    fn name(&self) -> &'static str {
        "pnpm-lock"
    }
    fn version(&self) -> u32 {
        2
    }
    fn wants(&self, path: &str) -> bool {
        if super::is_documentation(path) {
            return false;
        }
        file_name(path) == "pnpm-lock.yaml" && !under_any(path, &["node_modules"])
    }
    fn max_size(&self) -> u64 {
        LOCKFILE_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let docs: Vec<Doc> = yaml_documents(path, content)?;
        if !docs.iter().any(|d| d.lockfile_version.is_some()) {
            return Err(super::malformed(path, "no lockfileVersion: not a pnpm lockfile"));
        }
        let mut c = Collector::default();
        for doc in docs.iter().filter(|d| !d.is_package_manager_env()) {
            analyze_doc(path, doc, &mut c);
        }
        c.finish(path)
    }
}

impl Importer {
    fn has_deps(&self) -> bool {
        !(self.dependencies.is_empty() && self.dev_dependencies.is_empty() && self.optional_dependencies.is_empty())
    }
}

impl Doc {
    fn is_package_manager_env(&self) -> bool {
        let importers = || self.importers.values().chain([&self.root]);
        !importers().any(Importer::has_deps)
            && importers().any(|i| i.package_manager_dependencies.is_some() || i.config_dependencies.is_some())
    }

    /// Major version of the lockfile format; 9 when unstated (the current format).
    fn major(&self) -> u32 {
        self.lockfile_version.as_deref().and_then(|v| v.trim_matches('\'').split('.').next()?.parse().ok()).unwrap_or(9)
    }
}

/// Drops the peer-dependency suffix: `(peer@1.0.0)` since 6.0, `_peer@1.0.0` in 5.x.
fn strip_peers(v: &str, major: u32) -> &str {
    let v = v.split('(').next().unwrap_or(v);
    if major < 6 {
        v.split('_').next().unwrap_or(v)
    } else {
        v
    }
}

/// Name and version from a `packages` key.
fn parse_key(key: &str, major: u32) -> Option<(&str, &str)> {
    if major < 6 {
        let k = key.strip_prefix('/')?;
        let (name, version) = k.rsplit_once('/')?;
        Some((name, strip_peers(version, major)))
    } else {
        let k = key.strip_prefix('/').unwrap_or(key);
        let (name, version) = split_spec(strip_peers(k, major))?;
        Some((name, version))
    }
}

fn analyze_doc(path: &str, doc: &Doc, c: &mut Collector) {
    let major = doc.major();
    let dev_only = if major >= 9 { dev_only_v9(doc) } else { HashSet::new() };
    for (key, e) in &doc.packages {
        let parsed = parse_key(key, major);
        let name = e.name.as_deref().or(parsed.map(|(n, _)| n));
        let version = e.version.as_deref().or(parsed.map(|(_, v)| v));
        let origin = origin(key, e);
        let (Some(name), Some(version)) = (name, version) else {
            c.warn(format!("cannot tell the name and version of `{key}`"));
            continue;
        };
        // 9.0 keys a directory or tarball package by its source (`pkg@file:pkg`) and records a
        // version only when the package has one.
        if e.version.is_none() && version.contains(':') {
            if origin != Some(PackageOrigin::Local) {
                c.warn(format!("`{key}` has no version"));
            }
            continue;
        }
        let mut p = package(PackageKind::Npm, name, version, path);
        p.dev = if major >= 9 { dev_only.contains(key.as_str()) } else { e.dev == Some(true) };
        p.origin = origin;
        c.push(p);
    }
}

fn origin(key: &str, e: &Entry) -> Option<PackageOrigin> {
    let r = &e.resolution;
    if r.kind.as_deref() == Some("git") || r.repo.is_some() {
        Some(PackageOrigin::Git)
    } else if r.directory.is_some()
        || key.starts_with("file:")
        || key.contains("@file:")
        || key.contains("@link:")
        || r.tarball.as_deref().is_some_and(|t| t.starts_with("file:"))
    {
        Some(PackageOrigin::Local)
    } else if r.tarball.is_some() {
        Some(PackageOrigin::Url)
    } else {
        None
    }
}

/// The `snapshots` key a dependency `name: version` points at. An alias's version is the
/// target's own `name@version`; `link:` versions are workspace links, not packages.
fn snapshot_key(name: &str, version: &str) -> Option<String> {
    if version.starts_with("link:") {
        return None;
    }
    if split_spec(strip_peers(version, 9)).is_some_and(|(n, _)| !n.contains(':')) && !version.starts_with("file:") {
        return Some(version.to_owned());
    }
    Some(format!("{name}@{version}"))
}

/// `packages` keys reachable from the importers' `devDependencies` but not from their
/// `dependencies` or `optionalDependencies`.
fn dev_only_v9(doc: &Doc) -> HashSet<&str> {
    let walk = |start: Vec<String>| -> HashSet<String> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut stack = start;
        while let Some(k) = stack.pop() {
            if !seen.insert(k.clone()) {
                continue;
            }
            if let Some(s) = doc.snapshots.get(&k) {
                for (n, v) in s.dependencies.iter().chain(&s.optional_dependencies) {
                    stack.extend(snapshot_key(n, v));
                }
            }
        }
        seen
    };
    let importers: Vec<&Importer> = doc.importers.values().chain([&doc.root]).collect();
    let roots = |pick: fn(&Importer) -> Vec<(&String, &ImporterDep)>| -> Vec<String> {
        importers.iter().flat_map(|i| pick(i)).filter_map(|(n, d)| snapshot_key(n, d.version())).collect()
    };
    let prod = walk(roots(|i| i.dependencies.iter().chain(&i.optional_dependencies).collect()));
    let dev = walk(roots(|i| i.dev_dependencies.iter().collect()));
    let prod_pkgs: HashSet<&str> = prod.iter().map(|k| strip_peers(k, 9)).collect();
    let dev_pkgs: HashSet<&str> = dev.iter().map(|k| strip_peers(k, 9)).collect();
    doc.packages.keys().map(String::as_str).filter(|k| !prod_pkgs.contains(k) && dev_pkgs.contains(k)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(f: &Facts) -> Vec<(&str, &str, bool, Option<PackageOrigin>)> {
        f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.dev, p.origin)).collect()
    }

    #[test]
    fn keys() {
        assert_eq!(parse_key("/@babel/core/7.0.0_react@17.0.0", 5), Some(("@babel/core", "7.0.0")));
        assert_eq!(parse_key("/acorn-jsx/5.3.2_acorn@8.8.0", 5), Some(("acorn-jsx", "5.3.2")));
        assert_eq!(parse_key("/@babel/core@7.0.0(react@17.0.0)", 6), Some(("@babel/core", "7.0.0")));
        assert_eq!(parse_key("ms@2.1.2", 9), Some(("ms", "2.1.2")));
        assert_eq!(parse_key("nothing", 9), None);
    }

    #[test]
    fn v5_dev_flags() {
        let lock = b"lockfileVersion: 5.4\nspecifiers:\n  a: ^1\ndependencies:\n  a: 1.0.0\n\
packages:\n  /a/1.0.0:\n    resolution: {integrity: sha512-x}\n    dev: false\n  /b/2.0.0_a@1.0.0:\n    dev: true\n";
        let f = PnpmLock.analyze("pnpm-lock.yaml", lock).unwrap();
        assert_eq!(names(&f), [("a", "1.0.0", false, None), ("b", "2.0.0", true, None)]);
    }

    #[test]
    fn v9_dev_by_graph_aliases_and_sources() {
        let lock = br#"lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      app-lib:
        specifier: workspace:*
        version: link:packages/lib
      cjs:
        specifier: npm:string-width@^4
        version: string-width@4.2.3
      debug:
        specifier: ^4
        version: 4.3.4(supports-color@8.1.1)
      local:
        specifier: file:local
        version: file:local
    devDependencies:
      jest:
        specifier: ^29
        version: 29.0.0
      ms:
        specifier: ^2
        version: 2.1.2
packages:
  string-width@4.2.3:
    resolution: {integrity: sha512-x}
  debug@4.3.4:
    resolution: {integrity: sha512-x}
  ms@2.1.2:
    resolution: {integrity: sha512-x}
  jest@29.0.0:
    resolution: {integrity: sha512-x}
  pretty@1.0.0:
    resolution: {integrity: sha512-x}
  local@file:local:
    resolution: {directory: local, type: directory}
    name: local
    version: 0.1.0
  g@https://codeload.github.com/x/g/tar.gz/abc:
    resolution: {tarball: https://codeload.github.com/x/g/tar.gz/abc}
    name: g
    version: 1.0.0
snapshots:
  string-width@4.2.3: {}
  debug@4.3.4(supports-color@8.1.1):
    dependencies:
      ms: 2.1.2
  ms@2.1.2: {}
  jest@29.0.0:
    dependencies:
      pretty: 1.0.0
  pretty@1.0.0: {}
  local@file:local: {}
"#;
        let f = PnpmLock.analyze("pnpm-lock.yaml", lock).unwrap();
        assert_eq!(
            names(&f),
            [
                ("debug", "4.3.4", false, None),
                ("g", "1.0.0", false, Some(PackageOrigin::Url)),
                ("jest", "29.0.0", true, None),
                ("local", "0.1.0", false, Some(PackageOrigin::Local)),
                ("ms", "2.1.2", false, None),
                ("pretty", "1.0.0", true, None),
                ("string-width", "4.2.3", false, None),
            ]
        );
    }

    #[test]
    fn package_manager_document_is_skipped() {
        let lock = b"lockfileVersion: '9.0'\nimporters:\n  .:\n    packageManagerDependencies:\n      pnpm:\n        \
specifier: ^9\n        version: 9.0.0\npackages:\n  pnpm@9.0.0:\n    resolution: {integrity: x}\n---\n\
lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      ms:\n        specifier: ^2\n        version: 2.1.2\n\
packages:\n  ms@2.1.2:\n    resolution: {integrity: x}\nsnapshots:\n  ms@2.1.2: {}\n";
        let f = PnpmLock.analyze("pnpm-lock.yaml", lock).unwrap();
        assert_eq!(names(&f), [("ms", "2.1.2", false, None)]);
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut y = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..20 {
            y.push_str(&format!(
                "{}: &{} [*{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}]\n",
                (b'a' + i) as char,
                (b'a' + i) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char,
                (b'a' + i - 1) as char
            ));
        }
        // 10^20 nodes once expanded, under a key the lockfile types ignore.
        y.push_str("lockfileVersion: '9.0'\nbomb: *t\n");
        let err = PnpmLock.analyze("pnpm-lock.yaml", y.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("invalid YAML"), "{err}");
    }
}
