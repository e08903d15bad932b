//! Helpers shared by the dpkg, apk and os-release integration tests: finding `../shared`, walking
//! fixture trees, and a small OCI reader (gzip layers only) that feeds every file some analyzer
//! wants to [`plimsoll_inventory::ANALYZERS`], as the pipeline does.
#![allow(dead_code, clippy::print_stderr)]

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use plimsoll_inventory::{assemble, Inventory, LayerFacts, ANALYZERS};
use plimsoll_model::LayerRef;

/// `../shared` next to the workspace, or `None` (with the reason printed) when it is absent.
pub fn shared(test: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if dir.is_dir() {
        Some(dir)
    } else {
        plimsoll_test_support::require(&format!("skipping {test}: {} is absent", dir.display()));
        None
    }
}

/// Every regular file under `root` (symlinks not followed), sorted.
pub fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let Ok(ft) = entry.file_type() else { continue };
            if ft.is_dir() {
                stack.push(entry.path());
            } else if ft.is_file() {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    out
}

/// The sections of a txtar archive (Go's `golang.org/x/tools/txtar`): `-- name --` lines start
/// a file.
pub fn txtar_sections(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if let Some(name) = trimmed.strip_prefix("-- ").and_then(|l| l.strip_suffix(" --")) {
            out.push((name.to_owned(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
        }
    }
    out
}

/// One layer: the files some analyzer wants (path relative to the root, bytes), every path the
/// layer writes, and its whiteouts.
#[derive(Default)]
pub struct Layer {
    pub files: Vec<(String, Vec<u8>)>,
    pub entries: HashSet<String>,
    /// Paths deleted by `.wh.<name>` entries.
    pub whiteouts: HashSet<String>,
    /// Directories made opaque by `.wh..wh..opq`.
    pub opaque: HashSet<String>,
}

fn normalize(path: &str) -> String {
    path.trim_start_matches("./").trim_start_matches('/').trim_end_matches('/').to_owned()
}

/// Reads one layer tar, gzip-compressed or not.
pub fn read_layer(blob: &[u8]) -> Layer {
    let reader: Box<dyn Read + '_> =
        if blob.starts_with(&[0x1f, 0x8b]) { Box::new(flate2::read::GzDecoder::new(blob)) } else { Box::new(blob) };
    let mut layer = Layer::default();
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries().expect("layer tar") {
        let mut entry = entry.expect("layer entry");
        let path = normalize(&entry.path().expect("entry path").to_string_lossy());
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", &path));
        if name == ".wh..wh..opq" {
            layer.opaque.insert(dir.to_owned());
            continue;
        }
        if let Some(hidden) = name.strip_prefix(".wh.") {
            layer.whiteouts.insert(if dir.is_empty() { hidden.to_owned() } else { format!("{dir}/{hidden}") });
            continue;
        }
        layer.entries.insert(path.clone());
        if entry.header().entry_type().is_file() && ANALYZERS.iter().any(|a| a.wants(&path)) {
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("entry data");
            layer.files.push((path, data));
        }
    }
    layer
}

fn blob_path(digest: &str) -> String {
    format!("blobs/{}", digest.replacen(':', "/", 1))
}

/// The layer blobs of the first image in an OCI layout, read through `get(path)`.
fn layer_blobs(get: &mut dyn FnMut(&str) -> Vec<u8>) -> Vec<Vec<u8>> {
    let index: serde_json::Value = serde_json::from_slice(&get("index.json")).expect("index.json");
    let digest = index["manifests"][0]["digest"].as_str().expect("manifest digest");
    let manifest: serde_json::Value = serde_json::from_slice(&get(&blob_path(digest))).expect("manifest");
    let layers = manifest["layers"].as_array().expect("layers");
    layers
        .iter()
        .map(|l| {
            let media_type = l["mediaType"].as_str().unwrap_or("");
            assert!(media_type.ends_with("gzip"), "only gzip layers are read here, not {media_type}");
            get(&blob_path(l["digest"].as_str().expect("layer digest")))
        })
        .collect()
}

/// Layers of an OCI layout directory.
pub fn oci_layout_layers(dir: &Path) -> Vec<Layer> {
    let mut get = |p: &str| std::fs::read(dir.join(p)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(p).display()));
    layer_blobs(&mut get).iter().map(|b| read_layer(b)).collect()
}

/// Every regular file of a tar archive (gzip-compressed or not), by normalized path.
fn tar_files(path: &Path) -> HashMap<String, Vec<u8>> {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader: Box<dyn Read + '_> = if data.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::GzDecoder::new(data.as_slice()))
    } else {
        Box::new(data.as_slice())
    };
    let mut files: HashMap<String, Vec<u8>> = HashMap::new();
    for entry in tar::Archive::new(reader).entries().expect("archive") {
        let mut entry = entry.expect("archive entry");
        if entry.header().entry_type().is_file() {
            let p = normalize(&entry.path().expect("path").to_string_lossy());
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("data");
            files.insert(p, data);
        }
    }
    files
}

/// Layers of an OCI archive (a tar of an OCI layout).
pub fn oci_archive_layers(path: &Path) -> Vec<Layer> {
    let mut files = tar_files(path);
    let mut get = |p: &str| files.remove(p).unwrap_or_else(|| panic!("{p} missing from the archive"));
    layer_blobs(&mut get).iter().map(|b| read_layer(b)).collect()
}

/// Layers of a `docker save` archive (`manifest.json` naming `<id>/layer.tar` files).
pub fn docker_archive_layers(path: &Path) -> Vec<Layer> {
    let files = tar_files(path);
    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).expect("manifest.json");
    let layers = manifest[0]["Layers"].as_array().expect("Layers");
    layers.iter().map(|l| read_layer(&files[&normalize(l.as_str().expect("layer path"))])).collect()
}

/// Runs every analyzer over every layer, then assembles the inventory with whiteouts applied.
/// Returns the per-layer facts, the inventory and the analyzers' errors.
pub fn analyze_layers(layers: &[Layer]) -> (Vec<LayerFacts>, Inventory, Vec<String>) {
    let mut errors = Vec::new();
    let mut all = Vec::new();
    for layer in layers {
        let mut facts = LayerFacts::default();
        for (path, data) in &layer.files {
            for a in ANALYZERS.iter().filter(|a| a.wants(path)) {
                match a.analyze(path, data) {
                    Ok(f) => facts.files.push((path.clone(), f)),
                    Err(e) => errors.push(e.to_string()),
                }
            }
        }
        all.push(facts);
    }
    let visible = |idx: usize, path: &str| {
        layers[idx + 1..].iter().all(|later| {
            let ancestors_and_self =
                std::iter::successors(Some(path), |p| p.rsplit_once('/').map(|(d, _)| d)).collect::<Vec<_>>();
            !later.entries.contains(path)
                && !ancestors_and_self.iter().any(|p| later.whiteouts.contains(*p))
                && !ancestors_and_self[1..].iter().any(|d| later.opaque.contains(*d))
        })
    };
    let refs: Vec<LayerRef> =
        (0..layers.len()).map(|index| LayerRef { index, digest: None, diff_id: None, created_by: None }).collect();
    let inventory = assemble(&all, visible, &refs);
    (all, inventory, errors)
}
