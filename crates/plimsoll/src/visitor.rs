//! The one visitor every layer walk uses: it reads each wanted file once and hands the bytes to
//! every consumer that wants them: the inventory analyzers, the secret scanner and the
//! configuration linter ([`ConfigLint`]).

use plimsoll_image::{Entry, EntryKind, LayerVisitor, Want};
use plimsoll_inventory::{Analyzer, ANALYZERS};
use plimsoll_lint::{LintConfig, Linter};
use plimsoll_model::secret::{RevealedSecret, SecretFinding, SecretSource};
use plimsoll_model::{Diagnostic, DiagnosticLevel};

use crate::config_files::{self, Origin};
use crate::layer_lint;
use crate::scan::{LayerScan, ScanOptions};

/// Largest configuration file (Dockerfile, manifest, compose file) handed to the linter.
const MAX_CONFIG_FILE: u64 = 16 * 1024 * 1024;

/// How the walk lints configuration files (Dockerfiles, Kubernetes manifests, compose files).
pub(crate) enum ConfigLint {
    Off,
    /// A directory scan: every file goes into one [`Linter`], so Kubernetes rules see the whole
    /// tree at once (NetworkPolicy coverage spans files).
    Dir(Linter),
    /// An image layer: each file is linted on its own and its findings kept in the
    /// [`LayerScan`], cached with the layer; see [`layer_lint`].
    Layer(LintConfig),
}

pub(crate) struct FileVisitor<'a> {
    opts: &'a ScanOptions,
    wanting: Vec<&'static dyn Analyzer>,
    secrets_wanted: bool,
    lint_wanted: bool,
    lint: ConfigLint,
    /// Paths already reported as skipped by `--skip-dirs` / `--skip-files` (a directory once).
    skipped: std::collections::HashSet<String>,
    pub(crate) scan: LayerScan,
}

/// Skipped paths listed per layer or directory; beyond this, one line counts the rest.
const MAX_SKIPPED_LISTED: usize = 200;

impl<'a> FileVisitor<'a> {
    pub(crate) fn new(opts: &'a ScanOptions, lint: ConfigLint) -> Self {
        FileVisitor {
            opts,
            wanting: Vec::new(),
            secrets_wanted: false,
            lint_wanted: false,
            lint,
            skipped: Default::default(),
            scan: LayerScan::default(),
        }
    }

    /// The directory scan's linter, once the walk is over.
    pub(crate) fn take_linter(&mut self) -> Option<Linter> {
        match std::mem::replace(&mut self.lint, ConfigLint::Off) {
            ConfigLint::Dir(l) => Some(l),
            _ => None,
        }
    }

    /// A diagnostic per skipped directory or file (the user asked for it, so a warning, not an
    /// error: the gate does not fail on it), at most [`MAX_SKIPPED_LISTED`] of them.
    fn note_skipped(&mut self, skip: crate::skip::Skipped) {
        if self.skipped.contains(&skip.matched) {
            return;
        }
        self.skipped.insert(skip.matched.clone());
        let n = self.skipped.len();
        if n > MAX_SKIPPED_LISTED + 1 {
            return;
        }
        let message = if n == MAX_SKIPPED_LISTED + 1 {
            format!("more paths skipped by --skip-dirs / --skip-files; only the first {MAX_SKIPPED_LISTED} are listed")
        } else if skip.dir {
            format!("directory skipped by --skip-dirs `{}`", skip.pattern)
        } else {
            format!("file skipped by --skip-files `{}`", skip.pattern)
        };
        self.warn(&skip.matched, message);
    }

    pub(crate) fn warn(&mut self, path: &str, message: String) {
        self.scan.diagnostics.push(Diagnostic {
            level: DiagnosticLevel::Warning,
            message,
            layer: None,
            path: Some(path.to_owned()),
        });
    }
}

/// Kubernetes `Secret` objects keep their values base64-encoded under `data`, where no rule can
/// see them: decode each value and scan it, reporting the line of the value in the manifest.
fn kubernetes_secret_data(path: &str, data: &[u8], opts: &crate::scan::SecretOptions) -> Vec<SecretFinding> {
    use base64::Engine as _;
    let lower = path.to_ascii_lowercase();
    let manifest = lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json");
    if !manifest || memchr::memmem::find(data, b"Secret").is_none() {
        return Vec::new();
    }
    let Ok(text) = std::str::from_utf8(data) else { return Vec::new() };
    let Ok(docs) = plimsoll_lint::yaml::parse_documents(text) else { return Vec::new() };
    let mut objects: Vec<&plimsoll_lint::yaml::Node> = Vec::new();
    for doc in &docs {
        if doc.get("kind").and_then(|k| k.as_str()) == Some("List") {
            objects.extend(doc.get("items").map(|i| i.items()).unwrap_or_default());
        } else {
            objects.push(doc);
        }
    }
    let mut out = Vec::new();
    for obj in objects.into_iter().filter(|o| o.get("kind").and_then(|k| k.as_str()) == Some("Secret")) {
        let Some(entries) = obj.get("data") else { continue };
        for (key, value) in entries.entries() {
            let Some(encoded) = value.as_str() else { continue };
            let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else { continue };
            let pseudo = format!("{path}#data.{key}");
            for m in opts.scanner.scan(&pseudo, &decoded) {
                let mut f = m.to_finding(path, SecretSource::KubernetesSecretData);
                f.line = value.line;
                f.column = value.col;
                if opts.reveal {
                    f.secret = m.secret(&decoded).map(|b| RevealedSecret(String::from_utf8_lossy(b).into_owned()));
                }
                out.push(f);
            }
        }
    }
    out
}

/// The secrets in one file's content (Kubernetes `Secret` data decoded too).
pub(crate) fn secrets_in(path: &str, data: &[u8], s: &crate::scan::SecretOptions) -> Vec<SecretFinding> {
    let mut out = Vec::new();
    for m in s.scanner.scan(path, data) {
        let mut f = m.to_finding(path, SecretSource::File);
        if s.reveal {
            f.secret = m.secret(data).map(|b| RevealedSecret(String::from_utf8_lossy(b).into_owned()));
        }
        out.push(f);
    }
    out.extend(kubernetes_secret_data(path, data, s));
    out
}

impl LayerVisitor for FileVisitor<'_> {
    fn want(&mut self, entry: &Entry) -> Want {
        self.wanting.clear();
        self.secrets_wanted = false;
        self.lint_wanted = false;
        if entry.kind != EntryKind::File {
            return Want::Skip;
        }
        // Past --timeout nothing more is read; the caller turns the walk into a timeout error.
        if self.opts.deadline.as_ref().is_some_and(|d| d.passed()) {
            return Want::Skip;
        }
        if let Some(skip) = self.opts.skip.as_ref().and_then(|s| s.matches(&entry.path)) {
            self.note_skipped(skip);
            return Want::Skip;
        }
        let mut max_bytes = 0;
        let analyzers: &[&'static dyn Analyzer] = if self.opts.inventory { ANALYZERS } else { &[] };
        for a in analyzers {
            if a.wants(&entry.path) {
                self.wanting.push(*a);
                max_bytes = max_bytes.max(a.max_size());
            }
        }
        let candidate = match &self.lint {
            ConfigLint::Off => false,
            ConfigLint::Dir(_) => config_files::candidate(&entry.path, Origin::Project),
            ConfigLint::Layer(_) => config_files::candidate(&entry.path, Origin::Image),
        };
        if let Some(s) = &self.opts.secrets {
            // A configuration scan (no inventory: `plimsoll config --scanners secret`) looks
            // for secrets in the configuration files it checks, not in every file.
            let in_scope = self.opts.inventory || candidate;
            if in_scope && s.scanner.wants_path(&entry.path) && entry.size <= s.scanner.max_file_size() {
                self.secrets_wanted = true;
                max_bytes = max_bytes.max(s.scanner.max_file_size());
            }
        }
        if candidate && entry.size <= MAX_CONFIG_FILE {
            self.lint_wanted = true;
            max_bytes = max_bytes.max(MAX_CONFIG_FILE);
        }
        if max_bytes == 0 {
            Want::Skip
        } else {
            Want::Read { max_bytes }
        }
    }

    fn content(&mut self, entry: &Entry, data: &[u8]) {
        for a in std::mem::take(&mut self.wanting) {
            if data.len() as u64 > a.max_size() {
                self.warn(&entry.path, format!("skipped by {}: larger than its {} byte limit", a.name(), a.max_size()));
                if a.package_database() {
                    if let Some(d) = self.scan.diagnostics.last_mut() {
                        d.level = DiagnosticLevel::Error;
                    }
                }
                continue;
            }
            match a.analyze(&entry.path, data) {
                Ok(mut facts) => {
                    for w in std::mem::take(&mut facts.warnings) {
                        self.warn(&entry.path, format!("{}: {w}", a.name()));
                    }
                    if facts != Default::default() {
                        self.scan.facts.files.push((entry.path.clone(), facts));
                    }
                }
                // A file over a package limit is refused whole: an error, so the list of
                // packages is never silently short (issue 17).
                Err(e @ plimsoll_inventory::AnalyzeError::TooMany { .. }) => {
                    self.warn(&entry.path, format!("{}: {e}", a.name()));
                    if let Some(d) = self.scan.diagnostics.last_mut() {
                        d.level = DiagnosticLevel::Error;
                    }
                }
                Err(e) => self.warn(&entry.path, format!("{}: {e}", a.name())),
            }
        }
        if self.secrets_wanted {
            if let Some(s) = &self.opts.secrets {
                self.scan.secrets.extend(secrets_in(&entry.path, data, s));
            }
        }
        if self.lint_wanted {
            match &mut self.lint {
                ConfigLint::Off => {}
                ConfigLint::Dir(linter) => {
                    if let Some(kind) = config_files::kind(&entry.path, data, Origin::Project) {
                        match linter.add_as(&entry.path, data, kind) {
                            Ok(()) => {}
                            Err(e) => match e.limit() {
                                Some(d) => self.scan.diagnostics.push(layer_lint::limit_diagnostic(d, None)),
                                None => self.warn(&entry.path, format!("configuration not checked: {e}")),
                            },
                        }
                    }
                }
                ConfigLint::Layer(cfg) => {
                    // Parse errors travel with the file: whether they are worth a warning depends
                    // on whether the file survives to the final filesystem.
                    self.scan.config_files.extend(layer_lint::lint(&entry.path, data, cfg));
                }
            }
        }
    }

    fn too_large(&mut self, entry: &Entry, limit: u64) {
        self.warn(&entry.path, format!("not analysed: {} bytes exceeds the {limit} byte limit", entry.size));
        // A package database nobody read leaves the package list silently short (issue 17).
        if self.wanting.iter().any(|a| a.package_database()) {
            if let Some(d) = self.scan.diagnostics.last_mut() {
                d.level = DiagnosticLevel::Error;
            }
        }
    }

    fn superseded(&mut self, path: &str) {
        // A later entry of this layer replaced the file, so what it said no longer holds (a second
        // `etc/os-release`, a second dpkg status). Its secrets stay: they shipped in the layer.
        self.scan.facts.files.retain(|(p, _)| p != path);
        self.scan.config_files.retain(|c| c.path != path);
    }
}

#[cfg(test)]
mod tests {
    use plimsoll_model::secret::SecretSource;

    #[test]
    fn kubernetes_secret_data_is_decoded_and_scanned() {
        use base64::Engine as _;
        let token = "ghp_R7xK2mQ9vT4wZ8bN1cL5yH3jF6dS0aP2eU4i";
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("GITHUB_TOKEN={token}\n"));
        let manifest = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n  token: {encoded}\n  junk: not-base64!\n"
        );
        let opts = crate::scan::SecretOptions::builtin();
        let found = super::kubernetes_secret_data("deploy/secret.yaml", manifest.as_bytes(), &opts);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].path.as_str(), found[0].line), ("deploy/secret.yaml", 10));
        assert_eq!(found[0].source, SecretSource::KubernetesSecretData);
        assert!(!found[0].masked.contains("R7xK2mQ9"));
        assert!(super::kubernetes_secret_data("deploy/notes.txt", manifest.as_bytes(), &opts).is_empty());
    }
}
