//! Images in OCI distribution registries (`host[:port]/repo[:tag|@digest]`).
//!
//! [`Client`] speaks the distribution API (auth challenges, retries, uploads); [`RegistryRef`]
//! parses names. For [`crate::open`] (or [`crate::open_with_client`], which reuses a connected
//! client across images), the tag is resolved to a manifest (through manifest lists
//! and OCI indexes, choosing the platform as for OCI layouts), every manifest is hashed and
//! checked against the digest it was reached by, and the config is read as a verified blob.
//! Layers are not downloaded up front: [`crate::Image::open_layer`] issues one GET per layer and
//! the response body flows straight into the digest-verifying layer stream, so the pipeline's
//! parallel layer walk is also a parallel download. With a blob cache directory, a blob is
//! written there while it streams and kept only if its digest checked out.

pub mod auth;
pub mod client;
#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod name;
pub mod referrers;
#[cfg(any(test, feature = "test-util"))]
pub mod testing;

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use plimsoll_model::Digest;
use serde::Deserialize;

pub use auth::Credentials;
pub use client::{Client, Fetched, RegistryOptions, MANIFEST_ACCEPT};
pub use name::RegistryRef;
pub use referrers::{fallback_tag, ReferrerDescriptor, Referrers, ReferrersSource};

use crate::error::ImageError;
use crate::oci::{self, Descriptor, DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST};
use crate::source::{LayerPlan, OpenOptions, Platform, Resolved};
use crate::store::{blob_path, Store};
use crate::stream::Hasher;

/// The blob side of an image in a registry.
#[derive(Debug)]
pub(crate) struct RegistryStore {
    client: Arc<Client>,
    repo: String,
    /// `registry/repo`, shown where a path would be.
    label: PathBuf,
    cache: Option<PathBuf>,
}

impl RegistryStore {
    pub fn new(client: Arc<Client>, r: &RegistryRef, cache: Option<PathBuf>) -> RegistryStore {
        RegistryStore { client, repo: r.repository.clone(), label: PathBuf::from(r.name()), cache }
    }

    pub fn label(&self) -> &Path {
        &self.label
    }

    /// `blobs/<alg>/<hex>` -> the blob, from the cache or the registry.
    pub fn open(&self, rel: &str, size: Option<u64>) -> Result<Option<Box<dyn Read + Send>>, ImageError> {
        let Some(digest) = digest_of_locator(rel) else { return Ok(None) };
        if let Some(dir) = &self.cache {
            let path = dir.join(blob_path(&digest));
            if let Ok(f) = File::open(&path) {
                return Ok(Some(Box::new(f)));
            }
        }
        let Some(body) = self.client.get_blob_sized(&self.repo, &digest, size)? else { return Ok(None) };
        match &self.cache {
            Some(dir) => Ok(Some(Box::new(CachingReader::new(body, dir, digest)))),
            None => Ok(Some(body)),
        }
    }

    pub fn exists(&self, rel: &str) -> bool {
        digest_of_locator(rel).is_some_and(|d| {
            self.cache.as_ref().is_some_and(|dir| dir.join(blob_path(&d)).is_file())
                || self.client.blob_exists(&self.repo, &d, &client::pull_scope(&self.repo)).unwrap_or(false)
        })
    }
}

fn digest_of_locator(rel: &str) -> Option<Digest> {
    let rest = rel.strip_prefix("blobs/")?;
    let (alg, hex) = rest.split_once('/')?;
    format!("{alg}:{hex}").parse().ok()
}

/// Tees a blob into `DIR/blobs/<alg>/<hex>.partial-<pid>-<n>` and renames it into place at EOF
/// if the bytes hash to the digest. Cache write failures only disable caching for this blob.
struct CachingReader {
    inner: Box<dyn Read + Send>,
    file: Option<(File, PathBuf)>,
    target: PathBuf,
    hasher: Hasher,
    digest: Digest,
}

impl CachingReader {
    fn new(inner: Box<dyn Read + Send>, dir: &Path, digest: Digest) -> CachingReader {
        use std::sync::atomic::{AtomicU64, Ordering};
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let target = dir.join(blob_path(&digest));
        let tmp =
            target.with_extension(format!("partial-{}-{}", std::process::id(), SEQ.fetch_add(1, Ordering::Relaxed)));
        let file = target
            .parent()
            .and_then(|p| std::fs::create_dir_all(p).ok())
            .and_then(|()| File::create(&tmp).ok())
            .map(|f| (f, tmp));
        CachingReader { inner, file, target, hasher: Hasher::for_digest(&digest), digest }
    }

    fn abandon(&mut self) {
        if let Some((_, tmp)) = self.file.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

impl Read for CachingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) => {
                self.abandon();
                return Err(e);
            }
        };
        if n == 0 {
            if let Some((mut f, tmp)) = self.file.take() {
                let h = std::mem::replace(&mut self.hasher, Hasher::for_digest(&self.digest));
                if h.finish() == self.digest && f.flush().is_ok() {
                    let _ = std::fs::rename(&tmp, &self.target);
                } else {
                    let _ = std::fs::remove_file(&tmp);
                }
            }
            return Ok(0);
        }
        if self.file.is_some() {
            let data = buf.get(..n).unwrap_or_default();
            self.hasher.update(data);
            if let Some((f, _)) = &mut self.file {
                if f.write_all(data).is_err() {
                    self.abandon();
                }
            }
        }
        Ok(n)
    }
}

impl Drop for CachingReader {
    fn drop(&mut self) {
        self.abandon();
    }
}

/// Fetches the manifest (or index) a reference names, verified if pinned by digest.
pub fn fetch_manifest(client: &Client, r: &RegistryRef, limit: u64) -> Result<Fetched, ImageError> {
    client
        .get_manifest(&r.repository, &r.reference(), limit)?
        .ok_or_else(|| ImageError::NotFound { registry: r.registry.clone(), what: format!("manifest {r}") })
}

#[derive(Deserialize)]
struct RawIndex {
    manifests: Vec<Descriptor>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Index,
    Manifest,
    Other,
}

fn kind_of(media_type: &str, bytes: &[u8]) -> Kind {
    match media_type {
        OCI_INDEX | DOCKER_LIST => Kind::Index,
        OCI_MANIFEST | DOCKER_MANIFEST => Kind::Manifest,
        "" | "application/json" => {
            // No (useful) media type: tell by shape, as the OCI spec allows.
            #[derive(Deserialize)]
            struct Probe {
                #[serde(default)]
                manifests: Option<serde::de::IgnoredAny>,
                #[serde(default)]
                config: Option<serde::de::IgnoredAny>,
            }
            match serde_json::from_slice::<Probe>(bytes) {
                Ok(Probe { manifests: Some(_), config: None }) => Kind::Index,
                Ok(Probe { manifests: None, config: Some(_) }) => Kind::Manifest,
                _ => Kind::Other,
            }
        }
        _ => Kind::Other,
    }
}

/// An image manifest found under an index.
struct Candidate {
    desc: Descriptor,
}

/// Resolves a registry image for [`crate::open`].
pub(crate) fn resolve(
    client: &Client,
    r: &RegistryRef,
    store: &Store,
    opts: &OpenOptions,
) -> Result<Resolved, ImageError> {
    let limits = &opts.limits;
    let top = fetch_manifest(client, r, limits.max_json_bytes)?;
    let (manifest_digest, manifest_bytes) = match kind_of(&top.media_type, &top.bytes) {
        Kind::Manifest => (top.digest.clone(), top.bytes),
        Kind::Index => {
            let mut candidates = Vec::new();
            expand_index(client, r, &top.digest, &top.bytes, 0, opts, &mut candidates)?;
            candidates.retain(|c| !c.desc.is_attestation());
            let chosen = match candidates.len() {
                0 => {
                    return Err(ImageError::Malformed {
                        what: format!("image index {r}"),
                        reason: "it lists no image manifest".into(),
                    })
                }
                1 => candidates.remove(0),
                _ => choose_platform(client, r, store, opts, candidates)?,
            };
            let bytes = fetch_child(client, r, &chosen.desc, limits.max_json_bytes)?;
            (chosen.desc.digest, bytes)
        }
        Kind::Other => {
            return Err(ImageError::UnsupportedMediaType {
                what: format!("manifest {r}"),
                media_type: top.media_type.clone(),
            })
        }
    };
    let manifest = oci::parse_manifest(&manifest_bytes, format!("manifest {manifest_digest}"))?;
    let (config_digest, config) = oci::load_config(store, &manifest, limits.max_json_bytes)?;
    if manifest.layers.len() > limits.max_layers {
        return Err(ImageError::TooMany {
            what: format!("number of layers in manifest {manifest_digest}"),
            limit: limits.max_layers as u64,
        });
    }
    let mut layers = Vec::with_capacity(manifest.layers.len());
    for (i, l) in manifest.layers.iter().enumerate() {
        if !oci::is_layer_media_type(&l.media_type) {
            return Err(ImageError::UnsupportedMediaType {
                what: format!("layer {i} ({})", l.digest),
                media_type: l.media_type.clone(),
            });
        }
        // Existence is not checked up front (a HEAD per layer); a missing blob fails its stream.
        layers.push(LayerPlan {
            locator: blob_path(&l.digest),
            digest: l.digest.clone(),
            size: l.size,
            media_type: l.media_type.clone(),
        });
    }
    let repo_tags =
        r.tag.as_ref().map(|_| vec![RegistryRef { digest: None, ..r.clone() }.to_string()]).unwrap_or_default();
    Ok(Resolved { manifest_digest, config_digest, config, repo_tags, layers })
}

/// Fetches a manifest named by a descriptor: by digest (verified by the client), size checked.
fn fetch_child(client: &Client, r: &RegistryRef, desc: &Descriptor, limit: u64) -> Result<Vec<u8>, ImageError> {
    let what = format!("manifest {}", desc.digest);
    if desc.size > limit {
        return Err(ImageError::TooLarge { what, limit });
    }
    let f = client
        .get_manifest(&r.repository, &desc.digest.to_string(), limit)?
        .ok_or_else(|| ImageError::NotFound { registry: r.registry.clone(), what: format!("{what} of {r}") })?;
    if f.bytes.len() as u64 != desc.size {
        return Err(ImageError::SizeMismatch { what, expected: desc.size, actual: f.bytes.len() as u64 });
    }
    Ok(f.bytes)
}

fn expand_index(
    client: &Client,
    r: &RegistryRef,
    digest: &Digest,
    bytes: &[u8],
    depth: usize,
    opts: &OpenOptions,
    out: &mut Vec<Candidate>,
) -> Result<(), ImageError> {
    let limits = &opts.limits;
    if depth >= limits.max_index_depth {
        return Err(ImageError::TooMany {
            what: "nesting depth of image indexes".into(),
            limit: limits.max_index_depth as u64,
        });
    }
    let what = format!("image index {digest}");
    let index: RawIndex = serde_json::from_slice(bytes).map_err(|source| ImageError::Json { what, source })?;
    for child in index.manifests {
        if out.len() >= limits.max_manifests {
            return Err(ImageError::TooMany {
                what: "number of manifests in the image index".into(),
                limit: limits.max_manifests as u64,
            });
        }
        match child.media_type.as_str() {
            OCI_MANIFEST | DOCKER_MANIFEST => out.push(Candidate { desc: child }),
            OCI_INDEX | DOCKER_LIST => {
                if &child.digest == digest {
                    return Err(ImageError::Malformed {
                        what: format!("image index {digest}"),
                        reason: "it refers to itself".into(),
                    });
                }
                let b = fetch_child(client, r, &child, limits.max_json_bytes)?;
                expand_index(client, r, &child.digest, &b, depth + 1, opts, out)?;
            }
            // Signatures, SBOMs and other artifacts can sit in an index next to images.
            _ => {}
        }
    }
    Ok(())
}

fn choose_platform(
    client: &Client,
    r: &RegistryRef,
    store: &Store,
    opts: &OpenOptions,
    candidates: Vec<Candidate>,
) -> Result<Candidate, ImageError> {
    let requested = &opts.platform;
    let mut best: Option<(u8, Candidate)> = None;
    let mut available: Vec<String> = Vec::new();
    for c in candidates {
        let platform = match &c.desc.platform {
            Some(p) => p.normalized(),
            // No platform in the index: the config says it.
            None => {
                let b = fetch_child(client, r, &c.desc, opts.limits.max_json_bytes)?;
                let m = oci::parse_manifest(&b, format!("manifest {}", c.desc.digest))?;
                let (_, config) = oci::load_config(store, &m, opts.limits.max_json_bytes)?;
                Platform::new(&config.os, &config.architecture, config.variant.as_deref())
            }
        };
        let shown = platform.to_string();
        if !available.contains(&shown) {
            available.push(shown);
        }
        if let Some(score) = requested.match_score(&platform) {
            if best.as_ref().is_none_or(|(s, _)| score > *s) {
                best = Some((score, c));
            }
        }
    }
    best.map(|(_, c)| c).ok_or_else(|| ImageError::PlatformNotFound { requested: requested.to_string(), available })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locators() {
        let hex = "ab".repeat(32);
        assert_eq!(digest_of_locator(&format!("blobs/sha256/{hex}")).unwrap().to_string(), format!("sha256:{hex}"));
        assert!(digest_of_locator("blobs/sha256/../../etc/passwd").is_none());
        assert!(digest_of_locator("index.json").is_none());
    }

    #[test]
    fn caching_reader_keeps_only_verified_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let good = b"blob bytes".to_vec();
        let d = crate::stream::sha256(&good);
        let mut r = CachingReader::new(Box::new(io::Cursor::new(good.clone())), dir.path(), d.clone());
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(std::fs::read(dir.path().join(blob_path(&d))).unwrap(), good);
        let bad_digest = crate::stream::sha256(b"other");
        let mut r = CachingReader::new(Box::new(io::Cursor::new(good)), dir.path(), bad_digest.clone());
        r.read_to_end(&mut out).unwrap();
        assert!(!dir.path().join(blob_path(&bad_digest)).exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("blobs/sha256")).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no partial files left behind");
    }
}
