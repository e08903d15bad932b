//! Registry image names: `[host[:port]/]repo[/more][:tag][@digest]`, as the docker reference
//! grammar (distribution `reference/regexp.go`) defines them.
//!
//! The first path component is a registry host when it contains `.` or `:` or is `localhost`;
//! otherwise the image is on Docker Hub (`docker.io`), where a one-component repository lives
//! under `library/`.

use std::fmt;

use plimsoll_model::Digest;

/// Docker Hub's canonical name, and the host its API is served from.
pub const DOCKER_HUB: &str = "docker.io";
const DOCKER_HUB_API: &str = "registry-1.docker.io";
/// The whole name (host and repository) is at most this long (distribution's `NameTotalLengthMax`).
const NAME_MAX: usize = 255;

/// A parsed registry reference.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RegistryRef {
    /// `host[:port]` as written (`docker.io` for Docker Hub).
    pub registry: String,
    /// `library/alpine`, `team/app`, ...
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<Digest>,
}

impl RegistryRef {
    /// Parses a reference; the error is the reason it is not one.
    pub fn parse(s: &str) -> Result<RegistryRef, String> {
        if s.is_empty() {
            return Err("empty reference".into());
        }
        let (name_tag, digest) = match s.split_once('@') {
            Some((n, d)) => (n, Some(d.parse::<Digest>().map_err(|e| e.to_string())?)),
            None => (s, None),
        };
        // A tag follows the last `:` after the last `/` (a `:` before it is a port).
        let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name_tag[last_slash..].rfind(':') {
            Some(i) => (&name_tag[..last_slash + i], Some(&name_tag[last_slash + i + 1..])),
            None => (name_tag, None),
        };
        if let Some(t) = tag {
            if !valid_tag(t) {
                return Err(format!("`{t}` is not a valid tag (letters, digits, `_`, `.`, `-`, at most 128)"));
            }
        }
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
                if !valid_host(first) {
                    return Err(format!("`{first}` is not a valid registry host"));
                }
                (first.to_owned(), rest.to_owned())
            }
            _ => (DOCKER_HUB.to_owned(), name.to_owned()),
        };
        let registry = match registry.as_str() {
            "index.docker.io" | "registry-1.docker.io" => DOCKER_HUB.to_owned(),
            _ => registry,
        };
        let repository = if registry == DOCKER_HUB && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        if repository.is_empty() || !repository.split('/').all(valid_component) {
            return Err(format!(
                "`{repository}` is not a valid repository name (lowercase letters, digits and `._-` separators)"
            ));
        }
        if registry.len() + 1 + repository.len() > NAME_MAX {
            return Err(format!("the name is longer than {NAME_MAX} characters"));
        }
        Ok(RegistryRef { registry, repository, tag: tag.map(str::to_owned), digest })
    }

    /// The host the API is reached at (Docker Hub's API is not on `docker.io`).
    pub fn api_host(&self) -> &str {
        api_host(&self.registry)
    }

    /// What goes after `/manifests/`: the digest if pinned, else the tag, else `latest`.
    pub fn reference(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => "latest".into(),
        }
    }

    /// `registry/repository`, the name Cosign puts in a signature's `docker-reference`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The same repository pinned to `digest` (tag dropped).
    pub fn with_digest(&self, digest: Digest) -> RegistryRef {
        RegistryRef { digest: Some(digest), tag: None, ..self.clone() }
    }

    /// The same repository at `tag`.
    pub fn with_tag(&self, tag: &str) -> RegistryRef {
        RegistryRef { digest: None, tag: Some(tag.to_owned()), ..self.clone() }
    }
}

/// The host the API of `registry` is reached at.
pub fn api_host(registry: &str) -> &str {
    if registry == DOCKER_HUB {
        DOCKER_HUB_API
    } else {
        registry
    }
}

impl fmt::Display for RegistryRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// `[\w][\w.-]{0,127}`
fn valid_tag(t: &str) -> bool {
    let mut chars = t.chars();
    t.len() <= 128
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn valid_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        if !(sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-')) {
            return false;
        }
    }
    true
}

/// A DNS name or IPv4 address with an optional port, or a bracketed IPv6 address.
fn valid_host(h: &str) -> bool {
    let (host, port) = if let Some(rest) = h.strip_prefix('[') {
        match rest.split_once(']') {
            Some((ip, port)) => {
                if ip.parse::<std::net::Ipv6Addr>().is_err() {
                    return false;
                }
                ("x", port.strip_prefix(':'))
            }
            None => return false,
        }
    } else {
        match h.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (h, None),
        }
    };
    if let Some(p) = port {
        if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_defaults() {
        let r = RegistryRef::parse("alpine").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("docker.io", "library/alpine", None)
        );
        assert_eq!(r.reference(), "latest");
        assert_eq!(r.api_host(), "registry-1.docker.io");
        let r = RegistryRef::parse("bitnami/redis:7.2").unwrap();
        assert_eq!((r.repository.as_str(), r.tag.as_deref()), ("bitnami/redis", Some("7.2")));
        assert_eq!(
            RegistryRef::parse("index.docker.io/library/debian:12").unwrap().to_string(),
            "docker.io/library/debian:12"
        );
    }

    #[test]
    fn hosts_ports_tags_digests() {
        let d = format!("sha256:{}", "a".repeat(64));
        let r = RegistryRef::parse(&format!("127.0.0.1:5000/team/app:v1@{d}")).unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag.as_deref(), Some("v1"));
        assert_eq!(r.reference(), d);
        assert_eq!(r.to_string(), format!("127.0.0.1:5000/team/app:v1@{d}"));
        let r = RegistryRef::parse("localhost/app").unwrap();
        assert_eq!((r.registry.as_str(), r.repository.as_str()), ("localhost", "app"));
        let r = RegistryRef::parse("[::1]:5000/app:x").unwrap();
        assert_eq!(r.registry, "[::1]:5000");
        assert_eq!(RegistryRef::parse("ghcr.io/o/r").unwrap().name(), "ghcr.io/o/r");
    }

    #[test]
    fn rejects_invalid() {
        for bad in [
            "",
            "UPPER/case",
            "repo:",
            "repo:-bad",
            "host:port:x/app",
            "a//b",
            "app@sha256:short",
            "ex ample.com/app",
            "example.com:99999999/app",
            "-lead",
            "a..b",
        ] {
            assert!(RegistryRef::parse(bad).is_err(), "{bad}");
        }
        assert!(RegistryRef::parse(&format!("example.com/{}", "a".repeat(300))).is_err());
        assert!(RegistryRef::parse("a__b/c-d---e.f").is_ok());
    }
}
