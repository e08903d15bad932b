//! OS detection from `etc/os-release`, `usr/lib/os-release` and the distributions' own release
//! files.
//!
//! os-release(5) is the primary source. In images `etc/os-release` is usually a symlink to
//! `../usr/lib/os-release`; the layer walk hands analyzers regular files only, so both paths are
//! wanted. The older release files (`etc/alpine-release`, `etc/redhat-release`,
//! `etc/debian_version`, ...) rank below it ([`priority`]) and fill the gaps it leaves, e.g. the
//! codename of Debian testing, or the whole answer on images too old to have os-release.

use plimsoll_model::distro::DistroTable;
use plimsoll_model::{OsFamily, OsRelease};

use crate::{AnalyzeError, Analyzer, Facts};

pub struct OsReleaseAnalyzer;

/// Rank of a release file when several are visible: lower is better.
///
/// os-release first. Then the files named after one distribution (the table's
/// `release_files`); then `redhat-release` and
/// `lsb-release`, which derivatives also ship (Oracle Linux's `redhat-release` names RHEL); last
/// `system-release` (a generic alias) and `debian_version`, which Ubuntu and other Debian
/// derivatives carry too, naming the Debian release they branched from.
pub fn priority(path: &str) -> u8 {
    match path {
        "etc/os-release" => 0,
        "usr/lib/os-release" => 1,
        p if DistroTable::builtin().is_release_file(p) => 2,
        "etc/redhat-release" | "etc/lsb-release" => 3,
        "etc/system-release" | "etc/debian_version" => 4,
        _ => 5,
    }
}

impl Analyzer for OsReleaseAnalyzer {
    fn name(&self) -> &'static str {
        "os-release"
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        priority(path) < 5
    }
    fn max_size(&self) -> u64 {
        // These files are a few hundred bytes; anything large is not one.
        1024 * 1024
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Facts, AnalyzeError> {
        let text = String::from_utf8_lossy(content);
        let os = match path {
            "etc/os-release" | "usr/lib/os-release" => parse_os_release(path, &text)?,
            "etc/lsb-release" => parse_lsb_release(path, &text),
            "etc/alpine-release" => first_line(&text).map(|v| release_file(path, "alpine", Some(v), None, None)),
            "etc/debian_version" => parse_debian_version(path, &text),
            "etc/SuSE-release" => parse_suse_release(path, &text),
            _ => parse_release_line(path, &text),
        };
        Ok(Facts { os, ..Facts::default() })
    }
}

/// The family an os-release `ID` (or one of the `ID_LIKE` words) stands for, from the
/// distribution table.
pub fn family_from_id(id: &str) -> Option<OsFamily> {
    DistroTable::builtin().family_from_id(id)
}

/// The family of `id`, else of the first `ID_LIKE` word that has one (os-release(5) lists them
/// from the closest relative on), else [`OsFamily::Unknown`].
fn family(table: &DistroTable<'_>, id: &str, id_like: Option<&str>) -> OsFamily {
    table
        .family_from_id(id)
        .or_else(|| {
            id_like.and_then(|like| like.split_whitespace().find_map(|w| table.family_from_id(&w.to_lowercase())))
        })
        .unwrap_or(OsFamily::Unknown)
}

/// Parses `os-release` (os-release(5)). `None` when the file assigns nothing at all (an empty
/// file); an error when it has content but not a single assignment.
pub fn parse_os_release(path: &str, text: &str) -> Result<Option<OsRelease>, AnalyzeError> {
    parse_os_release_with(&DistroTable::builtin(), path, text)
}

/// [`parse_os_release`] against another distribution table.
pub fn parse_os_release_with(
    table: &DistroTable<'_>,
    path: &str,
    text: &str,
) -> Result<Option<OsRelease>, AnalyzeError> {
    let vars = parse_env_file(text);
    if vars.is_empty() {
        if text.trim().is_empty() {
            return Ok(None);
        }
        return Err(AnalyzeError::Malformed { path: path.to_owned(), reason: "no KEY=value assignment".into() });
    }
    let get = |key: &str| vars.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
    // os-release(5): "If not set, a default of ID=linux may be used."
    let id = get("ID").map_or_else(|| "linux".to_owned(), str::to_lowercase);
    let family = family(table, &id, get("ID_LIKE"));
    let codename = get("VERSION_CODENAME").or_else(|| get("UBUNTU_CODENAME")).map(str::to_lowercase).or_else(|| {
        // Debian before 9 had no VERSION_CODENAME; VERSION is "8 (jessie)".
        (family == OsFamily::Debian).then(|| get("VERSION").and_then(parenthesized)).flatten().map(str::to_lowercase)
    });
    Ok(Some(OsRelease {
        family,
        id,
        version_id: get("VERSION_ID").map(str::to_owned),
        codename,
        pretty_name: get("PRETTY_NAME").or_else(|| get("NAME")).map(str::to_owned),
        source_path: path.to_owned(),
    }))
}

/// Reads a file of shell-style variable assignments, as os-release(5) defines them: one
/// `KEY=value` per line, `#` comments, values optionally in single or double quotes, with shell
/// escapes (`\"`, `\\`, `\$`, `` \` `` inside double quotes; any character outside quotes).
/// Lines that are not assignments are ignored.
pub fn parse_env_file(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        let key = key.trim();
        let valid_key = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if valid_key {
            out.push((key.to_owned(), unquote(value.trim())));
        }
    }
    out
}

/// Shell word unquoting of one value: quoted and unquoted parts concatenate (`"a"'b'c` is `abc`);
/// an unquoted space or `#` ends the value, as the shell would.
fn unquote(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => out.push(e),
                            // Inside double quotes a backslash before anything else is literal.
                            Some(e) => {
                                out.push('\\');
                                out.push(e);
                            }
                            None => out.push('\\'),
                        },
                        c => out.push(c),
                    }
                }
            }
            '\'' => {
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    out.push(c);
                }
            }
            '\\' => {
                if let Some(e) = chars.next() {
                    out.push(e);
                }
            }
            c if c.is_whitespace() => break,
            c => out.push(c),
        }
    }
    out
}

/// The text between the first `(` and the following `)`, trimmed, if not empty.
fn parenthesized(s: &str) -> Option<&str> {
    let (_, rest) = s.split_once('(')?;
    let (inner, _) = rest.split_once(')')?;
    let inner = inner.trim();
    (!inner.is_empty()).then_some(inner)
}

fn first_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).find(|l| !l.is_empty())
}

fn release_file(
    path: &str,
    id: &str,
    version_id: Option<&str>,
    codename: Option<&str>,
    pretty_name: Option<&str>,
) -> OsRelease {
    OsRelease {
        family: family(&DistroTable::builtin(), id, None),
        id: id.to_owned(),
        version_id: version_id.map(str::to_owned),
        codename: codename.map(str::to_owned),
        pretty_name: pretty_name.map(str::to_owned),
        source_path: path.to_owned(),
    }
}

/// `etc/debian_version`: a point release (`12.4`) on stable releases, `<codename>/sid` on testing
/// and unstable, where only the codename is worth keeping.
fn parse_debian_version(path: &str, text: &str) -> Option<OsRelease> {
    let line = first_line(text)?;
    if line.starts_with(|c: char| c.is_ascii_digit()) {
        return Some(release_file(path, "debian", Some(line), None, None));
    }
    let codename = line.split('/').next().unwrap_or("").trim();
    let plausible = !codename.is_empty() && codename.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    plausible.then(|| release_file(path, "debian", None, Some(&codename.to_lowercase()), None))
}

/// `etc/lsb-release`: `DISTRIB_ID`, `DISTRIB_RELEASE`, `DISTRIB_CODENAME`, `DISTRIB_DESCRIPTION`.
fn parse_lsb_release(path: &str, text: &str) -> Option<OsRelease> {
    let vars = parse_env_file(text);
    let get = |key: &str| vars.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
    let id = get("DISTRIB_ID")?.to_lowercase();
    Some(release_file(
        path,
        &id,
        get("DISTRIB_RELEASE"),
        get("DISTRIB_CODENAME").map(str::to_lowercase).as_deref(),
        get("DISTRIB_DESCRIPTION"),
    ))
}

/// `etc/SuSE-release` (SLE 11/12, openSUSE up to 42): a title line, then `VERSION = 12` and
/// `PATCHLEVEL = 3`, which os-release would write as `VERSION_ID="12.3"`.
fn parse_suse_release(path: &str, text: &str) -> Option<OsRelease> {
    let title = first_line(text)?;
    let id = if title.to_lowercase().starts_with("opensuse") { "opensuse" } else { "sles" };
    let field = |key: &str| {
        text.lines().filter_map(|l| l.split_once('=')).find(|(k, _)| k.trim() == key).map(|(_, v)| v.trim())
    };
    let version = match (field("VERSION"), field("PATCHLEVEL")) {
        (Some(v), Some(p)) if !p.is_empty() && p != "0" => Some(format!("{v}.{p}")),
        (Some(v), _) if !v.is_empty() => Some(v.to_owned()),
        _ => None,
    };
    let codename = field("CODENAME").filter(|c| !c.is_empty()).map(str::to_lowercase);
    Some(release_file(path, id, version.as_deref(), codename.as_deref(), Some(title)))
}

/// The one-line release files of the Red Hat family and others: `<Name> release <version>
/// (<codename>)` (RHEL, CentOS, Rocky, AlmaLinux, Fedora, Oracle, Amazon, Scientific Linux), or
/// `<Name> <version>` (CBL-Mariner, Azure Linux, Photon OS).
fn parse_release_line(path: &str, text: &str) -> Option<OsRelease> {
    let line = first_line(text)?;
    let lower = line.to_lowercase();
    let (spec, id) = DistroTable::builtin().from_release_line(&lower)?;
    let after = match lower.find(" release ") {
        Some(i) => line.get(i + " release ".len()..).unwrap_or(""),
        // No "release" keyword: the version is the first word that starts with a digit.
        None => line.split_whitespace().find(|w| w.starts_with(|c: char| c.is_ascii_digit())).unwrap_or(""),
    };
    let version = after.split_whitespace().next().filter(|v| v.starts_with(|c: char| c.is_ascii_digit()));
    let version = version.map(|v| match id {
        // Their os-release VERSION_ID is major.minor; the file adds a build date.
        "mariner" | "azurelinux" | "photon" => v.split('.').take(2).collect::<Vec<_>>().join("."),
        _ => v.to_owned(),
    });
    let codename = parenthesized(after).map(str::to_lowercase);
    let mut os = release_file(path, id, version.as_deref(), codename.as_deref(), Some(line));
    // The table entry decides, also for an id it does not list (`scientific` is RHEL).
    os.family = spec.family;
    Some(os)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(path: &str, text: &str) -> OsRelease {
        OsReleaseAnalyzer.analyze(path, text.as_bytes()).unwrap().os.unwrap()
    }

    #[test]
    fn quoting_escapes_and_comments() {
        let vars = parse_env_file(
            "# comment\n  \nA=plain\nB=\"two words\"\nC='single $x'\nD=\"esc \\\" \\\\ \\$ \\n\"\nE=a\\ b\n\
             F=\"x\"'y'z\nG=v # trailing comment\nnot an assignment\n1BAD=x\nH=\n",
        );
        let get = |k: &str| vars.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(get("A"), Some("plain"));
        assert_eq!(get("B"), Some("two words"));
        assert_eq!(get("C"), Some("single $x"));
        assert_eq!(get("D"), Some("esc \" \\ $ \\n"));
        assert_eq!(get("E"), Some("a b"));
        assert_eq!(get("F"), Some("xyz"));
        assert_eq!(get("G"), Some("v"));
        assert_eq!(get("1BAD"), None);
        assert_eq!(get("H"), Some(""));
    }

    #[test]
    fn debian_codename_from_version() {
        let o = os("usr/lib/os-release", "ID=debian\nVERSION_ID=\"8\"\nVERSION=\"8 (jessie)\"\r\n");
        assert_eq!(
            (o.family, o.version_id.as_deref(), o.codename.as_deref()),
            (OsFamily::Debian, Some("8"), Some("jessie"))
        );
        assert_eq!(o.source_path, "usr/lib/os-release");
    }

    #[test]
    fn id_like_and_default_id() {
        let o = os("etc/os-release", "ID=raspbian\nID_LIKE=debian\nVERSION_ID=9\n");
        assert_eq!((o.family, o.id.as_str()), (OsFamily::Debian, "raspbian"));
        let o = os("etc/os-release", "ID_LIKE=\"suse opensuse\"\n");
        assert_eq!((o.family, o.id.as_str()), (OsFamily::Opensuse, "linux"));
        let o = os("etc/os-release", "ID=gentoo\n");
        assert_eq!(o.family, OsFamily::Unknown);
        assert!(OsReleaseAnalyzer.analyze("etc/os-release", b"").unwrap().os.is_none());
        assert!(OsReleaseAnalyzer.analyze("etc/os-release", b"\x00\xff garbage").is_err());
    }

    #[test]
    fn release_files() {
        let o = os("etc/redhat-release", "Red Hat Enterprise Linux release 8.9 (Ootpa)\n");
        assert_eq!((o.family, o.id.as_str(), o.version_id.as_deref()), (OsFamily::Rhel, "rhel", Some("8.9")));
        assert_eq!(o.codename.as_deref(), Some("ootpa"));
        let o = os("etc/oracle-release", "Oracle Linux Server release 7.6");
        assert_eq!((o.family, o.version_id.as_deref(), o.codename), (OsFamily::Oracle, Some("7.6"), None));
        let o = os("etc/system-release", "Amazon Linux release 2 (Karoo)");
        assert_eq!((o.family, o.version_id.as_deref()), (OsFamily::Amazon, Some("2")));
        let o = os("etc/mariner-release", "CBL-Mariner 2.0.20240123\nDISTRIB_CODENAME=\"Mariner\"\n");
        assert_eq!((o.family, o.version_id.as_deref()), (OsFamily::Mariner, Some("2.0")));
        let o = os("etc/photon-release", "VMware Photon OS 4.0\nPHOTON_BUILD_NUMBER=ca7c9e933\n");
        assert_eq!((o.family, o.version_id.as_deref()), (OsFamily::Photon, Some("4.0")));
        let o = os("etc/alpine-release", "3.14.3\n");
        assert_eq!((o.family, o.version_id.as_deref()), (OsFamily::Alpine, Some("3.14.3")));
        let o = os("etc/SuSE-release", "SUSE Linux Enterprise Server 12 (x86_64)\nVERSION = 12\nPATCHLEVEL = 3\n");
        assert_eq!((o.family, o.version_id.as_deref()), (OsFamily::Sles, Some("12.3")));
        let o = os("etc/lsb-release", "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=18.04\nDISTRIB_CODENAME=bionic\n");
        assert_eq!(
            (o.family, o.version_id.as_deref(), o.codename.as_deref()),
            (OsFamily::Ubuntu, Some("18.04"), Some("bionic"))
        );
        assert!(OsReleaseAnalyzer.analyze("etc/redhat-release", b"nonsense").unwrap().os.is_none());
    }

    #[test]
    fn debian_version_point_release_or_codename() {
        let o = os("etc/debian_version", "12.4\n");
        assert_eq!((o.version_id.as_deref(), o.codename), (Some("12.4"), None));
        let o = os("etc/debian_version", "bookworm/sid\n");
        assert_eq!((o.version_id, o.codename.as_deref()), (None, Some("bookworm")));
    }

    #[test]
    fn priorities() {
        assert!(priority("etc/os-release") < priority("usr/lib/os-release"));
        assert!(priority("usr/lib/os-release") < priority("etc/oracle-release"));
        assert!(priority("etc/oracle-release") < priority("etc/redhat-release"));
        assert!(priority("etc/lsb-release") < priority("etc/debian_version"));
        assert!(OsReleaseAnalyzer.wants("etc/SuSE-release"));
        assert!(!OsReleaseAnalyzer.wants("etc/passwd"));
    }
}
