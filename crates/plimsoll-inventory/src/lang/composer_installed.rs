//! Composer's record of what it installed, `vendor/composer/installed.json`: a bare array of
//! packages (Composer 1) or `{"packages": [...], "dev": bool, "dev-package-names": [...]}`
//! (Composer 2), where the names listed as dev packages are marked dev.

use serde::Deserialize;

use super::composer_lock::ComposerPackage;
use super::{json, Collector, LOCKFILE_MAX};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct ComposerInstalled;

#[derive(Deserialize)]
#[serde(untagged)]
enum Installed {
    V1(Vec<ComposerPackage>),
    V2 {
        packages: Vec<ComposerPackage>,
        #[serde(default, rename = "dev-package-names")]
        dev_package_names: Vec<String>,
    },
}

impl Analyzer for ComposerInstalled {
    fn name(&self) -> &'static str {
        "composer-installed"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        path == "vendor/composer/installed.json" || path.ends_with("/vendor/composer/installed.json")
    }
    fn max_size(&self) -> u64 {
        LOCKFILE_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let installed: Installed = json(path, content)?;
        let (packages, dev_names) = match installed {
            Installed::V1(p) => (p, Vec::new()),
            Installed::V2 { packages, dev_package_names } => (packages, dev_package_names),
        };
        let mut c = Collector::default();
        for p in &packages {
            c.push(p.to_package(path, dev_names.contains(&p.name)));
        }
        c.finish(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms() {
        let v1 = br#"[{"name": "asm89/stack-cors", "version": "1.3.0", "license": ["MIT"]}]"#;
        let f = ComposerInstalled.analyze("vendor/composer/installed.json", v1).unwrap();
        assert_eq!((f.packages[0].name.as_str(), f.packages[0].version.as_str()), ("asm89/stack-cors", "1.3.0"));
        let v2 = br#"{"packages": [{"name": "a/b", "version": "v1.0.0"}, {"name": "behat/mink", "version": "1.9.0"}],
                     "dev": true, "dev-package-names": ["behat/mink"]}"#;
        let f = ComposerInstalled.analyze("app/vendor/composer/installed.json", v2).unwrap();
        assert_eq!(f.packages.iter().map(|p| p.dev).collect::<Vec<_>>(), [false, true]);
        assert!(ComposerInstalled.wants("app/vendor/composer/installed.json"));
        assert!(!ComposerInstalled.wants("app/installed.json"));
        assert!(ComposerInstalled.analyze("vendor/composer/installed.json", b"{}").is_err());
    }
}
