//! uv's `uv.lock` (TOML, `version = 1`): every `[[package]]` with a version.
//!
//! The lock marks no package as dev; it records the graph instead. Workspace members (source
//! `virtual` or `editable`) are the roots: what their `dependencies` and `optional-dependencies`
//! reach (following requested extras) is run time, what only their `dev-dependencies` groups reach
//! is dev.

use std::collections::{BTreeMap, HashMap, HashSet};

use plimsoll_model::{PackageKind, PackageOrigin};
use serde::Deserialize;

use super::{file_name, package, toml, under_any, Collector, LOCKFILE_MAX, PYTHON_INSTALL_DIRS};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct UvLock;

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Pkg>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Pkg {
    name: String,
    version: Option<String>,
    #[serde(default)]
    source: Source,
    #[serde(default)]
    dependencies: Vec<Dep>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, Vec<Dep>>,
    #[serde(default)]
    dev_dependencies: BTreeMap<String, Vec<Dep>>,
}

#[derive(Deserialize, Default)]
struct Source {
    #[serde(rename = "virtual")]
    virtual_: Option<String>,
    editable: Option<String>,
    path: Option<String>,
    directory: Option<String>,
    git: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize)]
struct Dep {
    name: String,
    version: Option<String>,
    #[serde(default)]
    extra: Vec<String>,
}

impl Source {
    fn is_member(&self) -> bool {
        self.virtual_.is_some() || self.editable.is_some()
    }
    fn origin(&self) -> Option<PackageOrigin> {
        if self.is_member() || self.path.is_some() || self.directory.is_some() {
            Some(PackageOrigin::Local)
        } else if self.git.is_some() {
            Some(PackageOrigin::Git)
        } else if self.url.is_some() {
            Some(PackageOrigin::Url)
        } else {
            None
        }
    }
}

impl Analyzer for UvLock {
    fn name(&self) -> &'static str {
        "uv-lock"
    }
    fn version(&self) -> u32 {
        2
    }
    fn wants(&self, path: &str) -> bool {
        if super::is_documentation(path) {
            return false;
        }
        file_name(path) == "uv.lock" && !under_any(path, PYTHON_INSTALL_DIRS)
    }
    fn max_size(&self) -> u64 {
        LOCKFILE_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let lock: Lock = toml(path, content)?;
        let dev = dev_only(&lock.package);
        let mut c = Collector::default();
        for (i, lp) in lock.package.iter().enumerate() {
            let Some(version) = &lp.version else {
                if !lp.source.is_member() {
                    c.warn(format!("`{}` has no version; not inventoried", lp.name));
                }
                continue;
            };
            let mut p = package(PackageKind::Python, &lp.name, version, path);
            p.dev = dev.contains(&i);
            p.origin = lp.source.origin();
            c.push(p);
        }
        c.finish(path)
    }
}

/// Indices of packages reachable from the members' dev groups but not from their run-time
/// dependencies.
fn dev_only(pkgs: &[Pkg]) -> HashSet<usize> {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in pkgs.iter().enumerate() {
        by_name.entry(p.name.as_str()).or_default().push(i);
    }
    let resolve = |d: &Dep| -> Vec<usize> {
        let all = by_name.get(d.name.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        all.iter().copied().filter(|&i| d.version.is_none() || pkgs[i].version == d.version).collect()
    };
    // Walks from `start`, following each visited package's dependencies and requested extras.
    let walk = |start: Vec<(usize, Option<&str>)>| -> HashSet<usize> {
        let mut seen: HashSet<(usize, Option<&str>)> = HashSet::new();
        let mut stack = start;
        while let Some((i, extra)) = stack.pop() {
            if !seen.insert((i, extra)) {
                continue;
            }
            let p = &pkgs[i];
            let deps: &[Dep] = match extra {
                None => &p.dependencies,
                Some(e) => p.optional_dependencies.get(e).map(Vec::as_slice).unwrap_or(&[]),
            };
            for d in deps {
                for j in resolve(d) {
                    stack.push((j, None));
                    stack.extend(d.extra.iter().map(|e| (j, Some(e.as_str()))));
                }
            }
        }
        seen.into_iter().map(|(i, _)| i).collect()
    };
    let members: Vec<usize> = (0..pkgs.len()).filter(|&i| pkgs[i].source.is_member()).collect();
    let mut prod_start = Vec::new();
    let mut dev_start = Vec::new();
    for &m in &members {
        prod_start.push((m, None));
        prod_start.extend(pkgs[m].optional_dependencies.keys().map(|e| (m, Some(e.as_str()))));
        for d in pkgs[m].dev_dependencies.values().flatten() {
            for j in resolve(d) {
                dev_start.push((j, None));
                dev_start.extend(d.extra.iter().map(|e| (j, Some(e.as_str()))));
            }
        }
    }
    let prod = walk(prod_start);
    walk(dev_start).into_iter().filter(|i| !prod.contains(i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_groups_extras_and_sources() {
        let lock = br#"
version = 1
[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "httpx", extra = ["socks"] }]
[package.optional-dependencies]
json = [{ name = "orjson" }]
[package.dev-dependencies]
dev = [{ name = "pytest" }, { name = "httpx" }]

[[package]]
name = "httpx"
version = "0.28.1"
source = { registry = "https://pypi.org/simple" }
[package.optional-dependencies]
socks = [{ name = "socksio" }]
brotli = [{ name = "brotli" }]

[[package]]
name = "socksio"
version = "1.0.0"
source = { registry = "https://pypi.org/simple" }
[[package]]
name = "brotli"
version = "1.1.0"
source = { registry = "https://pypi.org/simple" }
[[package]]
name = "orjson"
version = "3.10.12"
source = { registry = "https://pypi.org/simple" }
[[package]]
name = "pytest"
version = "8.3.4"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "iniconfig" }]
[[package]]
name = "iniconfig"
version = "2.0.0"
source = { git = "https://github.com/x/iniconfig?rev=v2#abc" }
"#;
        let f = UvLock.analyze("uv.lock", lock).unwrap();
        let got: Vec<_> = f.packages.iter().map(|p| (p.name.as_str(), p.dev, p.origin)).collect();
        assert_eq!(
            got,
            [
                ("app", false, Some(PackageOrigin::Local)),
                ("httpx", false, None),
                ("socksio", false, None),
                ("brotli", false, None),
                ("orjson", false, None),
                ("pytest", true, None),
                ("iniconfig", true, Some(PackageOrigin::Git)),
            ]
        );
    }
}
