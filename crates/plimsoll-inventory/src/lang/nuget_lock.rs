//! NuGet's `packages.lock.json`: per target framework, each package's `resolved` version.
//! `Transitive` and `CentralTransitive` packages are marked indirect (unless another framework
//! needs them directly); `Project` entries are the solution's own projects and are skipped.

use std::collections::BTreeMap;

use plimsoll_model::PackageKind;
use serde::Deserialize;

use super::{file_name, json, package, Collector, LOCKFILE_MAX};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct NugetLock;

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    dependencies: BTreeMap<String, BTreeMap<String, Dep>>,
}

#[derive(Deserialize)]
struct Dep {
    #[serde(rename = "type", default)]
    kind: String,
    resolved: Option<String>,
}

impl Analyzer for NugetLock {
    fn name(&self) -> &'static str {
        "nuget-lock"
    }
    fn version(&self) -> u32 {
        2
    }
    fn wants(&self, path: &str) -> bool {
        if super::is_documentation(path) {
            return false;
        }
        file_name(path) == "packages.lock.json"
    }
    fn max_size(&self) -> u64 {
        LOCKFILE_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let lock: Lock = json(path, content)?;
        let mut c = Collector::default();
        for (framework, deps) in &lock.dependencies {
            for (name, d) in deps {
                if d.kind == "Project" {
                    continue;
                }
                let Some(version) = d.resolved.as_deref().filter(|v| !v.is_empty()) else {
                    c.warn(format!("{framework}: `{name}` has no resolved version"));
                    continue;
                };
                let mut p = package(PackageKind::Nuget, name, version, path);
                p.indirect = matches!(d.kind.as_str(), "Transitive" | "CentralTransitive");
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
    fn frameworks_and_types() {
        let lock = br#"{"version": 2, "dependencies": {
  "net6.0": {
    "Newtonsoft.Json": {"type": "Direct", "requested": "[13.0.1, )", "resolved": "13.0.1"},
    "System.Text.Json": {"type": "Transitive", "resolved": "6.0.0"},
    "Lib": {"type": "Project", "dependencies": {}}
  },
  "net8.0": {
    "Newtonsoft.Json": {"type": "Transitive", "resolved": "13.0.1"},
    "Serilog": {"type": "CentralTransitive", "requested": "[3.0.0, )", "resolved": "3.0.1"}
  }
}}"#;
        let f = NugetLock.analyze("packages.lock.json", lock).unwrap();
        let got: Vec<_> = f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.indirect)).collect();
        assert_eq!(
            got,
            [("Newtonsoft.Json", "13.0.1", false), ("System.Text.Json", "6.0.0", true), ("Serilog", "3.0.1", true)]
        );
    }
}
