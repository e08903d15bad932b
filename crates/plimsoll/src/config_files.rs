//! The one decision "is this a configuration file, and of which kind?", for every place that
//! asks: `plimsoll config FILE` (a file the user named), directory scans and `plimsoll config DIR`
//! (a project checkout), and the in-image lint (files inside image layers). They differ only in
//! how much a name must say before the content is read ([`Origin`]); the content decision is
//! always `plimsoll_lint::detect`.

use plimsoll_lint::FileKind;

/// Where a file comes from, which decides how much its name must say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A file the user named: the content decides.
    Named,
    /// A file in a checkout or root filesystem being scanned: configuration-looking names outside
    /// `node_modules` and `.git`; the content decides.
    Project,
    /// A file inside an image layer: images hold many YAML and JSON files and trees of other
    /// people's code, so names are stricter (see below) and a compose file needs compose's name.
    Image,
}

/// Should a walk read this file for the linter (by its name alone)?
pub(crate) fn candidate(path: &str, origin: Origin) -> bool {
    match origin {
        Origin::Named => true,
        Origin::Project => project_name(path),
        Origin::Image => image_name(path),
    }
}

/// The kind of configuration file `path` with content `data` is, if any.
pub(crate) fn kind(path: &str, data: &[u8], origin: Origin) -> Option<FileKind> {
    if origin == Origin::Named {
        return plimsoll_lint::detect(path, data);
    }
    if !candidate(path, origin) {
        return None;
    }
    let lower = path.to_ascii_lowercase();
    if origin == Origin::Image {
        let structured = lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json");
        // Only YAML and JSON naming a manifest's or compose file's top-level key can be one (what
        // `detect` would conclude after a full parse).
        let finder = |needle: &[u8]| memchr::memmem::find(data, needle).is_some();
        if structured && !finder(b"apiVersion") && !finder(b"services") {
            return None;
        }
    }
    let kind = plimsoll_lint::detect(path, data)?;
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    if origin == Origin::Image
        && kind == FileKind::Compose
        && !(name.starts_with("docker-compose") || name.starts_with("compose"))
    {
        // Any YAML or JSON with a top-level `services` map reads as a compose file (AWS SDK data
        // files, service registries); inside an image only compose's own file names count.
        return None;
    }
    Some(kind)
}

/// Project files: names under which configuration files are found; the content decides.
fn project_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if path.split('/').any(|seg| seg == "node_modules" || seg == ".git") {
        return false;
    }
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".yaml")
        || lower.ends_with(".yml")
        || (lower.ends_with(".json")
            && !matches!(lower.as_str(), "package.json" | "package-lock.json" | "composer.json"))
}

/// Path segments under which everything belongs to third-party code or to a cache.
const THIRD_PARTY_DIRS: &[&str] = &[
    "node_modules",
    "bower_components",
    "jspm_packages",
    "site-packages",
    "dist-packages",
    "vendor",
    "third_party",
    "third-party",
    "gems",
    ".git",
    ".cache",
    ".npm",
    ".yarn",
    ".pnpm-store",
    ".m2",
    ".gradle",
    ".cargo",
    ".rustup",
];

/// Under `share/`: documentation, manual pages, licences and translations.
const DOC_DIRS: &[&str] = &["doc", "man", "info", "locale", "licenses", "common-licenses", "help", "gtk-doc"];

/// Name extensions of files that are about Dockerfiles rather than Dockerfiles: editor syntax
/// files (`dockerfile.vim`), code and documentation.
const NOT_A_DOCKERFILE: &[&str] = &[
    "vim", "el", "elc", "lua", "nanorc", "py", "pyc", "js", "ts", "rb", "go", "rs", "java", "md", "rst", "txt", "html",
    "xml", "sh", "json", "yaml", "yml", "toml",
];

/// Is `path` inside a tree whose configuration files are not the image's own?
fn third_party(path: &str) -> bool {
    let segs: Vec<&str> = path.split('/').collect();
    let Some((_, dirs)) = segs.split_last() else { return false };
    if dirs.iter().any(|s| THIRD_PARTY_DIRS.contains(s)) {
        return true;
    }
    dirs.windows(2).any(|w| match (w[0], w[1]) {
        // The Go module cache, and the shared documentation trees.
        ("pkg", "mod") => true,
        ("share", d) => DOC_DIRS.contains(&d),
        // A Python installation's standard library and packages (`lib/python3.12/...`), and Go
        // and Java toolchains (`usr/local/go`, `usr/lib/go-1.22`, `usr/lib/jvm`).
        ("lib", d) => {
            d.strip_prefix("python").is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
                || d.starts_with("go-")
                || d == "jvm"
        }
        ("local", "go") => true,
        _ => false,
    })
}

/// Image files: not in third-party trees, Dockerfile names but not files about Dockerfiles,
/// YAML and JSON but not package manifests.
fn image_name(path: &str) -> bool {
    if third_party(path) {
        return false;
    }
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let dockerfile = ["dockerfile", "containerfile"].iter().any(|d| {
        name == *d || name.strip_prefix(d).is_some_and(|rest| rest.starts_with('.')) || name.ends_with(&format!(".{d}"))
    });
    if dockerfile {
        let ext = name.rsplit_once('.').map(|(_, e)| e);
        return !ext.is_some_and(|e| NOT_A_DOCKERFILE.contains(&e));
    }
    (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json"))
        && !matches!(name.as_str(), "package.json" | "package-lock.json" | "composer.json" | "composer.lock")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate_in_project(path: &str) -> bool {
        candidate(path, Origin::Project)
    }

    #[test]
    fn third_party_trees() {
        for p in [
            "app/node_modules/x/Dockerfile",
            "usr/local/lib/python3.12/site-packages/kubernetes/docs/pod.yaml",
            "usr/lib/python3/dist-packages/x/compose.yml",
            "usr/lib/python3.11/test/data/x.yaml",
            "src/app/vendor/github.com/foo/bar/Dockerfile",
            "usr/local/bundle/gems/rack-3.0/example/deploy.yaml",
            "root/go/pkg/mod/github.com/x/y@v1/Dockerfile",
            "usr/local/go/src/cmd/x/testdata/pod.yaml",
            "usr/share/doc/containerd/examples/pod.yaml",
            "usr/local/share/man/Dockerfile",
            "root/.cache/pip/x.yaml",
            "usr/lib/jvm/java-17/conf/x.yaml",
        ] {
            assert!(third_party(p), "{p}");
            assert!(!candidate(p, Origin::Image), "{p}");
        }
        for p in [
            "Dockerfile",
            "app/Dockerfile",
            "srv/deploy/k8s/pod.yaml",
            "app/tests/fixtures/pod.yaml",
            "app/lib/python_utils/compose.yml",
            "usr/share/app/docker-compose.yml",
            "opt/app/vendored.yaml",
        ] {
            assert!(!third_party(p), "{p}");
            assert!(candidate(p, Origin::Image), "{p}");
        }
    }

    #[test]
    fn dockerfile_names() {
        for p in ["Dockerfile", "a/Dockerfile.prod", "b/api.Dockerfile", "Containerfile", "x/containerfile.dev"] {
            assert!(candidate(p, Origin::Image), "{p}");
        }
        for p in ["usr/share/vim/syntax/dockerfile.vim", "x/dockerfile.py", "x/Dockerfile.md", "x/dockerfiles", "x/y.c"]
        {
            assert!(!candidate(p, Origin::Image), "{p}");
        }
        assert!(!candidate("app/package.json", Origin::Image) && !candidate("app/composer.lock", Origin::Image));
    }

    #[test]
    fn config_candidates() {
        assert!(candidate_in_project("Dockerfile"));
        assert!(candidate_in_project("build/api.Dockerfile"));
        assert!(candidate_in_project("deploy/k8s/app.yaml"));
        assert!(!candidate_in_project("node_modules/x/config.yaml"));
        assert!(!candidate_in_project("package-lock.json"));
        assert!(!candidate_in_project("src/main.rs"));
    }

    #[test]
    fn content_decides_and_images_need_compose_names() {
        let compose = b"services:\n  web: {image: nginx}\n";
        assert_eq!(kind("srv/endpoints.yaml", compose, Origin::Project), Some(FileKind::Compose));
        assert_eq!(kind("srv/endpoints.yaml", compose, Origin::Image), None);
        assert_eq!(kind("srv/compose.yaml", compose, Origin::Image), Some(FileKind::Compose));
        let df = b"FROM alpine\n";
        assert_eq!(kind("Dockerfile.md", df, Origin::Named), Some(FileKind::Dockerfile));
        assert_eq!(kind("Dockerfile.md", df, Origin::Project), Some(FileKind::Dockerfile));
        assert_eq!(kind("usr/share/x/Dockerfile.md", df, Origin::Image), None, "about Dockerfiles");
        assert_eq!(kind("app/node_modules/x/Dockerfile", df, Origin::Project), None);
        assert_eq!(kind("etc/app/settings.yaml", b"replicas: 3\n", Origin::Image), None);
    }
}
