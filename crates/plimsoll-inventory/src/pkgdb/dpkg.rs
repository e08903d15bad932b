//! dpkg: `var/lib/dpkg/status`, distroless `var/lib/dpkg/status.d/*`, the file lists
//! `var/lib/dpkg/info/*.list` (distroless: `status.d/*.md5sums`) and the machine-readable
//! `usr/share/doc/*/copyright` files.
//!
//! The status database is deb822 control data, one stanza per package (dpkg(1), deb-control(5)).
//! Distroless images have no `status` file: each package's stanza is a file of its own in
//! `status.d/` (named after the package, next to `<name>.md5sums` and maintainer scripts), and those
//! stanzas carry no `Status` field because the image builder only writes installed packages.
//! dpkg records no licence, so licences come from the DEP-5 copyright files (see [`DpkgCopyright`]).

mod copyright;
mod deb822;

use plimsoll_model::{Package, PackageKind};

use crate::{AnalyzeError, Analyzer, Facts, InstalledFiles, MAX_FILES_PER_FILE, MAX_PACKAGES_PER_FILE};

pub use copyright::{dep5_licenses, DpkgCopyright};

/// `var/lib/dpkg/status` and the files of `var/lib/dpkg/status.d/`.
pub struct DpkgStatus;

/// `var/lib/dpkg/info/<package>[:<arch>].list` (and distroless `status.d/<package>.md5sums`): the
/// files each package installed.
pub struct DpkgFileList;

const STATUS: &str = "var/lib/dpkg/status";
const STATUS_D: &str = "var/lib/dpkg/status.d/";
const INFO: &str = "var/lib/dpkg/info/";
/// Largest status database read (see [`DpkgStatus`]'s `max_size`).
pub const STATUS_MAX: u64 = 96 * 1024 * 1024;

/// Control members that distroless-style builders put next to the stanzas in `status.d/`
/// (deb(5) control archive members, plus dpkg's own `list`).
const CONTROL_MEMBERS: &[&str] = &[
    "md5sums",
    "conffiles",
    "preinst",
    "postinst",
    "prerm",
    "postrm",
    "config",
    "templates",
    "triggers",
    "shlibs",
    "symbols",
    "list",
];

impl Analyzer for DpkgStatus {
    fn name(&self) -> &'static str {
        "dpkg-status"
    }
    fn version(&self) -> u32 {
        3
    }
    /// A package database: a copy too large to read fails the gate (see `Analyzer`).
    fn package_database(&self) -> bool {
        true
    }
    fn wants(&self, path: &str) -> bool {
        if path == STATUS {
            return true;
        }
        let Some(name) = path.strip_prefix(STATUS_D) else { return false };
        !name.is_empty()
            && !name.contains('/')
            && !name.starts_with('.')
            && !name.rsplit_once('.').is_some_and(|(_, ext)| CONTROL_MEMBERS.contains(&ext))
    }
    /// The walk hands analyzers whole files, so this bounds the buffer. Real status databases are
    /// a few MiB (a desktop with thousands of packages); larger ones are refused and reported.
    fn max_size(&self) -> u64 {
        STATUS_MAX
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        parse_status(path, &String::from_utf8_lossy(content))
    }
}

impl Analyzer for DpkgFileList {
    fn name(&self) -> &'static str {
        "dpkg-file-list"
    }
    fn version(&self) -> u32 {
        3
    }
    /// A package database: a copy too large to read fails the gate (see `Analyzer`).
    fn package_database(&self) -> bool {
        true
    }
    fn wants(&self, path: &str) -> bool {
        let list = path.strip_prefix(INFO).and_then(|name| name.strip_suffix(".list"));
        // Distroless images have no `.list` files; the `md5sums` next to each stanza name the
        // same regular files (dpkg writes both from the package's data).
        let md5sums = || path.strip_prefix(STATUS_D).and_then(|name| name.strip_suffix(".md5sums"));
        list.or_else(md5sums).is_some_and(|pkg| !pkg.is_empty() && !pkg.contains('/') && !pkg.starts_with('.'))
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let file_name = path.rsplit('/').next().unwrap_or(path);
        let md5sums = file_name.ends_with(".md5sums");
        let stem = file_name.strip_suffix(".list").or_else(|| file_name.strip_suffix(".md5sums")).unwrap_or(file_name);
        // Multi-arch packages' lists are named `<package>:<arch>.list`.
        let package = stem.split_once(':').map_or(stem, |(name, _)| name);
        if package.is_empty() {
            return Err(AnalyzeError::Malformed { path: path.to_owned(), reason: "no package name".into() });
        }
        // Count the lines before building one string per path: a hostile list is refused
        // with its memory never spent (`max_size` bounds the bytes, this the records).
        let lines = content.iter().filter(|&&b| b == b'\n').count();
        if lines > MAX_FILES_PER_FILE {
            return Err(AnalyzeError::TooMany { path: path.to_owned(), what: "file paths", limit: MAX_FILES_PER_FILE });
        }
        let text = String::from_utf8_lossy(content);
        Ok(Facts {
            installed_files: vec![InstalledFiles {
                kind: PackageKind::Dpkg,
                package: package.to_owned(),
                files: if md5sums { parse_md5sums(&text) } else { parse_file_list(&text) },
            }],
            ..Facts::default()
        })
    }
    /// A `.list` holds one path per line; real ones are far smaller, so a larger file is hostile
    /// or broken (reported as skipped at the limit).
    fn max_size(&self) -> u64 {
        LIST_MAX
    }
}

/// Largest `.list` / `md5sums` file read (the line cap is [`MAX_FILES_PER_FILE`]). The largest
/// real lists are a few MiB; at this size and the line cap a scan of the file peaks near 210 MiB
/// (debug build; `tests/scan_flags.rs` in plimsoll-cli has the hostile case).
pub const LIST_MAX: u64 = 48 * 1024 * 1024;

/// The paths of a dpkg `.list` file, relative to the root; the root itself (`/.`) is dropped.
pub fn parse_file_list(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .map(|l| l.trim_start_matches('/'))
        .filter(|l| !l.is_empty() && *l != ".")
        .map(str::to_owned)
        .collect()
}

/// The paths of a dpkg `md5sums` file (`<md5>  <path>` per line, paths relative to the root).
pub fn parse_md5sums(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim_end_matches('\r').split_once(char::is_whitespace))
        .map(|(_, path)| path.trim_start().trim_start_matches("./").trim_start_matches('/'))
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Parses a dpkg status database (or one `status.d` file) into its installed packages.
///
/// Stanzas of packages that are not installed are left out. A stanza without a `Status` field
/// counts as installed in a `status.d/` file (distroless writes none) and as not installed in the
/// `status` database, as dpkg itself reads it. Stanzas without `Package` or `Version`, or with a
/// garbled `Status`, are skipped with a warning in [`Facts::warnings`]; it is an error only when
/// the file has content but not one stanza could be read. More than [`MAX_PACKAGES_PER_FILE`]
/// installed or malformed stanzas is an error: stanzas are read one at a time, so memory stays
/// bounded by that limit whatever the file's size.
pub fn parse_status(path: &str, text: &str) -> Result<Facts, AnalyzeError> {
    let mut facts = Facts::default();
    let mut not_installed = 0usize;
    let mut skipped: Vec<(usize, &'static str)> = Vec::new();
    let distroless = path.contains("status.d/");
    for para in deb822::paragraphs(text) {
        match package_from_stanza(path, &para, distroless) {
            Stanza::Installed(p) => facts.packages.push(*p),
            Stanza::NotInstalled => not_installed += 1,
            Stanza::Malformed(why) => skipped.push((para.line, why)),
        }
        if facts.packages.len() + skipped.len() > MAX_PACKAGES_PER_FILE {
            return Err(AnalyzeError::TooMany {
                path: path.to_owned(),
                what: "package stanzas",
                limit: MAX_PACKAGES_PER_FILE,
            });
        }
    }
    if skipped.is_empty() {
        return Ok(facts);
    }
    if facts.packages.is_empty() && not_installed == 0 {
        return Err(AnalyzeError::Malformed {
            path: path.to_owned(),
            reason: format!(
                "no readable package stanza ({} skipped, first at line {}: {})",
                skipped.len(),
                skipped[0].0,
                skipped[0].1
            ),
        });
    }
    facts.warnings.push(skipped_warning(path, "stanza", &skipped));
    Ok(facts)
}

/// One warning for all the records of a file that were skipped, naming the first few.
pub(crate) fn skipped_warning(path: &str, what: &str, skipped: &[(usize, &str)]) -> String {
    const SHOWN: usize = 5;
    let mut msg = format!("{path}: {} {what}(s) skipped:", skipped.len());
    for (line, why) in skipped.iter().take(SHOWN) {
        msg.push_str(&format!(" line {line} ({why}),"));
    }
    msg.pop();
    if skipped.len() > SHOWN {
        msg.push_str(", ...");
    }
    msg
}

enum Stanza {
    Installed(Box<Package>),
    NotInstalled,
    Malformed(&'static str),
}

fn package_from_stanza(path: &str, para: &deb822::Paragraph<'_>, distroless: bool) -> Stanza {
    let Some(name) = para.folded("Package") else { return Stanza::Malformed("no Package field") };
    if name.contains(char::is_whitespace) {
        return Stanza::Malformed("Package is not one word");
    }
    match para.folded("Status").map(|status| installed(&status)) {
        Some(Some(true)) => {}
        Some(Some(false)) => return Stanza::NotInstalled,
        Some(None) => return Stanza::Malformed("Status is not three words"),
        // distroless builders write status.d stanzas for installed packages only, without Status.
        None if distroless => {}
        None => return Stanza::NotInstalled,
    }
    let Some(version) = para.folded("Version") else { return Stanza::Malformed("no Version field") };

    let mut p = Package::new(PackageKind::Dpkg, name, version, path);
    let (epoch, _, revision) = split_version(&p.version);
    p.epoch = epoch;
    p.release = revision.map(str::to_owned);
    p.arch = para.folded("Architecture");
    p.supplier = para.folded("Maintainer");
    let (source_name, source_version) = match para.folded("Source") {
        Some(source) => parse_source(&source),
        None => (None, None),
    };
    p.source_name = Some(source_name.unwrap_or_else(|| p.name.clone()));
    p.source_version = Some(source_version.unwrap_or_else(|| p.version.clone()));
    Stanza::Installed(Box::new(p))
}

/// Whether a `Status: <want> <error-flag> <state>` value describes a package whose files are on
/// disk. The state word decides (dpkg-query(1)): `installed`, and the intermediate states in which
/// the package is unpacked (`unpacked`, `half-configured`, `triggers-awaiting`,
/// `triggers-pending`), count; `not-installed`, `config-files` and `half-installed` (a failed or
/// partial unpack) do not. The want (`install`, `hold`, `deinstall`, `purge`) does not matter: a
/// package selected for removal is still installed until dpkg removes it.
/// `None` when the value is not three words.
pub fn installed(status: &str) -> Option<bool> {
    let words: Vec<&str> = status.split_whitespace().collect();
    let [_want, _flag, state] = words.as_slice() else { return None };
    Some(matches!(*state, "installed" | "unpacked" | "half-configured" | "triggers-awaiting" | "triggers-pending"))
}

/// Splits a Debian version `[epoch:]upstream[-revision]` (deb-version(7)) into its parts. The
/// revision follows the *last* hyphen; an epoch that is not a number is left out.
pub fn split_version(version: &str) -> (Option<u64>, &str, Option<&str>) {
    let (epoch, rest) = match version.split_once(':') {
        Some((e, rest)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => (e.parse().ok(), rest),
        _ => (None, version),
    };
    match rest.rsplit_once('-') {
        Some((upstream, revision)) if !upstream.is_empty() && !revision.is_empty() => (epoch, upstream, Some(revision)),
        _ => (epoch, rest, None),
    }
}

/// Parses `Source: name` or `Source: name (version)`. The version is given only when it differs
/// from the binary package's (binNMUs, e.g. bash `5.2.15-2+b2` from source `5.2.15-2`).
pub fn parse_source(source: &str) -> (Option<String>, Option<String>) {
    let (name, version) = match source.split_once('(') {
        Some((name, rest)) => {
            let version = rest.split_once(')').map_or(rest, |(v, _)| v).trim();
            (name.trim(), (!version.is_empty()).then(|| version.to_owned()))
        }
        None => (source.trim(), None),
    };
    ((!name.is_empty()).then(|| name.to_owned()), version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wants_status_and_stanza_files_only() {
        let a = DpkgStatus;
        assert!(a.wants("var/lib/dpkg/status"));
        assert!(a.wants("var/lib/dpkg/status.d/libc6"));
        assert!(a.wants("var/lib/dpkg/status.d/libpython3.11"));
        assert!(!a.wants("var/lib/dpkg/status.d/libc6.md5sums"));
        assert!(!a.wants("var/lib/dpkg/status.d/libsqlite3-0.preinst"));
        assert!(!a.wants("var/lib/dpkg/status.d/sub/x"));
        assert!(!a.wants("var/lib/dpkg/status-old"));
        assert!(!a.wants("var/lib/dpkg/status.d/"));
        let l = DpkgFileList;
        assert!(l.wants("var/lib/dpkg/info/libc6:amd64.list"));
        assert!(!l.wants("var/lib/dpkg/info/libc6.md5sums"));
        assert!(!l.wants("var/lib/dpkg/info/x/y.list"));
        assert!(l.wants("var/lib/dpkg/status.d/libssl3.md5sums"));
        assert!(!l.wants("var/lib/dpkg/status.d/libssl3"));
    }

    #[test]
    fn distroless_md5sums_are_file_lists() {
        let text = "9d2c4b1e2a7b0a5e8e7f0c1d2b3a4c5d  usr/lib/x86_64-linux-gnu/libssl.so.3\r\n\
                    0123456789abcdef0123456789abcdef  usr/share/doc/libssl3/copyright\nbroken\n";
        let f = DpkgFileList.analyze("var/lib/dpkg/status.d/libssl3.md5sums", text.as_bytes()).unwrap();
        assert_eq!(f.installed_files[0].package, "libssl3");
        assert_eq!(
            f.installed_files[0].files,
            ["usr/lib/x86_64-linux-gnu/libssl.so.3", "usr/share/doc/libssl3/copyright"]
        );
    }

    #[test]
    fn version_parts() {
        assert_eq!(split_version("1:2.36-9+deb12u4"), (Some(1), "2.36", Some("9+deb12u4")));
        assert_eq!(split_version("2.1-3-1"), (None, "2.1-3", Some("1")));
        assert_eq!(split_version("3.134"), (None, "3.134", None));
        assert_eq!(split_version("x:1-"), (None, "x:1-", None));
        assert_eq!(split_version("99999999999999999999999:1"), (None, "1", None));
    }

    #[test]
    fn source_forms() {
        assert_eq!(parse_source("glibc"), (Some("glibc".into()), None));
        assert_eq!(parse_source("bash (5.2.15-2)"), (Some("bash".into()), Some("5.2.15-2".into())));
        assert_eq!(parse_source("x (1.0"), (Some("x".into()), Some("1.0".into())));
        assert_eq!(parse_source(" (1)"), (None, Some("1".into())));
    }

    #[test]
    fn status_states() {
        assert_eq!(installed("install ok installed"), Some(true));
        assert_eq!(installed("hold ok installed"), Some(true));
        assert_eq!(installed("deinstall ok installed"), Some(true));
        assert_eq!(installed("install ok unpacked"), Some(true));
        assert_eq!(installed("deinstall ok config-files"), Some(false));
        assert_eq!(installed("install reinstreq half-installed"), Some(false));
        assert_eq!(installed("purge ok not-installed"), Some(false));
        assert_eq!(installed("installed"), None);
    }

    const STATUS_TEXT: &str = "Package: libc6\n\
Status: install ok installed\n\
Maintainer: GNU Libc Maintainers\n <debian-glibc@lists.debian.org>\n\
Architecture: amd64\n\
Multi-Arch: same\n\
Source: glibc\n\
Version: 2.36-9+deb12u4\n\
Description: GNU C Library: Shared libraries\n\
 Contains the standard libraries.\n\
 .\n\
 Version: 0 (not a field: a continuation line)\n\
\n\
Package: bash\r\n\
Status: install ok installed\r\n\
Architecture: amd64\r\n\
Source: bash (5.2.15-2)\r\n\
Version: 5.2.15-2+b2\r\n\
\r\n\
Package: old-kernel\n\
Status: deinstall ok config-files\n\
Version: 1:6.1.0-1\n\
\n\
Package: held\n\
Status: hold ok installed\n\
Version: 1:2.0\n\
\n\
Package: no-version\n\
Status: install ok installed\n\
\n\
Package: half\n\
Status: install reinstreq half-installed\n\
Version: 1.0-1\n";

    #[test]
    fn status_stanzas() {
        let facts = parse_status("var/lib/dpkg/status", STATUS_TEXT).unwrap();
        let got: Vec<_> = facts
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.version.as_str(),
                    p.epoch,
                    p.release.as_deref(),
                    p.source_name.as_deref(),
                    p.source_version.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("libc6", "2.36-9+deb12u4", None, Some("9+deb12u4"), Some("glibc"), Some("2.36-9+deb12u4")),
                ("bash", "5.2.15-2+b2", None, Some("2+b2"), Some("bash"), Some("5.2.15-2")),
                ("held", "1:2.0", Some(1), None, Some("held"), Some("1:2.0")),
            ]
        );
        let libc = &facts.packages[0];
        assert_eq!(libc.supplier.as_deref(), Some("GNU Libc Maintainers <debian-glibc@lists.debian.org>"));
        assert_eq!(libc.arch.as_deref(), Some("amd64"));
        assert_eq!(libc.found_in, "var/lib/dpkg/status");
        assert_eq!(facts.warnings, vec!["var/lib/dpkg/status: 1 stanza(s) skipped: line 28 (no Version field)"]);
    }

    #[test]
    fn status_d_stanzas_have_no_status_field() {
        let facts = DpkgStatus
            .analyze("var/lib/dpkg/status.d/tzdata", b"Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n")
            .unwrap();
        assert_eq!(facts.packages.len(), 1);
        assert!(facts.warnings.is_empty());
        // Only stanzas without any usable package: an error naming the file.
        let err = DpkgStatus.analyze("var/lib/dpkg/status.d/x", b"Pakij: apt\nStratus: install\n").unwrap_err();
        assert!(err.to_string().starts_with("var/lib/dpkg/status.d/x: no readable package stanza"), "{err}");
        // Nothing installed is not an error.
        assert!(DpkgStatus
            .analyze(STATUS, b"Package: a\nStatus: purge ok not-installed\n")
            .unwrap()
            .packages
            .is_empty());
        assert!(DpkgStatus.analyze(STATUS, b"").unwrap().packages.is_empty());
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let facts = DpkgStatus
            .analyze(STATUS, b"Package: a\nStatus: install ok installed\nVersion: 1\nMaintainer: J\xf6rg\n")
            .unwrap();
        assert_eq!(facts.packages[0].supplier.as_deref(), Some("J\u{fffd}rg"));
    }

    #[test]
    fn file_list_drops_root_and_leading_slash() {
        assert_eq!(parse_file_list("/.\r\n/usr\n/usr/bin/a b\n\n"), vec!["usr", "usr/bin/a b"]);
        let facts = DpkgFileList.analyze("var/lib/dpkg/info/libc6:amd64.list", b"/.\n/lib/x\n").unwrap();
        assert_eq!(facts.installed_files[0].package, "libc6");
        assert_eq!(facts.installed_files[0].files, vec!["lib/x"]);
    }
}
