//! OCI image layouts (directory or archive): `oci-layout`, `index.json`, nested indexes and
//! docker manifest lists, tag and platform selection (image-spec `image-layout.md`,
//! `image-index.md`, `manifest.md`).

use std::collections::{BTreeMap, HashSet};

use plimsoll_model::Digest;
use serde::Deserialize;

use crate::config::ImageConfig;
use crate::error::ImageError;
use crate::source::{LayerPlan, OpenOptions, Platform, Resolved};
use crate::store::{blob_path, Store};

pub(crate) const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub(crate) const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub(crate) const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub(crate) const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_SCHEMA1: [&str; 2] = [
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
];
const CONFIG_TYPES: [&str; 2] =
    ["application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json"];

/// `org.opencontainers.image.ref.name`: the tag (or full reference) of an image in a layout.
const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// containerd's and docker's full image name annotation.
const CONTAINERD_NAME: &str = "io.containerd.image.name";

/// Layer media types we can read. Compression is sniffed from the bytes anyway.
pub(crate) fn is_layer_media_type(mt: &str) -> bool {
    matches!(
        mt,
        "application/vnd.oci.image.layer.v1.tar"
            | "application/vnd.oci.image.layer.v1.tar+gzip"
            | "application/vnd.oci.image.layer.v1.tar+zstd"
            | "application/vnd.oci.image.layer.nondistributable.v1.tar"
            | "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
            | "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
            | "application/vnd.docker.image.rootfs.diff.tar"
            | "application/vnd.docker.image.rootfs.diff.tar.gzip"
            | "application/vnd.docker.image.rootfs.diff.tar.zstd"
            | "application/vnd.docker.image.rootfs.foreign.diff.tar"
            | "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
    )
}

#[derive(Deserialize, Clone, Debug)]
pub(crate) struct Descriptor {
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    pub digest: Digest,
    pub size: u64,
    #[serde(default)]
    pub platform: Option<RawPlatform>,
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
}

impl Descriptor {
    fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.as_ref()?.get(key).map(String::as_str)
    }

    /// The names this descriptor is known by in a layout.
    fn names(&self) -> Vec<String> {
        let mut v = Vec::new();
        for key in [REF_NAME, CONTAINERD_NAME] {
            if let Some(n) = self.annotation(key).filter(|n| !n.is_empty()) {
                if !v.iter().any(|x| x == n) {
                    v.push(n.to_owned());
                }
            }
        }
        v
    }

    /// Does `tag` name this descriptor: the ref name, the full containerd name, or that name's tag.
    fn is_named(&self, tag: &str) -> bool {
        if self.names().iter().any(|n| n == tag) {
            return true;
        }
        self.annotation(CONTAINERD_NAME).is_some_and(|full| tag_of(full) == Some(tag))
    }

    pub(crate) fn is_attestation(&self) -> bool {
        self.annotation("vnd.docker.reference.type") == Some("attestation-manifest")
            || self.platform.as_ref().is_some_and(|p| p.os == "unknown" && p.architecture == "unknown")
    }
}

/// The tag of a full reference `repo:tag` (a `:` after the last `/`), without any digest.
fn tag_of(full: &str) -> Option<&str> {
    let name = full.split('@').next().unwrap_or(full);
    let (_, tag) = name.rsplit_once(':')?;
    (!tag.contains('/')).then_some(tag)
}

#[derive(Deserialize, Clone, Debug)]
pub(crate) struct RawPlatform {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub variant: Option<String>,
}

impl RawPlatform {
    pub(crate) fn normalized(&self) -> Platform {
        Platform::new(&self.os, &self.architecture, self.variant.as_deref())
    }
}

#[derive(Deserialize)]
struct RawIndex {
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    manifests: Vec<Descriptor>,
}

#[derive(Deserialize)]
pub(crate) struct RawManifest {
    #[serde(rename = "schemaVersion", default)]
    schema_version: Option<i64>,
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
}

/// Just enough of a blob to tell what it is when its descriptor has no media type.
#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "schemaVersion", default)]
    schema_version: Option<i64>,
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    config: Option<serde::de::IgnoredAny>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Index,
    Manifest,
}

fn kind_of(media_type: &str) -> Option<Kind> {
    match media_type {
        OCI_INDEX | DOCKER_LIST => Some(Kind::Index),
        OCI_MANIFEST | DOCKER_MANIFEST => Some(Kind::Manifest),
        _ => None,
    }
}

/// An image manifest reachable from `index.json`.
struct Candidate {
    desc: Descriptor,
    /// Position of the `index.json` entry it was reached from.
    root: usize,
}

pub(crate) fn resolve(store: &Store, tag: Option<&str>, opts: &OpenOptions) -> Result<Resolved, ImageError> {
    let limits = &opts.limits;
    check_layout_file(store, limits.max_json_bytes)?;
    let index_bytes =
        store.read_file("index.json", limits.max_json_bytes)?.ok_or_else(|| ImageError::UnknownFormat {
            path: store.location("index.json"),
            reason: "no index.json, so this is not an OCI image layout".into(),
        })?;
    let index: RawIndex = serde_json::from_slice(&index_bytes)
        .map_err(|source| ImageError::Json { what: format!("{}", store.location("index.json").display()), source })?;
    if index.manifests.is_empty() {
        return Err(ImageError::Malformed { what: "index.json".into(), reason: "it lists no images".into() });
    }
    let _ = index.media_type;

    // Tag selection among the top-level entries.
    let mut tags: Vec<String> = Vec::new();
    for d in &index.manifests {
        if let Some(first) = d.names().into_iter().next() {
            if !tags.contains(&first) {
                tags.push(first);
            }
        }
    }
    let selected: Vec<usize> = match tag {
        Some(t) => {
            let hits: Vec<usize> = (0..index.manifests.len()).filter(|&i| index.manifests[i].is_named(t)).collect();
            if hits.is_empty() {
                return Err(ImageError::TagNotFound { tag: t.to_owned(), available: tags });
            }
            hits
        }
        None => {
            // One group of entries sharing a name (or all unnamed) is unambiguous; several are not.
            let mut groups: Vec<Option<String>> =
                index.manifests.iter().map(|d| d.names().into_iter().next()).collect();
            groups.dedup();
            let distinct: HashSet<&Option<String>> = groups.iter().collect();
            if distinct.len() > 1 {
                let mut available = tags.clone();
                if distinct.contains(&None) {
                    available.push("(untagged)".into());
                }
                return Err(ImageError::TagRequired { available });
            }
            (0..index.manifests.len()).collect()
        }
    };

    let mut candidates = Vec::new();
    let mut unsupported: Option<(String, String)> = None;
    let mut seen = HashSet::new();
    for &i in &selected {
        let root = &index.manifests[i];
        expand(store, opts, root, i, 0, &mut seen, &mut candidates, &mut unsupported)?;
    }
    candidates.retain(|c| !c.desc.is_attestation());
    let chosen = match candidates.len() {
        0 => {
            return Err(match unsupported {
                Some((what, media_type)) => ImageError::UnsupportedMediaType { what, media_type },
                None => {
                    ImageError::Malformed { what: "index.json".into(), reason: "it leads to no image manifest".into() }
                }
            })
        }
        1 => candidates.remove(0),
        _ => choose_platform(store, opts, candidates)?,
    };

    let root = &index.manifests[chosen.root];
    let repo_tags = match (root.annotation(CONTAINERD_NAME), root.annotation(REF_NAME)) {
        (Some(full), _) if !full.is_empty() => vec![full.to_owned()],
        (_, Some(name)) if !name.is_empty() => vec![name.to_owned()],
        _ => Vec::new(),
    };
    let manifest = load_manifest(store, &chosen.desc, limits.max_json_bytes)?;
    let (config_digest, config) = load_config(store, &manifest, limits.max_json_bytes)?;
    if manifest.layers.len() > limits.max_layers {
        return Err(ImageError::TooMany {
            what: format!("number of layers in manifest {}", chosen.desc.digest),
            limit: limits.max_layers as u64,
        });
    }
    let mut layers = Vec::with_capacity(manifest.layers.len());
    for (i, l) in manifest.layers.iter().enumerate() {
        if !is_layer_media_type(&l.media_type) {
            return Err(ImageError::UnsupportedMediaType {
                what: format!("layer {i} ({})", l.digest),
                media_type: l.media_type.clone(),
            });
        }
        let locator = blob_path(&l.digest);
        if !store.exists(&locator) {
            return Err(ImageError::BlobMissing { digest: l.digest.clone() });
        }
        layers.push(LayerPlan { locator, digest: l.digest.clone(), size: l.size, media_type: l.media_type.clone() });
    }
    Ok(Resolved { manifest_digest: chosen.desc.digest.clone(), config_digest, config, repo_tags, layers })
}

/// Checks `oci-layout` ("imageLayoutVersion": "1.0.0"), which the spec requires.
fn check_layout_file(store: &Store, limit: u64) -> Result<(), ImageError> {
    #[derive(Deserialize)]
    struct Layout {
        #[serde(rename = "imageLayoutVersion")]
        version: String,
    }
    let bytes = store.read_file("oci-layout", limit)?.ok_or_else(|| ImageError::UnknownFormat {
        path: store.location("oci-layout"),
        reason: "no oci-layout file, so this is not an OCI image layout".into(),
    })?;
    let layout: Layout =
        serde_json::from_slice(&bytes).map_err(|source| ImageError::Json { what: "oci-layout".into(), source })?;
    if !layout.version.starts_with("1.") {
        return Err(ImageError::Malformed {
            what: "oci-layout".into(),
            reason: format!("image layout version {} is not supported (expected 1.x)", layout.version),
        });
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn expand(
    store: &Store,
    opts: &OpenOptions,
    desc: &Descriptor,
    root: usize,
    depth: usize,
    seen: &mut HashSet<Digest>,
    out: &mut Vec<Candidate>,
    unsupported: &mut Option<(String, String)>,
) -> Result<(), ImageError> {
    let limits = &opts.limits;
    if out.len() >= limits.max_manifests {
        return Err(ImageError::TooMany {
            what: "number of manifests in the image index".into(),
            limit: limits.max_manifests as u64,
        });
    }
    let kind = match kind_of(&desc.media_type) {
        Some(k) => k,
        None if desc.media_type.is_empty() => probe(store, desc, limits.max_json_bytes)?,
        None => {
            if DOCKER_SCHEMA1.contains(&desc.media_type.as_str()) {
                return Err(ImageError::UnsupportedMediaType {
                    what: format!(
                        "manifest {} (docker schema 1 is obsolete; re-push or re-save the image)",
                        desc.digest
                    ),
                    media_type: desc.media_type.clone(),
                });
            }
            // Artifacts (signatures, SBOMs) can sit beside images in an index: skip them, but
            // remember one to explain an index with nothing else.
            unsupported.get_or_insert_with(|| (format!("manifest {}", desc.digest), desc.media_type.clone()));
            return Ok(());
        }
    };
    match kind {
        Kind::Manifest => {
            out.push(Candidate { desc: desc.clone(), root });
            Ok(())
        }
        Kind::Index => {
            if depth >= limits.max_index_depth {
                return Err(ImageError::TooMany {
                    what: "nesting depth of image indexes".into(),
                    limit: limits.max_index_depth as u64,
                });
            }
            if !seen.insert(desc.digest.clone()) {
                return Err(ImageError::Malformed {
                    what: format!("image index {}", desc.digest),
                    reason: "it refers to itself".into(),
                });
            }
            let what = format!("image index {}", desc.digest);
            let bytes = store.read_blob(&desc.digest, Some(desc.size), limits.max_json_bytes, &what)?;
            let index: RawIndex =
                serde_json::from_slice(&bytes).map_err(|source| ImageError::Json { what: what.clone(), source })?;
            if let Some(mt) = index.media_type.as_deref().filter(|mt| !mt.is_empty()) {
                if kind_of(mt) != Some(Kind::Index) {
                    return Err(ImageError::Malformed {
                        what,
                        reason: format!("its descriptor says index but the blob says `{mt}`"),
                    });
                }
            }
            for child in &index.manifests {
                // A child inherits nothing but its root: tags live on index.json's entries.
                expand(store, opts, child, root, depth + 1, seen, out, unsupported)?;
            }
            Ok(())
        }
    }
}

/// Reads a blob whose descriptor has no media type to tell an index from a manifest.
fn probe(store: &Store, desc: &Descriptor, limit: u64) -> Result<Kind, ImageError> {
    let what = format!("manifest {}", desc.digest);
    let bytes = store.read_blob(&desc.digest, Some(desc.size), limit, &what)?;
    let p: Probe = serde_json::from_slice(&bytes).map_err(|source| ImageError::Json { what: what.clone(), source })?;
    if let Some(k) = p.media_type.as_deref().and_then(kind_of) {
        return Ok(k);
    }
    if p.schema_version == Some(1) {
        return Err(ImageError::UnsupportedMediaType { what, media_type: DOCKER_SCHEMA1[0].into() });
    }
    match (p.manifests.is_some(), p.config.is_some()) {
        (true, false) => Ok(Kind::Index),
        (false, true) => Ok(Kind::Manifest),
        _ => Err(ImageError::Malformed { what, reason: "neither an image index nor an image manifest".into() }),
    }
}

fn choose_platform(store: &Store, opts: &OpenOptions, candidates: Vec<Candidate>) -> Result<Candidate, ImageError> {
    let requested = &opts.platform;
    let mut best: Option<(u8, Candidate)> = None;
    let mut available: Vec<String> = Vec::new();
    for c in candidates {
        let platform = match &c.desc.platform {
            Some(p) => p.normalized(),
            // No platform in the index: the config says it.
            None => {
                let m = load_manifest(store, &c.desc, opts.limits.max_json_bytes)?;
                let (_, config) = load_config(store, &m, opts.limits.max_json_bytes)?;
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

pub(crate) fn load_manifest(store: &Store, desc: &Descriptor, limit: u64) -> Result<RawManifest, ImageError> {
    let what = format!("manifest {}", desc.digest);
    let bytes = store.read_blob(&desc.digest, Some(desc.size), limit, &what)?;
    parse_manifest(&bytes, what)
}

/// Parses and checks an image manifest (schema 2, not an index).
pub(crate) fn parse_manifest(bytes: &[u8], what: String) -> Result<RawManifest, ImageError> {
    let m: RawManifest =
        serde_json::from_slice(bytes).map_err(|source| ImageError::Json { what: what.clone(), source })?;
    if m.schema_version.is_some_and(|v| v != 2) {
        return Err(ImageError::UnsupportedMediaType {
            what,
            media_type: format!("schemaVersion {:?}", m.schema_version),
        });
    }
    if let Some(mt) = m.media_type.as_deref().filter(|mt| !mt.is_empty()) {
        if kind_of(mt) != Some(Kind::Manifest) {
            return Err(ImageError::Malformed {
                what,
                reason: format!("expected an image manifest, the blob says `{mt}`"),
            });
        }
    }
    Ok(m)
}

pub(crate) fn load_config(store: &Store, m: &RawManifest, limit: u64) -> Result<(Digest, ImageConfig), ImageError> {
    let desc = &m.config;
    let what = format!("image config {}", desc.digest);
    if !desc.media_type.is_empty() && !CONFIG_TYPES.contains(&desc.media_type.as_str()) {
        return Err(ImageError::UnsupportedMediaType {
            what: format!("{what} (an OCI artifact, not a container image)"),
            media_type: desc.media_type.clone(),
        });
    }
    let bytes = store.read_blob(&desc.digest, Some(desc.size), limit, &what)?;
    Ok((desc.digest.clone(), ImageConfig::parse(&bytes, &what)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_of_full_reference() {
        assert_eq!(tag_of("docker.io/library/alpine:3.19"), Some("3.19"));
        assert_eq!(tag_of("localhost:5000/app"), None);
        assert_eq!(tag_of("localhost:5000/app:v1@sha256:abc"), Some("v1"));
    }

    #[test]
    fn descriptors_are_named_by_ref_name_or_containerd_name() {
        let d: Descriptor = serde_json::from_value(serde_json::json!({
            "mediaType": OCI_MANIFEST,
            "digest": format!("sha256:{}", "a".repeat(64)),
            "size": 1,
            "annotations": {
                "io.containerd.image.name": "docker.io/library/alpine:3.19",
                "org.opencontainers.image.ref.name": "3.19"
            }
        }))
        .unwrap();
        assert!(d.is_named("3.19"));
        assert!(d.is_named("docker.io/library/alpine:3.19"));
        assert!(!d.is_named("3.18"));
        assert_eq!(d.names(), vec!["3.19", "docker.io/library/alpine:3.19"]);
        let only_containerd: Descriptor = serde_json::from_value(serde_json::json!({
            "digest": format!("sha256:{}", "b".repeat(64)), "size": 1,
            "annotations": { "io.containerd.image.name": "example.com/app:v2" }
        }))
        .unwrap();
        assert!(only_containerd.is_named("v2"));
        assert!(only_containerd.platform.is_none() && only_containerd.media_type.is_empty());
    }
}
