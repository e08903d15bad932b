//! Opening an image: reference -> (index -> platform ->) manifest -> config -> layers.
//!
//! [`open`] reads and verifies the small JSON blobs up front and fails early on anything
//! unsupported, missing or inconsistent. Layers are opened lazily by [`Image::open_layer`], which
//! verifies them as they stream. Nothing is extracted to disk.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use plimsoll_model::{Digest, LayerRef};

use crate::archive::{IndexLimits, OuterArchive};
use crate::engine::EngineKind;
use crate::error::ImageError;
use crate::reference::ImageRef;
use crate::registry::name::api_host;
use crate::registry::{Client, RegistryRef, RegistryStore};
use crate::store::Store;
use crate::stream::{LayerExpect, LayerStream};

/// Stored layer size from which [`Image::open_layer`] decompresses and verifies on a thread of
/// its own while the caller reads.
const READ_AHEAD_MIN: u64 = 1 << 20;

pub use crate::config::{ContainerConfig, Healthcheck, History, ImageConfig};

/// An OS/architecture pair with an optional CPU variant, as in OCI image indexes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Default for Platform {
    fn default() -> Self {
        Platform { os: "linux".into(), architecture: "amd64".into(), variant: None }
    }
}

impl Platform {
    /// Builds a platform, normalising common aliases (`x86_64` -> `amd64`, `aarch64` -> `arm64`).
    pub fn new(os: &str, architecture: &str, variant: Option<&str>) -> Platform {
        let os = os.to_ascii_lowercase();
        let arch = match architecture.to_ascii_lowercase().as_str() {
            "x86_64" | "x86-64" => "amd64".to_owned(),
            "aarch64" => "arm64".to_owned(),
            "i386" | "i686" => "386".to_owned(),
            other => other.to_owned(),
        };
        let variant = variant.filter(|v| !v.is_empty()).map(|v| v.to_ascii_lowercase());
        Platform { os, architecture: arch, variant }
    }

    /// The variant an image without one is assumed to have (containerd's normalisation).
    fn default_variant(&self) -> Option<&'static str> {
        match self.architecture.as_str() {
            "arm64" => Some("v8"),
            "arm" => Some("v7"),
            "amd64" => Some("v1"),
            _ => None,
        }
    }

    /// How well `candidate` satisfies this requested platform: `None` if not at all, higher is
    /// better. A request without a variant accepts any variant but prefers none or the default;
    /// `arm64` without a variant and `arm64/v8` are the same.
    pub fn match_score(&self, candidate: &Platform) -> Option<u8> {
        if self.os != candidate.os || self.architecture != candidate.architecture {
            return None;
        }
        let default = self.default_variant();
        let cand_v = candidate.variant.as_deref().or(default);
        match self.variant.as_deref() {
            None => Some(if cand_v == default { 2 } else { 1 }),
            Some(v) if Some(v) == cand_v => Some(2),
            Some(_) => None,
        }
    }

    pub fn matches(&self, candidate: &Platform) -> bool {
        self.match_score(candidate).is_some()
    }
}

impl FromStr for Platform {
    type Err = ImageError;

    /// `os/arch[/variant]`, e.g. `linux/amd64`, `linux/arm64/v8`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('/').collect();
        let bad = |reason: &str| ImageError::InvalidReference { reference: s.to_owned(), reason: reason.to_owned() };
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Platform::new(os, arch, None)),
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(Platform::new(os, arch, Some(variant)))
            }
            _ => Err(bad("a platform is written os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8")),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// Bounds on what an image may make us read.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Index, manifest and config blobs.
    pub max_json_bytes: u64,
    /// Uncompressed size of one layer.
    pub max_layer_bytes: u64,
    /// Default cap on one file's content handed to analyzers (callers apply it in their visitor).
    pub max_file_bytes_default: u64,
    /// Layers in one image (docker's overlay driver stops at 125).
    pub max_layers: usize,
    /// Manifests reachable from `index.json`, across nested indexes.
    pub max_manifests: usize,
    /// Nesting of image indexes.
    pub max_index_depth: usize,
    /// Entries of an image archive file (not of a layer).
    pub max_archive_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_json_bytes: 16 << 20,
            max_layer_bytes: 32 << 30,
            max_file_bytes_default: 512 << 20,
            max_layers: 1000,
            max_manifests: 4096,
            max_index_depth: 8,
            max_archive_entries: 1_000_000,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// Used when the image offers several platforms. A single-platform image is opened whatever
    /// its platform; compare [`Image::platform`] if that matters.
    pub platform: Platform,
    pub limits: Limits,
    /// How to reach registries (TLS, credentials, blob cache), for registry references.
    pub registry: crate::registry::RegistryOptions,
    /// The engine endpoint for `docker:`/`podman:` references (`unix:///path`); `None` means
    /// the engine's default socket (see [`crate::engine::default_host`]).
    pub engine_host: Option<String>,
}

/// One layer, bottom first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layer {
    pub index: usize,
    /// Digest of the blob as stored (compressed).
    pub digest: Digest,
    /// Digest of the uncompressed tar, from the config's `rootfs.diff_ids`.
    pub diff_id: Digest,
    pub media_type: String,
    /// Stored (compressed) size.
    pub size: u64,
    /// The history entry's `created_by`; `None` when history does not line up with the layers.
    pub created_by: Option<String>,
}

/// Where a layer's bytes are, and what to check them against.
#[derive(Debug)]
pub(crate) struct LayerPlan {
    /// Path inside the store.
    pub locator: String,
    pub digest: Digest,
    pub size: u64,
    pub media_type: String,
}

/// What a backend resolved: everything but the layer streams.
pub(crate) struct Resolved {
    pub manifest_digest: Digest,
    pub config_digest: Digest,
    pub config: ImageConfig,
    pub repo_tags: Vec<String>,
    pub layers: Vec<LayerPlan>,
}

/// An opened image. `Send + Sync`: layers can be opened and read from several threads at once.
#[derive(Debug)]
pub struct Image {
    /// The reference as the user gave it, normalised (`oci:DIR:TAG`, ...).
    pub reference: String,
    /// For a docker archive without an OCI index this is the sha256 of its `manifest.json` file,
    /// since `docker save` stores no registry manifest.
    pub manifest_digest: Digest,
    /// The image ID.
    pub config_digest: Digest,
    pub config: ImageConfig,
    pub repo_tags: Vec<String>,
    pub layers: Vec<Layer>,
    plans: Vec<LayerPlan>,
    store: Store,
    limits: Limits,
    /// The archive exported by a local engine, deleted when the image is dropped.
    _spool: Option<tempfile::TempPath>,
}

/// Opens an image: resolves tag and platform, reads and verifies index, manifest and config, and
/// checks that every layer blob is present.
pub fn open(r: &ImageRef, opts: &OpenOptions) -> Result<Image, ImageError> {
    let index_limits = index_limits(&opts.limits);
    let (store, resolved) = match r {
        ImageRef::OciDir { path, tag } => {
            let meta = std::fs::metadata(path).map_err(|source| ImageError::Io { path: path.clone(), source })?;
            if !meta.is_dir() {
                return Err(ImageError::UnknownFormat {
                    path: path.clone(),
                    reason: "oci: expects an OCI layout directory; for an archive file use oci-archive:".into(),
                });
            }
            let store = Store::Dir(path.clone());
            let resolved = crate::oci::resolve(&store, tag.as_deref(), opts)?;
            (store, resolved)
        }
        ImageRef::OciArchive { path, tag } => {
            let store = Store::Archive(OuterArchive::index(path, index_limits)?);
            let resolved = crate::oci::resolve(&store, tag.as_deref(), opts).map_err(|e| store.explain(e))?;
            (store, resolved)
        }
        ImageRef::DockerArchive { path } => {
            let store = Store::Archive(OuterArchive::index(path, index_limits)?);
            let resolved = crate::docker::resolve(&store, opts).map_err(|e| store.explain(e))?;
            (store, resolved)
        }
        ImageRef::Registry(rr) => {
            let client = Arc::new(Client::connect(&rr.registry, &opts.registry)?);
            return open_with_client(rr, client, opts);
        }
        ImageRef::Engine { engine, name } => return open_from_engine(*engine, name, opts),
    };
    assemble(r.to_string(), store, resolved, opts)
}

/// `docker:NAME` / `podman:NAME`: the engine exports the image as a `docker save` archive
/// (`GET /images/{name}/get`), streamed to a temporary file (the archive reader seeks, and
/// nothing is buffered in memory), then read and verified like any docker archive: every
/// layer against its diff_id and the config against the image id.
fn open_from_engine(engine: EngineKind, name: &str, opts: &OpenOptions) -> Result<Image, ImageError> {
    let host = opts.engine_host.clone().unwrap_or_else(|| crate::engine::default_host(engine));
    let client = crate::engine::EngineClient::new(&host, crate::engine::EngineLimits::default())?;
    let spool = crate::engine::save_to_temp(&client, name, opts.limits.max_layer_bytes)?;
    let store = Store::Archive(OuterArchive::index(&spool, index_limits(&opts.limits))?);
    let resolved = crate::docker::resolve(&store, opts)?;
    let reference = ImageRef::Engine { engine, name: name.to_owned() }.to_string();
    let mut image = assemble(reference, store, resolved, opts)?;
    image._spool = Some(spool);
    Ok(image)
}

fn index_limits(limits: &Limits) -> IndexLimits {
    IndexLimits {
        max_entries: limits.max_archive_entries,
        max_cached_entry: limits.max_json_bytes,
        max_cache_total: limits.max_json_bytes.saturating_mul(4),
    }
}

/// Opens an image archive given as a bare path (no `docker-archive:` or `oci-archive:`), reading
/// it once: the archive is indexed, and its entries say what it is, a `docker save` archive
/// (`manifest.json`; preferred, as Docker also writes an OCI index into its archives) or an OCI
/// layout archive (`index.json` or `oci-layout`). Parsing the path with [`ImageRef::parse`] and
/// then calling [`open`] reads it twice (once to tell, once to index).
pub fn open_archive(path: &Path, opts: &OpenOptions) -> Result<Image, ImageError> {
    let archive = OuterArchive::index(path, index_limits(&opts.limits))?;
    let (docker, oci) =
        (archive.contains("manifest.json"), archive.contains("index.json") || archive.contains("oci-layout"));
    let store = Store::Archive(archive);
    let (r, resolved) = if docker {
        let resolved = crate::docker::resolve(&store, opts).map_err(|e| store.explain(e))?;
        (ImageRef::DockerArchive { path: path.to_owned() }, resolved)
    } else if oci {
        let resolved = crate::oci::resolve(&store, None, opts).map_err(|e| store.explain(e))?;
        (ImageRef::OciArchive { path: path.to_owned(), tag: None }, resolved)
    } else {
        return Err(store.explain(ImageError::UnknownFormat {
            path: path.to_owned(),
            reason: "a tar archive without manifest.json, index.json or oci-layout".into(),
        }));
    };
    assemble(r.to_string(), store, resolved, opts)
}

/// Opens a registry image through a client already connected to its registry, as [`open`]
/// does for [`ImageRef::Registry`] but without a new connection: one client (its connection
/// pool and its tokens, one per repository scope) can serve every image of a registry.
/// `opts.registry` is read only for the blob cache; TLS and credentials are the client's. The
/// client must be for `r`'s registry.
pub fn open_with_client(r: &RegistryRef, client: Arc<Client>, opts: &OpenOptions) -> Result<Image, ImageError> {
    if !api_host(client.registry()).eq_ignore_ascii_case(api_host(&r.registry)) {
        return Err(ImageError::Registry {
            registry: r.registry.clone(),
            reason: format!("the client given is connected to another registry, {}", client.registry()),
        });
    }
    let store = Store::Registry(RegistryStore::new(client.clone(), r, opts.registry.blob_cache.clone()));
    let resolved = crate::registry::resolve(&client, r, &store, opts)?;
    assemble(ImageRef::Registry(r.clone()).to_string(), store, resolved, opts)
}

/// The [`Image`] of what a backend resolved, after checking the config against the manifest.
fn assemble(reference: String, store: Store, resolved: Resolved, opts: &OpenOptions) -> Result<Image, ImageError> {
    let Resolved { manifest_digest, config_digest, config, repo_tags, layers: plans } = resolved;
    if plans.len() != config.diff_ids.len() {
        return Err(ImageError::Malformed {
            what: format!("image config {config_digest}"),
            reason: format!("it lists {} diff_ids but the manifest has {} layers", config.diff_ids.len(), plans.len()),
        });
    }
    let history = config.layer_history(plans.len());
    let layers = plans
        .iter()
        .zip(&config.diff_ids)
        .zip(history)
        .enumerate()
        .map(|(index, ((plan, diff_id), created_by))| Layer {
            index,
            digest: plan.digest.clone(),
            diff_id: diff_id.clone(),
            media_type: plan.media_type.clone(),
            size: plan.size,
            created_by,
        })
        .collect();
    Ok(Image {
        reference,
        manifest_digest,
        config_digest,
        config,
        repo_tags,
        layers,
        plans,
        store,
        limits: opts.limits.clone(),
        _spool: None,
    })
}

impl Image {
    /// The uncompressed tar stream of layer `index` (0 = bottom).
    ///
    /// Verification happens as the stream is read: at its end the stored blob is checked against
    /// its digest and size and the uncompressed bytes against the config's diff_id. A mismatch,
    /// a decompression error or exceeding [`Limits::max_layer_bytes`] makes `read` fail with an
    /// `io::Error` of kind `InvalidData` carrying the [`ImageError`] (see
    /// [`ImageError::from_io`]). Read to the end: a stream dropped early has not been verified.
    pub fn open_layer(&self, index: usize) -> Result<Box<dyn Read + Send + '_>, ImageError> {
        let (layer, plan) = match (self.layers.get(index), self.plans.get(index)) {
            (Some(l), Some(p)) => (l, p),
            _ => return Err(ImageError::NoSuchLayer { index, count: self.layers.len() }),
        };
        let raw = self
            .store
            .open_sized(&plan.locator, Some(plan.size))?
            .ok_or_else(|| ImageError::BlobMissing { digest: plan.digest.clone() })?;
        let stream = LayerStream::new(
            raw,
            LayerExpect {
                index,
                digest: plan.digest.clone(),
                size: Some(plan.size),
                diff_id: layer.diff_id.clone(),
                max_uncompressed: self.limits.max_layer_bytes,
            },
        )?;
        // Small layers are not worth a thread.
        if plan.size >= READ_AHEAD_MIN {
            return Ok(crate::stream::read_ahead(stream));
        }
        Ok(Box::new(stream))
    }

    /// The layers as the report model sees them.
    pub fn layer_refs(&self) -> Vec<LayerRef> {
        self.layers
            .iter()
            .map(|l| LayerRef {
                index: l.index,
                digest: Some(l.digest.clone()),
                diff_id: Some(l.diff_id.clone()),
                created_by: l.created_by.clone(),
            })
            .collect()
    }

    /// `os/architecture[/variant]` from the config.
    pub fn platform(&self) -> String {
        self.config.platform()
    }

    /// The file or directory the image is read from (`registry/repository` for a registry image).
    pub fn path(&self) -> PathBuf {
        self.store.describe().to_owned()
    }

    /// Whether opening a layer re-reads a compressed archive file (`docker save | gzip`) from
    /// its start: each layer then costs a decompression pass over the archive up to that layer,
    /// and callers may prefer fewer threads.
    pub fn layers_restream(&self) -> bool {
        matches!(&self.store, Store::Archive(a) if a.is_compressed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_archive_tells_docker_from_oci_as_parse_does() {
        use crate::testing::{DockerArchive, ImageBuilder, LayerBuilder};
        let dir = tempfile::tempdir().unwrap();
        let image = ImageBuilder::new().layer(LayerBuilder::new().file("etc/hostname", "x\n", 0o644));
        let docker = dir.path().join("d.tar");
        image
            .write_docker_archive(&docker, &DockerArchive { blobs_layout: true, gzip: true, ..Default::default() })
            .unwrap();
        let oci = dir.path().join("o.tar");
        image.write_oci_archive(&oci, None).unwrap();
        let opts = OpenOptions::default();
        for path in [&docker, &oci] {
            let once = open_archive(path, &opts).unwrap();
            let twice = open(&ImageRef::parse(path.to_str().unwrap()).unwrap(), &opts).unwrap();
            assert_eq!(once.reference, twice.reference);
            assert_eq!(once.manifest_digest, twice.manifest_digest);
            assert_eq!(once.layers.len(), 1);
        }
        assert!(open_archive(&docker, &opts).unwrap().reference.starts_with("docker-archive:"));
        assert!(open_archive(&oci, &opts).unwrap().reference.starts_with("oci-archive:"));
        let not_an_image = dir.path().join("n.tar");
        std::fs::write(&not_an_image, crate::testing::LayerBuilder::new().file("a", "b", 0o644).tar_bytes().unwrap())
            .unwrap();
        assert!(matches!(open_archive(&not_an_image, &opts), Err(ImageError::UnknownFormat { .. })));
    }

    #[test]
    fn platform_parsing_and_matching() {
        let p: Platform = "linux/arm64/v8".parse().unwrap();
        assert_eq!(p.to_string(), "linux/arm64/v8");
        let arm64: Platform = "linux/arm64".parse().unwrap();
        assert!(arm64.matches(&p));
        assert!(p.matches(&Platform::new("linux", "arm64", None)));
        assert!(!p.matches(&Platform::new("linux", "arm64", Some("v9"))));
        let amd: Platform = Platform::default();
        assert_eq!(amd.to_string(), "linux/amd64");
        assert!(amd.matches(&Platform::new("linux", "amd64", Some("v3"))));
        assert!(
            amd.match_score(&Platform::new("linux", "x86_64", None))
                > amd.match_score(&Platform::new("linux", "amd64", Some("v3")))
        );
        assert!(!amd.matches(&arm64));
        let arm7: Platform = "linux/arm/v7".parse().unwrap();
        assert!(arm7.matches(&Platform::new("linux", "arm", None)));
        assert!(!arm7.matches(&Platform::new("linux", "arm", Some("v6"))));
        assert!("linux".parse::<Platform>().is_err());
        assert!("linux/amd64/v1/x".parse::<Platform>().is_err());
    }

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn image_is_send_and_sync() {
        assert_send_sync::<Image>();
    }
}
