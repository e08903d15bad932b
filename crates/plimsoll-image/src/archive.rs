//! Random access into an image archive file (`docker save` output, OCI archive) without
//! extracting it.
//!
//! The outer tar is indexed once (entry name -> offset and size of its data). A plain tar is then
//! read with a seek per entry, so layers can be opened in parallel. A compressed archive (gzip or
//! zstd, like `docker save | gzip`) cannot seek: every entry opened re-streams the archive from
//! its start and skips to the entry. That costs one decompression pass per layer; the alternative,
//! unpacking to a temporary directory, would put a possibly hostile image on disk and cost disk
//! space equal to the image. Small JSON-looking entries are kept in memory during the index pass
//! so that reading manifests and configs does not re-stream.

use std::cell::Cell;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use crate::error::ImageError;
use crate::walk::{normalize, Budgeted};

/// Compression of a stream, told by its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Compression {
    None,
    Gzip,
    Zstd,
    /// Recognised but unsupported (xz, bzip2): named in the error.
    Other(&'static str),
}

pub(crate) fn sniff(head: &[u8]) -> Compression {
    match head {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
        [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Compression::Other("xz"),
        [b'B', b'Z', b'h', ..] => Compression::Other("bzip2"),
        _ => Compression::None,
    }
}

/// Bytes kept from the start of each entry, enough for [`sniff`].
const HEAD_LEN: usize = 8;
/// Links followed when resolving an entry name (docker's legacy format links duplicate layers).
const MAX_LINK_HOPS: usize = 8;

enum Target {
    Data { offset: u64, size: u64, head: Vec<u8>, cached: Option<Arc<[u8]>> },
    Link(String),
}

pub(crate) struct OuterArchive {
    path: PathBuf,
    compression: Compression,
    entries: HashMap<String, Target>,
    /// The archive stopped without its end-of-archive marker (two zero blocks, which POSIX tar,
    /// Go's `archive/tar` and Docker all write): likely cut at an entry boundary. Not an error by
    /// itself; it explains a missing entry (see [`OuterArchive::explain`]).
    truncated: Option<String>,
}

impl std::fmt::Debug for OuterArchive {
    // Not derived: the cached entries can be megabytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OuterArchive")
            .field("path", &self.path)
            .field("compression", &self.compression)
            .field("entries", &self.entries.len())
            .finish()
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct IndexLimits {
    pub max_entries: u64,
    /// Entries up to this size that look like JSON are cached (compressed archives only).
    pub max_cached_entry: u64,
    pub max_cache_total: u64,
}

impl OuterArchive {
    /// Indexes the archive at `path`. Fails with [`ImageError::UnknownFormat`] when it is not a
    /// (possibly compressed) tar.
    pub fn index(path: &Path, limits: IndexLimits) -> Result<OuterArchive, ImageError> {
        let io_err = |source| ImageError::Io { path: path.to_owned(), source };
        let mut file = File::open(path).map_err(io_err)?;
        let mut head = [0u8; HEAD_LEN];
        let n = read_up_to(&mut file, &mut head).map_err(io_err)?;
        file.seek(SeekFrom::Start(0)).map_err(io_err)?;
        let compression = sniff(&head[..n]);
        let len = file.metadata().map_err(io_err)?.len();
        let mut entries = HashMap::new();
        let mut end = 0u64;
        let result = match compression {
            Compression::None => {
                scan(Budgeted::new(BufReader::new(file)), path, limits, false, &mut entries, true, &mut end)
            }
            Compression::Gzip => {
                let dec = flate2::bufread::MultiGzDecoder::new(BufReader::new(file));
                scan(Budgeted::new(dec), path, limits, true, &mut entries, false, &mut end)
            }
            Compression::Zstd => {
                let dec = zstd::stream::read::Decoder::with_buffer(BufReader::new(file)).map_err(io_err)?;
                scan(Budgeted::new(dec), path, limits, true, &mut entries, false, &mut end)
            }
            Compression::Other(name) => {
                return Err(ImageError::UnknownFormat {
                    path: path.to_owned(),
                    reason: format!("{name}-compressed archives are not supported; decompress it first"),
                })
            }
        };
        let truncated = |detail: String| ImageError::Truncated { path: path.to_owned(), detail };
        // Where the last entry's data ends (`end`, padded to the block) against the file's
        // length: a plain tar cut inside an entry's data ends before it; one cut at an entry
        // boundary has no end-of-archive marker after it.
        let short = compression == Compression::None && end > len;
        match result {
            Err(ImageError::Truncated { .. }) | Ok(()) if short => {
                return Err(truncated(format!("its last entry needs {end} bytes, the file has {len}")))
            }
            // A header cut in two, or a compressed stream that breaks off.
            Err(ImageError::UnknownFormat { .. } | ImageError::Truncated { .. })
                if compression == Compression::None && len.saturating_sub(end) < 512 =>
            {
                return Err(truncated(format!("it ends inside a tar header, at byte {len}")))
            }
            Err(e) => return Err(e),
            Ok(()) => {}
        }
        let marker = match compression {
            Compression::None => {
                let mut block = [0u8; 512];
                let mut f = File::open(path).map_err(io_err)?;
                f.seek(SeekFrom::Start(end)).map_err(io_err)?;
                let n = read_up_to(&mut f, &mut block).map_err(io_err)?;
                n == block.len() && block.iter().all(|b| *b == 0)
            }
            // A decompressor that ended cleanly ended at the end of its stream; the tar inside
            // is checked by the entries being present.
            _ => true,
        };
        let truncated = (!marker).then(|| format!("no end-of-archive marker after byte {end} of {len}"));
        Ok(OuterArchive { path: path.to_owned(), compression, entries, truncated })
    }

    /// `err` (an entry the image needs is missing, the format is not recognised), restated as
    /// [`ImageError::Truncated`] when the archive ended without its end-of-archive marker: the
    /// missing entries were most likely cut off.
    pub fn explain(&self, err: ImageError) -> ImageError {
        match (&self.truncated, err) {
            (Some(detail), ImageError::UnknownFormat { .. } | ImageError::BlobMissing { .. }) => {
                ImageError::Truncated { path: self.path.clone(), detail: detail.clone() }
            }
            (_, err) => err,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_compressed(&self) -> bool {
        self.compression != Compression::None
    }

    pub fn contains(&self, name: &str) -> bool {
        self.lookup(name).is_some()
    }

    fn lookup(&self, name: &str) -> Option<&Target> {
        let mut name = normalize(name)?.path;
        for _ in 0..=MAX_LINK_HOPS {
            match self.entries.get(&name)? {
                Target::Link(to) => name = to.clone(),
                data => return Some(data),
            }
        }
        None
    }

    /// Size and first bytes of an entry.
    pub fn stat(&self, name: &str) -> Option<(u64, &[u8])> {
        match self.lookup(name)? {
            Target::Data { size, head, .. } => Some((*size, head)),
            Target::Link(_) => None,
        }
    }

    /// Opens an entry's data. `None` when there is no such (regular) entry.
    pub fn open(&self, name: &str) -> Result<Option<Box<dyn Read + Send>>, ImageError> {
        let Some(Target::Data { offset, size, cached, .. }) = self.lookup(name) else {
            return Ok(None);
        };
        if let Some(bytes) = cached {
            return Ok(Some(Box::new(Cursor::new(bytes.clone()))));
        }
        let io_err = |source| ImageError::Io { path: self.path.clone(), source };
        let mut file = File::open(&self.path).map_err(io_err)?;
        let reader: Box<dyn Read + Send> = match self.compression {
            Compression::None => {
                file.seek(SeekFrom::Start(*offset)).map_err(io_err)?;
                Box::new(file.take(*size))
            }
            Compression::Gzip => {
                let mut dec = flate2::bufread::MultiGzDecoder::new(BufReader::new(file));
                skip(&mut dec, *offset).map_err(io_err)?;
                Box::new(dec.take(*size))
            }
            Compression::Zstd => {
                let mut dec = zstd::stream::read::Decoder::with_buffer(BufReader::new(file)).map_err(io_err)?;
                skip(&mut dec, *offset).map_err(io_err)?;
                Box::new(dec.take(*size))
            }
            Compression::Other(_) => return Ok(None),
        };
        Ok(Some(reader))
    }
}

fn skip(r: &mut impl Read, n: u64) -> io::Result<()> {
    let copied = io::copy(&mut r.take(n), &mut io::sink())?;
    if copied < n {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "archive ended before the entry"));
    }
    Ok(())
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl<R> Budgeted<R> {
    fn new(inner: R) -> Self {
        Budgeted { inner, budget: Rc::new(Cell::new(META_BUDGET)), limit: META_BUDGET }
    }
}

/// Tar metadata allowed per outer-archive entry (names of blobs are short).
const META_BUDGET: u64 = 1 << 20;

fn scan<R: Read + MaybeSeek>(
    reader: Budgeted<R>,
    path: &Path,
    limits: IndexLimits,
    cache: bool,
    out: &mut HashMap<String, Target>,
    seekable: bool,
    end: &mut u64,
) -> Result<(), ImageError> {
    let budget = reader.budget.clone();
    let malformed = |e: io::Error| match ImageError::from_io(e, "") {
        // A decompressor (or a read) that runs out of input: the file was cut.
        ImageError::Malformed { reason, .. } if is_eof(&reason) => {
            ImageError::Truncated { path: path.to_owned(), detail: reason }
        }
        ImageError::Malformed { reason, .. } => ImageError::UnknownFormat {
            path: path.to_owned(),
            reason: format!("not a readable tar archive ({reason})"),
        },
        other => other,
    };
    let mut archive = tar::Archive::new(reader);
    let entries = R::entries(&mut archive, seekable).map_err(malformed)?;
    let mut count = 0u64;
    let mut cached_total = 0u64;
    for item in entries {
        let mut entry = item.map_err(malformed)?;
        count += 1;
        if count > limits.max_entries {
            return Err(ImageError::TooMany {
                what: format!("number of entries in {}", path.display()),
                limit: limits.max_entries,
            });
        }
        budget.set(u64::MAX);
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(norm) = normalize(&raw) else { continue };
        if norm.escaped || norm.path.is_empty() {
            continue;
        }
        let name = norm.path;
        let size = entry.size();
        *end = entry.raw_file_position().saturating_add(size.saturating_add(511) / 512 * 512);
        let mut consumed = 0u64;
        match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let offset = entry.raw_file_position();
                let mut head = vec![0u8; HEAD_LEN.min(size as usize)];
                let n = read_up_to(&mut entry, &mut head).map_err(malformed)?;
                head.truncate(n);
                consumed = n as u64;
                let mut cached = None;
                let json_like =
                    head.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|b| *b == b'{' || *b == b'[');
                if cache
                    && json_like
                    && size <= limits.max_cached_entry
                    && cached_total + size <= limits.max_cache_total
                {
                    let mut data = head.clone();
                    (&mut entry).take(size - consumed).read_to_end(&mut data).map_err(malformed)?;
                    consumed = size;
                    cached_total += size;
                    cached = Some(Arc::from(data.into_boxed_slice()));
                }
                out.insert(name, Target::Data { offset, size, head, cached });
            }
            tar::EntryType::Symlink | tar::EntryType::Link => {
                let target = entry.link_name_bytes().map(|b| String::from_utf8_lossy(&b).into_owned());
                if let Some(target) = target {
                    // Symlinks are relative to the link's directory, hard links to the archive root.
                    let joined = if entry.header().entry_type() == tar::EntryType::Symlink && !target.starts_with('/') {
                        match name.rsplit_once('/') {
                            Some((dir, _)) => format!("{dir}/{target}"),
                            None => target,
                        }
                    } else {
                        target
                    };
                    if let Some(n) = normalize(&joined) {
                        out.insert(name, Target::Link(n.path));
                    }
                }
            }
            _ => {}
        }
        let unread = if seekable { 0 } else { size.saturating_sub(consumed).saturating_add(511) / 512 * 512 };
        budget.set(unread + META_BUDGET);
    }
    if !seekable {
        // The tar reader stops at the end-of-archive marker; a compressed stream cut after it
        // (its trailer, with the checksum, missing) shows only when read to its end. What
        // follows the marker is padding: a little is read, never a bomb.
        let mut rest = archive.into_inner().inner.take(TRAILING_READ);
        io::copy(&mut rest, &mut io::sink()).map_err(malformed)?;
    }
    Ok(())
}

/// Decompressed bytes read after the end-of-archive marker to reach the end of the stream
/// (tar pads to 10 KiB records; `docker save | gzip` adds nothing else).
const TRAILING_READ: u64 = 1 << 20;

/// Whether an I/O error message says the input ended early (flate2, zstd and the tar reader
/// word it differently; their error kinds are not kept through `ImageError::from_io`).
fn is_eof(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    [
        "unexpected end of file",
        "failed to fill whole buffer",
        "failed to read entire block",
        "incomplete deflate stream",
        "incomplete frame",
    ]
    .iter()
    .any(|m| r.contains(m))
}

/// Lets [`scan`] use seeking entries for files and streaming ones for decompressors.
trait MaybeSeek: Read + Sized {
    fn entries(
        archive: &mut tar::Archive<Budgeted<Self>>,
        seekable: bool,
    ) -> io::Result<tar::Entries<'_, Budgeted<Self>>>;
}

impl MaybeSeek for BufReader<File> {
    fn entries(
        archive: &mut tar::Archive<Budgeted<Self>>,
        seekable: bool,
    ) -> io::Result<tar::Entries<'_, Budgeted<Self>>> {
        if seekable {
            archive.entries_with_seek()
        } else {
            archive.entries()
        }
    }
}

impl<R: io::BufRead> MaybeSeek for flate2::bufread::MultiGzDecoder<R> {
    fn entries(archive: &mut tar::Archive<Budgeted<Self>>, _: bool) -> io::Result<tar::Entries<'_, Budgeted<Self>>> {
        archive.entries()
    }
}

impl<R: io::BufRead> MaybeSeek for zstd::stream::read::Decoder<'static, R> {
    fn entries(archive: &mut tar::Archive<Budgeted<Self>>, _: bool) -> io::Result<tar::Entries<'_, Budgeted<Self>>> {
        archive.entries()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> IndexLimits {
        IndexLimits { max_entries: 100, max_cached_entry: 1 << 20, max_cache_total: 4 << 20 }
    }

    fn archive_with_links() -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(5);
        h.set_mode(0o644);
        b.append_data(&mut h, "a/layer.tar", &b"hello"[..]).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        // `docker save` links a layer shared by two image IDs like this.
        b.append_link(&mut h, "b/layer.tar", "../a/layer.tar").unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Link);
        h.set_size(0);
        b.append_link(&mut h, "c/layer.tar", "a/layer.tar").unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        b.append_link(&mut h, "loop", "loop").unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_size(2);
        b.append_data(&mut h, "m.json", &b"{}"[..]).unwrap();
        b.into_inner().unwrap()
    }

    fn read(a: &OuterArchive, name: &str) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        a.open(name).unwrap()?.read_to_end(&mut out).unwrap();
        Some(out)
    }

    #[test]
    fn links_resolve_and_compressed_archives_restream() {
        let dir = tempfile::tempdir().unwrap();
        let plain = archive_with_links();
        let gz = {
            use std::io::Write;
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&plain).unwrap();
            e.finish().unwrap()
        };
        for (name, bytes) in [("p.tar", plain), ("p.tar.gz", gz)] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let a = OuterArchive::index(&path, limits()).unwrap();
            assert_eq!(a.is_compressed(), name.ends_with(".gz"));
            for n in ["a/layer.tar", "./b/layer.tar", "c/layer.tar"] {
                assert_eq!(read(&a, n).as_deref(), Some(&b"hello"[..]), "{name} {n}");
            }
            assert_eq!(a.stat("b/layer.tar").map(|(s, h)| (s, h.to_vec())), Some((5, b"hello".to_vec())));
            assert_eq!(read(&a, "m.json").as_deref(), Some(&b"{}"[..]));
            assert!(read(&a, "loop").is_none());
            // Names are looked up in the index, never on disk: `..` clamps inside the archive.
            assert_eq!(read(&a, "../a/layer.tar").as_deref(), Some(&b"hello"[..]));
            assert!(read(&a, "missing").is_none());
        }
    }

    #[test]
    fn not_a_tar_is_unknown_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        std::fs::write(&path, vec![0x42u8; 2000]).unwrap();
        assert!(matches!(OuterArchive::index(&path, limits()), Err(ImageError::UnknownFormat { .. })));
    }
}
