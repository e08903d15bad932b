//! Yarn's `yarn.lock`: the classic v1 format and Berry's (Yarn 2+) YAML.
//!
//! v1 is Yarn's own syntax: unindented entry headers listing the specifiers that resolved to the
//! entry (`"a@^1.0.0", a@^1.1.0:`), then indented `version "1.2.0"` and `resolved "<url>"`
//! fields. An alias specifier (`cjs@npm:string-width@^4.2.0`) names the real package. Berry's
//! lockfile is YAML with a `__metadata` entry; each entry's `resolution` (`name@npm:1.2.0`,
//! `app@workspace:.`, `x@patch:x@npm%3A1.0.0#...`) gives the real name and the source.
//!
//! Neither format says which packages are dev dependencies (only `package.json` does), so none
//! are marked.

use std::collections::BTreeMap;

use plimsoll_model::{PackageKind, PackageOrigin};
use serde::Deserialize;

use super::npm_lock::{is_git, split_spec};
use super::{file_name, malformed, package, text, under_any, yaml_documents, Collector, LOCKFILE_MAX};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct YarnLock;

impl Analyzer for YarnLock {
    fn name(&self) -> &'static str {
        "yarn-lock"
    }
    fn version(&self) -> u32 {
        2
    }
    fn wants(&self, path: &str) -> bool {
        if super::is_documentation(path) {
            return false;
        }
        file_name(path) == "yarn.lock" && !under_any(path, &["node_modules"])
    }
    fn max_size(&self) -> u64 {
        LOCKFILE_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let text = text(path, content)?;
        let mut c = Collector::default();
        if text.lines().any(|l| l.starts_with("__metadata:")) {
            berry(path, content, &mut c)?;
        } else {
            classic(path, &text, &mut c)?;
        }
        c.finish(path)
    }
}

/// Where a specifier or resolution protocol says the package came from.
fn protocol_origin(reference: &str) -> Option<PackageOrigin> {
    let reference = reference.trim();
    if is_git(reference) || reference.contains(".git#") {
        Some(PackageOrigin::Git)
    } else if ["file:", "link:", "portal:", "workspace:", "exec:"].iter().any(|p| reference.starts_with(p))
        || ["./", "../", "/", "~/"].iter().any(|p| reference.starts_with(p))
    {
        Some(PackageOrigin::Local)
    } else if reference.starts_with("http://") || reference.starts_with("https://") {
        Some(PackageOrigin::Url)
    } else {
        None
    }
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or(s)
}

/// The package a v1 specifier stands for: its name (the target of an `npm:` alias) and the
/// requested reference (range, URL, `file:` path).
fn classic_spec(spec: &str) -> Option<(&str, &str)> {
    let (name, reference) = split_spec(unquote(spec))?;
    match reference.strip_prefix("npm:").and_then(split_spec) {
        Some((real, range)) => Some((real, range)),
        None => Some((name, reference)),
    }
}

fn classic(path: &str, text: &str, c: &mut Collector) -> Result<(), AnalyzeError> {
    struct Entry<'a> {
        line: usize,
        specs: &'a str,
        version: Option<&'a str>,
        resolved: Option<&'a str>,
    }
    let mut entries: Vec<Entry> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            let Some(specs) = line.trim_end().strip_suffix(':') else {
                return Err(malformed(path, format!("line {}: expected an entry header ending in ':'", i + 1)));
            };
            entries.push(Entry { line: i + 1, specs, version: None, resolved: None });
            continue;
        }
        // Entry fields are indented by exactly two spaces; deeper lines are dependency lists.
        let Some(field) = line.strip_prefix("  ").filter(|f| !f.starts_with(' ')) else {
            continue;
        };
        let Some(entry) = entries.last_mut() else {
            return Err(malformed(path, format!("line {}: field outside an entry", i + 1)));
        };
        let (key, value) = field.split_once(' ').unwrap_or((field, ""));
        match unquote(key) {
            "version" => entry.version = Some(unquote(value)),
            "resolved" => entry.resolved = Some(unquote(value)),
            _ => {}
        }
    }
    for e in entries {
        let first = e.specs.split(", ").next().unwrap_or(e.specs);
        let Some((name, reference)) = classic_spec(first) else {
            c.warn(format!("line {}: cannot parse the entry `{}`", e.line, e.specs));
            continue;
        };
        let Some(version) = e.version.filter(|v| !v.is_empty()) else {
            c.warn(format!("line {}: `{}` has no version", e.line, e.specs));
            continue;
        };
        let mut p = package(PackageKind::Npm, name, version, path);
        p.origin = protocol_origin(reference).or_else(|| e.resolved.filter(|r| is_git(r)).map(|_| PackageOrigin::Git));
        c.push(p);
    }
    Ok(())
}

#[derive(Deserialize)]
struct BerryEntry {
    version: Option<String>,
    resolution: Option<String>,
}

/// Yarn writes this version for workspaces whose `package.json` has none.
const BERRY_NO_VERSION: &str = "0.0.0-use.local";

fn berry(path: &str, content: &[u8], c: &mut Collector) -> Result<(), AnalyzeError> {
    let docs: Vec<BTreeMap<String, BerryEntry>> = yaml_documents(path, content)?;
    for (key, e) in docs.into_iter().flatten() {
        if key == "__metadata" {
            continue;
        }
        let (Some(resolution), Some(version)) = (e.resolution.as_deref(), e.version.as_deref()) else {
            c.warn(format!("`{key}` has no resolution or version"));
            continue;
        };
        let Some((name, reference)) = split_spec(resolution) else {
            c.warn(format!("`{key}`: cannot parse the resolution `{resolution}`"));
            continue;
        };
        // `patch:` wraps the patched package's own (usually npm) resolution.
        let origin = match reference.strip_prefix("patch:") {
            Some(inner) => split_spec(inner).and_then(|(_, r)| protocol_origin(&r.replace("%3A", ":"))),
            None => protocol_origin(reference),
        };
        if origin == Some(PackageOrigin::Local) && version == BERRY_NO_VERSION {
            continue;
        }
        let mut p = package(PackageKind::Npm, name, version, path);
        p.origin = origin;
        c.push(p);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(f: &Facts) -> Vec<(&str, &str, Option<PackageOrigin>)> {
        f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.origin)).collect()
    }

    #[test]
    fn classic_entries() {
        let lock = br#"# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":
  version "7.12.13"
  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.12.13.tgz#dcfc826b"
  integrity sha512-HV1Cm0Q3ZrpCR93tkWOYiuYIgLxZXZFVG2VgK+MBWjUqZTundupbfx2aXarXuw5Ko5aMcjtJgbSs4vUGBS5v6g==
  dependencies:
    "@babel/highlight" "^7.12.13"

string-width-cjs@npm:string-width@^4.2.0:
  version "4.2.3"

lodash@4.17.15, lodash@~4.17.0:
  version "4.17.15"

"gitdep@git+https://github.com/x/gitdep.git#abc":
  version "1.0.0"
  resolved "git+https://github.com/x/gitdep.git#abc"

local@file:./local:
  version "0.1.0"
"#;
        let f = YarnLock.analyze("yarn.lock", lock).unwrap();
        assert_eq!(
            names(&f),
            [
                ("@babel/code-frame", "7.12.13", None),
                ("string-width", "4.2.3", None),
                ("lodash", "4.17.15", None),
                ("gitdep", "1.0.0", Some(PackageOrigin::Git)),
                ("local", "0.1.0", Some(PackageOrigin::Local)),
            ]
        );
        assert!(f.warnings.is_empty());
    }

    #[test]
    fn berry_entries() {
        let lock = br#"__metadata:
  version: 6
  cacheKey: 8

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  languageName: unknown
  linkType: soft

"lib@workspace:packages/lib":
  version: 2.0.0
  resolution: "lib@workspace:packages/lib"

"cjs@npm:string-width@^4.2.0, string-width@npm:^4.2.0":
  version: 4.2.3
  resolution: "string-width@npm:4.2.3"

"resolve@patch:resolve@^1.1.7#~builtin<compat/resolve>":
  version: 1.22.1
  resolution: "resolve@patch:resolve@npm%3A1.22.1#~builtin<compat/resolve>::version=1.22.1&hash=c3c19d"

"g@https://github.com/x/g.git#commit=abc":
  version: 1.0.0
  resolution: "g@https://github.com/x/g.git#commit=abc"
"#;
        let f = YarnLock.analyze("yarn.lock", lock).unwrap();
        assert_eq!(
            names(&f),
            [
                ("string-width", "4.2.3", None),
                ("g", "1.0.0", Some(PackageOrigin::Git)),
                ("lib", "2.0.0", Some(PackageOrigin::Local)),
                ("resolve", "1.22.1", None),
            ]
        );
    }

    #[test]
    fn malformed_classic() {
        assert!(YarnLock.analyze("yarn.lock", b"  version \"1\"\n").is_err());
        assert!(YarnLock.analyze("yarn.lock", b"a@1\n  version \"1\"\n").is_err());
    }
}
