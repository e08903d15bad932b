//! Building test images in memory and writing them as docker archives, OCI layout directories
//! and OCI archives (enabled by the `test-util` feature).
//!
//! ```ignore
//! let img = ImageBuilder::new()
//!     .layer(LayerBuilder::new().file("etc/os-release", "ID=alpine\n", 0o644).created_by("ADD rootfs /"))
//!     .empty_history("CMD [\"sh\"]")
//!     .layer(LayerBuilder::new().whiteout("etc/os-release").compression(Compression::Zstd))
//!     .env("A=1");
//! let built = img.write_oci_dir(dir.path(), Some("latest"))?;
//! ```
//!
//! Everything here panics on I/O errors only through the `io::Result`s it returns; tamper hooks
//! ([`Tamper`]) produce the corrupt images the verification code must reject.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::Path;

use plimsoll_model::Digest;
use serde_json::{json, Value};
use sha2::Digest as _;

use crate::source::Platform;

/// Compression of one layer blob.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compression {
    None,
    #[default]
    Gzip,
    Zstd,
}

#[derive(Clone, Debug)]
enum Item {
    File {
        path: String,
        data: Vec<u8>,
        mode: u32,
    },
    Dir {
        path: String,
    },
    Symlink {
        path: String,
        target: String,
    },
    Hardlink {
        path: String,
        target: String,
    },
    /// Name bytes written verbatim into the header (at most 100 bytes), bypassing the `tar`
    /// crate's path checks: for hostile names like `../../etc/x` or `/abs`.
    Raw {
        name: Vec<u8>,
        kind: tar::EntryType,
        data: Vec<u8>,
        link: Option<Vec<u8>>,
    },
    /// A file whose path is given by a PAX `path` record.
    PaxFile {
        path: String,
        data: Vec<u8>,
    },
}

/// One layer's tar contents.
#[derive(Clone, Debug, Default)]
pub struct LayerBuilder {
    items: Vec<Item>,
    compression: Compression,
    created_by: Option<String>,
    /// Uncompressed tar bytes to use instead of the items (e.g. a gzip bomb's payload).
    raw_tar: Option<Vec<u8>>,
}

impl LayerBuilder {
    /// A gzip-compressed layer.
    pub fn new() -> Self {
        Self::default()
    }

    pub fn file(mut self, path: &str, data: impl Into<Vec<u8>>, mode: u32) -> Self {
        self.items.push(Item::File { path: path.into(), data: data.into(), mode });
        self
    }

    pub fn dir(mut self, path: &str) -> Self {
        self.items.push(Item::Dir { path: path.into() });
        self
    }

    pub fn symlink(mut self, path: &str, target: &str) -> Self {
        self.items.push(Item::Symlink { path: path.into(), target: target.into() });
        self
    }

    pub fn hardlink(mut self, path: &str, target: &str) -> Self {
        self.items.push(Item::Hardlink { path: path.into(), target: target.into() });
        self
    }

    /// `.wh.NAME` beside `path`: removes `path` from lower layers.
    pub fn whiteout(self, path: &str) -> Self {
        let wh = match path.rsplit_once('/') {
            Some((dir, name)) => format!("{dir}/.wh.{name}"),
            None => format!(".wh.{path}"),
        };
        self.file(&wh, Vec::new(), 0o644)
    }

    /// `DIR/.wh..wh..opq`: hides the lower layers' contents of `dir`.
    pub fn opaque(self, dir: &str) -> Self {
        let p = if dir.is_empty() { ".wh..wh..opq".to_owned() } else { format!("{dir}/.wh..wh..opq") };
        self.file(&p, Vec::new(), 0o644)
    }

    /// An entry whose name bytes go into the header verbatim (max 100 bytes).
    pub fn raw(mut self, name: &[u8], kind: tar::EntryType, data: impl Into<Vec<u8>>) -> Self {
        self.items.push(Item::Raw { name: name.to_vec(), kind, data: data.into(), link: None });
        self
    }

    /// A link entry with verbatim name and target bytes.
    pub fn raw_link(mut self, name: &[u8], kind: tar::EntryType, target: &[u8]) -> Self {
        self.items.push(Item::Raw { name: name.to_vec(), kind, data: Vec::new(), link: Some(target.to_vec()) });
        self
    }

    /// A file named by a PAX `path` record (use a path over 100 bytes to exercise it).
    pub fn pax_file(mut self, path: &str, data: impl Into<Vec<u8>>) -> Self {
        self.items.push(Item::PaxFile { path: path.into(), data: data.into() });
        self
    }

    /// Uses these uncompressed tar bytes as the layer instead of the items.
    pub fn raw_tar(mut self, tar: Vec<u8>) -> Self {
        self.raw_tar = Some(tar);
        self
    }

    pub fn compression(mut self, c: Compression) -> Self {
        self.compression = c;
        self
    }

    /// The history entry's `created_by` for this layer.
    pub fn created_by(mut self, s: &str) -> Self {
        self.created_by = Some(s.into());
        self
    }

    /// The uncompressed layer tar.
    pub fn tar_bytes(&self) -> io::Result<Vec<u8>> {
        if let Some(t) = &self.raw_tar {
            return Ok(t.clone());
        }
        let mut b = tar::Builder::new(Vec::new());
        for item in &self.items {
            match item {
                Item::File { path, data, mode } => {
                    let mut h = header(tar::EntryType::Regular, *mode, data.len() as u64);
                    b.append_data(&mut h, path, &data[..])?;
                }
                Item::Dir { path } => {
                    let mut h = header(tar::EntryType::Directory, 0o755, 0);
                    b.append_data(&mut h, path, io::empty())?;
                }
                Item::Symlink { path, target } => {
                    let mut h = header(tar::EntryType::Symlink, 0o777, 0);
                    b.append_link(&mut h, path, target)?;
                }
                Item::Hardlink { path, target } => {
                    let mut h = header(tar::EntryType::Link, 0o644, 0);
                    b.append_link(&mut h, path, target)?;
                }
                Item::Raw { name, kind, data, link } => {
                    let mut h = header(*kind, 0o644, data.len() as u64);
                    let old = h.as_old_mut();
                    old.name = [0; 100];
                    let n = name.len().min(100);
                    old.name[..n].copy_from_slice(&name[..n]);
                    if let Some(l) = link {
                        old.linkname = [0; 100];
                        let n = l.len().min(100);
                        old.linkname[..n].copy_from_slice(&l[..n]);
                    }
                    h.set_cksum();
                    b.append(&h, &data[..])?;
                }
                Item::PaxFile { path, data } => {
                    b.append_pax_extensions([("path", path.as_bytes())])?;
                    let mut h = header(tar::EntryType::Regular, 0o644, data.len() as u64);
                    let short = format!("pax-{}", data.len());
                    h.set_path(&short)?;
                    h.set_cksum();
                    b.append(&h, &data[..])?;
                }
            }
        }
        b.into_inner()
    }
}

fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(size);
    h.set_mtime(1_700_000_000);
    h.set_uid(0);
    h.set_gid(0);
    h
}

pub fn compress(data: &[u8], c: Compression) -> io::Result<Vec<u8>> {
    Ok(match c {
        Compression::None => data.to_vec(),
        Compression::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(data)?;
            e.finish()?
        }
        Compression::Zstd => zstd::encode_all(data, 3)?,
    })
}

pub fn sha256(data: &[u8]) -> Digest {
    Digest::sha256_from_bytes(&sha2::Sha256::digest(data))
}

/// Ways to break an image after it is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tamper {
    /// Flip a byte in the middle of layer N's stored blob (its descriptor keeps the old digest).
    CorruptLayer(usize),
    /// Put a wrong diff_id for layer N in the config.
    WrongDiffId(usize),
    /// Store a different manifest under the manifest's digest.
    SwapManifest,
    /// Make layer N's descriptor size one byte too large.
    WrongLayerSize(usize),
    /// Leave layer N's blob out of the image.
    MissingLayer(usize),
}

#[derive(Clone, Debug)]
enum HistoryItem {
    Layer(usize),
    Empty(String),
}

/// A single-platform image.
#[derive(Clone, Debug)]
pub struct ImageBuilder {
    layers: Vec<LayerBuilder>,
    history: Vec<HistoryItem>,
    no_history: bool,
    config: serde_json::Map<String, Value>,
    platform: Platform,
    docker_media_types: bool,
    tamper: Vec<Tamper>,
}

impl Default for ImageBuilder {
    fn default() -> Self {
        ImageBuilder {
            layers: Vec::new(),
            history: Vec::new(),
            no_history: false,
            config: serde_json::Map::new(),
            platform: Platform::default(),
            docker_media_types: false,
            tamper: Vec::new(),
        }
    }
}

/// A layer as built: what tests compare against.
#[derive(Clone, Debug)]
pub struct BuiltLayer {
    pub digest: Digest,
    pub diff_id: Digest,
    pub size: u64,
    pub media_type: String,
    /// The uncompressed tar.
    pub tar: Vec<u8>,
    /// The stored blob (after tampering).
    pub blob: Vec<u8>,
}

/// An image as built: blobs by digest plus the digests tests compare against.
#[derive(Clone, Debug)]
pub struct BuiltImage {
    pub manifest_digest: Digest,
    pub manifest_size: u64,
    pub manifest_media_type: String,
    pub config_digest: Digest,
    pub layers: Vec<BuiltLayer>,
    pub platform: Platform,
    /// Every blob (manifest, config, layers) by the digest it is stored under.
    pub blobs: BTreeMap<Digest, Vec<u8>>,
    config_bytes: Vec<u8>,
}

impl ImageBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a layer and its history entry.
    pub fn layer(mut self, l: LayerBuilder) -> Self {
        self.history.push(HistoryItem::Layer(self.layers.len()));
        self.layers.push(l);
        self
    }

    /// Adds an `empty_layer` history entry (`ENV`, `CMD`...).
    pub fn empty_history(mut self, created_by: &str) -> Self {
        self.history.push(HistoryItem::Empty(created_by.into()));
        self
    }

    /// Writes no history at all.
    pub fn without_history(mut self) -> Self {
        self.no_history = true;
        self
    }

    fn set(mut self, key: &str, v: Value) -> Self {
        self.config.insert(key.into(), v);
        self
    }

    fn push(mut self, key: &str, v: Value) -> Self {
        let entry = self.config.entry(key.to_owned()).or_insert_with(|| json!([]));
        if let Value::Array(a) = entry {
            a.push(v);
        }
        self
    }

    fn insert(mut self, key: &str, k: &str, v: Value) -> Self {
        let entry = self.config.entry(key.to_owned()).or_insert_with(|| json!({}));
        if let Value::Object(o) = entry {
            o.insert(k.into(), v);
        }
        self
    }

    pub fn env(self, kv: &str) -> Self {
        self.push("Env", json!(kv))
    }
    pub fn user(self, u: &str) -> Self {
        self.set("User", json!(u))
    }
    pub fn cmd(self, c: &[&str]) -> Self {
        self.set("Cmd", json!(c))
    }
    pub fn entrypoint(self, c: &[&str]) -> Self {
        self.set("Entrypoint", json!(c))
    }
    pub fn working_dir(self, d: &str) -> Self {
        self.set("WorkingDir", json!(d))
    }
    pub fn label(self, k: &str, v: &str) -> Self {
        self.insert("Labels", k, json!(v))
    }
    pub fn exposed_port(self, p: &str) -> Self {
        self.insert("ExposedPorts", p, json!({}))
    }
    pub fn volume(self, p: &str) -> Self {
        self.insert("Volumes", p, json!({}))
    }
    pub fn healthcheck(self, test: &[&str]) -> Self {
        self.set("Healthcheck", json!({ "Test": test }))
    }
    pub fn stop_signal(self, s: &str) -> Self {
        self.set("StopSignal", json!(s))
    }
    /// Any other key of the config's `config` object, as raw JSON.
    pub fn config_key(self, key: &str, v: Value) -> Self {
        self.set(key, v)
    }

    pub fn platform(mut self, p: Platform) -> Self {
        self.platform = p;
        self
    }

    /// Docker v2 media types for manifest, config and layers instead of OCI ones.
    pub fn docker_media_types(mut self, yes: bool) -> Self {
        self.docker_media_types = yes;
        self
    }

    pub fn tamper(mut self, t: Tamper) -> Self {
        self.tamper.push(t);
        self
    }

    /// Builds every blob in memory.
    pub fn build(&self) -> io::Result<BuiltImage> {
        let mut blobs = BTreeMap::new();
        let mut layers = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            let tar = l.tar_bytes()?;
            let diff_id = sha256(&tar);
            let mut blob = compress(&tar, l.compression)?;
            let digest = sha256(&blob);
            let media_type = match (self.docker_media_types, l.compression) {
                (false, Compression::None) => "application/vnd.oci.image.layer.v1.tar",
                (false, Compression::Gzip) => "application/vnd.oci.image.layer.v1.tar+gzip",
                (false, Compression::Zstd) => "application/vnd.oci.image.layer.v1.tar+zstd",
                (true, Compression::None) => "application/vnd.docker.image.rootfs.diff.tar",
                (true, Compression::Gzip) => "application/vnd.docker.image.rootfs.diff.tar.gzip",
                (true, Compression::Zstd) => "application/vnd.docker.image.rootfs.diff.tar.zstd",
            };
            let size = blob.len() as u64;
            if self.tamper.contains(&Tamper::CorruptLayer(i)) {
                let mid = blob.len() / 2;
                if let Some(b) = blob.get_mut(mid) {
                    *b ^= 0x5a;
                }
            }
            if !self.tamper.contains(&Tamper::MissingLayer(i)) {
                blobs.insert(digest.clone(), blob.clone());
            }
            layers.push(BuiltLayer { digest, diff_id, size, media_type: media_type.into(), tar, blob });
        }
        let mut diff_ids: Vec<String> = layers.iter().map(|l| l.diff_id.to_string()).collect();
        for t in &self.tamper {
            if let Tamper::WrongDiffId(i) = t {
                if let Some(d) = diff_ids.get_mut(*i) {
                    *d = sha256(format!("not layer {i}").as_bytes()).to_string();
                }
            }
        }
        let history: Vec<Value> = if self.no_history {
            Vec::new()
        } else {
            self.history
                .iter()
                .map(|h| match h {
                    HistoryItem::Layer(i) => {
                        let by = self.layers[*i].created_by.clone().unwrap_or_else(|| format!("layer {i}"));
                        json!({ "created": "2024-01-01T00:00:00Z", "created_by": by })
                    }
                    HistoryItem::Empty(by) => {
                        json!({ "created": "2024-01-01T00:00:00Z", "created_by": by, "empty_layer": true })
                    }
                })
                .collect()
        };
        let mut config = json!({
            "architecture": self.platform.architecture,
            "os": self.platform.os,
            "created": "2024-01-01T00:00:00Z",
            "config": Value::Object(self.config.clone()),
            "rootfs": { "type": "layers", "diff_ids": diff_ids },
            "history": history,
        });
        if let Some(v) = &self.platform.variant {
            config["variant"] = json!(v);
        }
        let config_bytes = serde_json::to_vec(&config).map_err(io::Error::other)?;
        let config_digest = sha256(&config_bytes);
        blobs.insert(config_digest.clone(), config_bytes.clone());
        let (manifest_mt, config_mt) = if self.docker_media_types {
            (crate::oci::DOCKER_MANIFEST, "application/vnd.docker.container.image.v1+json")
        } else {
            (crate::oci::OCI_MANIFEST, "application/vnd.oci.image.config.v1+json")
        };
        let layer_descs: Vec<Value> = layers
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let size = if self.tamper.contains(&Tamper::WrongLayerSize(i)) { l.size + 1 } else { l.size };
                json!({ "mediaType": l.media_type, "digest": l.digest.to_string(), "size": size })
            })
            .collect();
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": manifest_mt,
            "config": { "mediaType": config_mt, "digest": config_digest.to_string(), "size": config_bytes.len() },
            "layers": layer_descs,
        });
        let manifest_bytes = serde_json::to_vec(&manifest).map_err(io::Error::other)?;
        let manifest_digest = sha256(&manifest_bytes);
        let stored = if self.tamper.contains(&Tamper::SwapManifest) {
            // Same length, different bytes: only the digest check can catch it.
            let mut swapped = manifest_bytes.clone();
            if let Some(pos) = swapped.iter().position(|b| *b == b'2') {
                swapped[pos] = b'3';
            }
            swapped
        } else {
            manifest_bytes.clone()
        };
        blobs.insert(manifest_digest.clone(), stored);
        Ok(BuiltImage {
            manifest_digest,
            manifest_size: manifest_bytes.len() as u64,
            manifest_media_type: manifest_mt.into(),
            config_digest,
            layers,
            platform: self.platform.clone(),
            blobs,
            config_bytes,
        })
    }

    /// Writes an OCI layout directory holding this image (tagged `tag`).
    pub fn write_oci_dir(&self, dir: &Path, tag: Option<&str>) -> io::Result<BuiltImage> {
        let mut layout = Layout::new();
        layout = layout.image(tag, self.clone());
        let mut built = layout.write_dir(dir)?;
        Ok(built.remove(0))
    }

    /// Writes an OCI layout as a tar file.
    pub fn write_oci_archive(&self, path: &Path, tag: Option<&str>) -> io::Result<BuiltImage> {
        let mut built = Layout::new().image(tag, self.clone()).write_archive(path)?;
        Ok(built.remove(0))
    }

    /// Writes a `docker save` archive.
    pub fn write_docker_archive(&self, path: &Path, opts: &DockerArchive) -> io::Result<BuiltImage> {
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let mut manifest = Vec::new();
        let mut index_descs = Vec::new();
        let mut first = None;
        let others = opts.also.iter().map(|(img, tags)| (img, tags.clone()));
        for (image, tags) in std::iter::once((self, opts.repo_tags.clone())).chain(others) {
            let built = image.build()?;
            let mut layer_names = Vec::new();
            for (i, l) in built.layers.iter().enumerate() {
                let name = if opts.blobs_layout {
                    format!("blobs/sha256/{}", l.digest.hex())
                } else {
                    format!("{}/layer.tar", l.diff_id.hex())
                };
                if !image.tamper.contains(&Tamper::MissingLayer(i)) {
                    files.push((name.clone(), l.blob.clone()));
                }
                layer_names.push(name);
            }
            let config_name = if opts.blobs_layout {
                format!("blobs/sha256/{}", built.config_digest.hex())
            } else {
                format!("{}.json", built.config_digest.hex())
            };
            files.push((config_name.clone(), built.config_bytes.clone()));
            if opts.blobs_layout {
                // Docker 25+ also writes the OCI view of the same image.
                if let Some(m) = built.blobs.get(&built.manifest_digest) {
                    files.push((format!("blobs/sha256/{}", built.manifest_digest.hex()), m.clone()));
                }
                index_descs.push(json!({
                    "mediaType": built.manifest_media_type,
                    "digest": built.manifest_digest.to_string(),
                    "size": built.manifest_size,
                }));
            }
            manifest.push(json!({ "Config": config_name, "RepoTags": tags, "Layers": layer_names }));
            first.get_or_insert(built);
        }
        if opts.blobs_layout {
            let index = json!({ "schemaVersion": 2, "mediaType": crate::oci::OCI_INDEX, "manifests": index_descs });
            files.push(("index.json".into(), serde_json::to_vec(&index).map_err(io::Error::other)?));
            files.push(("oci-layout".into(), br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec()));
        }
        files.push(("manifest.json".into(), serde_json::to_vec(&manifest).map_err(io::Error::other)?));
        // Layers shared between images are stored once, as `docker save` does.
        let mut seen = std::collections::HashSet::new();
        files.retain(|(name, _)| seen.insert(name.clone()));
        let tar = tar_of(&files)?;
        let out = if opts.gzip { compress(&tar, Compression::Gzip)? } else { tar };
        fs::write(path, out)?;
        first.ok_or_else(|| io::Error::other("no image"))
    }
}

/// Options for [`ImageBuilder::write_docker_archive`].
#[derive(Clone, Debug, Default)]
pub struct DockerArchive {
    /// Docker 25+ layout (`blobs/sha256/...` plus an OCI index) instead of `<id>/layer.tar`.
    pub blobs_layout: bool,
    /// Gzip the whole archive (`docker save | gzip`).
    pub gzip: bool,
    pub repo_tags: Vec<String>,
    /// More images in the same archive, with their tags.
    pub also: Vec<(ImageBuilder, Vec<String>)>,
}

fn tar_of(files: &[(String, Vec<u8>)]) -> io::Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = header(tar::EntryType::Regular, 0o644, data.len() as u64);
        b.append_data(&mut h, name, &data[..])?;
    }
    b.into_inner()
}

/// How the manifests of a multi-platform entry are reached from `index.json`.
#[derive(Clone, Copy, Debug, Default)]
pub struct IndexOptions {
    /// 0: the platform manifests sit in `index.json` itself; 1: `index.json` -> index ->
    /// manifests; 2: one more index in between.
    pub nesting: usize,
    /// Use docker's manifest list media type for the nested indexes.
    pub docker_list: bool,
    /// Add a buildkit-style attestation manifest (`unknown/unknown`).
    pub attestation: bool,
    /// Leave the `platform` field out of the descriptors (the config says it).
    pub omit_platform: bool,
}

#[derive(Clone, Debug)]
enum Top {
    Image {
        tag: Option<String>,
        image: ImageBuilder,
    },
    Index {
        tag: Option<String>,
        images: Vec<ImageBuilder>,
        opts: IndexOptions,
    },
    /// A descriptor with arbitrary media type and no blob (e.g. an unsupported artifact).
    Raw(Value),
}

struct LayoutBlobs {
    blobs: BTreeMap<Digest, Vec<u8>>,
    index: Vec<u8>,
    built: Vec<BuiltImage>,
}

/// An OCI image layout with any number of images and indexes.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    tops: Vec<Top>,
}

impl Layout {
    pub fn new() -> Self {
        Self::default()
    }

    /// A single-platform image as an `index.json` entry.
    pub fn image(mut self, tag: Option<&str>, image: ImageBuilder) -> Self {
        self.tops.push(Top::Image { tag: tag.map(Into::into), image });
        self
    }

    /// A multi-platform image.
    pub fn index(mut self, tag: Option<&str>, images: Vec<ImageBuilder>, opts: IndexOptions) -> Self {
        self.tops.push(Top::Index { tag: tag.map(Into::into), images, opts });
        self
    }

    /// A raw descriptor in `index.json`.
    pub fn raw_descriptor(mut self, d: Value) -> Self {
        self.tops.push(Top::Raw(d));
        self
    }

    /// Builds the blobs and `index.json`; returns the images in order.
    fn build(&self) -> io::Result<LayoutBlobs> {
        let mut blobs = BTreeMap::new();
        let mut built_all = Vec::new();
        let mut top_descs = Vec::new();
        let annotate = |d: &mut Value, tag: &Option<String>| {
            if let Some(t) = tag {
                d["annotations"] = json!({ "org.opencontainers.image.ref.name": t });
            }
        };
        for top in &self.tops {
            match top {
                Top::Image { tag, image } => {
                    let b = image.build()?;
                    let mut d = manifest_desc(&b, false);
                    annotate(&mut d, tag);
                    top_descs.push(d);
                    blobs.extend(b.blobs.clone());
                    built_all.push(b);
                }
                Top::Index { tag, images, opts } => {
                    let mut descs = Vec::new();
                    for image in images {
                        let b = image.build()?;
                        descs.push(manifest_desc(&b, !opts.omit_platform));
                        blobs.extend(b.blobs.clone());
                        built_all.push(b);
                    }
                    if opts.attestation {
                        let blob = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#.to_vec();
                        let d = sha256(&blob);
                        descs.push(json!({
                            "mediaType": crate::oci::OCI_MANIFEST, "digest": d.to_string(), "size": blob.len(),
                            "platform": { "os": "unknown", "architecture": "unknown" },
                            "annotations": { "vnd.docker.reference.type": "attestation-manifest" },
                        }));
                        blobs.insert(d, blob);
                    }
                    if opts.nesting == 0 {
                        for mut d in descs {
                            annotate(&mut d, tag);
                            top_descs.push(d);
                        }
                        continue;
                    }
                    let mt = if opts.docker_list { crate::oci::DOCKER_LIST } else { crate::oci::OCI_INDEX };
                    let mut inner = descs;
                    for _ in 0..opts.nesting {
                        let index = json!({ "schemaVersion": 2, "mediaType": mt, "manifests": inner });
                        let bytes = serde_json::to_vec(&index).map_err(io::Error::other)?;
                        let d = sha256(&bytes);
                        inner = vec![json!({ "mediaType": mt, "digest": d.to_string(), "size": bytes.len() })];
                        blobs.insert(d, bytes);
                    }
                    for mut d in inner {
                        annotate(&mut d, tag);
                        top_descs.push(d);
                    }
                }
                Top::Raw(v) => top_descs.push(v.clone()),
            }
        }
        let index = json!({ "schemaVersion": 2, "mediaType": crate::oci::OCI_INDEX, "manifests": top_descs });
        let index_bytes = serde_json::to_vec(&index).map_err(io::Error::other)?;
        Ok(LayoutBlobs { blobs, index: index_bytes, built: built_all })
    }

    pub fn write_dir(&self, dir: &Path) -> io::Result<Vec<BuiltImage>> {
        let LayoutBlobs { blobs, index, built } = self.build()?;
        fs::create_dir_all(dir.join("blobs/sha256"))?;
        fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        fs::write(dir.join("index.json"), index)?;
        for (d, data) in blobs {
            fs::write(dir.join("blobs").join(d.algorithm()).join(d.hex()), data)?;
        }
        Ok(built)
    }

    pub fn write_archive(&self, path: &Path) -> io::Result<Vec<BuiltImage>> {
        let LayoutBlobs { blobs, index, built } = self.build()?;
        let mut files = vec![("oci-layout".to_owned(), br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec())];
        for (d, data) in blobs {
            files.push((format!("blobs/{}/{}", d.algorithm(), d.hex()), data));
        }
        files.push(("index.json".into(), index));
        fs::write(path, tar_of(&files)?)?;
        Ok(built)
    }
}

fn manifest_desc(b: &BuiltImage, with_platform: bool) -> Value {
    let mut d = json!({
        "mediaType": b.manifest_media_type,
        "digest": b.manifest_digest.to_string(),
        "size": b.manifest_size,
    });
    if with_platform {
        let mut p = json!({ "os": b.platform.os, "architecture": b.platform.architecture });
        if let Some(v) = &b.platform.variant {
            p["variant"] = json!(v);
        }
        d["platform"] = p;
    }
    d
}
