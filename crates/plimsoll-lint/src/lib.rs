//! Misconfiguration rules for Dockerfiles, Kubernetes manifests, compose files and image
//! configurations.
//!
//! Data flow: [`detect`] decides what a file is; a span-keeping parser turns it into a model
//! ([`dockerfile::DockerfileCtx`], [`k8s::K8sSet`], [`compose::ComposeFile`]); every [`Rule`] of
//! that kind in the [`rules()`] registry runs over the model and reports [`rule::Hit`]s; the engine
//! drops hits disabled by [`LintConfig`] or by an inline `# plimsoll:ignore=CODE` comment (on the
//! finding's line or the line before), and turns the rest into
//! [`plimsoll_model::misconfig::Misconfiguration`]s.
//!
//! Each rule is one file under `rules/<kind>/` with a stable code, its documentation (the doc
//! comment, rendered to `docs/rules/` by [`docs::render_rule`]), a bad and a good example, and
//! tests. Kubernetes rules see all files of a run at once ([`Linter`]) so NetworkPolicy coverage
//! can span files. The Pod Security Standards are in [`k8s::pss`], usable on their own.
//!
//! A rule reports every violation it finds, each at the offending key's line (or the object's
//! when the violation is an absence). Rules run in linear time (times a logarithm) in the file's
//! size; the `scaling` tests check it by counting work units. Hostile input meets limits
//! ([`limits`]): a file not checked at all is a [`LintError::Limit`], a part not checked a
//! [`LintDiagnostic`] from [`Linter::diagnostics`]; neither is ever silent.

pub mod compose;
pub mod docker;
pub mod dockerfile;
pub mod docs;
pub mod host;
pub mod image;
pub mod image_ref;
pub mod k8s;
pub mod limits;
pub mod rule;
mod rules;
#[cfg(test)]
mod scaling;
pub mod shell;
mod suppress;
mod work;
pub mod yaml;

use std::collections::BTreeSet;

use plimsoll_model::misconfig::Misconfiguration;

pub use docker::{ContainerInput, DaemonInput};
pub use image::{ImageConfigInput, SetuidFile};
pub use limits::{Limit, LintDiagnostic};
pub use rule::{Rule, RuleInfo, RuleKind};

/// SHA-256 of this crate's Rust sources at build time (see `build.rs`): changes whenever any
/// rule, parser or the engine changes, so caches of lint results can key on rule *code*.
pub const SOURCE_HASH: &str = env!("PLIMSOLL_LINT_SOURCE_HASH");

/// The kinds of file the linter understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Dockerfile,
    Kubernetes,
    Compose,
}

/// Settings for a lint run.
#[derive(Debug, Clone, Default)]
pub struct LintConfig {
    /// Rule codes not to run.
    pub disabled: BTreeSet<String>,
    /// Pod Security Standards policy version for the `PSS:` rules (default: the latest).
    pub pss_version: Option<k8s::pss::Version>,
}

impl LintConfig {
    pub fn disable(mut self, code: &str) -> Self {
        self.disabled.insert(code.to_string());
        self
    }

    fn enabled(&self, r: &Rule) -> bool {
        !self.disabled.contains(r.code)
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LintError {
    #[error("{path}: {source}")]
    Dockerfile {
        path: String,
        #[source]
        source: dockerfile::ParseError,
    },
    #[error("{path}: {source}")]
    Yaml {
        path: String,
        #[source]
        source: yaml::YamlError,
    },
    #[error("{path}: not a Dockerfile, Kubernetes manifest or compose file")]
    UnknownKind { path: String },
    /// The file was not checked because it exceeds a limit (size, depth, node count).
    #[error("{}: line {}: {}", .0.path, .0.line, .0.limit)]
    Limit(LintDiagnostic),
}

impl LintError {
    /// The line the error points at (1 when it concerns the whole file).
    pub fn line(&self) -> u32 {
        match self {
            LintError::Dockerfile { source, .. } => source.line(),
            LintError::Yaml { source, .. } => source.line,
            LintError::UnknownKind { .. } => 1,
            LintError::Limit(d) => d.line,
        }
    }

    /// The limit that stopped the file from being checked, when that is the cause: callers
    /// report it as a skipped file (not as a malformed one).
    pub fn limit(&self) -> Option<&LintDiagnostic> {
        match self {
            LintError::Limit(d) => Some(d),
            _ => None,
        }
    }

    fn dockerfile(path: &str, source: dockerfile::ParseError) -> LintError {
        match source {
            dockerfile::ParseError::TooLarge { size, max } => LintError::Limit(LintDiagnostic {
                path: path.to_string(),
                line: 1,
                limit: Limit::FileSize { size, max },
                whole_file: true,
            }),
            source => LintError::Dockerfile { path: path.to_string(), source },
        }
    }

    fn yaml(path: &str, source: yaml::YamlError) -> LintError {
        match source.limit {
            Some(limit) => {
                LintError::Limit(LintDiagnostic { path: path.to_string(), line: source.line, limit, whole_file: true })
            }
            None => LintError::Yaml { path: path.to_string(), source },
        }
    }
}

/// Every rule, in code order.
pub fn rules() -> &'static [&'static Rule] {
    rules::RULES
}

/// A rule by code (case-insensitive).
pub fn rule(code: &str) -> Option<&'static Rule> {
    rules::RULES.iter().copied().find(|r| r.code.eq_ignore_ascii_case(code))
}

/// The rendered Markdown documentation of a rule (what `plimsoll rule CODE` prints).
pub fn rule_doc(code: &str) -> Option<String> {
    rule(code).map(docs::render_rule)
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Decides what a file is from its name and, for YAML/JSON, its content.
pub fn detect(path: &str, content: &[u8]) -> Option<FileKind> {
    let name = file_name(path);
    let lower = name.to_ascii_lowercase();
    if lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
    {
        return Some(FileKind::Dockerfile);
    }
    let yamlish = [".yaml", ".yml", ".json"].iter().any(|e| lower.ends_with(e));
    if !yamlish {
        return None;
    }
    let compose_name = lower.starts_with("docker-compose") || lower.starts_with("compose");
    // Unparsable (malformed, too large, too deep, alias bomb): still claim files that look like
    // ours, so the caller gets the error (or the limit hit) instead of a silent skip.
    let looks_like = |text: &str| {
        let top = |k: &str| {
            let quoted = format!("\"{k}\"");
            text.lines().any(|l| l.starts_with(k) || l.contains(&quoted))
        };
        if compose_name && top("services") {
            return Some(FileKind::Compose);
        }
        (top("apiVersion") && top("kind")).then_some(FileKind::Kubernetes)
    };
    if content.len() > yaml::MAX_YAML_BYTES {
        // Not parsed at all: a prefix decides (a padded manifest still starts like one).
        return looks_like(&String::from_utf8_lossy(&content[..64 * 1024]));
    }
    let text = String::from_utf8_lossy(content);
    let Ok(docs) = yaml::parse_documents(&text) else {
        return looks_like(&text);
    };
    if compose::looks_like_compose(&docs) && (compose_name || !k8s::looks_like_k8s(&docs)) {
        return Some(FileKind::Compose);
    }
    k8s::looks_like_k8s(&docs).then_some(FileKind::Kubernetes)
}

/// Lints one file on its own (Kubernetes cross-file checks see only this file).
pub fn lint_file(path: &str, content: &[u8], cfg: &LintConfig) -> Result<Vec<Misconfiguration>, LintError> {
    let mut l = Linter::new(cfg.clone());
    l.add(path, content)?;
    Ok(l.finish())
}

/// Lints a set of Kubernetes files together, so NetworkPolicy coverage spans them.
pub fn lint_k8s_set(files: &[(String, Vec<u8>)], cfg: &LintConfig) -> Result<Vec<Misconfiguration>, LintError> {
    let mut l = Linter::new(cfg.clone());
    for (p, c) in files {
        l.add_as(p, c, FileKind::Kubernetes)?;
    }
    Ok(l.finish())
}

/// Runs the image-config rules (CIS Docker Benchmark chapter 4) on a scanned image's config.
/// `name` is the image reference, used as the findings' `file`.
pub fn lint_image_config(name: &str, input: &ImageConfigInput, cfg: &LintConfig) -> Vec<Misconfiguration> {
    let mut out = Vec::new();
    for r in rules().iter().filter(|r| cfg.enabled(r)) {
        if let rule::Check::ImageConfig(f) = r.check {
            let mut hits = Vec::new();
            f(input, &mut hits);
            out.extend(hits.into_iter().map(|h| finding(r, name, h)));
        }
    }
    out
}

/// Runs the host rules (CIS Docker and Kubernetes benchmarks, node files) on what
/// [`host::HostInput::collect`] read; findings name the host path of the file at fault.
pub fn lint_host(input: &host::HostInput, cfg: &LintConfig) -> Vec<Misconfiguration> {
    let mut out = Vec::new();
    for r in rules().iter().filter(|r| cfg.enabled(r)) {
        if let rule::Check::Host(f) = r.check {
            let mut hits = Vec::new();
            f(input, &mut hits);
            for h in hits {
                let path = h.file.and_then(|i| input.files.get(i)).cloned().unwrap_or_default();
                out.push(finding(r, &path, h));
            }
        }
    }
    out.sort_by(|a, b| (&a.file, a.line, &a.rule_id).cmp(&(&b.file, b.line, &b.rule_id)));
    out
}

/// Runs the live-container rules (CIS Docker Benchmark section 5) on one container's inspect
/// document. `file` names it in the findings (e.g. `docker://HOST/containers/NAME`).
pub fn lint_docker_container(file: &str, input: &ContainerInput, cfg: &LintConfig) -> Vec<Misconfiguration> {
    let mut out = Vec::new();
    for r in rules().iter().filter(|r| cfg.enabled(r)) {
        if let rule::Check::DockerContainer(f) = r.check {
            let mut hits = Vec::new();
            f(input, &mut hits);
            out.extend(hits.into_iter().map(|h| finding(r, file, h)));
        }
    }
    out
}

/// Runs the daemon rules (CIS Docker Benchmark section 2) on what the engine reports.
pub fn lint_docker_daemon(file: &str, input: &DaemonInput, cfg: &LintConfig) -> Vec<Misconfiguration> {
    let mut out = Vec::new();
    for r in rules().iter().filter(|r| cfg.enabled(r)) {
        if let rule::Check::DockerDaemon(f) = r.check {
            let mut hits = Vec::new();
            f(input, &mut hits);
            out.extend(hits.into_iter().map(|h| finding(r, file, h)));
        }
    }
    out
}

fn finding(r: &Rule, file: &str, h: rule::Hit) -> Misconfiguration {
    Misconfiguration {
        rule_id: r.code.to_string(),
        title: r.title.to_string(),
        severity: r.severity,
        file: file.to_string(),
        line: h.line,
        column: h.column,
        end_line: h.end_line.max(h.line),
        message: h.message,
        references: r.references.iter().map(|s| s.to_string()).collect(),
        doc_url: r.doc_path(),
        resource: h.resource,
        layer: None,
    }
}

/// Accumulates files of one run; Kubernetes files are checked together in [`Linter::finish`].
#[derive(Debug, Default)]
pub struct Linter {
    cfg: LintConfig,
    k8s: k8s::K8sSet,
    /// Suppression comments of each Kubernetes file, by file index.
    k8s_suppress: Vec<suppress::Suppressions>,
    findings: Vec<Misconfiguration>,
    /// Parts of Dockerfiles and compose files not checked (Kubernetes ones are in `k8s`).
    skipped: Vec<LintDiagnostic>,
}

impl Linter {
    pub fn new(cfg: LintConfig) -> Linter {
        let k8s =
            k8s::K8sSet { pss_version: cfg.pss_version.unwrap_or(k8s::pss::Version::LATEST), ..Default::default() };
        Linter { cfg, k8s, ..Linter::default() }
    }

    /// Detects the kind and lints (or, for Kubernetes, queues) the file.
    pub fn add(&mut self, path: &str, content: &[u8]) -> Result<FileKind, LintError> {
        let kind = detect(path, content).ok_or_else(|| LintError::UnknownKind { path: path.to_string() })?;
        self.add_as(path, content, kind)?;
        Ok(kind)
    }

    /// Lints a file as the given kind, whatever its name.
    pub fn add_as(&mut self, path: &str, content: &[u8], kind: FileKind) -> Result<(), LintError> {
        let text = String::from_utf8_lossy(content);
        let sup = suppress::Suppressions::scan(&text);
        let enabled: Vec<&'static Rule> = rules().iter().copied().filter(|r| self.cfg.enabled(r)).collect();
        match kind {
            FileKind::Dockerfile => {
                let df = dockerfile::parse(&text).map_err(|source| LintError::dockerfile(path, source))?;
                let ctx = dockerfile::DockerfileCtx::with_source(df, &text);
                for (_, inst, _) in ctx.runs().filter(|(_, _, s)| s.truncated) {
                    self.skipped.push(LintDiagnostic {
                        path: path.to_string(),
                        line: inst.line,
                        limit: Limit::ShellNesting { max: shell::MAX_NESTING },
                        whole_file: false,
                    });
                }
                for r in &enabled {
                    if let rule::Check::Dockerfile(f) = r.check {
                        let mut hits = Vec::new();
                        f(&ctx, &mut hits);
                        self.push(r, path, &sup, hits);
                    }
                }
            }
            FileKind::Compose => {
                let c = compose::ComposeFile::parse(&text).map_err(|source| LintError::yaml(path, source))?;
                for r in &enabled {
                    if let rule::Check::Compose(f) = r.check {
                        let mut hits = Vec::new();
                        f(&c, &mut hits);
                        self.push(r, path, &sup, hits);
                    }
                }
            }
            FileKind::Kubernetes => {
                self.k8s.add_file(path, &text).map_err(|source| LintError::yaml(path, source))?;
                self.k8s_suppress.push(sup);
            }
        }
        Ok(())
    }

    fn push(&mut self, r: &Rule, path: &str, sup: &suppress::Suppressions, hits: Vec<rule::Hit>) {
        for h in hits {
            if !sup.suppressed(r.code, h.line) {
                self.findings.push(finding(r, path, h));
            }
        }
    }

    /// Parts of added files that were not checked because a limit was hit (whole files that
    /// were not checked are returned as [`LintError::Limit`] by [`Linter::add`] instead).
    pub fn diagnostics(&self) -> Vec<LintDiagnostic> {
        let k8s = self.k8s.skipped.iter().map(|(file, line, limit)| LintDiagnostic {
            path: self.k8s.files.get(*file).cloned().unwrap_or_default(),
            line: *line,
            limit: limit.clone(),
            whole_file: false,
        });
        self.skipped.iter().cloned().chain(k8s).collect()
    }

    /// [`Linter::finish`] plus [`Linter::diagnostics`].
    pub fn finish_with_diagnostics(self) -> (Vec<Misconfiguration>, Vec<LintDiagnostic>) {
        let d = self.diagnostics();
        (self.finish(), d)
    }

    /// Runs the Kubernetes rules over everything added and returns all findings, sorted by
    /// file, line and rule.
    pub fn finish(mut self) -> Vec<Misconfiguration> {
        if !self.k8s.objects.is_empty() {
            for r in rules().iter().filter(|r| self.cfg.enabled(r)) {
                if let rule::Check::Kubernetes(f) = r.check {
                    let mut hits = Vec::new();
                    f(&self.k8s, &mut hits);
                    for h in hits {
                        let idx = h.file.unwrap_or(0);
                        let path = self.k8s.files.get(idx).cloned().unwrap_or_default();
                        let suppressed = self.k8s_suppress.get(idx).is_some_and(|s| s.suppressed(r.code, h.line));
                        if !suppressed {
                            self.findings.push(finding(r, &path, h));
                        }
                    }
                }
            }
        }
        self.findings.sort_by(|a, b| (&a.file, a.line, &a.rule_id).cmp(&(&b.file, b.line, &b.rule_id)));
        self.findings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection() {
        assert_eq!(detect("a/Dockerfile", b""), Some(FileKind::Dockerfile));
        assert_eq!(detect("Dockerfile.prod", b""), Some(FileKind::Dockerfile));
        assert_eq!(detect("x/app.dockerfile", b""), Some(FileKind::Dockerfile));
        assert_eq!(detect("Containerfile", b""), Some(FileKind::Dockerfile));
        assert_eq!(detect("pod.yaml", b"apiVersion: v1\nkind: Pod\n"), Some(FileKind::Kubernetes));
        assert_eq!(detect("pod.json", b"{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}"), Some(FileKind::Kubernetes));
        assert_eq!(detect("docker-compose.yml", b"services:\n  web: {image: x}\n"), Some(FileKind::Compose));
        assert_eq!(detect("values.yaml", b"replicas: 3\n"), None);
        assert_eq!(detect("broken.yaml", b"apiVersion: v1\nkind: Pod\nspec: [\n"), Some(FileKind::Kubernetes));
        assert_eq!(detect("notes.yaml", b"a: [\n"), None);
        assert_eq!(detect("README.md", b"# hi"), None);
    }

    #[test]
    fn suppression_and_config() {
        let src = b"FROM debian:latest\n";
        let all = lint_file("Dockerfile", src, &LintConfig::default()).unwrap();
        assert!(all.iter().any(|f| f.rule_id == "PL-DF-003"));
        let off = lint_file("Dockerfile", src, &LintConfig::default().disable("PL-DF-003")).unwrap();
        assert!(!off.iter().any(|f| f.rule_id == "PL-DF-003"));
        let inline =
            lint_file("Dockerfile", b"# plimsoll:ignore=PL-DF-003\nFROM debian:latest\n", &LintConfig::default())
                .unwrap();
        assert!(!inline.iter().any(|f| f.rule_id == "PL-DF-003"));
        let k = b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: true # plimsoll:ignore=PL-K8S-002\n  containers: [{name: a, image: a:1}]\n";
        let f = lint_file("p.yaml", k, &LintConfig::default()).unwrap();
        assert!(!f.iter().any(|f| f.rule_id == "PL-K8S-002"));
        assert!(f.iter().all(|f| f.file == "p.yaml" && f.line > 0));
    }

    #[test]
    fn pss_version_is_configurable() {
        let pod = b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {sysctls: [{name: net.ipv4.tcp_keepalive_time, value: '1'}]}\n  containers: [{name: a}]\n";
        let count = |v: u32| {
            let cfg = LintConfig { pss_version: Some(k8s::pss::Version(v)), ..LintConfig::default() };
            lint_file("p.yaml", pod, &cfg).unwrap().iter().filter(|f| f.rule_id == "PL-K8S-012").count()
        };
        assert_eq!((count(28), count(29)), (1, 0));
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = lint_file("Dockerfile", b"FROM x\nBOGUS y\n", &LintConfig::default()).unwrap_err();
        assert_eq!(e.line(), 2);
        assert!(e.to_string().starts_with("Dockerfile: line 2"), "{e}");
        let e = lint_file("bad.yaml", b"apiVersion: v1\nkind: Pod\n", &LintConfig::default());
        assert!(e.is_ok());
        let e = Linter::new(LintConfig::default()).add_as("bad.yaml", b"a: [\n", FileKind::Kubernetes).unwrap_err();
        assert!(e.to_string().starts_with("bad.yaml: line"), "{e}");
    }

    #[test]
    fn image_config_entry_point() {
        let input = ImageConfigInput { user: None, ..Default::default() };
        let f = lint_image_config("alpine:3.19", &input, &LintConfig::default());
        assert!(f.iter().any(|f| f.rule_id == "PL-IMG-001" && f.file == "alpine:3.19"));
    }
}
