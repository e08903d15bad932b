//! Image references as written in `FROM`, pod specs and compose files:
//! `[registry[:port]/]path[:tag][@algo:hex]` (the distribution reference grammar).

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host when the first component looks like one (has `.` or `:` or is `localhost`).
    pub registry: Option<String>,
    /// Repository path without registry, e.g. `library/python` is written `python`.
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    pub fn parse(s: &str) -> Option<ImageRef> {
        let s = s.trim();
        if s.is_empty() || s.contains(char::is_whitespace) {
            return None;
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (s, None),
        };
        // A tag is after the last ':' that follows the last '/' (a ':' before is a port).
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[slash..].rfind(':') {
            Some(i) => (&rest[..slash + i], Some(rest[slash + i + 1..].to_string())),
            None => (rest, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, path)) if first.contains(['.', ':']) || first == "localhost" => {
                (Some(first.to_string()), path.to_string())
            }
            _ => (None, name.to_string()),
        };
        if repository.is_empty() {
            return None;
        }
        Some(ImageRef { registry, repository, tag, digest })
    }

    /// The last path component: `library/python` -> `python`.
    pub fn short_name(&self) -> &str {
        self.repository.rsplit('/').next().unwrap_or(&self.repository)
    }

    /// True for Docker Hub official images (`python`, `library/python`, `docker.io/library/python`).
    pub fn is_official(&self) -> bool {
        let hub =
            matches!(self.registry.as_deref(), None | Some("docker.io" | "index.docker.io" | "registry-1.docker.io"));
        hub && (!self.repository.contains('/') || self.repository.starts_with("library/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let r = ImageRef::parse("python").unwrap();
        assert_eq!((r.tag, r.digest, r.registry), (None, None, None));
        let r = ImageRef::parse("localhost:5000/team/app:1.0@sha256:abc").unwrap();
        assert_eq!(r.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag.as_deref(), Some("1.0"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        let r = ImageRef::parse("registry:5000/app").unwrap();
        assert_eq!((r.registry.as_deref(), r.tag.as_deref()), (Some("registry:5000"), None));
        assert!(ImageRef::parse("docker.io/library/node:20").unwrap().is_official());
        assert!(!ImageRef::parse("bitnami/node").unwrap().is_official());
        assert!(ImageRef::parse("").is_none());
    }
}
