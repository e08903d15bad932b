//! `docker save` archives: `manifest.json` (`Config`, `RepoTags`, `Layers`) naming files in the
//! archive, in the legacy layout (`<id>/layer.tar`, `<id>.json`) or the one docker 25+ writes
//! (`blobs/sha256/<hex>`, beside an OCI `index.json`).
//!
//! Layers of a docker archive carry no media type and no stored digest: the compression is
//! sniffed from the first bytes, and the stored digest is taken from a `blobs/<alg>/<hex>` name,
//! or equals the diff_id for an uncompressed layer, or (rarely: a compressed layer under a legacy
//! name) is computed by hashing the file once at open time.

use std::io::Read as _;

use plimsoll_model::Digest;
use serde::Deserialize;

use crate::archive::{sniff, Compression};
use crate::config::ImageConfig;
use crate::error::ImageError;
use crate::oci::{load_manifest, Descriptor, DOCKER_LIST, OCI_INDEX};
use crate::source::{LayerPlan, OpenOptions, Platform, Resolved};
use crate::store::Store;
use crate::stream::{sha256, verify_bytes, Hasher};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    #[serde(default)]
    layers: Option<Vec<String>>,
}

/// How many images of a multi-image archive we read configs of to pick by platform.
const MAX_IMAGES: usize = 64;

pub(crate) fn resolve(store: &Store, opts: &OpenOptions) -> Result<Resolved, ImageError> {
    let limits = &opts.limits;
    let manifest_bytes =
        store.read_file("manifest.json", limits.max_json_bytes)?.ok_or_else(|| ImageError::UnknownFormat {
            path: store.describe().to_owned(),
            reason: if store.exists("index.json") {
                "no manifest.json; it looks like an OCI archive, use oci-archive:PATH".into()
            } else {
                "no manifest.json, so this is not a `docker save` archive".into()
            },
        })?;
    let mut entries: Vec<Entry> = serde_json::from_slice(&manifest_bytes)
        .map_err(|source| ImageError::Json { what: "manifest.json".into(), source })?;
    let (entry, config_digest, config) = match entries.len() {
        0 => return Err(ImageError::Malformed { what: "manifest.json".into(), reason: "it lists no images".into() }),
        1 => {
            let e = entries.remove(0);
            let (d, c) = read_config(store, &e.config, limits.max_json_bytes)?;
            (e, d, c)
        }
        n if n > MAX_IMAGES => {
            return Err(ImageError::TooMany {
                what: "number of images in manifest.json".into(),
                limit: MAX_IMAGES as u64,
            })
        }
        _ => choose(store, opts, entries)?,
    };

    let layer_names = entry.layers.unwrap_or_default();
    if layer_names.len() > limits.max_layers {
        return Err(ImageError::TooMany {
            what: "number of layers in manifest.json".into(),
            limit: limits.max_layers as u64,
        });
    }
    if layer_names.len() != config.diff_ids.len() {
        return Err(ImageError::Malformed {
            what: format!("image config {config_digest}"),
            reason: format!(
                "it lists {} diff_ids but manifest.json has {} layers",
                config.diff_ids.len(),
                layer_names.len()
            ),
        });
    }
    let mut layers = Vec::with_capacity(layer_names.len());
    for (i, name) in layer_names.iter().enumerate() {
        let (size, head) = store.stat(name)?.ok_or_else(|| ImageError::Malformed {
            what: "manifest.json".into(),
            reason: format!("layer {i} `{name}` is not in the archive; the archive is incomplete, save it again"),
        })?;
        let compression = sniff(&head);
        let media_type = match compression {
            Compression::None => "application/vnd.docker.image.rootfs.diff.tar",
            Compression::Gzip => "application/vnd.docker.image.rootfs.diff.tar.gzip",
            Compression::Zstd => "application/vnd.docker.image.rootfs.diff.tar.zstd",
            Compression::Other(kind) => {
                return Err(ImageError::UnsupportedMediaType {
                    what: format!("layer {i} `{name}`"),
                    media_type: format!("{kind}-compressed tar"),
                })
            }
        };
        let digest = match digest_from_name(name) {
            Some(d) => d,
            // Stored uncompressed: the stored bytes are the diff.
            None if compression == Compression::None => config.diff_ids[i].clone(),
            None => hash_entry(store, name, limits.max_layer_bytes)?,
        };
        layers.push(LayerPlan { locator: name.clone(), digest, size, media_type: media_type.to_owned() });
    }
    let manifest_digest = oci_manifest_for(store, &config_digest, opts).unwrap_or_else(|| sha256(&manifest_bytes));
    Ok(Resolved { manifest_digest, config_digest, config, repo_tags: entry.repo_tags.unwrap_or_default(), layers })
}

/// Several images in one archive: pick the single one of the requested platform.
fn choose(store: &Store, opts: &OpenOptions, entries: Vec<Entry>) -> Result<(Entry, Digest, ImageConfig), ImageError> {
    let mut matching = Vec::new();
    let mut tags = Vec::new();
    for e in entries {
        tags.extend(e.repo_tags.clone().unwrap_or_default());
        let (d, c) = read_config(store, &e.config, opts.limits.max_json_bytes)?;
        let p = Platform::new(&c.os, &c.architecture, c.variant.as_deref());
        if opts.platform.matches(&p) {
            matching.push((e, d, c));
        }
    }
    if matching.len() == 1 {
        if let Some(m) = matching.pop() {
            return Ok(m);
        }
    }
    Err(ImageError::TagRequired { available: tags })
}

/// `blobs/<alg>/<hex>` names carry the digest; so does docker's legacy `<hex>.json` config name.
fn digest_from_name(name: &str) -> Option<Digest> {
    let name = name.trim_start_matches("./");
    if let Some(rest) = name.strip_prefix("blobs/") {
        let (alg, hex) = rest.split_once('/')?;
        return format!("{alg}:{hex}").parse().ok();
    }
    let hex = name.strip_suffix(".json")?;
    format!("sha256:{hex}").parse().ok()
}

fn read_config(store: &Store, name: &str, limit: u64) -> Result<(Digest, ImageConfig), ImageError> {
    let what = format!("image config `{name}`");
    let bytes = store.read_file(name, limit)?.ok_or_else(|| ImageError::Malformed {
        what: "manifest.json".into(),
        reason: format!("config `{name}` is not in the archive; the archive is incomplete, save it again"),
    })?;
    let digest = match digest_from_name(name) {
        Some(expected) => {
            verify_bytes(&what, &bytes, &expected, None)?;
            expected
        }
        None => sha256(&bytes),
    };
    let config = ImageConfig::parse(&bytes, &what)?;
    Ok((digest, config))
}

/// The stored digest of a compressed layer file with a legacy name: hash it once.
fn hash_entry(store: &Store, name: &str, limit: u64) -> Result<Digest, ImageError> {
    let mut r = store.open(name)?.ok_or_else(|| ImageError::Malformed {
        what: "manifest.json".into(),
        reason: format!("layer `{name}` is not in the archive"),
    })?;
    let mut h = Hasher::Sha256(Default::default());
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = r.read(&mut buf).map_err(|source| ImageError::Io { path: store.describe().to_owned(), source })?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > limit {
            return Err(ImageError::TooLarge { what: format!("layer `{name}`"), limit });
        }
        h.update(&buf[..n]);
    }
    Ok(h.finish())
}

/// Docker 25+ archives also hold an OCI index: find the registry manifest of this config there.
/// Best effort: any problem means "not found".
fn oci_manifest_for(store: &Store, config_digest: &Digest, opts: &OpenOptions) -> Option<Digest> {
    #[derive(Deserialize)]
    struct Index {
        manifests: Vec<Descriptor>,
    }
    let limit = opts.limits.max_json_bytes;
    let bytes = store.read_file("index.json", limit).ok()??;
    let top: Index = serde_json::from_slice(&bytes).ok()?;
    let mut queue: Vec<(Descriptor, usize)> = top.manifests.into_iter().map(|d| (d, 0)).collect();
    let mut budget = 64;
    while let Some((d, depth)) = queue.pop() {
        budget -= 1;
        if budget == 0 {
            return None;
        }
        if d.media_type == OCI_INDEX || d.media_type == DOCKER_LIST {
            if depth >= 2 {
                continue;
            }
            let Ok(bytes) = store.read_blob(&d.digest, Some(d.size), limit, "image index") else { continue };
            if let Ok(idx) = serde_json::from_slice::<Index>(&bytes) {
                queue.extend(idx.manifests.into_iter().map(|c| (c, depth + 1)));
            }
        } else if let Ok(m) = load_manifest(store, &d, limit) {
            if &m.config.digest == config_digest {
                return Some(d.digest);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_from_names() {
        let hex = "af341ccd2df8b0e2d67cf8dd32e087bfda4e5756ebd1c76bbf3efa0dc246590e";
        assert_eq!(digest_from_name(&format!("{hex}.json")).unwrap().hex(), hex);
        assert_eq!(digest_from_name(&format!("blobs/sha256/{hex}")).unwrap().hex(), hex);
        assert!(digest_from_name("blobs/sha256/../../etc/passwd").is_none());
        assert!(digest_from_name(&format!("{hex}/layer.tar")).is_none());
    }
}
