//! Composer's `composer.lock`: `packages` (run time) and `packages-dev` (dev), each with `name`
//! (`vendor/package`), `version` as written (`v5.4.3`, `1.0.0`, `dev-main`) and `license`.
//! Packages from `path` repositories are local.

use plimsoll_model::{Package, PackageKind, PackageOrigin};
use serde::Deserialize;

use super::{file_name, json, licenses_from_json, package, under_any, Collector, LOCKFILE_MAX};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct ComposerLock;

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    packages: Vec<ComposerPackage>,
    #[serde(default, rename = "packages-dev")]
    packages_dev: Vec<ComposerPackage>,
}

/// One package as both `composer.lock` and `vendor/composer/installed.json` describe it.
#[derive(Deserialize)]
pub(crate) struct ComposerPackage {
    pub(crate) name: String,
    pub(crate) version: String,
    #[serde(default)]
    license: Option<serde_json::Value>,
    #[serde(default)]
    dist: Option<Source>,
    #[serde(default)]
    source: Option<Source>,
}

#[derive(Deserialize)]
struct Source {
    #[serde(rename = "type", default)]
    kind: String,
}

impl ComposerPackage {
    pub(crate) fn to_package(&self, path: &str, dev: bool) -> Package {
        let mut p = package(PackageKind::Composer, &self.name, &self.version, path);
        p.dev = dev;
        if let Some(l) = &self.license {
            p.licenses = licenses_from_json(l);
        }
        let is_path = |s: &Option<Source>| s.as_ref().is_some_and(|s| s.kind == "path");
        if is_path(&self.dist) || is_path(&self.source) {
            p.origin = Some(PackageOrigin::Local);
        }
        p
    }
}

impl Analyzer for ComposerLock {
    fn name(&self) -> &'static str {
        "composer-lock"
    }
    fn version(&self) -> u32 {
        2
    }
    fn wants(&self, path: &str) -> bool {
        if super::is_documentation(path) {
            return false;
        }
        file_name(path) == "composer.lock" && !under_any(path, &["vendor"])
    }
    fn max_size(&self) -> u64 {
        LOCKFILE_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let lock: Lock = json(path, content)?;
        let mut c = Collector::default();
        for (list, dev) in [(&lock.packages, false), (&lock.packages_dev, true)] {
            for p in list {
                c.push(p.to_package(path, dev));
            }
        }
        c.finish(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_and_dev() {
        let lock = br#"{"_readme": [], "content-hash": "x",
  "packages": [
    {"name": "guzzlehttp/guzzle", "version": "7.4.1", "license": ["MIT"],
     "source": {"type": "git", "url": "u", "reference": "r"}, "dist": {"type": "zip", "url": "u"}},
    {"name": "me/local", "version": "dev-main", "dist": {"type": "path", "url": "../local"}}
  ],
  "packages-dev": [{"name": "phpunit/phpunit", "version": "9.5.0", "license": "BSD-3-Clause"}]
}"#;
        let f = ComposerLock.analyze("composer.lock", lock).unwrap();
        let got: Vec<_> = f
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.dev, p.origin, p.licenses.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("guzzlehttp/guzzle", "7.4.1", false, None, vec!["MIT".to_string()]),
                ("me/local", "dev-main", false, Some(PackageOrigin::Local), vec![]),
                ("phpunit/phpunit", "9.5.0", true, None, vec!["BSD-3-Clause".to_string()]),
            ]
        );
        assert!(ComposerLock.analyze("composer.lock", b"{\"packages\": {}}").is_err());
    }
}
