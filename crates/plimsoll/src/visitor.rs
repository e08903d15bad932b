//! The one visitor every layer walk uses: it reads each wanted file once and hands the bytes to
//! every consumer that wants them: the inventory analyzers, the secret scanner and (for
//! directory scans) the configuration linter.

use plimsoll_image::{Entry, EntryKind, LayerVisitor, Want};
use plimsoll_inventory::{Analyzer, ANALYZERS};
use plimsoll_lint::Linter;
use plimsoll_model::secret::{RevealedSecret, SecretSource};
use plimsoll_model::{Diagnostic, DiagnosticLevel};

use crate::scan::{LayerScan, ScanOptions};

/// Largest configuration file (Dockerfile, manifest, compose file) handed to the linter.
const MAX_CONFIG_FILE: u64 = 16 * 1024 * 1024;

pub(crate) struct FileVisitor<'a> {
    opts: &'a ScanOptions,
    wanting: Vec<&'static dyn Analyzer>,
    secrets_wanted: bool,
    lint_wanted: bool,
    /// Only for directory scans: images run image-config rules, not file rules.
    pub(crate) linter: Option<Linter>,
    pub(crate) scan: LayerScan,
}

impl<'a> FileVisitor<'a> {
    pub(crate) fn new(opts: &'a ScanOptions, linter: Option<Linter>) -> Self {
        FileVisitor {
            opts,
            wanting: Vec::new(),
            secrets_wanted: false,
            lint_wanted: false,
            linter,
            scan: LayerScan::default(),
        }
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

/// Names under which configuration files are found; the linter decides from the content.
fn config_candidate(path: &str) -> bool {
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

impl LayerVisitor for FileVisitor<'_> {
    fn want(&mut self, entry: &Entry) -> Want {
        self.wanting.clear();
        self.secrets_wanted = false;
        self.lint_wanted = false;
        if entry.kind != EntryKind::File {
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
        if let Some(s) = &self.opts.secrets {
            if s.scanner.wants_path(&entry.path) && entry.size <= s.scanner.max_file_size() {
                self.secrets_wanted = true;
                max_bytes = max_bytes.max(s.scanner.max_file_size());
            }
        }
        if self.linter.is_some() && config_candidate(&entry.path) && entry.size <= MAX_CONFIG_FILE {
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
                Err(e) => self.warn(&entry.path, format!("{}: {e}", a.name())),
            }
        }
        if self.secrets_wanted {
            if let Some(s) = &self.opts.secrets {
                for m in s.scanner.scan(&entry.path, data) {
                    let mut f = m.to_finding(&entry.path, SecretSource::File);
                    if s.reveal {
                        f.secret = m.secret(data).map(|b| RevealedSecret(String::from_utf8_lossy(b).into_owned()));
                    }
                    self.scan.secrets.push(f);
                }
            }
        }
        if self.lint_wanted {
            if let Some(linter) = &mut self.linter {
                if plimsoll_lint::detect(&entry.path, data).is_some() {
                    if let Err(e) = linter.add(&entry.path, data) {
                        self.warn(&entry.path, format!("configuration not checked: {e}"));
                    }
                }
            }
        }
    }

    fn too_large(&mut self, entry: &Entry, limit: u64) {
        self.warn(&entry.path, format!("not analysed: {} bytes exceeds the {limit} byte limit", entry.size));
    }
}

#[cfg(test)]
mod tests {
    use super::config_candidate;

    #[test]
    fn config_candidates() {
        assert!(config_candidate("Dockerfile"));
        assert!(config_candidate("build/api.Dockerfile"));
        assert!(config_candidate("deploy/k8s/app.yaml"));
        assert!(!config_candidate("node_modules/x/config.yaml"));
        assert!(!config_candidate("package-lock.json"));
        assert!(!config_candidate("src/main.rs"));
    }
}
