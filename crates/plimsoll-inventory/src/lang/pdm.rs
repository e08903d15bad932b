//! PDM's `pdm.lock` (TOML): every `[[package]]`. A package whose `groups` lack `default` belongs
//! to optional groups only; those are dev when every group has a conventional dev name (`dev`,
//! `test`, `lint`, `docs`, ...), because the lockfile does not say whether a group is an extra
//! (shipped) or a dev group. VCS, path and URL packages carry `git`/`path`/`url` keys.

use plimsoll_model::{PackageKind, PackageOrigin};
use serde::Deserialize;

use super::{file_name, package, toml, under_any, Collector, LOCKFILE_MAX, PYTHON_INSTALL_DIRS};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct PdmLock;

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Pkg>,
}

#[derive(Deserialize)]
struct Pkg {
    name: String,
    version: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
    git: Option<String>,
    revision: Option<String>,
    path: Option<String>,
    url: Option<String>,
}

/// Group names that mean development tooling by convention (PDM's own docs use `dev`, `test`,
/// `lint`, `doc`).
pub(crate) const DEV_GROUPS: &[&str] = &["dev", "test", "tests", "testing", "lint", "doc", "docs", "typing"];

impl Analyzer for PdmLock {
    fn name(&self) -> &'static str {
        "pdm-lock"
    }
    fn version(&self) -> u32 {
        2
    }
    fn wants(&self, path: &str) -> bool {
        if super::is_documentation(path) {
            return false;
        }
        file_name(path) == "pdm.lock" && !under_any(path, PYTHON_INSTALL_DIRS)
    }
    fn max_size(&self) -> u64 {
        LOCKFILE_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let lock: Lock = toml(path, content)?;
        let mut c = Collector::default();
        for lp in lock.package {
            let Some(version) = lp.version.as_deref().or(lp.revision.as_deref()) else {
                c.warn(format!("`{}` has no version; not inventoried", lp.name));
                continue;
            };
            let mut p = package(PackageKind::Python, &lp.name, version, path);
            p.dev = !lp.groups.is_empty()
                && lp.groups.iter().all(|g| DEV_GROUPS.contains(&g.to_ascii_lowercase().as_str()));
            p.origin = if lp.git.is_some() {
                Some(PackageOrigin::Git)
            } else if lp.path.is_some() {
                Some(PackageOrigin::Local)
            } else if lp.url.is_some() {
                Some(PackageOrigin::Url)
            } else {
                None
            };
            c.push(p);
        }
        c.finish(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_sources() {
        let lock = br#"
[metadata]
groups = ["default", "dev", "security"]
lock_version = "4.5.0"

[[package]]
name = "requests"
version = "2.19.0"
groups = ["default", "dev"]

[[package]]
name = "pytest"
version = "8.0.0"
groups = ["dev", "Test"]

[[package]]
name = "cryptography"
version = "42.0.0"
groups = ["security"]

[[package]]
name = "mylib"
version = "0.1.0"
path = "./mylib"
groups = ["default"]
"#;
        let f = PdmLock.analyze("pdm.lock", lock).unwrap();
        let got: Vec<_> = f.packages.iter().map(|p| (p.name.as_str(), p.dev, p.origin)).collect();
        assert_eq!(
            got,
            [
                ("requests", false, None),
                ("pytest", true, None),
                ("cryptography", false, None),
                ("mylib", false, Some(PackageOrigin::Local)),
            ]
        );
    }
}
