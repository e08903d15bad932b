//! Pipenv's `Pipfile.lock` (JSON): the `default` section, and `develop` as dev packages. Versions
//! are written as exact pins (`"==2.19.0"`). VCS entries (`git`, `ref`) have no version, only a
//! commit, which becomes the version; path and file entries have neither and are reported.

use std::collections::BTreeMap;

use plimsoll_model::{PackageKind, PackageOrigin};
use serde::Deserialize;

use super::{file_name, json, package, under_any, Collector, LOCKFILE_MAX, PYTHON_INSTALL_DIRS};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct PipfileLock;

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    default: BTreeMap<String, Entry>,
    #[serde(default)]
    develop: BTreeMap<String, Entry>,
}

#[derive(Deserialize)]
struct Entry {
    version: Option<String>,
    git: Option<String>,
    #[serde(rename = "ref")]
    reference: Option<String>,
    path: Option<String>,
    file: Option<String>,
}

impl Analyzer for PipfileLock {
    fn name(&self) -> &'static str {
        "pipfile-lock"
    }
    fn version(&self) -> u32 {
        2
    }
    fn wants(&self, path: &str) -> bool {
        if super::is_documentation(path) {
            return false;
        }
        file_name(path) == "Pipfile.lock" && !under_any(path, PYTHON_INSTALL_DIRS)
    }
    fn max_size(&self) -> u64 {
        LOCKFILE_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let lock: Lock = json(path, content)?;
        let mut c = Collector::default();
        for (section, dev) in [(&lock.default, false), (&lock.develop, true)] {
            for (name, e) in section {
                let (version, origin) = match (&e.version, &e.git, &e.reference) {
                    (Some(v), git, _) => {
                        let v = v.trim();
                        (
                            v.strip_prefix("===").or_else(|| v.strip_prefix("==")).unwrap_or(v),
                            git.as_ref().map(|_| PackageOrigin::Git),
                        )
                    }
                    (None, Some(_), Some(r)) => (r.as_str(), Some(PackageOrigin::Git)),
                    _ => {
                        let what = e.path.as_deref().or(e.file.as_deref()).or(e.git.as_deref()).unwrap_or("?");
                        c.warn(format!("`{name}` ({what}) has no version; not inventoried"));
                        continue;
                    }
                };
                let mut p = package(PackageKind::Python, name, version, path);
                p.dev = dev;
                p.origin = origin.or_else(|| (e.path.is_some() || e.file.is_some()).then_some(PackageOrigin::Local));
                c.push(p);
            }
        }
        c.finish(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_vcs_and_paths() {
        let lock = br#"{
  "_meta": {"pipfile-spec": 6},
  "default": {
    "requests": {"hashes": [], "version": "==2.19.0"},
    "django-postgres-extra": {"editable": true, "git": "https://github.com/x/y", "ref": "eef2ed55"},
    "mylib": {"editable": true, "path": "./mylib"}
  },
  "develop": {"pytest": {"version": "==7.0.0"}, "requests": {"version": "==2.19.0"}}
}"#;
        let f = PipfileLock.analyze("Pipfile.lock", lock).unwrap();
        let got: Vec<_> = f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.dev, p.origin)).collect();
        assert_eq!(
            got,
            [
                ("django-postgres-extra", "eef2ed55", false, Some(PackageOrigin::Git)),
                ("requests", "2.19.0", false, None),
                ("pytest", "7.0.0", true, None),
            ]
        );
        assert_eq!(f.warnings.len(), 1);
        assert!(f.warnings[0].contains("mylib"));
    }
}
