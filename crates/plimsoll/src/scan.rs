use std::path::Path;
use std::sync::Arc;

use plimsoll_image::squash::Squashed;
use plimsoll_image::walk::{walk_layer, Entry, EntryKind, LayerIndex, LayerVisitor, WalkLimits, Want};
use plimsoll_image::{Image, ImageError};
use plimsoll_inventory::{analyzers_fingerprint, assemble, Analyzer, LayerFacts, ANALYZERS};
use plimsoll_model::{
    purl, Artifact, ArtifactKind, Diagnostic, DiagnosticLevel, Digest, LayerInfo, ScanReport, REPORT_SCHEMA_VERSION,
};
use rayon::prelude::*;

use crate::cache::LayerCache;

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
        source: ImageError,
    },
    #[error("cannot scan directory {path}")]
    Dir {
        path: String,
        #[source]
        source: ImageError,
    },
}

/// Receives progress events; the CLI draws a bar from them. Called from worker threads.
pub trait Progress: Send + Sync {
    fn start(&self, _layers: usize, _total_bytes: u64) {}
    /// `bytes` is the layer's stored (compressed) size.
    fn layer_done(&self, _index: usize, _bytes: u64, _cached: bool) {}
    fn finish(&self) {}
}

/// How to scan. Build with [`ScanOptions::default`] and set what differs.
#[derive(Clone, Default)]
pub struct ScanOptions {
    /// Where per-layer results are cached; `None` disables the cache.
    pub cache: Option<LayerCache>,
    pub walk_limits: WalkLimits,
    pub progress: Option<Arc<dyn Progress>>,
}

/// What one layer (or a directory) yielded: its entries and the analyzers' facts.
/// Depends only on the layer content and the analyzer versions, hence cacheable.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct LayerScan {
    pub index: LayerIndex,
    pub facts: LayerFacts,
    pub diagnostics: Vec<Diagnostic>,
}

/// Feeds each wanted file to the analyzers that want it.
struct AnalyzerVisitor {
    analyzers: &'static [&'static dyn Analyzer],
    wanting: Vec<&'static dyn Analyzer>,
    scan: LayerScan,
}

impl AnalyzerVisitor {
    fn new() -> Self {
        AnalyzerVisitor { analyzers: ANALYZERS, wanting: Vec::new(), scan: LayerScan::default() }
    }

    fn warn(&mut self, path: &str, message: String) {
        self.scan.diagnostics.push(Diagnostic {
            level: DiagnosticLevel::Warning,
            message,
            layer: None,
            path: Some(path.to_owned()),
        });
    }
}

impl LayerVisitor for AnalyzerVisitor {
    fn want(&mut self, entry: &Entry) -> Want {
        self.wanting.clear();
        if entry.kind != EntryKind::File {
            return Want::Skip;
        }
        let mut max_bytes = 0;
        for a in self.analyzers {
            if a.wants(&entry.path) {
                self.wanting.push(*a);
                max_bytes = max_bytes.max(a.max_size());
            }
        }
        if self.wanting.is_empty() {
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
                Ok(facts) => {
                    if facts != Default::default() {
                        self.scan.facts.files.push((entry.path.clone(), facts));
                    }
                }
                Err(e) => self.warn(&entry.path, format!("{}: {e}", a.name())),
            }
        }
    }

    fn too_large(&mut self, entry: &Entry, limit: u64) {
        self.warn(&entry.path, format!("not analysed: {} bytes exceeds the {limit} byte limit", entry.size));
    }
}

fn finish_layer(mut visitor: AnalyzerVisitor, index: LayerIndex) -> LayerScan {
    for w in &index.warnings {
        visitor.warn(&w.path, w.message.clone());
    }
    visitor.scan.index = index;
    visitor.scan
}

/// Scans an opened image: every layer once, in parallel, with cached layers skipped.
pub fn scan_image(image: &Image, opts: &ScanOptions) -> Result<ScanReport, ScanError> {
    let fingerprint = analyzers_fingerprint();
    if let Some(p) = &opts.progress {
        p.start(image.layers.len(), image.layers.iter().map(|l| l.size).sum());
    }
    let scans: Vec<Result<LayerScan, ScanError>> = image
        .layers
        .par_iter()
        .map(|layer| {
            let cached = opts.cache.as_ref().and_then(|c| c.get(&layer.diff_id, &fingerprint));
            let scan = match cached {
                Some(scan) => scan,
                None => {
                    let err = |source| ScanError::Layer { index: layer.index, digest: layer.digest.clone(), source };
                    let reader = image.open_layer(layer.index).map_err(err)?;
                    let mut visitor = AnalyzerVisitor::new();
                    let index = walk_layer(reader, &mut visitor, &opts.walk_limits).map_err(err)?;
                    let scan = finish_layer(visitor, index);
                    if let Some(c) = &opts.cache {
                        c.put(&layer.diff_id, &fingerprint, &scan);
                    }
                    scan
                }
            };
            if let Some(p) = &opts.progress {
                p.layer_done(layer.index, layer.size, false);
            }
            Ok(scan)
        })
        .collect();
    if let Some(p) = &opts.progress {
        p.finish();
    }
    let scans = scans.into_iter().collect::<Result<Vec<_>, _>>()?;

    let indexes: Vec<LayerIndex> = scans.iter().map(|s| s.index.clone()).collect();
    let squashed = Squashed::new(&indexes);
    let facts: Vec<LayerFacts> = scans.iter().map(|s| s.facts.clone()).collect();
    let inventory = assemble(&facts, |layer, path| squashed.visible(layer, path), &image.layer_refs());

    let mut diagnostics = Vec::new();
    for (i, s) in scans.into_iter().enumerate() {
        diagnostics.extend(s.diagnostics.into_iter().map(|mut d| {
            d.layer = Some(i);
            d
        }));
    }

    let mut packages = inventory.packages;
    for p in &mut packages {
        p.purl = purl::for_package(p, inventory.os.as_ref());
    }
    Ok(ScanReport {
        schema_version: REPORT_SCHEMA_VERSION.to_owned(),
        tool: format!("plimsoll {}", env!("CARGO_PKG_VERSION")),
        created_at: rfc3339_now(),
        artifact: Artifact {
            name: image.reference.clone(),
            kind: ArtifactKind::ContainerImage,
            image_id: Some(image.config_digest.clone()),
            manifest_digest: Some(image.manifest_digest.clone()),
            repo_tags: image.repo_tags.clone(),
            platform: Some(image.platform()),
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
        diagnostics,
    })
}

/// Scans a directory (a root filesystem or a project checkout) as a single layer.
pub fn scan_dir(path: &Path, opts: &ScanOptions) -> Result<ScanReport, ScanError> {
    let mut visitor = AnalyzerVisitor::new();
    let index = plimsoll_image::rootfs::walk_dir(path, &mut visitor, &opts.walk_limits)
        .map_err(|source| ScanError::Dir { path: path.display().to_string(), source })?;
    let scan = finish_layer(visitor, index);
    let inventory = assemble(std::slice::from_ref(&scan.facts), |_, _| true, &[]);
    let mut packages = inventory.packages;
    for p in &mut packages {
        p.purl = purl::for_package(p, inventory.os.as_ref());
    }
    Ok(ScanReport {
        schema_version: REPORT_SCHEMA_VERSION.to_owned(),
        tool: format!("plimsoll {}", env!("CARGO_PKG_VERSION")),
        created_at: rfc3339_now(),
        artifact: Artifact {
            name: path.display().to_string(),
            kind: ArtifactKind::Filesystem,
            image_id: None,
            manifest_digest: None,
            repo_tags: Vec::new(),
            platform: None,
        },
        os: inventory.os,
        layers: Vec::new(),
        packages,
        diagnostics: scan.diagnostics,
    })
}

/// The current time as RFC 3339 UTC (`2026-11-25T08:44:22Z`).
///
/// Hand-written (Howard Hinnant's days-to-civil algorithm) to avoid a date crate for one line.
/// `SOURCE_DATE_EPOCH` overrides the clock, for reproducible reports.
fn rfc3339_now() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.parse::<i64>().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
    });
    rfc3339(secs)
}

fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
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
