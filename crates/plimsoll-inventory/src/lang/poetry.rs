//! Poetry's `poetry.lock` (lock format 1.x and 2.x): every `[[package]]` with its name and
//! version. Dev packages: `category = "dev"` (Poetry 1) or dependency `groups` without `main`
//! (Poetry 2). `[package.source]` tells git, directory/file and URL packages apart.

use plimsoll_model::{PackageKind, PackageOrigin};
use serde::Deserialize;

use super::{file_name, package, toml, under_any, Collector, LOCKFILE_MAX, PYTHON_INSTALL_DIRS};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct PoetryLock;

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<LockedPackage>,
}

#[derive(Deserialize)]
struct LockedPackage {
    name: String,
    version: String,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    source: Option<Source>,
}

#[derive(Deserialize)]
pub(crate) struct Source {
    #[serde(rename = "type", default)]
    pub(crate) kind: String,
}

/// Origin of a Poetry or PDM package source type. `legacy` is a secondary package index.
pub(crate) fn source_origin(kind: &str) -> Option<PackageOrigin> {
    match kind {
        "git" | "hg" | "svn" | "bzr" => Some(PackageOrigin::Git),
        "directory" | "file" => Some(PackageOrigin::Local),
        "url" => Some(PackageOrigin::Url),
        _ => None,
    }
}

impl Analyzer for PoetryLock {
    fn name(&self) -> &'static str {
        "poetry-lock"
    }
    fn version(&self) -> u32 {
        2
    }
    fn wants(&self, path: &str) -> bool {
        if super::is_documentation(path) {
            return false;
        }
        file_name(path) == "poetry.lock" && !under_any(path, PYTHON_INSTALL_DIRS)
    }
    fn max_size(&self) -> u64 {
        LOCKFILE_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let lock: Lock = toml(path, content)?;
        let mut c = Collector::default();
        for lp in lock.package {
            let mut p = package(PackageKind::Python, &lp.name, &lp.version, path);
            p.dev = lp.category.as_deref() == Some("dev")
                || (!lp.groups.is_empty() && !lp.groups.iter().any(|g| g == "main"));
            p.origin = lp.source.as_ref().and_then(|s| source_origin(&s.kind));
            c.push(p);
        }
        c.finish(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_category_v2_groups_and_sources() {
        let lock = br#"
[[package]]
name = "pytest"
version = "7.0.0"
category = "dev"

[[package]]
name = "Django"
version = "4.2.0"
groups = ["main", "dev"]

[[package]]
name = "mypy"
version = "1.0.0"
groups = ["typing"]

[[package]]
name = "mylib"
version = "0.1.0"
[package.source]
type = "directory"
url = "../mylib"

[[package]]
name = "gitpkg"
version = "2.0.0"
[package.source]
type = "git"
url = "https://github.com/x/gitpkg.git"
reference = "main"
resolved_reference = "abc"
"#;
        let f = PoetryLock.analyze("poetry.lock", lock).unwrap();
        let got: Vec<_> = f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.dev, p.origin)).collect();
        assert_eq!(
            got,
            [
                ("pytest", "7.0.0", true, None),
                ("Django", "4.2.0", false, None),
                ("mypy", "1.0.0", true, None),
                ("mylib", "0.1.0", false, Some(PackageOrigin::Local)),
                ("gitpkg", "2.0.0", false, Some(PackageOrigin::Git)),
            ]
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(PoetryLock.analyze("poetry.lock", b"[[package]]\nname = 1\n").is_err());
        assert!(PoetryLock.analyze("poetry.lock", b"{").is_err());
    }
}
