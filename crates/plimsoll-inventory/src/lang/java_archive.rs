//! Java archives: `.jar`, `.war`, `.ear` (and Jenkins' `.hpi`/`.jpi`), nested archives included
//! (`WEB-INF/lib/*.jar`, Spring Boot's `BOOT-INF/lib/*.jar`, an ear's modules).
//!
//! Each archive's identity comes from, in order: its `META-INF/maven/<group>/<artifact>/pom.properties`
//! files (all of them: a shaded jar carries the ones of what it absorbed), else `META-INF/MANIFEST.MF`
//! (`Implementation-Version`/`Bundle-Version`, `Implementation-Vendor-Id` as the group), else its
//! file name (`log4j-core-2.14.1.jar`). Maven packages are named `group:artifact`; without a known
//! group the name is the artifact alone.
//!
//! Archives are attacker-controlled, so reading is bounded: nesting depth, the size of any one
//! inflated entry, the total inflated per top-level file, and the number of nested archives. What a
//! limit cuts off becomes a warning. Packages found in nested archives are attributed to the
//! top-level file.

use std::io::{Cursor, Read};

use plimsoll_model::PackageKind;

use super::{file_name, malformed, package, Collector};
use crate::{AnalyzeError, Analyzer, Facts};

pub struct JavaArchive;

/// Bounds on what one top-level archive may make us read.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Levels of archives inside archives that are opened (the top level is 0).
    pub max_depth: u32,
    /// Largest inflated nested archive.
    pub max_nested_size: u64,
    /// Largest inflated metadata file (`pom.properties`, `MANIFEST.MF`).
    pub max_metadata_size: u64,
    /// Total bytes inflated for one top-level file.
    pub max_total: u64,
    /// Nested archives opened for one top-level file.
    pub max_archives: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 4,
            max_nested_size: 128 * 1024 * 1024,
            max_metadata_size: 1024 * 1024,
            max_total: 512 * 1024 * 1024,
            max_archives: 10_000,
        }
    }
}

const EXTENSIONS: &[&str] = &["jar", "war", "ear", "hpi", "jpi"];

fn is_archive_name(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

impl Analyzer for JavaArchive {
    fn name(&self) -> &'static str {
        "java-archive"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        is_archive_name(file_name(path))
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        analyze_with_limits(path, content, Limits::default())
    }
}

/// [`JavaArchive::analyze`] with explicit limits.
pub fn analyze_with_limits(path: &str, content: &[u8], limits: Limits) -> Result<Facts, AnalyzeError> {
    let mut w = Walk { path, limits, inflated: 0, archives: 0, c: Collector::default() };
    let archive =
        zip::ZipArchive::new(Cursor::new(content)).map_err(|e| malformed(path, format!("not a zip archive: {e}")))?;
    w.archive(archive, file_name(path), path, 0);
    w.c.finish(path)
}

struct Walk<'p> {
    path: &'p str,
    limits: Limits,
    inflated: u64,
    archives: u32,
    c: Collector,
}

type Zip<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

impl Walk<'_> {
    /// Inflates entry `i` if it stays within `max` and the total budget.
    fn read(&mut self, zip: &mut Zip, i: usize, max: u64, shown: &str) -> Option<Vec<u8>> {
        let mut entry = match zip.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                self.c.warn(format!("{shown}: cannot read: {e}"));
                return None;
            }
        };
        let cap = max.min(self.limits.max_total.saturating_sub(self.inflated));
        if entry.size() > cap {
            self.c.warn(format!("{shown}: {} bytes inflated exceeds the {cap} byte limit; skipped", entry.size()));
            return None;
        }
        let mut buf = Vec::new();
        let res = (&mut entry).take(cap + 1).read_to_end(&mut buf);
        self.inflated += buf.len() as u64;
        match res {
            Err(e) => {
                self.c.warn(format!("{shown}: cannot inflate: {e}"));
                None
            }
            // The declared size lied: a zip bomb.
            Ok(_) if buf.len() as u64 > cap => {
                self.c
                    .warn(format!("{shown}: inflates past the {cap} byte limit (declared {}); skipped", entry.size()));
                None
            }
            Ok(_) => Some(buf),
        }
    }

    /// Reports the packages of one archive, `name` its file name and `shown` its path for
    /// warnings (`outer.war!/WEB-INF/lib/inner.jar`), then walks its nested archives.
    fn archive(&mut self, mut zip: Zip, name: &str, shown: &str, depth: u32) {
        let mut poms = Vec::new();
        let mut manifest = None;
        let mut nested = Vec::new();
        for i in 0..zip.len() {
            let Some(entry) = zip.name_for_index(i) else { continue };
            if entry.ends_with('/') {
                continue;
            }
            if entry.starts_with("META-INF/maven/") && entry.ends_with("/pom.properties") {
                poms.push(i);
            } else if entry.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
                manifest = Some(i);
            } else if is_archive_name(file_name(entry)) {
                nested.push((i, entry.to_owned()));
            }
        }
        let max_meta = self.limits.max_metadata_size;
        let mut found = false;
        for i in poms {
            let entry_name = zip.name_for_index(i).unwrap_or("").to_owned();
            let Some(data) = self.read(&mut zip, i, max_meta, &format!("{shown}!/{entry_name}")) else { continue };
            let props = properties(&String::from_utf8_lossy(&data));
            let get =
                |k: &str| props.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
            if let (Some(g), Some(a), Some(v)) = (get("groupId"), get("artifactId"), get("version")) {
                self.c.push(package(PackageKind::Maven, &format!("{g}:{a}"), v, self.path));
                found = true;
            }
        }
        if !found {
            let attrs = match manifest {
                Some(i) => self.read(&mut zip, i, max_meta, &format!("{shown}!/META-INF/MANIFEST.MF")),
                None => None,
            }
            .map(|d| manifest_attributes(&String::from_utf8_lossy(&d)))
            .unwrap_or_default();
            match identity(name, &attrs) {
                Some((n, v)) => self.c.push(package(PackageKind::Maven, &n, &v, self.path)),
                None => self.c.warn(format!("{shown}: no pom.properties, manifest version or versioned file name")),
            }
        }
        for (i, entry_name) in nested {
            let inner_shown = format!("{shown}!/{entry_name}");
            if depth + 1 > self.limits.max_depth {
                self.c
                    .warn(format!("{inner_shown}: nested deeper than {} archives; not opened", self.limits.max_depth));
                continue;
            }
            if self.archives >= self.limits.max_archives {
                self.c
                    .warn(format!("{inner_shown}: more than {} nested archives; not opened", self.limits.max_archives));
                continue;
            }
            self.archives += 1;
            let Some(data) = self.read(&mut zip, i, self.limits.max_nested_size, &inner_shown) else { continue };
            match zip::ZipArchive::new(Cursor::new(data.as_slice())) {
                Ok(inner) => self.archive(inner, file_name(&entry_name), &inner_shown, depth + 1),
                Err(e) => self.c.warn(format!("{inner_shown}: not a zip archive: {e}")),
            }
        }
    }
}

/// Java `.properties` key/value pairs (`=`, `:` or whitespace separators; `#`/`!` comments).
fn properties(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with(['#', '!']))
        .filter_map(|l| {
            let sep = l.find(['=', ':', ' ', '\t'])?;
            let value = l[sep + 1..].trim_start_matches([' ', '\t', '=', ':']).trim();
            Some((l[..sep].trim().to_owned(), value.to_owned()))
        })
        .collect()
}

/// The main section of a manifest: `Name: value` lines, continuation lines starting with one
/// space (lines wrap at 72 bytes), up to the first blank line.
fn manifest_attributes(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if let Some(cont) = line.strip_prefix(' ') {
            if let Some((_, v)) = out.last_mut() {
                v.push_str(cont);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}

/// `artifact-1.2.3` from a file name: the version starts at the first `-` followed by a digit.
fn split_file_name(name: &str) -> Option<(&str, &str)> {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let bytes = stem.as_bytes();
    let i = (1..bytes.len()).find(|&i| bytes[i - 1] == b'-' && bytes[i].is_ascii_digit())?;
    Some((&stem[..i - 1], &stem[i..]))
}

/// Name and version from the manifest, falling back to the file name.
fn identity(file: &str, attrs: &[(String, String)]) -> Option<(String, String)> {
    let get = |k: &str| {
        attrs.iter().find(|(key, _)| key.eq_ignore_ascii_case(k)).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    };
    let from_name = split_file_name(file);
    let version = get("Implementation-Version").or(get("Bundle-Version")).or(from_name.map(|(_, v)| v))?;
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let artifact = from_name.map(|(a, _)| a).or(get("Implementation-Title")).unwrap_or(stem);
    let name = match get("Implementation-Vendor-Id") {
        Some(group) => format!("{group}:{artifact}"),
        None => artifact.to_owned(),
    };
    Some((name, version.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(split_file_name("log4j-core-2.14.1.jar"), Some(("log4j-core", "2.14.1")));
        assert_eq!(split_file_name("commons-lang3-3.12.0.jar"), Some(("commons-lang3", "3.12.0")));
        assert_eq!(split_file_name("spring-boot-3.1.0-SNAPSHOT.jar"), Some(("spring-boot", "3.1.0-SNAPSHOT")));
        assert_eq!(split_file_name("app.jar"), None);
        assert!(JavaArchive.wants("app/lib/x.JAR"));
        assert!(JavaArchive.wants("srv/app.war"));
        assert!(!JavaArchive.wants("srv/.jar"));
        assert!(!JavaArchive.wants("srv/app.jar.sha1"));
    }

    #[test]
    fn manifest_continuations() {
        let m = "Manifest-Version: 1.0\r\nImplementation-Title: a-very-long-tit\r\n le\r\nImplementation-Version: 1.0\r\n\r\nName: x\r\nImplementation-Version: 9\r\n";
        let a = manifest_attributes(m);
        assert_eq!(a.len(), 3);
        assert_eq!(identity("thing.jar", &a), Some(("a-very-long-title".into(), "1.0".into())));
    }

    #[test]
    fn properties_forms() {
        let p = properties("#Generated by Maven\n#Tue\nversion=2.14.1\ngroupId : org.apache\nartifactId log4j-core\n");
        assert_eq!(p[0], ("version".into(), "2.14.1".into()));
        assert_eq!(p[1], ("groupId".into(), "org.apache".into()));
        assert_eq!(p[2], ("artifactId".into(), "log4j-core".into()));
    }
}
