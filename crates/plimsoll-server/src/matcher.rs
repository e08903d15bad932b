//! Matching stored inventories against the advisory database, without the images: each layer's
//! packages are matched once per (layer, OS release) through the facade
//! ([`plimsoll::match_vulnerabilities`]) and the result shared by every image holding that layer.
//! [`Advisories`] holds the open database and notices when its file is replaced (`db build
//! --output` and `db update` write a new file and rename it over the old one).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use plimsoll::db::{Database, DbInfo};
use plimsoll::ScanOptions;
use plimsoll_model::vuln::Vulnerability;
use plimsoll_model::{LayerRef, OsRelease, Package, ScanReport};

use crate::store::{Applied, ImageInventory, ImageLayer, IngestImage, IngestLayer, Reference, Store, StoreError};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MatchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("matching failed: {0}")]
    Match(String),
    #[error("cannot open the advisory database {}: {reason}", path.display())]
    Open { path: PathBuf, reason: String },
}

/// What identifies one version of the database file: device, inode, modification time, length.
/// A rename over the file changes the inode; an in-place rewrite the time or length.
pub type Stamp = (u64, u64, Option<SystemTime>, u64);

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let (dev, ino) = {
        use std::os::unix::fs::MetadataExt;
        (m.dev(), m.ino())
    };
    #[cfg(not(unix))]
    let (dev, ino) = (0, 0);
    Some((dev, ino, m.modified().ok(), m.len()))
}

pub struct Loaded {
    pub db: Arc<Database>,
    pub info: Option<DbInfo>,
    pub loaded_at: String,
    pub stamp: Stamp,
}

/// The advisory database in service (none when no file was given or it does not exist yet).
pub struct Advisories {
    path: Option<PathBuf>,
    current: RwLock<Option<Arc<Loaded>>>,
}

impl Advisories {
    pub fn new(path: Option<PathBuf>) -> Advisories {
        Advisories { path, current: RwLock::new(None) }
    }

    pub fn current(&self) -> Option<Arc<Loaded>> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Opens the file again if it changed since the last load; `Ok(true)` when a new database
    /// is in service. A file that does not open (half-written) keeps the previous one.
    pub fn reload_if_changed(&self) -> Result<bool, MatchError> {
        let Some(path) = &self.path else { return Ok(false) };
        let Some(now) = stamp(path) else { return Ok(false) };
        if self.current().is_some_and(|l| l.stamp == now) {
            return Ok(false);
        }
        let db = Database::open(path).map_err(|e| MatchError::Open { path: path.clone(), reason: e.to_string() })?;
        let info = db.info().ok();
        let loaded = Loaded { db: Arc::new(db), info, loaded_at: crate::now_rfc3339(), stamp: now };
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(loaded));
        Ok(true)
    }
}

/// The layer reference a package or finding of `layer` carries in this image's report.
pub fn layer_ref(layer: &ImageLayer) -> Option<LayerRef> {
    if layer.index < 0 {
        return None;
    }
    Some(LayerRef {
        index: layer.index as usize,
        digest: layer.digest.as_deref().and_then(|d| d.parse().ok()),
        diff_id: layer.diff_id.parse().ok(),
        created_by: layer.created_by.clone(),
    })
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    #[error("the report names no image digest (artifact.manifest_digest or artifact.image_id)")]
    NoDigest,
    #[error("the report is not an image report (artifact.kind is not container_image)")]
    NotImage,
    #[error("cannot encode the report: {0}")]
    Encode(String),
}

/// Splits an uploaded report into what the store keeps: the report without packages and
/// vulnerabilities, each layer with the packages attributed to it, the references.
pub fn ingest_image(mut report: ScanReport) -> Result<IngestImage, IngestError> {
    if report.artifact.kind != plimsoll_model::ArtifactKind::ContainerImage {
        return Err(IngestError::NotImage);
    }
    let digest = report
        .artifact
        .manifest_digest
        .as_ref()
        .or(report.artifact.image_id.as_ref())
        .ok_or(IngestError::NoDigest)?
        .to_string();
    let mut layers: Vec<IngestLayer> = report
        .layers
        .iter()
        .map(|l| IngestLayer {
            index: l.index as i64,
            diff_id: l.diff_id.to_string(),
            digest: Some(l.digest.to_string()),
            media_type: l.media_type.clone(),
            size: l.size,
            created_by: l.created_by.clone(),
            packages: Vec::new(),
        })
        .collect();
    // Packages no layer claims (none today for images) go to a pseudo-layer of this image.
    let own = format!("image:{digest}");
    for mut p in std::mem::take(&mut report.packages) {
        let diff = p.layer.take().and_then(|l| l.diff_id).map(|d| d.to_string());
        match diff.and_then(|d| layers.iter_mut().find(|l| l.diff_id == d)) {
            Some(l) => l.packages.push(p),
            None => {
                if !layers.iter().any(|l| l.diff_id == own) {
                    layers.push(IngestLayer {
                        index: -1,
                        diff_id: own.clone(),
                        digest: None,
                        media_type: String::new(),
                        size: 0,
                        created_by: None,
                        packages: Vec::new(),
                    });
                }
                if let Some(l) = layers.iter_mut().find(|l| l.diff_id == own) {
                    l.packages.push(p);
                }
            }
        }
    }
    report.vulnerabilities.clear();
    let named = parse_reference(&report.artifact.name);
    let mut references: Vec<Reference> = report
        .artifact
        .repo_tags
        .iter()
        .map(|t| match named.registry.as_str() {
            // An archive's tags are bare (`1`, from the OCI ref name annotation): tags of the archive
            // (`oci-archive:app.tar:1` already names its tag: not shown twice).
            "local" if !t.contains(['/', ':']) => Reference {
                repository: named.repository.strip_suffix(&format!(":{t}")).unwrap_or(&named.repository).to_owned(),
                tag: t.clone(),
                ..named.clone()
            },
            _ => parse_reference(t),
        })
        .collect();
    if !references.iter().any(|r| r.registry == named.registry && r.display() == named.display())
        && !references.iter().any(|r| r.registry == named.registry && r.repository == named.repository)
    {
        references.push(named);
    }
    let report_json = serde_json::to_string(&report).map_err(|e| IngestError::Encode(e.to_string()))?;
    Ok(IngestImage {
        digest,
        name: report.artifact.name.clone(),
        os: report.os.clone(),
        report_json,
        layers,
        references,
    })
}

/// `host/repo:tag` (or a local archive's name) -> registry, repository, tag. A first path
/// component with a dot or a port, or `localhost`, is a registry host, as Docker decides.
pub fn parse_reference(s: &str) -> Reference {
    let local = ["oci:", "oci-archive:", "docker-archive:", "dir:", "/", "./", "../"];
    if local.iter().any(|p| s.starts_with(p)) || s.ends_with(".tar") || s.ends_with(".tar.gz") {
        return Reference { registry: "local".into(), repository: s.into(), tag: String::new() };
    }
    let s = s.split('@').next().unwrap_or(s);
    let (registry, rest) = match s.split_once('/') {
        Some((host, rest)) if host.contains('.') || host.contains(':') || host == "localhost" => {
            (host.to_owned(), rest)
        }
        _ => ("docker.io".to_owned(), s),
    };
    let (repository, tag) = match rest.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo.to_owned(), tag.to_owned()),
        _ => (rest.to_owned(), "latest".to_owned()),
    };
    let repository =
        if registry == "docker.io" && !repository.contains('/') { format!("library/{repository}") } else { repository };
    Reference { registry, repository, tag }
}

type LayerMatches = Arc<Vec<(i64, Vulnerability)>>;

/// Matches inventories, each (layer, OS) once. A layer's rows only grow (a later upload may add
/// packages an earlier one did not attribute to it), so a cached match is reused while the row
/// count is unchanged; the server keeps one matcher per database in service.
pub struct Matcher {
    opts: ScanOptions,
    /// By (diff_id, OS release as JSON): the row count and the layer's findings with their
    /// package row ids.
    cache: HashMap<(String, String), (usize, LayerMatches)>,
}

impl Matcher {
    pub fn new(db: Option<Arc<Database>>) -> Matcher {
        Matcher { opts: ScanOptions { advisories: db, ..ScanOptions::default() }, cache: HashMap::new() }
    }

    /// Whether this matcher matches against `db`.
    pub fn uses(&self, db: Option<&Arc<Database>>) -> bool {
        match (&self.opts.advisories, db) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }

    /// The image's findings: its layers' matches, minus packages it does not have, each with
    /// this image's layer reference.
    pub fn image(&mut self, store: &dyn Store, inv: &ImageInventory) -> Result<Vec<Vulnerability>, MatchError> {
        if self.opts.advisories.is_none() {
            return Ok(Vec::new());
        }
        let os_key = inv.os.as_ref().map(|o| serde_json::to_string(o).unwrap_or_default()).unwrap_or_default();
        let mut out = Vec::new();
        for layer in &inv.layers {
            let key = (layer.diff_id.clone(), os_key.clone());
            let rows = store.layer_package_count(&layer.diff_id)?;
            let found = match self.cache.get(&key) {
                Some((n, f)) if *n == rows => Arc::clone(f),
                _ => {
                    let f = Arc::new(self.match_layer(store, &layer.diff_id, inv.os.as_ref())?);
                    self.cache.insert(key, (rows, Arc::clone(&f)));
                    f
                }
            };
            let lref = layer_ref(layer);
            for (pkg_id, v) in found.iter() {
                if inv.hidden.contains(pkg_id) {
                    continue;
                }
                let mut v = v.clone();
                v.layer = lref.clone();
                out.push(v);
            }
        }
        Ok(out)
    }

    fn match_layer(
        &self,
        store: &dyn Store,
        diff_id: &str,
        os: Option<&OsRelease>,
    ) -> Result<Vec<(i64, Vulnerability)>, MatchError> {
        let rows = store.layer_packages(diff_id)?;
        let (ids, packages): (Vec<i64>, Vec<Package>) = rows.into_iter().unzip();
        let mut diagnostics = Vec::new();
        let vulns = plimsoll::match_vulnerabilities(&self.opts, os, &packages, &mut diagnostics)
            .map_err(|e| MatchError::Match(e.to_string()))?;
        // Back from a finding to its package row (name, version and purl identify it).
        let mut by_key: HashMap<(&str, &str, &str), Vec<i64>> = HashMap::new();
        for (id, p) in ids.iter().zip(&packages) {
            by_key.entry((p.name.as_str(), p.version.as_str(), p.purl.as_str())).or_default().push(*id);
        }
        let mut out = Vec::new();
        for v in vulns {
            let rows = by_key.get(&(v.package_name.as_str(), v.package_version.as_str(), v.purl.as_str()));
            // A finding no row claims exactly (a matcher that rewrites the version) stays with the
            // layer's first row of that name, so it is never dropped.
            let rows = rows.cloned().unwrap_or_else(|| {
                packages.iter().zip(&ids).filter(|(p, _)| p.name == v.package_name).map(|(_, id)| *id).take(1).collect()
            });
            if let Some(id) = rows.first() {
                out.push((*id, v));
            }
        }
        Ok(out)
    }
}

/// The totals of a re-match.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct RematchStats {
    pub images: usize,
    pub new_findings: usize,
    pub fixed: usize,
}

/// Matches every stored inventory again and applies the result; returns the totals and the new
/// findings.
pub fn rematch_all(
    store: &dyn Store,
    db: Option<Arc<Database>>,
    now: &str,
) -> Result<(RematchStats, Vec<crate::store::FindingRow>), MatchError> {
    let mut matcher = Matcher::new(db);
    let mut stats = RematchStats::default();
    let mut new = Vec::new();
    for inv in store.inventories()? {
        let found = matcher.image(store, &inv)?;
        let Applied { new: n, fixed } = store.apply_findings(&inv.digest, &found, now)?;
        stats.images += 1;
        stats.new_findings += n.len();
        stats.fixed += fixed;
        new.extend(n);
    }
    store.snapshot_counts(&now[..10])?;
    Ok((stats, new))
}

#[cfg(test)]
mod tests {
    use super::parse_reference;

    #[test]
    fn references_split_as_docker_does() {
        let r = parse_reference("registry.example.com:5000/team/app:1.4");
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_str()),
            ("registry.example.com:5000", "team/app", "1.4")
        );
        let r = parse_reference("nginx");
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_str()),
            ("docker.io", "library/nginx", "latest")
        );
        let r = parse_reference("localhost/app@sha256:abc");
        assert_eq!((r.registry.as_str(), r.repository.as_str(), r.tag.as_str()), ("localhost", "app", "latest"));
        let r = parse_reference("oci-archive:/images/app.oci.tar");
        assert_eq!((r.registry.as_str(), r.tag.as_str()), ("local", ""));
        assert_eq!(r.display(), "oci-archive:/images/app.oci.tar");
    }
}
