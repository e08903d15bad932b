//! A directory on disk walked as if it were one layer (for root filesystem scans).
//!
//! Symlinks are recorded, never followed, so a link to `/` or a loop cannot take the walk outside
//! the root. Sockets, devices and FIFOs are skipped. The walk is iterative (no recursion depth to
//! exhaust) and bounded by [`WalkLimits`]. Unreadable files and directories become warnings.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::ImageError;
use crate::walk::{Entry, EntryKind, LayerIndex, LayerVisitor, WalkLimits, WalkWarning, Want};

pub fn walk_dir(root: &Path, visitor: &mut dyn LayerVisitor, limits: &WalkLimits) -> Result<LayerIndex, ImageError> {
    let meta = fs::metadata(root).map_err(|source| ImageError::Io { path: root.to_owned(), source })?;
    if !meta.is_dir() {
        return Err(ImageError::Io {
            path: root.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a directory"),
        });
    }
    let mut out = LayerIndex::default();
    let warn = |out: &mut LayerIndex, path: &str, message: String| {
        if out.warnings.len() < limits.max_warnings {
            out.warnings.push(WalkWarning { path: path.to_owned(), message });
        }
    };
    let mut buf = Vec::new();
    // Stack of (directory on disk, its relative path); children are pushed in reverse name order
    // so that the walk is depth-first in sorted order.
    let mut stack: Vec<(PathBuf, String)> = vec![(root.to_owned(), String::new())];
    let mut count: u64 = 0;
    while let Some((dir, rel_dir)) = stack.pop() {
        let read = match fs::read_dir(&dir) {
            Ok(r) => r,
            Err(e) => {
                warn(&mut out, &rel_dir, format!("cannot list directory: {e}"));
                continue;
            }
        };
        let mut children: Vec<(String, PathBuf)> = Vec::new();
        for item in read {
            match item {
                Ok(de) => {
                    let name = de.file_name();
                    let shown = name.to_string_lossy().into_owned();
                    if name.to_str().is_none() {
                        warn(
                            &mut out,
                            &join(&rel_dir, &shown),
                            "file name is not valid UTF-8; invalid bytes were replaced".into(),
                        );
                    }
                    children.push((shown, de.path()));
                }
                Err(e) => warn(&mut out, &rel_dir, format!("cannot list directory entry: {e}")),
            }
        }
        children.sort();
        let mut subdirs = Vec::new();
        for (name, disk) in children {
            let rel = join(&rel_dir, &name);
            count += 1;
            if count > limits.max_entries {
                return Err(ImageError::TooMany {
                    what: format!("number of entries under {}", root.display()),
                    limit: limits.max_entries,
                });
            }
            if rel.len() > limits.max_path_len {
                warn(&mut out, &rel, format!("path longer than {} bytes; skipped", limits.max_path_len));
                continue;
            }
            let meta = match fs::symlink_metadata(&disk) {
                Ok(m) => m,
                Err(e) => {
                    warn(&mut out, &rel, format!("cannot stat: {e}"));
                    continue;
                }
            };
            let ft = meta.file_type();
            let (mode, uid, gid) = owner_mode(&meta);
            let mut entry =
                Entry { path: rel.clone(), kind: EntryKind::File, mode, uid, gid, size: 0, link_target: None };
            if ft.is_symlink() {
                entry.kind = EntryKind::Symlink;
                entry.link_target = match fs::read_link(&disk) {
                    Ok(t) => Some(t.to_string_lossy().into_owned()),
                    Err(e) => {
                        warn(&mut out, &rel, format!("cannot read symlink: {e}"));
                        Some(String::new())
                    }
                };
            } else if ft.is_dir() {
                entry.kind = EntryKind::Dir;
                subdirs.push((disk, rel.clone()));
            } else if ft.is_file() {
                entry.size = meta.len();
                if let Want::Read { max_bytes } = visitor.want(&entry) {
                    if entry.size > max_bytes {
                        visitor.too_large(&entry, max_bytes);
                    } else {
                        match read_bounded(&disk, max_bytes, &mut buf) {
                            Ok(true) => visitor.content(&entry, &buf),
                            // The file grew past the limit after we looked at its size.
                            Ok(false) => visitor.too_large(&entry, max_bytes),
                            Err(e) => warn(&mut out, &rel, format!("cannot read: {e}")),
                        }
                        if buf.capacity() > 64 << 20 {
                            buf = Vec::new();
                        }
                    }
                }
            } else {
                // Sockets, devices, FIFOs: nothing to analyse, and opening a FIFO would block.
                continue;
            }
            out.entries.push(entry);
        }
        for sub in subdirs.into_iter().rev() {
            stack.push(sub);
        }
    }
    Ok(out)
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// Reads at most `max` bytes into `buf`; `false` if the file is longer.
fn read_bounded(path: &Path, max: u64, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    buf.clear();
    let f = File::open(path)?;
    f.take(max.saturating_add(1)).read_to_end(buf)?;
    Ok(buf.len() as u64 <= max)
}

#[cfg(unix)]
fn owner_mode(meta: &fs::Metadata) -> (u32, u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.mode() & 0o7777, u64::from(meta.uid()), u64::from(meta.gid()))
}

#[cfg(not(unix))]
fn owner_mode(meta: &fs::Metadata) -> (u32, u64, u64) {
    (if meta.permissions().readonly() { 0o444 } else { 0o644 }, 0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect {
        files: Vec<(String, Vec<u8>)>,
        too_large: Vec<String>,
    }
    impl LayerVisitor for Collect {
        fn want(&mut self, _e: &Entry) -> Want {
            Want::Read { max_bytes: 10 }
        }
        fn content(&mut self, e: &Entry, data: &[u8]) {
            self.files.push((e.path.clone(), data.to_vec()));
        }
        fn too_large(&mut self, e: &Entry, _limit: u64) {
            self.too_large.push(e.path.clone());
        }
    }

    #[cfg(unix)]
    #[test]
    fn records_symlinks_without_following_and_bounds_reads() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("etc/sub")).unwrap();
        fs::write(root.join("etc/os-release"), b"ID=test\n").unwrap();
        fs::write(root.join("etc/sub/big"), vec![b'x'; 100]).unwrap();
        std::os::unix::fs::symlink("/", root.join("rootlink")).unwrap();
        std::os::unix::fs::symlink("loop", root.join("loop")).unwrap();
        let mut v = Collect::default();
        let idx = walk_dir(root, &mut v, &WalkLimits::default()).unwrap();
        let mut got: Vec<(&str, EntryKind)> = idx.entries.iter().map(|e| (e.path.as_str(), e.kind)).collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                ("etc", EntryKind::Dir),
                ("etc/os-release", EntryKind::File),
                ("etc/sub", EntryKind::Dir),
                ("etc/sub/big", EntryKind::File),
                ("loop", EntryKind::Symlink),
                ("rootlink", EntryKind::Symlink),
            ]
        );
        let link = idx.entries.iter().find(|e| e.path == "rootlink").unwrap();
        assert_eq!(link.link_target.as_deref(), Some("/"));
        assert_eq!(v.files, vec![("etc/os-release".to_owned(), b"ID=test\n".to_vec())]);
        assert_eq!(v.too_large, vec!["etc/sub/big".to_owned()]);
    }

    #[test]
    fn entry_limit_is_enforced() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..5 {
            fs::write(dir.path().join(format!("f{i}")), b"").unwrap();
        }
        let limits = WalkLimits { max_entries: 3, ..WalkLimits::default() };
        assert!(matches!(walk_dir(dir.path(), &mut Collect::default(), &limits), Err(ImageError::TooMany { .. })));
    }
}
