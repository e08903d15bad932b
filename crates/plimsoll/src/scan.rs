use std::path::Path;
use std::sync::Arc;

use plimsoll_image::{walk_layer, Image, ImageError, LayerIndex, Squashed, WalkLimits};
use plimsoll_inventory::{analyzers_fingerprint, assemble, LayerFacts};
use plimsoll_lint::{LintConfig, Linter};
use plimsoll_model::secret::SecretFinding;
use plimsoll_model::vuln::Vulnerability;
use plimsoll_model::{
    purl, Artifact, ArtifactKind, Diagnostic, Digest, LayerInfo, OsRelease, Package, ScanReport, REPORT_SCHEMA_VERSION,
};
use rayon::prelude::*;

use crate::cache::LayerCache;
use crate::image_config;
use crate::layer_lint::{self, ConfigFileScan};
use crate::visitor::{ConfigLint, FileVisitor};

/// Why a scan could not produce a report. Problems confined to one file inside a layer are
/// not errors: they become [`Diagnostic`]s in the report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    #[error("layer {index} ({digest}) could not be read")]
    Layer {
        index: usize,
        digest: Digest,
        #[source]
        source: Box<ImageError>,
    },
    #[error("cannot match packages against the advisory database")]
    Advisories(#[source] plimsoll_advisory::DbError),
    #[error("timed out after {seconds}s (--timeout)")]
    Timeout { seconds: u64 },
    #[error("cannot scan directory {path}")]
    Dir {
        path: String,
        #[source]
        source: Box<ImageError>,
    },
}

/// Receives progress events; the CLI draws a bar from them. Called from worker threads.
pub trait Progress: Send + Sync {
    fn start(&self, _layers: usize, _total_bytes: u64) {}
    /// `bytes` is the layer's stored (compressed) size.
    fn layer_done(&self, _index: usize, _bytes: u64, _cached: bool) {}
    fn finish(&self) {}
}

/// Secret scanning settings.
#[derive(Clone)]
pub struct SecretOptions {
    /// The compiled rules; its [`plimsoll_secrets::Scanner::fingerprint`] is part of the layer
    /// cache key.
    pub scanner: Arc<plimsoll_secrets::Scanner>,
    /// Put the full secret in the report (explicit opt-in; disables the layer cache so secrets
    /// are never written to disk).
    pub reveal: bool,
    /// Also report secrets in files that OS packages installed (off by default: such files are
    /// the main source of false positives, e.g. test keys shipped by libraries).
    pub include_os_files: bool,
}

impl SecretOptions {
    /// The built-in rules with default settings.
    pub fn builtin() -> Self {
        SecretOptions {
            scanner: Arc::new(plimsoll_secrets::Scanner::builtin()),
            reveal: false,
            include_os_files: false,
        }
    }
}

/// How to scan. Build with [`ScanOptions::default`] and set what differs.
#[derive(Clone)]
pub struct ScanOptions {
    /// Where per-layer results are cached; `None` disables the cache.
    pub cache: Option<LayerCache>,
    pub walk_limits: WalkLimits,
    pub progress: Option<Arc<dyn Progress>>,
    /// Run the package analyzers (off for `plimsoll config`).
    pub inventory: bool,
    /// Secret scanning; `None` disables it.
    pub secrets: Option<SecretOptions>,
    /// Misconfiguration rules; `None` disables them. Image scans run the image-config rules and
    /// the file rules over the configuration files in the layers.
    pub misconfig: Option<LintConfig>,
    /// The advisory database to match packages against; `None` disables vulnerability matching.
    pub advisories: Option<Arc<plimsoll_advisory::Database>>,
    /// `--skip-dirs` / `--skip-files`: files no scanner reads; each skip is a diagnostic.
    pub skip: Option<Arc<crate::skip::SkipPaths>>,
    /// `--pkg-types`: the kinds of packages reported and matched (all when `None`).
    pub pkg_types: Option<PkgTypes>,
    /// `--timeout`: the scan fails with [`ScanError::Timeout`] once this instant passes (checked
    /// between files of a layer walk and between the steps of a scan).
    pub deadline: Option<Deadline>,
}

/// `--pkg-types`: OS packages, language libraries, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PkgTypes {
    pub os: bool,
    pub library: bool,
}

impl PkgTypes {
    /// `os`, `library`, comma-separated or repeated (Trivy's names).
    pub fn parse(list: &[String]) -> Result<PkgTypes, crate::Error> {
        let mut t = PkgTypes { os: false, library: false };
        for item in list.iter().flat_map(|s| s.split(',')).map(str::trim).filter(|s| !s.is_empty()) {
            match item {
                "os" => t.os = true,
                "library" => t.library = true,
                other => return Err(crate::Error::PkgType(other.to_owned())),
            }
        }
        Ok(t)
    }

    /// Whether `p` is of a kind asked for.
    pub fn keep(&self, p: &Package) -> bool {
        if p.kind.is_os() {
            self.os
        } else {
            self.library
        }
    }
}

/// When a scan must be over, and the limit it came from (for the error).
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    pub at: std::time::Instant,
    pub seconds: u64,
}

impl Deadline {
    /// `seconds` from now.
    pub fn after(seconds: u64) -> Deadline {
        Deadline { at: std::time::Instant::now() + std::time::Duration::from_secs(seconds), seconds }
    }

    pub fn passed(&self) -> bool {
        std::time::Instant::now() >= self.at
    }

    fn check(this: Option<&Deadline>) -> Result<(), ScanError> {
        match this {
            Some(d) if d.passed() => Err(ScanError::Timeout { seconds: d.seconds }),
            _ => Ok(()),
        }
    }
}

/// Drops the packages `--pkg-types` leaves out.
pub(crate) fn filter_pkg_types(opts: &ScanOptions, packages: &mut Vec<Package>) {
    if let Some(t) = &opts.pkg_types {
        packages.retain(|p| t.keep(p));
    }
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            cache: None,
            walk_limits: WalkLimits::default(),
            progress: None,
            inventory: true,
            secrets: Some(SecretOptions::builtin()),
            misconfig: Some(LintConfig::default()),
            advisories: None,
            skip: None,
            pkg_types: None,
            deadline: None,
        }
    }
}

impl ScanOptions {
    /// Everything besides the layer's content that decides its [`LayerScan`]: the tool version,
    /// the analyzers' versions, how layer tars are read, the secret rule set's fingerprint (engine
    /// code and every active rule's full definition) and the lint rules' source hash with the
    /// layer lint settings. A changed rule therefore misses the cache instead of serving stale results.
    pub(crate) fn cache_key(&self) -> String {
        let mut key = format!("plimsoll {};", env!("CARGO_PKG_VERSION"));
        key.push_str(&if self.inventory { analyzers_fingerprint() } else { "no-inventory".into() });
        // How the layer tar is read decides which files the analyzers see.
        key.push_str(&format!(";walk:{}", plimsoll_image::WALK_VERSION));
        if let Some(s) = &self.secrets {
            key.push_str(";secrets:");
            key.push_str(s.scanner.fingerprint());
        }
        if let Some(cfg) = &self.misconfig {
            key.push_str(";misconfig:");
            key.push_str(&layer_lint::fingerprint(cfg));
        }
        if let Some(skip) = self.skip.as_ref().filter(|s| !s.is_empty()) {
            key.push_str(";skip:");
            key.push_str(&skip.fingerprint());
        }
        key
    }

    fn cache(&self) -> Option<&LayerCache> {
        match &self.secrets {
            Some(s) if s.reveal => None,
            _ => self.cache.as_ref(),
        }
    }
}

/// What one layer (or a directory) yielded: its entries, the analyzers' facts, the secrets in
/// its files and, for image layers, the misconfigurations in its configuration files. Depends
/// only on the layer content and the scanner versions and settings, hence cacheable.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct LayerScan {
    pub index: LayerIndex,
    pub facts: LayerFacts,
    #[serde(default)]
    pub secrets: Vec<SecretFinding>,
    pub diagnostics: Vec<Diagnostic>,
    /// Configuration files with findings or parse errors (image layers with misconfiguration
    /// scanning on; a directory scan lints its tree as a whole instead).
    #[serde(default)]
    pub config_files: Vec<ConfigFileScan>,
}

fn finish_layer(mut visitor: FileVisitor<'_>, index: LayerIndex) -> LayerScan {
    for w in &index.warnings {
        visitor.warn(&w.path, w.message.clone());
    }
    visitor.scan.index = index;
    visitor.scan
}

/// Scans an opened image: every layer once, in parallel, with cached layers skipped.
pub fn scan_image(image: &Image, opts: &ScanOptions) -> Result<ScanReport, ScanError> {
    let key = opts.cache_key();
    if let Some(p) = &opts.progress {
        p.start(image.layers.len(), image.layers.iter().map(|l| l.size).sum());
    }
    let scans: Vec<Result<LayerScan, ScanError>> = image
        .layers
        .par_iter()
        .map(|layer| {
            let cached = opts.cache().and_then(|c| c.get(&layer.diff_id, &key));
            let hit = cached.is_some();
            let scan = match cached {
                Some(scan) => scan,
                None => {
                    let err = |source| ScanError::Layer {
                        index: layer.index,
                        digest: layer.digest.clone(),
                        source: Box::new(source),
                    };
                    Deadline::check(opts.deadline.as_ref())?;
                    let reader = image.open_layer(layer.index).map_err(err)?;
                    let reader = Timed { inner: reader, deadline: opts.deadline };
                    let lint = opts.misconfig.clone().map_or(ConfigLint::Off, ConfigLint::Layer);
                    let mut visitor = FileVisitor::new(opts, lint);
                    let walked = walk_layer(reader, &mut visitor, &opts.walk_limits);
                    // A walk cut by the deadline (or one that skipped every file after it) is a
                    // timeout, not a broken layer, and must not be cached.
                    Deadline::check(opts.deadline.as_ref())?;
                    let scan = finish_layer(visitor, walked.map_err(err)?);
                    if let Some(c) = opts.cache() {
                        c.put(&layer.diff_id, &key, &scan);
                    }
                    scan
                }
            };
            if let Some(p) = &opts.progress {
                p.layer_done(layer.index, layer.size, hit);
            }
            Ok(scan)
        })
        .collect();
    if let Some(p) = &opts.progress {
        p.finish();
    }
    let scans = scans.into_iter().collect::<Result<Vec<_>, _>>()?;
    Deadline::check(opts.deadline.as_ref())?;

    // Take the layers apart rather than cloning them: the entry indexes are the largest part.
    let mut indexes: Vec<LayerIndex> = Vec::with_capacity(scans.len());
    let mut facts: Vec<LayerFacts> = Vec::with_capacity(scans.len());
    let mut findings = Vec::with_capacity(scans.len());
    for s in scans {
        indexes.push(s.index);
        facts.push(s.facts);
        findings.push((s.secrets, s.diagnostics, s.config_files));
    }
    let squashed = Squashed::new(&indexes);
    let layer_refs = image.layer_refs();
    let inventory = assemble(&facts, |layer, path| squashed.visible(layer, path), &layer_refs);

    let mut diagnostics = Vec::new();
    let mut secrets = Vec::new();
    let mut file_misconfigurations = Vec::new();
    let include_os_files = opts.secrets.as_ref().is_some_and(|s| s.include_os_files);
    for (i, (layer_secrets, layer_diagnostics, config_files)) in findings.into_iter().enumerate() {
        diagnostics.extend(layer_diagnostics.into_iter().map(|mut d| {
            d.layer = Some(i);
            d
        }));
        for mut f in layer_secrets {
            if !include_os_files && inventory.os_files.contains(&f.path) {
                continue;
            }
            f.layer = layer_refs.get(i).cloned();
            f.hidden_by_layer = squashed.hidden_by(i, &f.path);
            secrets.push(f);
        }
        if let Some(cfg) = &opts.misconfig {
            // Unlike secrets, a deleted configuration file configures nothing: only the final
            // filesystem's files count, and OS packages' files never (see `layer_lint`).
            let keep = |path: &str| squashed.visible(i, path) && !inventory.os_files.contains(path);
            let (found, diags) = (&mut file_misconfigurations, &mut diagnostics);
            layer_lint::collect(config_files, i, layer_refs.get(i), cfg, keep, found, diags);
        }
    }
    if let Some(s) = &opts.secrets {
        secrets.extend(image_config::secrets(&image.config, s));
    }

    let mut misconfigurations = Vec::new();
    if let Some(cfg) = &opts.misconfig {
        misconfigurations = image_config::misconfigurations(&image.reference, &image.config, &squashed, cfg);
        file_misconfigurations.sort_by(|a, b| (&a.file, a.line, &a.rule_id).cmp(&(&b.file, b.line, &b.rule_id)));
        misconfigurations.append(&mut file_misconfigurations);
    }

    let mut packages = inventory.packages;
    filter_pkg_types(opts, &mut packages);
    for p in &mut packages {
        p.purl = purl::for_package(p, inventory.os.as_ref());
    }
    Deadline::check(opts.deadline.as_ref())?;
    let vulnerabilities = match_vulnerabilities(opts, inventory.os.as_ref(), &packages, &mut diagnostics)?;
    let vulnerability_scan = vulnerability_coverage(opts, inventory.os.as_ref(), &packages)?;
    Deadline::check(opts.deadline.as_ref())?;
    let base = empty_report(&image.reference, ArtifactKind::ContainerImage);
    Ok(ScanReport {
        vulnerability_scan,
        artifact: Artifact {
            image_id: Some(image.config_digest.clone()),
            manifest_digest: Some(image.manifest_digest.clone()),
            repo_tags: image.repo_tags.clone(),
            platform: Some(image.platform()),
            ..base.artifact.clone()
        },
        os: inventory.os,
        layers: image
            .layers
            .iter()
            .map(|l| LayerInfo {
                index: l.index,
                digest: l.digest.clone(),
                diff_id: l.diff_id.clone(),
                media_type: l.media_type.clone(),
                size: l.size,
                created_by: l.created_by.clone(),
            })
            .collect(),
        packages,
        vulnerabilities,
        secrets,
        misconfigurations,
        diagnostics,
        ..base
    })
}

/// A layer stream that fails once the scan's deadline passes, so that a long layer stops being
/// read (and decompressed) at the deadline rather than at its end.
struct Timed<R> {
    inner: R,
    deadline: Option<Deadline>,
}

impl<R: std::io::Read> std::io::Read for Timed<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(d) = self.deadline.as_ref().filter(|d| d.passed()) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("timed out after {}s (--timeout)", d.seconds),
            ));
        }
        self.inner.read(buf)
    }
}

/// Matches the packages against the advisory database, when one is configured.
pub fn match_vulnerabilities(
    opts: &ScanOptions,
    os: Option<&OsRelease>,
    packages: &[Package],
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Vec<Vulnerability>, ScanError> {
    let Some(db) = &opts.advisories else { return Ok(Vec::new()) };
    let out = plimsoll_advisory::match_packages_detailed(db, os, packages).map_err(ScanError::Advisories)?;
    diagnostics.extend(out.diagnostics);
    Ok(out.vulnerabilities)
}

/// What the advisory database covered of `packages`, when one is configured.
pub fn vulnerability_coverage(
    opts: &ScanOptions,
    os: Option<&OsRelease>,
    packages: &[Package],
) -> Result<Option<plimsoll_model::coverage::VulnerabilityCoverage>, ScanError> {
    let Some(db) = &opts.advisories else { return Ok(None) };
    plimsoll_advisory::coverage(db, os, packages).map(Some).map_err(ScanError::Advisories)
}

/// A report with nothing found yet, for `name` of the given kind.
pub fn empty_report(name: &str, kind: ArtifactKind) -> ScanReport {
    ScanReport {
        schema_version: REPORT_SCHEMA_VERSION.to_owned(),
        tool: format!("plimsoll {}", env!("CARGO_PKG_VERSION")),
        created_at: rfc3339_now(),
        artifact: Artifact {
            name: name.to_owned(),
            kind,
            image_id: None,
            manifest_digest: None,
            repo_tags: Vec::new(),
            platform: None,
        },
        os: None,
        layers: Vec::new(),
        packages: Vec::new(),
        vulnerabilities: Vec::new(),
        secrets: Vec::new(),
        misconfigurations: Vec::new(),
        diagnostics: Vec::new(),
        suppressed: Vec::new(),
        vulnerability_scan: None,
    }
}

/// Scans a directory (a root filesystem or a project checkout) as a single layer: package
/// analyzers, secrets, and the configuration files it holds (Dockerfiles, Kubernetes manifests,
/// compose files).
pub fn scan_dir(path: &Path, opts: &ScanOptions) -> Result<ScanReport, ScanError> {
    let lint = opts.misconfig.clone().map_or(ConfigLint::Off, |cfg| ConfigLint::Dir(Linter::new(cfg)));
    let mut visitor = FileVisitor::new(opts, lint);
    let index = plimsoll_image::rootfs::walk_dir(path, &mut visitor, &opts.walk_limits)
        .map_err(|source| ScanError::Dir { path: path.display().to_string(), source: Box::new(source) })?;
    Deadline::check(opts.deadline.as_ref())?;
    let (mut misconfigurations, lint_skipped) =
        visitor.take_linter().map(Linter::finish_with_diagnostics).unwrap_or_default();
    Deadline::check(opts.deadline.as_ref())?;
    misconfigurations.sort_by(|a, b| (&a.file, a.line, &a.rule_id).cmp(&(&b.file, b.line, &b.rule_id)));
    let mut scan = finish_layer(visitor, index);
    scan.diagnostics.extend(lint_skipped.iter().map(|d| layer_lint::limit_diagnostic(d, None)));
    let inventory = assemble(std::slice::from_ref(&scan.facts), |_, _| true, &[]);
    let include_os_files = opts.secrets.as_ref().is_some_and(|s| s.include_os_files);
    let secrets: Vec<SecretFinding> =
        scan.secrets.into_iter().filter(|f| include_os_files || !inventory.os_files.contains(&f.path)).collect();
    let mut packages = inventory.packages;
    filter_pkg_types(opts, &mut packages);
    for p in &mut packages {
        p.purl = purl::for_package(p, inventory.os.as_ref());
    }
    let mut diagnostics = scan.diagnostics;
    let vulnerabilities = match_vulnerabilities(opts, inventory.os.as_ref(), &packages, &mut diagnostics)?;
    let vulnerability_scan = vulnerability_coverage(opts, inventory.os.as_ref(), &packages)?;
    Deadline::check(opts.deadline.as_ref())?;
    Ok(ScanReport {
        vulnerability_scan,
        os: inventory.os,
        packages,
        vulnerabilities,
        secrets,
        misconfigurations,
        diagnostics,
        ..empty_report(&path.display().to_string(), ArtifactKind::Filesystem)
    })
}

/// The current time as RFC 3339 UTC (`2026-11-25T08:44:22Z`).
/// `SOURCE_DATE_EPOCH` overrides the clock, for reproducible reports.
fn rfc3339_now() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.parse::<i64>().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
    });
    rfc3339(secs)
}

fn rfc3339(secs: i64) -> String {
    plimsoll_model::time::rfc3339_utc(secs)
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_from_epoch() {
        assert_eq!(super::rfc3339(1764060262), "2025-11-25T08:44:22Z");
        assert_eq!(super::rfc3339(951782400), "2000-02-29T00:00:00Z");
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
    }
}
