//! Per-layer results cached on disk, keyed by the layer's `diff_id` and the analyzers' versions.
//!
//! A layer's facts depend only on its uncompressed content (named by `diff_id`, which the scan
//! verified) and on the analyzer code, so a base layer shared by many images is analysed once.
//! Entries are JSON files written atomically (temp file + rename), so concurrent scans sharing a
//! cache directory never see a torn entry; a corrupt or unreadable entry is treated as a miss.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use plimsoll_model::Digest;
use sha2::{Digest as _, Sha256};

use crate::scan::LayerScan;

/// Bumped when the layout of [`LayerScan`] changes (2: `config_files`, the misconfigurations
/// found in the layer's configuration files).
const CACHE_FORMAT: u32 = 2;

#[derive(Debug, Clone)]
pub struct LayerCache {
    dir: PathBuf,
}

impl LayerCache {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        LayerCache { dir: dir.into() }
    }

    /// `$PLIMSOLL_CACHE_DIR`, else `$XDG_CACHE_HOME/plimsoll`, else `~/.cache/plimsoll`.
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(d) = std::env::var_os("PLIMSOLL_CACHE_DIR") {
            return Some(PathBuf::from(d));
        }
        if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
            return Some(Path::new(&d).join("plimsoll"));
        }
        std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache").join("plimsoll"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn entry_path(&self, diff_id: &Digest, fingerprint: &str) -> PathBuf {
        let mut h = Sha256::new();
        h.update(CACHE_FORMAT.to_le_bytes());
        h.update(diff_id.to_string().as_bytes());
        h.update([0]);
        h.update(fingerprint.as_bytes());
        let key = Digest::sha256_from_bytes(&h.finalize());
        self.dir.join("layers").join(format!("{}.json", key.hex()))
    }

    pub fn get(&self, diff_id: &Digest, fingerprint: &str) -> Option<LayerScan> {
        let bytes = fs::read(self.entry_path(diff_id, fingerprint)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Best effort: a cache that cannot be written only costs time on the next scan.
    pub fn put(&self, diff_id: &Digest, fingerprint: &str, scan: &LayerScan) {
        let Ok(bytes) = serde_json::to_vec(scan) else { return };
        let path = self.entry_path(diff_id, fingerprint);
        let Some(parent) = path.parent() else { return };
        if fs::create_dir_all(parent).is_err() {
            return;
        }
        let tmp = parent.join(format!(".tmp-{}-{}", std::process::id(), diff_id.short()));
        let ok = fs::File::create(&tmp)
            .and_then(|mut f| {
                f.write_all(&bytes)?;
                f.sync_all()
            })
            .is_ok();
        if ok {
            let _ = fs::rename(&tmp, &path);
        } else {
            let _ = fs::remove_file(&tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_misses() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::new(dir.path());
        let diff_id = Digest::sha256_from_bytes(&[7; 32]);
        let mut scan = LayerScan::default();
        scan.diagnostics.push(plimsoll_model::Diagnostic {
            level: plimsoll_model::DiagnosticLevel::Warning,
            message: "m".into(),
            layer: None,
            path: Some("p".into()),
        });
        assert!(cache.get(&diff_id, "a@1").is_none());
        cache.put(&diff_id, "a@1", &scan);
        assert_eq!(cache.get(&diff_id, "a@1").unwrap().diagnostics, scan.diagnostics);
        // Another analyzer version or layer is another entry.
        assert!(cache.get(&diff_id, "a@2").is_none());
        assert!(cache.get(&Digest::sha256_from_bytes(&[8; 32]), "a@1").is_none());
        // A corrupt entry is a miss, not an error.
        std::fs::write(cache.entry_path(&diff_id, "a@1"), b"{not json").unwrap();
        assert!(cache.get(&diff_id, "a@1").is_none());
    }
}
