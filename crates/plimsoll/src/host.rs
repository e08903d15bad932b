//! `plimsoll host`: a node's Docker and Kubernetes files checked as the CIS benchmarks do.
//!
//! [`scan_host`] reads the node under a root directory (`/` on the node itself, a mounted or
//! copied root filesystem otherwise) through [`RootFs`], which resolves every path component
//! itself so that no symlink leads out of the root, and reads at most
//! [`MAX_HOST_FILE_BYTES`] of a file. The linter's `PL-HOST-*` rules judge what was read;
//! unreadable or malformed files become error diagnostics (the rest is still checked), so the
//! coverage gate sees an incomplete scan.

use std::ffi::OsString;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Component as PathComponent, Path, PathBuf};

use plimsoll_lint::host::{FileMeta, FileType, HostFs, HostFsError, HostInput, MAX_DIR_ENTRIES};
pub use plimsoll_lint::host::{HostOptions, MAX_HOST_FILE_BYTES};
use plimsoll_model::{ArtifactKind, Diagnostic, DiagnosticLevel};

use crate::policy::Policy;
use crate::{empty_report, Error, ScanOptions, Scanned};

/// Symlinks followed while resolving one path (Linux's own limit is 40).
const MAX_SYMLINKS: usize = 40;

/// A node's files under a root directory. Paths are host paths (`/etc/docker/daemon.json`).
///
/// Symlinks are resolved here, one component at a time with `lstat`, instead of by the kernel:
/// an absolute target is taken relative to the root (as the node itself would see it) and a
/// relative target that climbs above the root is refused. `cap-std` refuses absolute targets
/// altogether, which would lose the node's own `/var/run -> /run` style links.
#[derive(Debug, Clone)]
pub struct RootFs {
    root: PathBuf,
}

impl RootFs {
    pub fn new(root: impl Into<PathBuf>) -> RootFs {
        RootFs { root: root.into() }
    }

    /// The real path of a host path, with no symlink in it; `None` when it does not exist.
    fn resolve(&self, host_path: &str) -> Result<Option<PathBuf>, HostFsError> {
        let mut todo: Vec<OsString> = parts(Path::new(host_path));
        todo.reverse();
        let mut done: Vec<OsString> = Vec::new();
        let mut hops = 0;
        while let Some(part) = todo.pop() {
            if part == ".." {
                if done.pop().is_none() {
                    return Err(HostFsError::EscapesRoot { target: host_path.to_string() });
                }
                continue;
            }
            done.push(part);
            let real: PathBuf = done.iter().fold(self.root.clone(), |p, c| p.join(c));
            let meta = match std::fs::symlink_metadata(&real) {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                // A file where a directory should be: the path does not exist.
                Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => return Ok(None),
                Err(source) => return Err(HostFsError::Io { source }),
            };
            if !meta.file_type().is_symlink() {
                continue;
            }
            hops += 1;
            if hops > MAX_SYMLINKS {
                return Err(HostFsError::SymlinkLoop { max: MAX_SYMLINKS });
            }
            let target = std::fs::read_link(&real).map_err(|source| HostFsError::Io { source })?;
            done.pop();
            if target.is_absolute() {
                done.clear();
            } else {
                // `..` above the root in a relative target: the kernel would leave the root.
                let mut depth = done.len() as isize;
                for c in target.components() {
                    match c {
                        PathComponent::ParentDir => depth -= 1,
                        PathComponent::Normal(_) => depth += 1,
                        _ => {}
                    }
                    if depth < 0 {
                        return Err(HostFsError::EscapesRoot { target: target.display().to_string() });
                    }
                }
            }
            let mut next = parts(&target);
            next.reverse();
            todo.extend(next);
        }
        Ok(Some(done.iter().fold(self.root.clone(), |p, c| p.join(c))))
    }
}

/// Normal components and `..` of a path (`/` and `.` dropped).
fn parts(p: &Path) -> Vec<OsString> {
    p.components()
        .filter_map(|c| match c {
            PathComponent::Normal(n) => Some(n.to_os_string()),
            PathComponent::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect()
}

fn meta_of(m: &std::fs::Metadata) -> FileMeta {
    let ft = m.file_type();
    let kind = if ft.is_file() {
        FileType::File
    } else if ft.is_dir() {
        FileType::Dir
    } else if ft.is_socket() {
        FileType::Socket
    } else {
        FileType::Other
    };
    FileMeta { kind, mode: m.mode() & 0o7777, uid: m.uid(), gid: m.gid() }
}

impl HostFs for RootFs {
    fn stat(&self, path: &str) -> Result<Option<FileMeta>, HostFsError> {
        let Some(real) = self.resolve(path)? else { return Ok(None) };
        match std::fs::symlink_metadata(&real) {
            Ok(m) => Ok(Some(meta_of(&m))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(HostFsError::Io { source }),
        }
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, HostFsError> {
        let Some(real) = self.resolve(path)? else { return Ok(None) };
        let io = |source| HostFsError::Io { source };
        let before = std::fs::symlink_metadata(&real).map_err(io)?;
        // Only regular files: opening a FIFO would block, a device could be endless.
        if !before.file_type().is_file() {
            return Ok(None);
        }
        if before.len() > MAX_HOST_FILE_BYTES {
            return Err(HostFsError::TooLarge { size: before.len(), max: MAX_HOST_FILE_BYTES });
        }
        let file = std::fs::File::open(&real).map_err(io)?;
        let opened = file.metadata().map_err(io)?;
        // Swapped for a symlink or another file between the check and the open: refuse.
        if (opened.dev(), opened.ino()) != (before.dev(), before.ino()) {
            return Err(HostFsError::EscapesRoot { target: format!("{path} (replaced while being read)") });
        }
        let mut buf = Vec::new();
        file.take(MAX_HOST_FILE_BYTES + 1).read_to_end(&mut buf).map_err(io)?;
        if buf.len() as u64 > MAX_HOST_FILE_BYTES {
            return Err(HostFsError::TooLarge { size: buf.len() as u64, max: MAX_HOST_FILE_BYTES });
        }
        Ok(Some(buf))
    }

    fn list(&self, dir: &str) -> Result<Option<Vec<String>>, HostFsError> {
        let Some(real) = self.resolve(dir)? else { return Ok(None) };
        let entries = match std::fs::read_dir(&real) {
            Ok(e) => e,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => {
                return Ok(None)
            }
            Err(source) => return Err(HostFsError::Io { source }),
        };
        let mut names = Vec::new();
        // One past the cap, so the linter can say the directory was cut.
        for e in entries.take(MAX_DIR_ENTRIES + 1) {
            let e = e.map_err(|source| HostFsError::Io { source })?;
            names.push(e.file_name().to_string_lossy().into_owned());
        }
        Ok(Some(names))
    }
}

/// Checks the node files under `root` with the `PL-HOST-*` rules (and only those: rule
/// settings from `opts.misconfig` apply). Findings name host paths; files that could not be
/// checked are error diagnostics.
pub fn scan_host(root: &Path, host: &HostOptions, opts: &ScanOptions, policy: &Policy) -> Result<Scanned, Error> {
    if !root.exists() {
        return Err(Error::NoSuchPath { path: root.to_owned() });
    }
    if !root.is_dir() {
        return Err(Error::NotADirectory { path: root.to_owned() });
    }
    let cfg = opts.misconfig.clone().unwrap_or_default();
    let input = HostInput::collect(&RootFs::new(root), host.clone());
    let mut report = empty_report(&root.display().to_string(), ArtifactKind::Filesystem);
    report.misconfigurations = plimsoll_lint::lint_host(&input, &cfg);
    report.diagnostics.extend(input.diagnostics.iter().map(|d| Diagnostic {
        level: DiagnosticLevel::Error,
        message: d.message.clone(),
        layer: None,
        path: Some(d.path.clone()),
    }));
    if input.docker.is_none() && input.pods.is_empty() && !input.kubelet && input.checked.is_empty() {
        report.diagnostics.push(Diagnostic {
            level: DiagnosticLevel::Warning,
            message: format!("no Docker or Kubernetes node files found under {}", root.display()),
            layer: None,
            path: None,
        });
    }
    Ok(Scanned::judged(report, policy))
}
