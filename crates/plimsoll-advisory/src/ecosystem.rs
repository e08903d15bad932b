//! Ecosystem strings and package-name normalisation, so that the store's keys and the
//! inventory's names meet.
//!
//! The store keys affected entries by (ecosystem, normalised name). Normalisation follows each
//! ecosystem's own identity rules: PyPI names per PEP 503 (`Jinja2`, `jinja2` and `jinja_2` are
//! not all equal, but `Foo.Bar_baz` and `foo-bar-baz` are), crates.io case-insensitive with `-`
//! equal to `_`, NuGet, Packagist and Maven case-insensitive. Distro, npm, Go and RubyGems names
//! are compared as written.

use std::borrow::Cow;

use plimsoll_model::PackageKind;

/// The ecosystem without a release or repository suffix: `Debian:12` -> `Debian`,
/// `Maven:https://maven.google.com` -> `Maven`.
pub fn base(ecosystem: &str) -> &str {
    ecosystem.split(':').next().unwrap_or(ecosystem)
}

/// The key the store files an ecosystem under. Language ecosystems drop a repository suffix
/// (`Maven:https://...`, `Packagist:https://...`): an installed package does not say which
/// repository it came from. Distro ecosystems keep their release (`Alpine:v3.19`).
pub fn store_key(ecosystem: &str) -> &str {
    match base(ecosystem) {
        b @ ("Maven" | "Packagist" | "PyPI" | "npm" | "NuGet" | "RubyGems" | "crates.io" | "Go" | "Hex" | "Pub") => b,
        _ => ecosystem,
    }
}

/// PEP 503: lowercase, and every run of `-`, `_`, `.` becomes one `-`.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.trim().chars() {
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

/// A package name as the store keys it in `ecosystem`.
pub fn normalize_name<'a>(ecosystem: &str, name: &'a str) -> Cow<'a, str> {
    match base(ecosystem) {
        "PyPI" => Cow::Owned(pep503(name)),
        "crates.io" => Cow::Owned(name.trim().to_lowercase().replace('_', "-")),
        "NuGet" | "Packagist" | "Maven" => Cow::Owned(name.trim().to_lowercase()),
        _ => Cow::Borrowed(name.trim()),
    }
}

/// The OSV ecosystem of a language package kind; `None` for OS package kinds (their ecosystem
/// depends on the distro release, see [`crate::distro`]).
pub fn for_language_kind(kind: PackageKind) -> Option<&'static str> {
    Some(match kind {
        PackageKind::Python => "PyPI",
        PackageKind::Npm => "npm",
        PackageKind::Cargo => "crates.io",
        PackageKind::Go => "Go",
        PackageKind::Maven => "Maven",
        PackageKind::Gem => "RubyGems",
        PackageKind::Composer => "Packagist",
        PackageKind::Nuget => "NuGet",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_normalisation() {
        for n in ["Friendly-Bar", "friendly-bar", "friendly.bar", "friendly_bar", "FRIENDLY--_.BAR", "friendly-bar "] {
            assert_eq!(pep503(n), "friendly-bar", "{n}");
        }
    }

    #[test]
    fn per_ecosystem_rules() {
        assert_eq!(normalize_name("PyPI", "Jinja2"), "jinja2");
        assert_eq!(normalize_name("crates.io", "Serde_JSON"), "serde-json");
        assert_eq!(normalize_name("NuGet", "Newtonsoft.Json"), "newtonsoft.json");
        assert_eq!(
            normalize_name("Maven", "org.Apache.logging.log4j:Log4j-core"),
            "org.apache.logging.log4j:log4j-core"
        );
        assert_eq!(normalize_name("Packagist", "Symfony/HTTP-Foundation"), "symfony/http-foundation");
        assert_eq!(normalize_name("npm", "JSONStream"), "JSONStream");
        assert_eq!(normalize_name("Debian:12", "libc6"), "libc6");
        assert_eq!(store_key("Maven:https://maven.google.com"), "Maven");
        assert_eq!(store_key("Alpine:v3.19"), "Alpine:v3.19");
        assert_eq!(store_key("Ubuntu:22.04:LTS"), "Ubuntu:22.04:LTS");
    }
}
