//! The single-pass walk of one layer tar.
//!
//! [`walk_layer`] reads a layer's uncompressed tar stream once. For each entry it normalises the
//! path, turns overlay whiteouts (`.wh.NAME`, `.wh..wh..opq`) into [`EntryKind::Whiteout`] and
//! [`EntryKind::OpaqueDir`] records, asks the [`LayerVisitor`] whether it wants a regular file's
//! bytes, and hands them over from one reused buffer. It returns a [`LayerIndex`] of every entry.
//!
//! Hostile archives are expected: a bad entry (path escaping the root, over-long name, non-UTF-8
//! name) becomes a [`WalkWarning`], never a failed layer. Tar metadata (GNU long names, PAX
//! headers) is bounded by a read budget, because the `tar` crate buffers those records whole.
//! The stream is always read to its end so that the digest checks of [`crate::Image::open_layer`]
//! run.

use std::cell::Cell;
use std::collections::{BTreeSet, HashMap};
use std::io::{self, Read, Seek, SeekFrom};
use std::rc::Rc;

use crate::error::ImageError;
use crate::tarfmt::{TarHeader, TarReader};

/// Bumped whenever the walk can yield different entries or contents for the same layer bytes;
/// per-layer caches key on it. 2: Go `archive/tar` semantics, last duplicate wins.
pub const WALK_VERSION: u32 = 2;

/// One entry of a layer (or of a directory walked by [`crate::rootfs::walk_dir`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// Relative to the root, `/`-separated, without a leading `/` or `./` and without `..`.
    /// For [`EntryKind::Whiteout`] the path removed; for [`EntryKind::OpaqueDir`] the directory
    /// (empty for the root).
    pub path: String,
    pub kind: EntryKind,
    /// Permission bits including setuid/setgid/sticky (`mode & 0o7777`).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Content size for regular files, 0 otherwise.
    pub size: u64,
    /// Symlink target as written, or hardlink target normalised like `path`.
    pub link_target: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    Hardlink,
    /// `.wh.NAME`: `path` (and everything below it) is removed from lower layers.
    Whiteout,
    /// `.wh..wh..opq`: the lower layers' contents of directory `path` are hidden.
    OpaqueDir,
    /// Devices, FIFOs and other special files.
    Other,
}

/// What the visitor wants of a regular file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    Skip,
    /// Hand over the content if it is at most `max_bytes` long, else call
    /// [`LayerVisitor::too_large`].
    Read {
        max_bytes: u64,
    },
}

/// Receives the entries of one layer. Only regular files (not hardlinks) can get content.
pub trait LayerVisitor {
    fn want(&mut self, entry: &Entry) -> Want;
    fn content(&mut self, entry: &Entry, data: &[u8]);
    fn too_large(&mut self, _entry: &Entry, _limit: u64) {}
    /// A later entry of the same layer replaces the file at `path` whose content this visitor
    /// got: extraction keeps the last copy, so facts drawn from the earlier one no longer hold.
    fn superseded(&mut self, _path: &str) {}
}

/// Every entry of a layer in archive order, with the problems met while reading it.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct LayerIndex {
    pub entries: Vec<Entry>,
    pub warnings: Vec<WalkWarning>,
}

/// An entry that was skipped or changed; the layer itself was still read.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WalkWarning {
    /// The name as found in the archive (lossily decoded).
    pub path: String,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct WalkLimits {
    /// Entries per layer; more is an error ([`ImageError::TooLarge`]), since silently
    /// dropping the rest would let an image hide files.
    pub max_entries: u64,
    /// Longer paths are skipped with a warning (Linux `PATH_MAX` is 4096).
    pub max_path_len: usize,
    /// Bytes of tar metadata (GNU long name/link, PAX records) read for one entry.
    pub max_metadata_bytes: u64,
    /// Warnings kept per layer; the rest are counted in one final warning.
    pub max_warnings: usize,
    /// Contents of regular files kept (per layer, in total) so that a later hard link to them can
    /// be handed to the visitor as the file it is: extraction makes the link the same inode, so a
    /// dpkg database stored as a hard link is what the runtime reads there. Files larger than
    /// [`WalkLimits::max_kept_file_bytes`] and files past this budget are not kept; a wanted hard
    /// link to one of them becomes a warning.
    pub max_kept_bytes: u64,
    pub max_kept_file_bytes: u64,
}

impl Default for WalkLimits {
    fn default() -> Self {
        WalkLimits {
            max_entries: 2_000_000,
            max_path_len: 4096,
            max_metadata_bytes: 1 << 20,
            max_warnings: 1000,
            // Enough for the package databases that matter (a large dpkg status is 2-3 MB) without
            // growing a walk's memory much: layers are walked two or more at a time.
            max_kept_bytes: 8 << 20,
            max_kept_file_bytes: 4 << 20,
        }
    }
}

/// Walks one uncompressed layer tar. See the module docs.
///
/// Errors: a malformed tar ([`ImageError::Malformed`], naming the entry), too many entries or too
/// much metadata ([`ImageError::TooLarge`]), or whatever the stream itself reports (digest and
/// diff_id mismatches from [`crate::Image::open_layer`]).
pub fn walk_layer(r: impl Read, visitor: &mut dyn LayerVisitor, limits: &WalkLimits) -> Result<LayerIndex, ImageError> {
    let mut archive = TarReader::new(r, limits.max_metadata_bytes);
    let mut out = Sink::new(limits);
    let mut buf = Vec::new();

    let result = walk_entries(&mut archive, visitor, limits, &mut out, &mut buf);
    // Read whatever follows the end-of-archive marker (or the point of failure) so the stream's
    // digest checks run: a corrupt blob is better reported as such than as a broken tar.
    let mut rest = archive.into_inner();
    let drained = io::copy(&mut rest, &mut io::sink());
    match (result, drained) {
        (Ok(()), Ok(_)) => Ok(out.finish()),
        (Ok(()), Err(e)) => Err(ImageError::from_io(e, "layer tar stream")),
        (Err(walk_err), Ok(_)) => Err(walk_err),
        (Err(walk_err), Err(drain_err)) => {
            let drain_err = ImageError::from_io(drain_err, "layer tar stream");
            // Integrity failures explain everything else; report them first.
            if matches!(
                drain_err,
                ImageError::DigestMismatch { .. } | ImageError::DiffIdMismatch { .. } | ImageError::SizeMismatch { .. }
            ) {
                Err(drain_err)
            } else {
                Err(walk_err)
            }
        }
    }
}

fn walk_entries<R: Read>(
    archive: &mut TarReader<R>,
    visitor: &mut dyn LayerVisitor,
    limits: &WalkLimits,
    out: &mut Sink,
    buf: &mut Vec<u8>,
) -> Result<(), ImageError> {
    // Paths whose content the visitor got, so that a later entry at the same path (or a
    // non-directory over a parent) can tell it that content is gone: extraction keeps the last.
    let mut delivered: BTreeSet<String> = BTreeSet::new();
    // Earlier files' contents, for hard links to them (see `WalkLimits::max_kept_bytes`).
    let mut kept: HashMap<String, Vec<u8>> = HashMap::new();
    let mut kept_bytes: u64 = 0;
    let mut prev: Vec<u8> = b"(start of archive)".to_vec();
    while let Some(header) = archive.next_header(&prev)? {
        if archive.headers_read > limits.max_entries {
            return Err(ImageError::TooMany {
                what: "entries (headers) in the layer tar".into(),
                limit: limits.max_entries,
            });
        }
        prev.clone_from(&header.name);
        let size = header.size;
        let Some(record) = classify(&header, limits, out) else { continue };
        if !matches!(record.kind, EntryKind::Whiteout | EntryKind::OpaqueDir) {
            if !delivered.is_empty() {
                supersede(&mut delivered, &record, visitor);
            }
            if let Some(old) = kept.remove(&record.path) {
                kept_bytes -= old.len() as u64;
            }
        }
        match record.kind {
            EntryKind::File => {
                let want = match visitor.want(&record) {
                    Want::Read { max_bytes } if size > max_bytes => {
                        visitor.too_large(&record, max_bytes);
                        None
                    }
                    Want::Read { .. } => Some(()),
                    Want::Skip => None,
                };
                let keep = size <= limits.max_kept_file_bytes && kept_bytes + size <= limits.max_kept_bytes;
                if want.is_some() || keep {
                    buf.clear();
                    // The size comes from the archive; reserve at most a little up front.
                    buf.reserve(size.min(8 << 20) as usize);
                    let n = (&mut *archive)
                        .take(size)
                        .read_to_end(buf)
                        .map_err(|e| ImageError::from_io(e, &format!("layer tar entry `{}`", record.path)))?;
                    if n as u64 == size {
                        if want.is_some() {
                            visitor.content(&record, buf);
                            delivered.insert(record.path.clone());
                        }
                        if keep {
                            kept_bytes += size;
                            kept.insert(record.path.clone(), buf.clone());
                        }
                    }
                    if buf.capacity() > 64 << 20 {
                        // Don't keep one huge file's buffer alive for the rest of the layer.
                        *buf = Vec::new();
                    }
                }
            }
            EntryKind::Hardlink => {
                let target = record.link_target.clone().unwrap_or_default();
                let data = kept.get(&target);
                let as_file = Entry {
                    kind: EntryKind::File,
                    size: data.map_or(0, |d| d.len() as u64),
                    link_target: None,
                    ..record.clone()
                };
                if let Want::Read { max_bytes } = visitor.want(&as_file) {
                    match data {
                        Some(d) if d.len() as u64 <= max_bytes => {
                            visitor.content(&as_file, d);
                            delivered.insert(record.path.clone());
                            if kept_bytes + d.len() as u64 <= limits.max_kept_bytes {
                                kept_bytes += d.len() as u64;
                                let d = d.clone();
                                kept.insert(record.path.clone(), d);
                            }
                        }
                        Some(_) => visitor.too_large(&as_file, max_bytes),
                        None => out.warn(
                            &record.path,
                            format!(
                                "hard link to `{target}` not analysed: the target is not an earlier file of this \
                                 layer within the kept-content limit"
                            ),
                        ),
                    }
                }
            }
            _ => {}
        }
        out.entries.push(record);
    }
    Ok(())
}

/// Tells the visitor which delivered files `record` replaces in this layer: the same path, unless
/// both are directories, and, when `record` is not a directory, everything below it (containerd
/// and umoci remove an existing path before writing a non-directory there).
fn supersede(delivered: &mut BTreeSet<String>, record: &Entry, visitor: &mut dyn LayerVisitor) {
    if delivered.remove(&record.path) {
        visitor.superseded(&record.path);
    }
    if record.kind != EntryKind::Dir {
        let prefix = format!("{}/", record.path);
        let below: Vec<String> =
            delivered.range(prefix.clone()..).take_while(|p| p.starts_with(&prefix)).cloned().collect();
        for p in below {
            delivered.remove(&p);
            visitor.superseded(&p);
        }
    }
}

/// Collects entries and warnings, bounding the warnings.
struct Sink {
    entries: Vec<Entry>,
    warnings: Vec<WalkWarning>,
    dropped_warnings: u64,
    max_warnings: usize,
}

impl Sink {
    fn new(limits: &WalkLimits) -> Self {
        Sink { entries: Vec::new(), warnings: Vec::new(), dropped_warnings: 0, max_warnings: limits.max_warnings }
    }

    fn warn(&mut self, path: &str, message: impl Into<String>) {
        if self.warnings.len() < self.max_warnings {
            self.warnings.push(WalkWarning { path: path.to_owned(), message: message.into() });
        } else {
            self.dropped_warnings += 1;
        }
    }

    fn finish(mut self) -> LayerIndex {
        if self.dropped_warnings > 0 {
            self.warnings.push(WalkWarning {
                path: String::new(),
                message: format!("{} more warnings were not recorded", self.dropped_warnings),
            });
        }
        LayerIndex { entries: self.entries, warnings: self.warnings }
    }
}

/// Turns a tar header into an [`Entry`], or `None` (with a warning where it matters) when it is
/// skipped.
fn classify(header: &TarHeader, limits: &WalkLimits, out: &mut Sink) -> Option<Entry> {
    let raw_name = &header.name;
    let shown = String::from_utf8_lossy(raw_name).into_owned();
    let mut kind = match header.typeflag {
        b'0' | b'7' => EntryKind::File,
        b'5' => EntryKind::Dir,
        b'2' => EntryKind::Symlink,
        b'1' => EntryKind::Hardlink,
        b'3' | b'4' | b'6' => EntryKind::Other,
        // GNU volume labels describe the archive, not a file.
        b'V' => return None,
        // Unknown types: tar(1) extracts them as regular files; record them so nothing is hidden.
        t => {
            out.warn(&shown, format!("unknown tar entry type {:?}; treated as a regular file", t as char));
            EntryKind::File
        }
    };
    if std::str::from_utf8(raw_name).is_err() {
        out.warn(&shown, "file name is not valid UTF-8; invalid bytes were replaced");
    }
    if shown.len() > limits.max_path_len {
        out.warn(&truncate(&shown), format!("path longer than {} bytes; entry skipped", limits.max_path_len));
        return None;
    }
    let norm = match normalize(&shown) {
        Some(n) => n,
        None => {
            out.warn(&shown, "path contains a NUL byte; entry skipped");
            return None;
        }
    };
    if norm.escaped {
        // containerd clamps `..` at the root when unpacking, so the file does land inside the
        // image: record it where it lands rather than hide it.
        out.warn(&shown, format!("path climbs above the root with `..`; recorded as `{}`", norm.path));
    }
    let mut path = norm.path;

    let (dir, base) = match path.rsplit_once('/') {
        Some((d, b)) => (d.to_owned(), b.to_owned()),
        None => (String::new(), path.clone()),
    };
    if let Some(rest) = base.strip_prefix(".wh.") {
        if rest == ".wh..opq" {
            kind = EntryKind::OpaqueDir;
            path = dir;
        } else if rest.starts_with(".wh.") {
            // Other `.wh..wh.` names are aufs bookkeeping (hardlink dirs); docker drops them.
            return None;
        } else if rest.is_empty() || rest == "." || rest == ".." {
            out.warn(&shown, "whiteout names no file; entry skipped");
            return None;
        } else {
            kind = EntryKind::Whiteout;
            path = if dir.is_empty() { rest.to_owned() } else { format!("{dir}/{rest}") };
        }
    } else if path.is_empty() {
        // The root directory itself (`./`), or a name that normalised away entirely.
        if kind != EntryKind::Dir {
            out.warn(&shown, "entry names the root itself; skipped");
        }
        return None;
    }

    let link_target = match kind {
        EntryKind::Symlink => {
            let t = String::from_utf8_lossy(&header.linkname).into_owned();
            if t.is_empty() {
                out.warn(&shown, "symlink without a target");
            }
            Some(t)
        }
        EntryKind::Hardlink => {
            let t = String::from_utf8_lossy(&header.linkname).into_owned();
            match normalize(&t) {
                Some(n) if !n.path.is_empty() => Some(n.path),
                _ => {
                    out.warn(&shown, format!("hard link target `{t}` is not a file in the layer; entry skipped"));
                    return None;
                }
            }
        }
        _ => None,
    };
    // Go keeps these as int64; negative ids are what a runtime would see wrapped.
    let mode = (header.mode as u64 as u32) & 0o7777;
    let (uid, gid) = (header.uid as u64, header.gid as u64);
    let size = if kind == EntryKind::File { header.size } else { 0 };
    Some(Entry { path, kind, mode, uid, gid, size, link_target })
}

fn truncate(s: &str) -> String {
    let mut end = 200.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

pub(crate) struct Normalized {
    pub path: String,
    /// A `..` tried to climb above the root and was clamped.
    pub escaped: bool,
}

/// Normalises an archive path: drops leading `/`, `.` and empty components, resolves `..`
/// (clamping at the root). `None` for names with NUL bytes.
pub(crate) fn normalize(name: &str) -> Option<Normalized> {
    if name.contains('\0') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    let mut escaped = false;
    for comp in name.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    escaped = true;
                }
            }
            c => parts.push(c),
        }
    }
    Some(Normalized { path: parts.join("/"), escaped })
}

/// A reader that fails once more than `budget` bytes are read between two resets; the walk sets
/// the budget to what the `tar` crate may legitimately read before handing back the next entry.
pub(crate) struct Budgeted<R> {
    pub inner: R,
    pub budget: Rc<Cell<u64>>,
    pub limit: u64,
}

impl<R: Read> Read for Budgeted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.budget.get();
        if left == 0 && !buf.is_empty() {
            return Err(ImageError::TooLarge {
                what: "tar metadata (GNU long name or PAX records) of one entry".into(),
                limit: self.limit,
            }
            .into_io());
        }
        let cap = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..cap])?;
        if left != u64::MAX {
            self.budget.set(left - n as u64);
        }
        Ok(n)
    }
}

impl<R: Seek> Seek for Budgeted<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tar::EntryType;

    #[derive(Default)]
    struct Collect {
        files: Vec<(String, Vec<u8>)>,
        too_large: Vec<String>,
        max: u64,
    }

    impl LayerVisitor for Collect {
        fn want(&mut self, _entry: &Entry) -> Want {
            Want::Read { max_bytes: if self.max == 0 { u64::MAX } else { self.max } }
        }
        fn content(&mut self, entry: &Entry, data: &[u8]) {
            self.files.push((entry.path.clone(), data.to_vec()));
        }
        fn too_large(&mut self, entry: &Entry, _limit: u64) {
            self.too_large.push(entry.path.clone());
        }
    }

    fn raw_entry(b: &mut tar::Builder<Vec<u8>>, name: &[u8], etype: EntryType, data: &[u8]) {
        let mut h = tar::Header::new_ustar();
        h.as_old_mut().name = [0; 100];
        h.as_old_mut().name[..name.len()].copy_from_slice(name);
        h.set_entry_type(etype);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append(&h, data).unwrap();
    }

    #[test]
    fn normalizes_and_clamps() {
        let n = normalize("./a//b/./c/").unwrap();
        assert_eq!((n.path.as_str(), n.escaped), ("a/b/c", false));
        let n = normalize("/../../etc/passwd").unwrap();
        assert_eq!((n.path.as_str(), n.escaped), ("etc/passwd", true));
        let n = normalize("a/../../b").unwrap();
        assert_eq!((n.path.as_str(), n.escaped), ("b", true));
        assert!(normalize("a\0b").is_none());
    }

    #[test]
    fn hostile_names_are_recorded_safely() {
        let mut b = tar::Builder::new(Vec::new());
        raw_entry(&mut b, b"./", EntryType::Directory, b"");
        raw_entry(&mut b, b"../../etc/x", EntryType::Regular, b"evil");
        raw_entry(&mut b, b"/abs/file", EntryType::Regular, b"abs");
        raw_entry(&mut b, b"dir/.wh..wh..opq", EntryType::Regular, b"");
        raw_entry(&mut b, b"dir/.wh.gone", EntryType::Regular, b"");
        raw_entry(&mut b, b".wh..wh.plnk", EntryType::Directory, b"");
        raw_entry(&mut b, b"bad\xffname", EntryType::Regular, b"x");
        let data = b.into_inner().unwrap();
        let mut v = Collect::default();
        let idx = walk_layer(&data[..], &mut v, &WalkLimits::default()).unwrap();
        let got: Vec<(&str, EntryKind)> = idx.entries.iter().map(|e| (e.path.as_str(), e.kind)).collect();
        assert_eq!(
            got,
            vec![
                ("etc/x", EntryKind::File),
                ("abs/file", EntryKind::File),
                ("dir", EntryKind::OpaqueDir),
                ("dir/gone", EntryKind::Whiteout),
                ("bad\u{fffd}name", EntryKind::File),
            ]
        );
        assert_eq!(v.files[0], ("etc/x".to_owned(), b"evil".to_vec()));
        assert!(idx.warnings.iter().any(|w| w.path == "../../etc/x" && w.message.contains("climbs above")));
        assert!(idx.warnings.iter().any(|w| w.message.contains("UTF-8")));
    }

    #[test]
    fn content_over_the_limit_goes_to_too_large() {
        let mut b = tar::Builder::new(Vec::new());
        raw_entry(&mut b, b"small", EntryType::Regular, b"1234");
        raw_entry(&mut b, b"big", EntryType::Regular, &[7u8; 2000]);
        raw_entry(&mut b, b"after", EntryType::Regular, b"ok");
        let data = b.into_inner().unwrap();
        let mut v = Collect { max: 1000, ..Default::default() };
        let idx = walk_layer(&data[..], &mut v, &WalkLimits::default()).unwrap();
        assert_eq!(idx.entries.len(), 3);
        assert_eq!(v.too_large, vec!["big".to_owned()]);
        let names: Vec<&str> = v.files.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(names, vec!["small", "after"]);
    }

    #[test]
    fn huge_gnu_long_name_is_refused_without_buffering_it() {
        // A GNU long-name record claiming 64 MiB: the tar crate would buffer all of it.
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.as_gnu_mut().unwrap().name[..13].copy_from_slice(b"././@LongLink");
        h.set_entry_type(EntryType::GNULongName);
        let big = vec![b'a'; 64 << 20];
        h.set_size(big.len() as u64);
        h.set_cksum();
        b.append(&h, &big[..]).unwrap();
        raw_entry(&mut b, b"x", EntryType::Regular, b"");
        let data = b.into_inner().unwrap();
        let err = walk_layer(&data[..], &mut Collect::default(), &WalkLimits::default()).unwrap_err();
        assert!(matches!(err, ImageError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn too_many_entries_is_an_error() {
        let mut b = tar::Builder::new(Vec::new());
        for i in 0..5 {
            raw_entry(&mut b, format!("f{i}").as_bytes(), EntryType::Regular, b"");
        }
        let data = b.into_inner().unwrap();
        let limits = WalkLimits { max_entries: 4, ..WalkLimits::default() };
        let err = walk_layer(&data[..], &mut Collect::default(), &limits).unwrap_err();
        assert!(matches!(err, ImageError::TooMany { limit: 4, .. }), "{err}");
    }

    #[test]
    fn pax_and_gnu_long_paths_are_read() {
        let long = format!("{}/file.txt", "d".repeat(150));
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        h.set_mode(0o600);
        b.append_data(&mut h, &long, &b"abc"[..]).unwrap();
        let pax_path = format!("{}/pax.txt", "p".repeat(200));
        b.append_pax_extensions([("path", pax_path.as_bytes()), ("uid", b"70000".as_slice())]).unwrap();
        raw_entry(&mut b, b"short-name-overridden", EntryType::Regular, b"xyz");
        let data = b.into_inner().unwrap();
        let mut v = Collect::default();
        let idx = walk_layer(&data[..], &mut v, &WalkLimits::default()).unwrap();
        assert_eq!(idx.entries[0].path, long);
        assert_eq!(idx.entries[0].mode, 0o600);
        assert_eq!(idx.entries[1].path, pax_path);
        assert_eq!(idx.entries[1].uid, 70000);
        assert_eq!(v.files[1].1, b"xyz");
    }

    #[test]
    fn hard_links_get_their_target_content_or_a_warning() {
        let mut b = tar::Builder::new(Vec::new());
        raw_entry(&mut b, b"opt/db", EntryType::Regular, b"content");
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        h.set_entry_type(EntryType::Link);
        b.append_link(&mut h, "var/db", "opt/db").unwrap();
        let data = b.into_inner().unwrap();
        let mut v = Collect::default();
        walk_layer(&data[..], &mut v, &WalkLimits::default()).unwrap();
        assert_eq!(v.files[1], ("var/db".to_owned(), b"content".to_vec()));
        // Nothing kept: the link cannot be analysed, and says so.
        let limits = WalkLimits { max_kept_bytes: 0, ..WalkLimits::default() };
        let mut v = Collect::default();
        let idx = walk_layer(&data[..], &mut v, &limits).unwrap();
        assert_eq!(v.files.len(), 1);
        assert!(
            idx.warnings.iter().any(|w| w.path == "var/db" && w.message.contains("hard link")),
            "{:?}",
            idx.warnings
        );
    }

    #[test]
    fn garbage_never_panics() {
        // A deterministic mutation sweep over a valid archive (the fuzz target does this at scale).
        let mut b = tar::Builder::new(Vec::new());
        raw_entry(&mut b, b"a/b", EntryType::Regular, b"hello world");
        raw_entry(&mut b, b"a/.wh.c", EntryType::Regular, b"");
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        h.set_entry_type(EntryType::Symlink);
        b.append_link(&mut h, "l", "../../x").unwrap();
        let data = b.into_inner().unwrap();
        let mut seed: u64 = 0x9e3779b97f4a7c15;
        for round in 0..3000 {
            let mut d = data.clone();
            for _ in 0..(1 + round % 8) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let pos = (seed % d.len() as u64) as usize;
                d[pos] = (seed >> 32) as u8;
            }
            if round % 5 == 0 {
                d.truncate((seed % d.len() as u64) as usize);
            }
            let _ = walk_layer(&d[..], &mut Collect::default(), &WalkLimits::default());
        }
    }
}
