//! Misconfiguration rules over the configuration files inside an image's layers (Dockerfiles,
//! Kubernetes manifests, compose files), as `trivy image --scanners misconfig` does.
//!
//! Each layer's walk lints every configuration file of that layer on its own ([`lint`]) and keeps
//! the findings in the layer's [`crate::LayerScan`], which is cached by `diff_id`. What a file
//! holds depends only on the layer, but which findings the report shows depends on the whole
//! image and on the run's settings, so that is decided at assembly ([`collect`]): only files
//! visible in the final filesystem, not installed by an OS package, and only rules the run did not
//! disable. Running every rule in the walk and filtering disabled ones afterwards lets one cached
//! entry serve any `--skip-rule` list.
//!
//! Noise control, decided here once:
//! - Third-party trees are not walked for configuration files at all ([`third_party`]): installed
//!   language packages (`node_modules`, `site-packages`, `vendor`, gems, the Go module cache...),
//!   language toolchains and standard libraries, package caches and documentation. A Dockerfile or
//!   manifest there is an example or a test fixture of someone else's code, not how this image is
//!   built or deployed, and the user cannot fix it.
//! - Files an OS package installed are dropped at assembly (the test secret scanning uses for
//!   `--include-os-files`): the distribution's examples, not the image's configuration.
//! - A YAML or JSON file is a compose file only under compose's own names (`compose*.yaml`,
//!   `docker-compose*.yml`): data files with a top-level `services` map are common in images.
//! - Kubernetes rules that judge a *set* of files (NetworkPolicy coverage, [`SET_WIDE_RULES`]) do
//!   not run: manifests inside an image are not the set that is deployed, and each file alone would
//!   report every namespace as uncovered. The other Kubernetes rules judge one object at a time.

use plimsoll_lint::{FileKind, LintConfig, Linter};
use plimsoll_model::misconfig::Misconfiguration;
use plimsoll_model::{Diagnostic, DiagnosticLevel, Digest, LayerRef};
use sha2::{Digest as _, Sha256};

/// What the file rules found in one configuration file of a layer. Only files with findings or
/// an error are kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConfigFileScan {
    /// Relative to the layer root, as the layer index names it.
    pub path: String,
    /// Findings of every rule (the run's disabled rules are removed at assembly), `layer` unset.
    pub findings: Vec<Misconfiguration>,
    /// Why the file could not be checked (a parse error, with its line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Kubernetes rules that need every manifest of a deployment at once (`PL-K8S-032` workload not
/// covered by a NetworkPolicy, `PL-K8S-033` namespace without a default-deny policy). Codes are
/// stable, so naming them is safe; a test checks they still are the NetworkPolicy rules.
pub(crate) const SET_WIDE_RULES: &[&str] = &["PL-K8S-032", "PL-K8S-033"];

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
pub(crate) fn third_party(path: &str) -> bool {
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

/// Should the walk read this file of an image layer for the linter?
pub(crate) fn candidate(path: &str) -> bool {
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

/// Lints one configuration file of a layer on its own, with every rule but [`SET_WIDE_RULES`].
/// `None` when the file is not a configuration file or nothing was found.
pub(crate) fn lint(path: &str, data: &[u8], cfg: &LintConfig) -> Option<ConfigFileScan> {
    let lower = path.to_ascii_lowercase();
    let structured = lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json");
    // Images hold many YAML and JSON files; only those naming a manifest's or compose file's
    // top-level key can be one (what `detect` would conclude after a full parse).
    let finder = |needle: &[u8]| memchr::memmem::find(data, needle).is_some();
    if structured && !finder(b"apiVersion") && !finder(b"services") {
        return None;
    }
    let kind: FileKind = plimsoll_lint::detect(path, data)?;
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    if kind == FileKind::Compose && !(name.starts_with("docker-compose") || name.starts_with("compose")) {
        // Any YAML or JSON with a top-level `services` map reads as a compose file (AWS SDK data
        // files, service registries); inside an image only compose's own file names count.
        return None;
    }
    let mut linter = Linter::new(layer_config(cfg));
    let scan = match linter.add_as(path, data, kind) {
        Ok(()) => ConfigFileScan { path: path.to_owned(), findings: linter.finish(), error: None },
        Err(e) => ConfigFileScan { path: path.to_owned(), findings: Vec::new(), error: Some(e.to_string()) },
    };
    (!scan.findings.is_empty() || scan.error.is_some()).then_some(scan)
}

/// The settings the layer walk lints with: the run's, except that every rule runs (disabled ones
/// are filtered at assembly) and the set-wide Kubernetes rules never do.
fn layer_config(cfg: &LintConfig) -> LintConfig {
    LintConfig { disabled: SET_WIDE_RULES.iter().map(|c| c.to_string()).collect(), ..cfg.clone() }
}

/// Identifies what [`lint`] produces for this configuration, for the layer cache key: the rule
/// set (codes, metadata and examples, a proxy for the rules' behaviour) and the layer settings.
pub(crate) fn fingerprint(cfg: &LintConfig) -> String {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(plimsoll_lint::BEHAVIOUR_VERSION.to_le_bytes());
    for r in plimsoll_lint::rules() {
        for part in [r.code, r.title, r.bad, r.good] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.update(format!("{:?}{:?}", r.severity, r.references).as_bytes());
    }
    h.update(format!("{:?}", layer_config(cfg)).as_bytes());
    Digest::sha256_from_bytes(&h.finalize()).to_string()
}

/// Moves one layer's findings into the report: only files for which `keep` holds (visible in
/// the final filesystem and not installed by an OS package), without the run's disabled rules,
/// each tagged with `layer_ref`. Parse errors of kept files become warnings.
pub(crate) fn collect(
    files: Vec<ConfigFileScan>,
    layer: usize,
    layer_ref: Option<&LayerRef>,
    cfg: &LintConfig,
    keep: impl Fn(&str) -> bool,
    findings: &mut Vec<Misconfiguration>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for file in files.into_iter().filter(|f| keep(&f.path)) {
        if let Some(e) = file.error {
            diagnostics.push(Diagnostic {
                level: DiagnosticLevel::Warning,
                message: format!("configuration not checked: {e}"),
                layer: Some(layer),
                path: Some(file.path),
            });
        }
        findings.extend(file.findings.into_iter().filter(|m| !cfg.disabled.contains(&m.rule_id)).map(|mut m| {
            m.layer = layer_ref.cloned();
            m
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_wide_rules_are_the_network_policy_rules() {
        for code in SET_WIDE_RULES {
            let r = plimsoll_lint::rule(code).unwrap_or_else(|| panic!("{code} is not a rule"));
            assert_eq!(r.kind(), plimsoll_lint::RuleKind::Kubernetes, "{code}");
            assert!(r.title.contains("NetworkPolicy"), "{code}: {}", r.title);
        }
        // And no other rule is about NetworkPolicy coverage.
        let others: Vec<_> = plimsoll_lint::rules()
            .iter()
            .filter(|r| r.title.contains("NetworkPolicy") && !SET_WIDE_RULES.contains(&r.code))
            .map(|r| r.code)
            .collect();
        assert!(others.is_empty(), "{others:?}");
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
            assert!(!candidate(p), "{p}");
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
            assert!(candidate(p), "{p}");
        }
    }

    #[test]
    fn dockerfile_names() {
        for p in ["Dockerfile", "a/Dockerfile.prod", "b/api.Dockerfile", "Containerfile", "x/containerfile.dev"] {
            assert!(candidate(p), "{p}");
        }
        for p in ["usr/share/vim/syntax/dockerfile.vim", "x/dockerfile.py", "x/Dockerfile.md", "x/dockerfiles", "x/y.c"]
        {
            assert!(!candidate(p), "{p}");
        }
        assert!(!candidate("app/package.json") && !candidate("app/composer.lock"));
    }

    #[test]
    fn lint_keeps_findings_and_errors() {
        let cfg = LintConfig::default();
        let df = lint("app/Dockerfile", b"FROM debian:latest\nUSER root\n", &cfg).unwrap();
        assert!(df.findings.iter().any(|m| m.rule_id == "PL-DF-003" && m.line == 1), "{df:?}");
        assert!(df.findings.iter().all(|m| m.file == "app/Dockerfile" && m.layer.is_none()));
        let broken = lint("app/Dockerfile", b"FROM x\nBOGUS y\n", &cfg).unwrap();
        assert!(broken.error.as_deref().is_some_and(|e| e.contains("line 2")), "{broken:?}");
        // Not a manifest: no parse at all, nothing kept.
        assert!(lint("etc/app/settings.yaml", b"replicas: 3\n", &cfg).is_none());
        assert!(lint("etc/app/data.json", b"{\"kind\": \"x\"}", &cfg).is_none());
        let compose = b"services:\n  web: {image: nginx, privileged: true}\n";
        assert!(lint("srv/docker-compose.prod.yml", compose, &cfg).is_some());
        assert!(lint("srv/compose.yaml", compose, &cfg).is_some());
        assert!(lint("etc/registry/endpoints.yaml", compose, &cfg).is_none(), "not a compose file name");
        // A namespace alone would trip the default-deny rule in a directory scan; not here.
        let ns = b"apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n";
        assert!(plimsoll_lint::lint_file("ns.yaml", ns, &cfg).unwrap().iter().any(|m| m.rule_id == "PL-K8S-033"));
        assert!(lint("ns.yaml", ns, &cfg).is_none());
    }

    #[test]
    fn fingerprint_follows_the_layer_settings_only() {
        let base = LintConfig::default();
        let skip = LintConfig::default().disable("PL-DF-003");
        assert_eq!(fingerprint(&base), fingerprint(&skip), "disabled rules are filtered after the cache");
        let pss = LintConfig { pss_version: Some(plimsoll_lint::k8s::pss::Version(28)), ..LintConfig::default() };
        assert_ne!(fingerprint(&base), fingerprint(&pss));
    }
}
