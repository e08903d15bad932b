//! .NET `*.deps.json` (written next to every built app): the `libraries`, keyed `Name/Version`,
//! of type `package` (NuGet packages) and `runtimepack` (the runtime a self-contained app
//! carries, keyed `runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0` and reported
//! without the prefix: the runtime packages are NuGet packages with advisories of their own).
//!
//! A package whose entry under the runtime target lists no run-time assets (`runtime`,
//! `runtimeTargets`, `native`, `resources`) contributes nothing to the running app (meta-packages,
//! reference packages the framework supersedes) and is not reported, as Trivy does; when the
//! runtime target is missing, every package is.

use std::collections::BTreeMap;

use plimsoll_model::PackageKind;
use serde::Deserialize;

use super::{json, package, Collector, LOCKFILE_MAX};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct DotnetDeps;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DepsJson {
    #[serde(default)]
    runtime_target: Option<RuntimeTarget>,
    #[serde(default)]
    targets: BTreeMap<String, BTreeMap<String, TargetEntry>>,
    #[serde(default)]
    libraries: BTreeMap<String, Library>,
}

#[derive(Deserialize)]
struct RuntimeTarget {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TargetEntry {
    runtime: Option<serde::de::IgnoredAny>,
    runtime_targets: Option<serde::de::IgnoredAny>,
    native: Option<serde::de::IgnoredAny>,
    resources: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct Library {
    #[serde(rename = "type")]
    kind: String,
}

impl Analyzer for DotnetDeps {
    fn name(&self) -> &'static str {
        "dotnet-deps"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        path.ends_with(".deps.json")
    }
    fn max_size(&self) -> u64 {
        LOCKFILE_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let deps: DepsJson = json(path, content)?;
        let target = deps.runtime_target.as_ref().and_then(|t| deps.targets.get(&t.name));
        let mut c = Collector::default();
        for (key, lib) in &deps.libraries {
            if lib.kind != "package" && lib.kind != "runtimepack" {
                continue;
            }
            let Some((name, version)) = key.rsplit_once('/').filter(|(n, v)| !n.is_empty() && !v.is_empty()) else {
                c.warn(format!("library `{key}` is not Name/Version"));
                continue;
            };
            if let Some(t) = target {
                let has_assets = t.get(key).is_some_and(|e| {
                    e.runtime.is_some() || e.runtime_targets.is_some() || e.native.is_some() || e.resources.is_some()
                });
                if !has_assets {
                    continue;
                }
            }
            // Runtime packs are keyed `runtimepack.<NuGet package id>`.
            let name = name.strip_prefix("runtimepack.").unwrap_or(name);
            c.push(package(PackageKind::Nuget, name, version, path));
        }
        c.finish(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_with_runtime_assets() {
        let deps = br#"{
  "runtimeTarget": {"name": ".NETCoreApp,Version=v8.0/linux-x64"},
  "targets": {".NETCoreApp,Version=v8.0/linux-x64": {
    "App/1.0.0": {"dependencies": {"Newtonsoft.Json": "13.0.1"}, "runtime": {"App.dll": {}}},
    "Newtonsoft.Json/13.0.1": {"runtime": {"lib/netstandard2.0/Newtonsoft.Json.dll": {}}},
    "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0": {"native": {"libcoreclr.so": {}}},
    "Libuv/1.9.1": {"runtimeTargets": {"x": {}}},
    "NETStandard.Library/1.6.0": {"dependencies": {}}
  }},
  "libraries": {
    "App/1.0.0": {"type": "project"},
    "Newtonsoft.Json/13.0.1": {"type": "package"},
    "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0": {"type": "runtimepack"},
    "Libuv/1.9.1": {"type": "package"},
    "NETStandard.Library/1.6.0": {"type": "package"},
    "Ref/1.0.0": {"type": "referenceassembly"}
  }
}"#;
        let f = DotnetDeps.analyze("app/App.deps.json", deps).unwrap();
        let got: Vec<_> = f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
        assert_eq!(
            got,
            [("Libuv", "1.9.1"), ("Newtonsoft.Json", "13.0.1"), ("Microsoft.NETCore.App.Runtime.linux-x64", "8.0.0"),]
        );
    }
}
