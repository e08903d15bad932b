//! Package URLs as the purl specification writes them:
//! `pkg:type/namespace/name@version?qualifiers#subpath`.
//!
//! Hand-written because the few purl crates either lag the spec's per-type rules or pull in a URL
//! parser; we only ever *build* purls, which is a few lines.

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
    fn npm_scope_is_namespace() {
        let p = Package::new(PackageKind::Npm, "@babel/core", "7.0.0", "package-lock.json");
        assert_eq!(for_package(&p, None), "pkg:npm/%40babel/core@7.0.0");
    }
}
