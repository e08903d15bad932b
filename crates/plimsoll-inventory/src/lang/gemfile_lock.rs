//! Bundler's `Gemfile.lock`: the `specs:` of the `GEM` (rubygems.org or another gem server),
//! `GIT` and `PATH` sections, one `name (version[-platform])` line per gem at four spaces of
//! indentation (their own dependencies follow at six and are not gems of their own). A platform
//! suffix (`nokogiri (1.13.6-x86_64-linux)`) becomes [`Package::arch`](plimsoll_model::Package).
//! The lockfile does not record Gemfile groups, so no gem is marked dev.

use plimsoll_model::{PackageKind, PackageOrigin};

use super::{file_name, package, text, under_any, Collector, LOCKFILE_MAX};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct GemfileLock;

impl Analyzer for GemfileLock {
    fn name(&self) -> &'static str {
        "gemfile-lock"
    }
    fn version(&self) -> u32 {
        2
    }
    fn wants(&self, path: &str) -> bool {
        if super::is_documentation(path) {
            return false;
        }
        matches!(file_name(path), "Gemfile.lock" | "gems.locked") && !under_any(path, &["gems"])
    }
    fn max_size(&self) -> u64 {
        LOCKFILE_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let text = text(path, content)?;
        let mut c = Collector::default();
        let mut section: Option<Option<PackageOrigin>> = None;
        let mut in_specs = false;
        let mut sections = 0;
        for (i, line) in text.lines().enumerate() {
            if !line.starts_with(' ') {
                if line.chars().next().is_some_and(|ch| ch.is_ascii_uppercase()) {
                    sections += 1;
                }
                section = match line.trim_end() {
                    "GEM" | "PLUGIN SOURCE" => Some(None),
                    "GIT" => Some(Some(PackageOrigin::Git)),
                    "PATH" => Some(Some(PackageOrigin::Local)),
                    _ => None,
                };
                in_specs = false;
                continue;
            }
            let Some(origin) = section else { continue };
            if line.starts_with("  ") && !line.starts_with("   ") {
                in_specs = line.trim_end() == "  specs:";
                continue;
            }
            // Gems sit at exactly four spaces; six spaces are their dependencies.
            let Some(spec) = line.strip_prefix("    ").filter(|s| !s.starts_with(' ') && in_specs) else {
                continue;
            };
            let Some((name, rest)) = spec.trim_end().split_once(" (") else {
                c.warn(format!("line {}: `{}` is not `name (version)`", i + 1, spec.trim()));
                continue;
            };
            let Some(full) = rest.strip_suffix(')') else {
                c.warn(format!("line {}: `{}` is not `name (version)`", i + 1, spec.trim()));
                continue;
            };
            let (version, platform) = split_platform(full);
            let mut p = package(PackageKind::Gem, name, version, path);
            p.arch = platform.map(str::to_owned);
            p.origin = origin;
            c.push(p);
        }
        if sections == 0 && !text.trim().is_empty() {
            return Err(super::malformed(path, "no sections (GEM, PLATFORMS, ...): not a Gemfile.lock"));
        }
        c.finish(path)
    }
}

/// CPU and OS words that start a RubyGems platform string (`x86_64-linux`, `java`,
/// `arm64-darwin`, `x64-mingw-ucrt`, `universal-darwin`).
const PLATFORM_STARTS: &[&str] = &[
    "x86",
    "x64",
    "i386",
    "i486",
    "i586",
    "i686",
    "arm",
    "aarch64",
    "java",
    "jruby",
    "universal",
    "mswin",
    "mingw",
    "darwin",
    "linux",
    "ppc",
    "powerpc",
    "s390",
    "sparc",
    "mips",
    "riscv",
    "wasm",
    "dalvik",
    "dotnet",
    "cygwin",
    "freebsd",
    "openbsd",
    "netbsd",
    "solaris",
    "aix",
    "loongarch",
];

/// Splits `1.13.6-x86_64-linux` into the version and the platform. A gem version cannot hold a
/// platform word after a `-`, so the first `-` followed by one is the split point.
pub(crate) fn split_platform(full: &str) -> (&str, Option<&str>) {
    for (i, _) in full.match_indices('-') {
        let rest = &full[i + 1..];
        if PLATFORM_STARTS.iter().any(|p| rest.starts_with(p)) {
            return (&full[..i], Some(rest));
        }
    }
    (full, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_platforms_and_dependencies() {
        let lock = b"GIT\n  remote: https://github.com/x/y.git\n  revision: abc\n  specs:\n    y (0.1.0)\n      rack (>= 2)\n\n\
PATH\n  remote: engines/z\n  specs:\n    z (1.0.0)\n\n\
GEM\n  remote: https://rubygems.org/\n  specs:\n    nokogiri (1.13.6-x86_64-linux)\n      racc (~> 1.4)\n    rack (2.2.3)\n    \
ffi (1.15.5-x64-mingw-ucrt)\n    pre (1.0.0-rc1)\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  rack\n\nBUNDLED WITH\n   2.3.7\n";
        let f = GemfileLock.analyze("Gemfile.lock", lock).unwrap();
        let got: Vec<_> =
            f.packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.arch.as_deref(), p.origin)).collect();
        assert_eq!(
            got,
            [
                ("y", "0.1.0", None, Some(PackageOrigin::Git)),
                ("z", "1.0.0", None, Some(PackageOrigin::Local)),
                ("nokogiri", "1.13.6", Some("x86_64-linux"), None),
                ("rack", "2.2.3", None, None),
                ("ffi", "1.15.5", Some("x64-mingw-ucrt"), None),
                ("pre", "1.0.0-rc1", None, None),
            ]
        );
    }
}
