//! npm's `package-lock.json` and `npm-shrinkwrap.json`, lockfile versions 1, 2 and 3.
//!
//! Versions 2 and 3 list every installed package under `packages`, keyed by its install path
//! (`node_modules/a/node_modules/b`); the name is the last `node_modules/` segment unless the
//! entry's `name` says otherwise (aliases: `"node_modules/cjs": {"name": "string-width"}`). Keys
//! outside `node_modules` are workspace members; `link` entries point at them and are skipped.
//! Version 1 has only the nested `dependencies` tree, where aliases are written into the version
//! (`"npm:string-width@4.2.3"`) and git dependencies have a URL instead of a version.

use std::collections::BTreeMap;

use plimsoll_model::{PackageKind, PackageOrigin};
use serde::Deserialize;

use super::{file_name, json_counted, licenses_from_json, package, under_any, Collector, Counted, LOCKFILE_MAX};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct NpmLock;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Lock {
    #[serde(default)]
    lockfile_version: Option<serde_json::Value>,
    #[serde(default)]
    packages: Option<BTreeMap<String, Counted<Entry>>>,
    #[serde(default)]
    dependencies: Option<BTreeMap<String, Counted<V1Dep>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    name: Option<String>,
    version: Option<String>,
    resolved: Option<String>,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    link: bool,
    #[serde(default)]
    license: Option<serde_json::Value>,
    #[serde(default)]
    licenses: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct V1Dep {
    #[serde(default)]
    version: String,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    dependencies: BTreeMap<String, Counted<V1Dep>>,
}

impl Analyzer for NpmLock {
    fn name(&self) -> &'static str {
        "npm-lock"
    }
    fn version(&self) -> u32 {
        3
    }
    fn wants(&self, path: &str) -> bool {
        if super::is_documentation(path) {
            return false;
        }
        matches!(file_name(path), "package-lock.json" | "npm-shrinkwrap.json") && !under_any(path, &["node_modules"])
    }
    fn max_size(&self) -> u64 {
        LOCKFILE_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        // Entries count as they are parsed: a huge lockfile stops at the limit, not after.
        let lock: Lock = json_counted(path, content)?;
        let mut c = Collector::default();
        match (&lock.packages, &lock.dependencies) {
            (Some(packages), _) => v2(path, packages, &mut c),
            (None, Some(deps)) => v1(path, deps, &mut c),
            (None, None) if lock.lockfile_version.is_none() => {
                return Err(super::malformed(path, "neither `packages` nor `dependencies`: not an npm lockfile"));
            }
            (None, None) => {}
        }
        c.finish(path)
    }
}

/// The package name in an install path: what follows the last `node_modules/`.
fn name_from_key(key: &str) -> Option<&str> {
    let i = key.rfind("node_modules/")?;
    Some(&key[i + "node_modules/".len()..])
}

fn v2(path: &str, packages: &BTreeMap<String, Counted<Entry>>, c: &mut Collector) {
    // Workspace members are named by the link that points at them.
    let link_names: BTreeMap<&str, &str> = packages
        .iter()
        .filter(|(_, e)| e.link)
        .filter_map(|(k, e)| Some((e.resolved.as_deref()?, name_from_key(k)?)))
        .collect();
    for (key, e) in packages {
        if e.link {
            continue;
        }
        let Some(version) = e.version.as_deref().filter(|v| !v.is_empty()) else {
            continue;
        };
        let in_node_modules = name_from_key(key);
        let name = match (e.name.as_deref(), in_node_modules) {
            (Some(n), _) => n,
            (None, Some(n)) => n,
            (None, None) if key.is_empty() => continue,
            (None, None) => link_names.get(key.as_str()).copied().unwrap_or_else(|| super::file_name(key)),
        };
        let (name, version) = match version.strip_prefix("npm:").and_then(split_spec) {
            Some((n, v)) => (n, v),
            None => (name, version),
        };
        let mut p = package(PackageKind::Npm, name, version, path);
        p.dev = e.dev;
        p.origin =
            if in_node_modules.is_none() { Some(PackageOrigin::Local) } else { resolved_origin(e.resolved.as_deref()) };
        if let Some(l) = e.license.as_ref().or(e.licenses.as_ref()) {
            p.licenses = licenses_from_json(l);
        }
        c.push(p);
    }
}

fn v1(path: &str, deps: &BTreeMap<String, Counted<V1Dep>>, c: &mut Collector) {
    for (name, d) in deps {
        let spec = d.version.as_str();
        let (name, version, origin) = if let Some((n, v)) = spec.strip_prefix("npm:").and_then(split_spec) {
            (n, v, None)
        } else if is_git(spec) {
            (name.as_str(), spec.rsplit_once('#').map_or(spec, |(_, commit)| commit), Some(PackageOrigin::Git))
        } else if spec.starts_with(|ch: char| ch.is_ascii_digit()) {
            (name.as_str(), spec, None)
        } else {
            c.warn(format!("`{name}` is `{spec}`, not a registry version; not inventoried"));
            v1(path, &d.dependencies, c);
            continue;
        };
        let mut p = package(PackageKind::Npm, name, version, path);
        p.dev = d.dev;
        p.origin = origin;
        c.push(p);
        v1(path, &d.dependencies, c);
    }
}

/// Splits `name@version`, where a scoped name starts with `@`.
pub(crate) fn split_spec(s: &str) -> Option<(&str, &str)> {
    let at = s.get(1..)?.find('@')? + 1;
    Some((&s[..at], &s[at + 1..]))
}

pub(crate) fn is_git(spec: &str) -> bool {
    spec.starts_with("git+")
        || spec.starts_with("git://")
        || spec.starts_with("git@")
        || ["github:", "gitlab:", "bitbucket:", "gist:"].iter().any(|p| spec.starts_with(p))
}

/// Git, local and non-registry tarball sources, from an entry's `resolved`. Registry tarball URLs
/// have the `<registry>/<name>/-/<name>-<version>.tgz` shape on every npm-compatible registry.
fn resolved_origin(resolved: Option<&str>) -> Option<PackageOrigin> {
    let r = resolved?;
    if is_git(r) {
        Some(PackageOrigin::Git)
    } else if r.starts_with("file:") || !r.contains(':') {
        Some(PackageOrigin::Local)
    } else if (r.starts_with("http://") || r.starts_with("https://")) && !r.contains("/-/") {
        Some(PackageOrigin::Url)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(f: &Facts) -> Vec<(&str, &str, bool, Option<PackageOrigin>)> {
        f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.dev, p.origin)).collect()
    }

    #[test]
    fn split() {
        assert_eq!(split_spec("@babel/core@7.0.0"), Some(("@babel/core", "7.0.0")));
        assert_eq!(split_spec("a@1"), Some(("a", "1")));
        assert_eq!(split_spec("@scope"), None);
    }

    #[test]
    fn v1_aliases_git_and_files() {
        let lock = br#"{"lockfileVersion": 1, "dependencies": {
  "lodash": {"version": "4.17.15", "dev": true},
  "cjs": {"version": "npm:string-width@4.2.3"},
  "scoped": {"version": "npm:@bundled-es-modules/chai@4.2.2"},
  "gitdep": {"version": "git+https://github.com/x/gitdep.git#0123abc"},
  "local": {"version": "file:../local"},
  "a": {"version": "1.0.0", "dependencies": {"b": {"version": "2.0.0"}}}
}}"#;
        let f = NpmLock.analyze("package-lock.json", lock).unwrap();
        assert_eq!(
            names(&f),
            [
                ("a", "1.0.0", false, None),
                ("b", "2.0.0", false, None),
                ("string-width", "4.2.3", false, None),
                ("gitdep", "0123abc", false, Some(PackageOrigin::Git)),
                ("lodash", "4.17.15", true, None),
                ("@bundled-es-modules/chai", "4.2.2", false, None),
            ]
        );
        assert_eq!(f.warnings.len(), 1);
    }

    #[test]
    fn v3_workspaces_links_aliases() {
        let lock = br#"{"name": "root", "lockfileVersion": 3, "packages": {
  "": {"name": "root", "version": "1.0.0", "workspaces": ["packages/*"]},
  "packages/web": {"name": "@me/web", "version": "0.2.0"},
  "packages/func": {"version": "0.3.0"},
  "node_modules/@me/web": {"resolved": "packages/web", "link": true},
  "node_modules/function1": {"resolved": "packages/func", "link": true},
  "node_modules/lodash": {"version": "4.17.15", "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.15.tgz", "license": "MIT"},
  "node_modules/cjs": {"name": "string-width", "version": "4.2.3", "dev": true},
  "node_modules/a/node_modules/lodash": {"version": "4.17.21"},
  "node_modules/g": {"version": "1.0.0", "resolved": "git+ssh://git@github.com/x/g.git#abc"},
  "node_modules/t": {"version": "1.0.0", "resolved": "https://example.com/t.tgz"}
}}"#;
        let f = NpmLock.analyze("package-lock.json", lock).unwrap();
        assert_eq!(
            names(&f),
            [
                ("root", "1.0.0", false, Some(PackageOrigin::Local)),
                ("lodash", "4.17.21", false, None),
                ("string-width", "4.2.3", true, None),
                ("g", "1.0.0", false, Some(PackageOrigin::Git)),
                ("lodash", "4.17.15", false, None),
                ("t", "1.0.0", false, Some(PackageOrigin::Url)),
                ("function1", "0.3.0", false, Some(PackageOrigin::Local)),
                ("@me/web", "0.2.0", false, Some(PackageOrigin::Local)),
            ]
        );
        assert_eq!(f.packages[4].licenses, ["MIT"]);
    }

    #[test]
    fn not_a_lockfile() {
        assert!(NpmLock.analyze("package-lock.json", b"{}").is_err());
        assert!(NpmLock.analyze("package-lock.json", b"\"x\"").is_err());
        // Nesting deeper than serde_json's limit is an error, not a stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(NpmLock.analyze("package-lock.json", deep.as_bytes()).is_err());
    }
}
