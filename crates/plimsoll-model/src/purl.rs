//! Package URLs as the purl specification writes them:
//! `pkg:type/namespace/name@version?qualifiers#subpath`.
//!
//! Hand-written because the few purl crates either lag the spec's per-type rules or pull in a URL
//! parser. [`build`] and [`for_package`] write purls; [`parse`] reads the ones other tools wrote
//! (SBOMs, VEX documents) into their components.

use crate::{OsRelease, Package, PackageKind};

/// Percent-encodes a purl component. The spec leaves the RFC 3986 unreserved characters alone
/// and allows `:` unencoded; everything else (notably `+`, `@`, `/`, `?`, `#`, space) is encoded.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' | b':' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Builds a purl from its parts. Qualifiers are sorted by key and empty values dropped, as the
/// spec's canonical form requires.
pub fn build(
    ty: &str,
    namespace: Option<&str>,
    name: &str,
    version: Option<&str>,
    qualifiers: &[(&str, &str)],
) -> String {
    let mut s = format!("pkg:{ty}/");
    if let Some(ns) = namespace.filter(|ns| !ns.is_empty()) {
        for seg in ns.split('/').filter(|seg| !seg.is_empty()) {
            s.push_str(&encode(seg));
            s.push('/');
        }
    }
    s.push_str(&encode(name));
    if let Some(v) = version.filter(|v| !v.is_empty()) {
        s.push('@');
        s.push_str(&encode(v));
    }
    let mut q: Vec<_> = qualifiers.iter().filter(|(_, v)| !v.is_empty()).collect();
    q.sort_by_key(|(k, _)| *k);
    for (i, (k, v)) in q.iter().enumerate() {
        s.push(if i == 0 { '?' } else { '&' });
        s.push_str(k);
        s.push('=');
        s.push_str(&encode(v));
    }
    s
}

/// The purl of a package. OS packages get the distro namespace and `arch`/`distro` qualifiers
/// (`distro=<id>-<version_id>`); rpm keeps the epoch in an `epoch` qualifier as the rpm type
/// definition says, while deb keeps it inside the version.
pub fn for_package(pkg: &Package, os: Option<&OsRelease>) -> String {
    let distro = os.map(|os| match &os.version_id {
        Some(v) => format!("{}-{}", os.id, v),
        None => os.id.clone(),
    });
    let distro = distro.as_deref().unwrap_or("");
    let ns = os.map(|os| os.family.purl_namespace());
    let arch = pkg.arch.as_deref().unwrap_or("");
    match pkg.kind {
        PackageKind::Dpkg => build("deb", ns, &pkg.name, Some(&pkg.version), &[("arch", arch), ("distro", distro)]),
        PackageKind::Apk => build("apk", ns, &pkg.name, Some(&pkg.version), &[("arch", arch), ("distro", distro)]),
        PackageKind::Rpm => {
            // rpm purls carry version-release; the epoch goes in its own qualifier.
            let v = match (&pkg.release, pkg.version.split_once(':')) {
                (_, Some((_, rest))) => rest.to_owned(),
                _ => pkg.version.clone(),
            };
            let epoch = pkg.epoch.filter(|e| *e > 0).map(|e| e.to_string()).unwrap_or_default();
            build("rpm", ns, &pkg.name, Some(&v), &[("arch", arch), ("distro", distro), ("epoch", &epoch)])
        }
        PackageKind::Python => build("pypi", None, &pep503_normalize(&pkg.name), Some(&pkg.version), &[]),
        PackageKind::Npm => match pkg.name.split_once('/') {
            Some((scope, name)) if scope.starts_with('@') => build("npm", Some(scope), name, Some(&pkg.version), &[]),
            _ => build("npm", None, &pkg.name, Some(&pkg.version), &[]),
        },
        PackageKind::Cargo => build("cargo", None, &pkg.name, Some(&pkg.version), &[]),
        PackageKind::Go => match pkg.name.rsplit_once('/') {
            Some((ns, name)) => build("golang", Some(ns), name, Some(&pkg.version), &[]),
            None => build("golang", None, &pkg.name, Some(&pkg.version), &[]),
        },
        PackageKind::Maven => match pkg.name.split_once(':') {
            Some((group, artifact)) => build("maven", Some(group), artifact, Some(&pkg.version), &[]),
            None => build("maven", None, &pkg.name, Some(&pkg.version), &[]),
        },
        PackageKind::Gem => build("gem", None, &pkg.name, Some(&pkg.version), &[]),
        PackageKind::Composer => match pkg.name.split_once('/') {
            Some((vendor, name)) => build("composer", Some(vendor), name, Some(&pkg.version), &[]),
            None => build("composer", None, &pkg.name, Some(&pkg.version), &[]),
        },
        PackageKind::Nuget => build("nuget", None, &pkg.name, Some(&pkg.version), &[]),
    }
}

/// A parsed package URL, components percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    /// Lowercase (`deb`, `npm`, `oci`).
    pub ty: String,
    /// `/`-joined segments (`debian`, `@babel`, `github.com/gorilla`), `None` when absent.
    pub namespace: Option<String>,
    pub name: String,
    pub version: Option<String>,
    /// Keys lowercase, in the order written.
    pub qualifiers: Vec<(String, String)>,
    pub subpath: Option<String>,
}

impl Purl {
    /// The value of qualifier `key` (lowercase).
    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Why a string is not a purl.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid purl `{purl}`: {reason}")]
pub struct PurlError {
    pub purl: String,
    pub reason: &'static str,
}

/// Parses a purl per the spec's parsing rules: `#subpath` and `?qualifiers` are split off from the
/// right, the scheme and type from the left, the version at the last `@` of the last segment (so
/// an unencoded npm scope `@babel` is not taken for a version), namespace and name at the last `/`.
pub fn parse(s: &str) -> Result<Purl, PurlError> {
    let err = |reason| PurlError { purl: s.chars().take(200).collect(), reason };
    let (rest, subpath) = match s.rsplit_once('#') {
        Some((r, sp)) => (
            r,
            Some(
                sp.split('/')
                    .filter(|seg| !seg.is_empty() && *seg != "." && *seg != "..")
                    .map(decode)
                    .collect::<Vec<_>>()
                    .join("/"),
            )
            .filter(|sp| !sp.is_empty()),
        ),
        None => (s, None),
    };
    let (rest, qualifiers) = match rest.rsplit_once('?') {
        Some((r, q)) => {
            let mut out = Vec::new();
            for pair in q.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').ok_or_else(|| err("qualifier without `=`"))?;
                let v = decode(v);
                if !v.is_empty() {
                    out.push((k.to_ascii_lowercase(), v));
                }
            }
            (r, out)
        }
        None => (rest, Vec::new()),
    };
    let (scheme, rest) = rest.split_once(':').ok_or_else(|| err("no `pkg:` scheme"))?;
    if !scheme.eq_ignore_ascii_case("pkg") {
        return Err(err("scheme is not `pkg`"));
    }
    let rest = rest.trim_matches('/');
    let (ty, rest) = rest.split_once('/').ok_or_else(|| err("no type"))?;
    if ty.is_empty() || !ty.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+')) {
        return Err(err("invalid type"));
    }
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (rest, version) = match rest[last_slash..].rfind('@') {
        Some(i) => (&rest[..last_slash + i], Some(decode(&rest[last_slash + i + 1..])).filter(|v| !v.is_empty())),
        None => (rest, None),
    };
    let mut segments: Vec<String> = rest.split('/').filter(|seg| !seg.is_empty()).map(decode).collect();
    let name = segments.pop().filter(|n| !n.is_empty()).ok_or_else(|| err("no name"))?;
    let namespace = Some(segments.join("/")).filter(|ns| !ns.is_empty());
    Ok(Purl { ty: ty.to_ascii_lowercase(), namespace, name, version, qualifiers, subpath })
}

/// Percent-decoding; malformed escapes are kept literally and invalid UTF-8 replaced, since a
/// purl from another tool is compared, never trusted.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let Some(v) = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// PEP 503 name normalisation: lowercase, and every run of `-`, `_` and `.` becomes one `-`
/// (`Zope.Interface` and `zope_interface` are the same PyPI project).
pub fn pep503_normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.extend(c.to_lowercase());
            in_sep = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OsFamily;

    fn os(family: OsFamily, id: &str, v: &str) -> OsRelease {
        OsRelease {
            family,
            id: id.into(),
            version_id: Some(v.into()),
            codename: None,
            pretty_name: None,
            source_path: "etc/os-release".into(),
        }
    }

    #[test]
    fn deb_keeps_epoch_in_version_and_encodes_plus() {
        let mut p = Package::new(PackageKind::Dpkg, "libc6", "1:2.36-9+deb12u4", "var/lib/dpkg/status");
        p.arch = Some("amd64".into());
        assert_eq!(
            for_package(&p, Some(&os(OsFamily::Debian, "debian", "12"))),
            "pkg:deb/debian/libc6@1:2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12"
        );
    }

    #[test]
    fn rpm_moves_epoch_to_qualifier() {
        let mut p = Package::new(PackageKind::Rpm, "openssl", "1:3.0.7-24.el9", "var/lib/rpm/rpmdb.sqlite");
        p.epoch = Some(1);
        p.release = Some("24.el9".into());
        p.arch = Some("x86_64".into());
        assert_eq!(
            for_package(&p, Some(&os(OsFamily::Almalinux, "almalinux", "9.3"))),
            "pkg:rpm/almalinux/openssl@3.0.7-24.el9?arch=x86_64&distro=almalinux-9.3&epoch=1"
        );
    }

    #[test]
    fn pypi_name_is_pep503_normalized() {
        let p = Package::new(PackageKind::Python, "Zope.Interface__x", "5.0+local.1", "METADATA");
        assert_eq!(for_package(&p, None), "pkg:pypi/zope-interface-x@5.0%2Blocal.1");
    }

    #[test]
    fn parse_round_trips_built_purls_and_reads_foreign_ones() {
        let p = parse("pkg:deb/debian/libc6@1:2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12").unwrap();
        assert_eq!((p.ty.as_str(), p.namespace.as_deref(), p.name.as_str()), ("deb", Some("debian"), "libc6"));
        assert_eq!(p.version.as_deref(), Some("1:2.36-9+deb12u4"));
        assert_eq!(p.qualifier("distro"), Some("debian-12"));
        let p = parse("pkg:npm/@babel/core").unwrap();
        assert_eq!((p.namespace.as_deref(), p.name.as_str(), p.version), (Some("@babel"), "core", None));
        let p = parse("pkg:npm/%40babel/core@7.0.0").unwrap();
        assert_eq!((p.namespace.as_deref(), p.version.as_deref()), (Some("@babel"), Some("7.0.0")));
        let p = parse("pkg:golang/github.com/gorilla/mux@v1.8.0#sub/../dir").unwrap();
        assert_eq!((p.namespace.as_deref(), p.name.as_str()), (Some("github.com/gorilla"), "mux"));
        assert_eq!(p.subpath.as_deref(), Some("sub/dir"));
        let p = parse("pkg:oci/debian@sha256%3Aabc?repository_url=docker.io/library/debian").unwrap();
        assert_eq!(p.version.as_deref(), Some("sha256:abc"));
        for bad in ["", "deb/debian/x", "http://x/y", "pkg:deb", "pkg:deb/", "pkg:/x", "pkg:deb/x?a", "pkg:%%/x"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse("pkg:x/%zz%4").is_ok(), "malformed escapes are kept, not a panic");
    }

    #[test]
    fn npm_scope_is_namespace() {
        let p = Package::new(PackageKind::Npm, "@babel/core", "7.0.0", "package-lock.json");
        assert_eq!(for_package(&p, None), "pkg:npm/%40babel/core@7.0.0");
    }
}
