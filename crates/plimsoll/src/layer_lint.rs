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
//! - Third-party trees are not walked for configuration files at all (`config_files`): installed
//!   language packages (`node_modules`, `site-packages`, `vendor`, gems, the Go module cache...),
//!   language toolchains and standard libraries, package caches and documentation. A Dockerfile or
//!   manifest there is an example or a test fixture of someone else's code, not how this image is
//!   built or deployed, and the user cannot fix it.
//! - Files an OS package installed are dropped at assembly (the test secret scanning uses for
//!   `--include-os-files`): the distribution's examples, not the image's configuration.
//! - A YAML or JSON file is a compose file only under compose's own names (`compose*.yaml`,
//!   `docker-compose*.yml`): data files with a top-level `services` map are common in images.
//! - Kubernetes rules that judge a *set* of files (NetworkPolicy coverage; `set_wide` on the rule)
//!   do not run: manifests inside an image are not the set that is deployed, and each file alone would
//!   report every namespace as uncovered. The other Kubernetes rules judge one object at a time.

use plimsoll_lint::{LintConfig, Linter};

use crate::config_files::{self, Origin};
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
    /// Limits hit: the whole file, or the part at a line, went unchecked (reported as errors:
    /// a skipped file must not read as a clean one, issue 17).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_checked: Vec<String>,
}

/// A lint limit hit as the report's diagnostic: an error, since what the user asked to be
/// checked was not (see `CoverageGate::allow_skipped_files`).
pub(crate) fn limit_message(d: &plimsoll_lint::LintDiagnostic) -> String {
    if d.whole_file {
        format!("configuration not checked: {}", d.limit)
    } else {
        format!("configuration partly not checked (line {}): {}", d.line, d.limit)
    }
}

/// [`limit_message`] as an error-level diagnostic.
pub(crate) fn limit_diagnostic(d: &plimsoll_lint::LintDiagnostic, layer: Option<usize>) -> Diagnostic {
    Diagnostic { level: DiagnosticLevel::Error, message: limit_message(d), layer, path: Some(d.path.clone()) }
}

/// Lints one configuration file of a layer on its own, with every rule but the set-wide ones.
/// `None` when the file is not a configuration file or nothing was found.
pub(crate) fn lint(path: &str, data: &[u8], cfg: &LintConfig) -> Option<ConfigFileScan> {
    let kind = config_files::kind(path, data, Origin::Image)?;
    let mut linter = Linter::new(layer_config(cfg));
    let scan = match linter.add_as(path, data, kind) {
        Ok(()) => {
            let (findings, skipped) = linter.finish_with_diagnostics();
            let not_checked = skipped.iter().map(limit_message).collect();
            ConfigFileScan { path: path.to_owned(), findings, error: None, not_checked }
        }
        Err(e) => match e.limit() {
            Some(d) => ConfigFileScan {
                path: path.to_owned(),
                findings: Vec::new(),
                error: None,
                not_checked: vec![limit_message(d)],
            },
            None => ConfigFileScan {
                path: path.to_owned(),
                findings: Vec::new(),
                error: Some(e.to_string()),
                not_checked: Vec::new(),
            },
        },
    };
    (!scan.findings.is_empty() || scan.error.is_some() || !scan.not_checked.is_empty()).then_some(scan)
}

/// The settings the layer walk lints with: the run's, except that every rule runs (disabled ones
/// are filtered at assembly) and the set-wide Kubernetes rules never do.
fn layer_config(cfg: &LintConfig) -> LintConfig {
    let set_wide = plimsoll_lint::rules().iter().filter(|r| r.set_wide).map(|r| r.code.to_owned());
    LintConfig { disabled: set_wide.collect(), ..cfg.clone() }
}

/// Identifies what [`lint`] produces for this configuration, for the layer cache key: the lint
/// crate's source hash (rule code, not just rule metadata) and the layer settings.
pub(crate) fn fingerprint(cfg: &LintConfig) -> String {
    let mut h = Sha256::new();
    h.update(plimsoll_lint::SOURCE_HASH.as_bytes());
    h.update(include_str!("layer_lint.rs").as_bytes());
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
        for message in file.not_checked {
            diagnostics.push(Diagnostic {
                level: DiagnosticLevel::Error,
                message,
                layer: Some(layer),
                path: Some(file.path.clone()),
            });
        }
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
        let set_wide: Vec<_> = plimsoll_lint::rules().iter().filter(|r| r.set_wide).map(|r| r.code).collect();
        assert_eq!(set_wide, ["PL-K8S-032", "PL-K8S-033"]);
        for r in plimsoll_lint::rules() {
            // Every NetworkPolicy coverage rule needs the whole set, and only those do.
            assert_eq!(r.set_wide, r.title.contains("NetworkPolicy"), "{}", r.code);
            assert!(!r.set_wide || r.kind() == plimsoll_lint::RuleKind::Kubernetes, "{}", r.code);
        }
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
