//! Digest-verified reading: whole small blobs, and layer streams checked at their end.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::{mpsc, Arc, Mutex};

use plimsoll_model::Digest;
use sha2::{Digest as _, Sha256, Sha512};

use crate::archive::{sniff, Compression};
use crate::error::ImageError;

/// A running hash of the algorithm a digest names.
#[derive(Clone)]
pub(crate) enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl Hasher {
    pub fn for_digest(d: &Digest) -> Hasher {
        if d.is_sha256() {
            Hasher::Sha256(Sha256::new())
        } else {
            Hasher::Sha512(Sha512::new())
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    pub fn finish(self) -> Digest {
        match self {
            Hasher::Sha256(h) => Digest::sha256_from_bytes(&h.finalize()),
            Hasher::Sha512(h) => Digest::sha512_from_bytes(&h.finalize()),
        }
    }
}

pub(crate) fn sha256(data: &[u8]) -> Digest {
    Digest::sha256_from_bytes(&Sha256::digest(data))
}

/// Checks bytes against a descriptor: size first (cheap, and what a truncated download shows),
/// then the digest.
pub(crate) fn verify_bytes(what: &str, data: &[u8], digest: &Digest, size: Option<u64>) -> Result<(), ImageError> {
    if let Some(expected) = size {
        if data.len() as u64 != expected {
            return Err(ImageError::SizeMismatch { what: what.to_owned(), expected, actual: data.len() as u64 });
        }
    }
    let mut h = Hasher::for_digest(digest);
    h.update(data);
    let actual = h.finish();
    if &actual != digest {
        return Err(ImageError::DigestMismatch { what: what.to_owned(), expected: digest.clone(), actual });
    }
    Ok(())
}

/// Reads at most `limit` bytes; more is [`ImageError::TooLarge`].
pub(crate) fn read_limited(
    mut r: impl Read,
    limit: u64,
    what: &str,
    io_err: impl Fn(io::Error) -> ImageError,
) -> Result<Vec<u8>, ImageError> {
    let mut buf = Vec::new();
    (&mut r).take(limit.saturating_add(1)).read_to_end(&mut buf).map_err(io_err)?;
    if buf.len() as u64 > limit {
        return Err(ImageError::TooLarge { what: what.to_owned(), limit });
    }
    Ok(buf)
}

/// The raw (stored) side of a layer: hashes and counts what passes through.
struct RawSide {
    inner: Box<dyn Read + Send>,
    hasher: Option<Hasher>,
    count: u64,
}

impl Read for RawSide {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

enum Decoder {
    Plain(BufReader<RawSide>),
    Gzip(Box<flate2::bufread::MultiGzDecoder<BufReader<RawSide>>>),
    Zstd(zstd::stream::read::Decoder<'static, BufReader<RawSide>>),
}

impl Decoder {
    fn raw(&mut self) -> &mut BufReader<RawSide> {
        match self {
            Decoder::Plain(r) => r,
            Decoder::Gzip(d) => d.get_mut(),
            Decoder::Zstd(d) => d.get_mut(),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Decoder::Plain(_) => "tar",
            Decoder::Gzip(_) => "gzip",
            Decoder::Zstd(_) => "zstd",
        }
    }
}

impl Read for Decoder {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Plain(r) => r.read(buf),
            Decoder::Gzip(d) => d.read(buf),
            Decoder::Zstd(d) => d.read(buf),
        }
    }
}

/// What a layer stream checks when it ends.
pub(crate) struct LayerExpect {
    pub index: usize,
    pub digest: Digest,
    /// Stored size from the descriptor (or the archive entry).
    pub size: Option<u64>,
    pub diff_id: Digest,
    pub max_uncompressed: u64,
}

/// A layer's uncompressed tar stream. It decompresses according to the magic bytes (media types
/// can lie; docker archives have none), bounds the uncompressed size, and at the end checks the
/// stored blob's digest and size and the uncompressed diff_id. Any failure is an `io::Error`
/// (`InvalidData`) carrying the [`ImageError`], and every later read repeats it.
pub(crate) struct LayerStream {
    decoder: Decoder,
    expect: LayerExpect,
    diff: Option<Hasher>,
    out_count: u64,
    state: State,
}

enum State {
    Reading,
    Done,
    Failed(ImageError),
}

impl LayerStream {
    pub fn new(raw: Box<dyn Read + Send>, expect: LayerExpect) -> Result<LayerStream, ImageError> {
        // Read one byte past the declared size so an oversized blob is noticed without reading it all.
        let raw: Box<dyn Read + Send> = match expect.size {
            Some(s) => Box::new(raw.take(s.saturating_add(1))),
            None => raw,
        };
        let hasher = Some(Hasher::for_digest(&expect.digest));
        let mut buffered = BufReader::with_capacity(64 * 1024, RawSide { inner: raw, hasher, count: 0 });
        let what = layer_what(&expect);
        let head = buffered.fill_buf().map_err(|e| ImageError::from_io(e, &what))?;
        let decoder = match sniff(head) {
            Compression::None => Decoder::Plain(buffered),
            Compression::Gzip => Decoder::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(buffered))),
            Compression::Zstd => Decoder::Zstd(
                zstd::stream::read::Decoder::with_buffer(buffered).map_err(|e| ImageError::from_io(e, &what))?,
            ),
            Compression::Other(name) => {
                return Err(ImageError::UnsupportedMediaType { what, media_type: format!("{name}-compressed data") })
            }
        };
        let diff = Some(Hasher::for_digest(&expect.diff_id));
        Ok(LayerStream { decoder, expect, diff, out_count: 0, state: State::Reading })
    }

    fn fail(&mut self, err: ImageError) -> io::Error {
        let copy = err.try_clone();
        let out = err.into_io();
        self.state = State::Failed(copy.unwrap_or_else(|| ImageError::Malformed {
            what: layer_what(&self.expect),
            reason: "the stream failed earlier".into(),
        }));
        out
    }

    /// Reads the stored blob to its end and checks size and digest.
    fn finish_raw(&mut self) -> Result<(), ImageError> {
        let what = layer_what(&self.expect);
        let raw = self.decoder.raw();
        io::copy(raw, &mut io::sink()).map_err(|e| ImageError::from_io(e, &what))?;
        let side = raw.get_mut();
        let count = side.count;
        let actual = side.hasher.take().map(Hasher::finish);
        if let Some(expected) = self.expect.size {
            if count != expected {
                return Err(ImageError::SizeMismatch {
                    what: format!("layer {} blob", self.expect.index),
                    expected,
                    actual: count,
                });
            }
        }
        if let Some(actual) = actual {
            if actual != self.expect.digest {
                return Err(ImageError::DigestMismatch {
                    what: format!("layer {} blob", self.expect.index),
                    expected: self.expect.digest.clone(),
                    actual,
                });
            }
        }
        Ok(())
    }
}

fn layer_what(e: &LayerExpect) -> String {
    format!("layer {} ({})", e.index, e.digest)
}

impl Read for LayerStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &self.state {
            State::Done => return Ok(0),
            State::Failed(e) => {
                let again = e.try_clone().unwrap_or_else(|| ImageError::Malformed {
                    what: layer_what(&self.expect),
                    reason: "the stream failed earlier".into(),
                });
                return Err(again.into_io());
            }
            State::Reading => {}
        }
        if buf.is_empty() {
            return Ok(0);
        }
        let n = match self.decoder.read(buf) {
            Ok(n) => n,
            Err(e) => {
                let what = format!("layer {} {} data", self.expect.index, self.decoder.name());
                let decode_err = ImageError::from_io(e, &what);
                // A corrupt blob usually shows up as a decompression error first; if the stored
                // bytes do not match their digest, that is the real story.
                let err = match self.finish_raw() {
                    Err(integrity @ (ImageError::DigestMismatch { .. } | ImageError::SizeMismatch { .. })) => integrity,
                    _ => decode_err,
                };
                return Err(self.fail(err));
            }
        };
        if n == 0 {
            if let Err(e) = self.finish_raw() {
                return Err(self.fail(e));
            }
            let actual = self.diff.take().map(Hasher::finish);
            if let Some(actual) = actual {
                if actual != self.expect.diff_id {
                    let err = ImageError::DiffIdMismatch {
                        layer: self.expect.index,
                        expected: self.expect.diff_id.clone(),
                        actual,
                    };
                    return Err(self.fail(err));
                }
            }
            self.state = State::Done;
            return Ok(0);
        }
        self.out_count += n as u64;
        if self.out_count > self.expect.max_uncompressed {
            let err = ImageError::TooLarge {
                what: format!("uncompressed layer {} ({})", self.expect.index, self.expect.digest),
                limit: self.expect.max_uncompressed,
            };
            return Err(self.fail(err));
        }
        if let Some(h) = &mut self.diff {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Reads a stream ahead on its own thread: decompression and the digest checks of a layer run
/// there while the caller walks the tar. Without it a layer is one serial chain (fetch, hash,
/// inflate, hash, analyse) and an image with fewer layers than cores leaves cores idle; with a
/// registry, the network read also stops waiting for the analysers. Memory stays bounded: at
/// most `DEPTH` chunks are in flight, and chunk buffers are recycled rather than reallocated
/// (a fresh 128 KiB buffer is an mmap and its page faults every time).
///
/// Made with [`read_ahead`].
pub(crate) struct ReadAhead<R> {
    rx: mpsc::Receiver<Chunk<R>>,
    recycle: mpsc::SyncSender<Vec<u8>>,
    current: Vec<u8>,
    len: usize,
    pos: usize,
    /// The inner reader once the thread has finished: later reads go to it directly (a
    /// `LayerStream` repeats its error or its end).
    done: Option<R>,
}

enum Chunk<R> {
    Data(Vec<u8>, usize),
    Failed(io::Error),
    End(R),
}

const READ_AHEAD_CHUNK: usize = 128 << 10;
const READ_AHEAD_DEPTH: usize = 8;

/// Reads until `buf` is full, the stream ends or it fails: how many bytes were read, and the
/// error that stopped it (those bytes are still good).
pub(crate) fn fill(r: &mut impl Read, buf: &mut [u8]) -> (usize, Option<io::Error>) {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (n, Some(e)),
        }
    }
    (n, None)
}

/// Wraps `inner` in a [`ReadAhead`]; reads inline if no thread can be spawned.
pub(crate) fn read_ahead<R: Read + Send + 'static>(inner: R) -> Box<dyn Read + Send> {
    let (tx, rx) = mpsc::sync_channel::<Chunk<R>>(READ_AHEAD_DEPTH);
    let (recycle, recycled) = mpsc::sync_channel::<Vec<u8>>(READ_AHEAD_DEPTH + 2);
    // The reader reaches the thread through a slot so that it can be recovered if the spawn fails.
    let slot = Arc::new(Mutex::new(Some(inner)));
    let theirs = Arc::clone(&slot);
    let spawned = std::thread::Builder::new().name("plimsoll-layer-read".into()).spawn(move || {
        let Some(mut inner) = theirs.lock().ok().and_then(|mut g| g.take()) else { return };
        loop {
            let mut buf = recycled.try_recv().unwrap_or_else(|_| vec![0; READ_AHEAD_CHUNK]);
            let (n, failed) = fill(&mut inner, &mut buf);
            // A failed send means the consumer is gone: stop reading.
            if n > 0 && tx.send(Chunk::Data(buf, n)).is_err() {
                return;
            }
            if let Some(e) = failed {
                let _ = tx.send(Chunk::Failed(e));
                let _ = tx.send(Chunk::End(inner));
                return;
            }
            if n == 0 {
                let _ = tx.send(Chunk::End(inner));
                return;
            }
        }
    });
    match spawned {
        Ok(_) => Box::new(ReadAhead { rx, recycle, current: Vec::new(), len: 0, pos: 0, done: None }),
        Err(_) => match slot.lock().ok().and_then(|mut g| g.take()) {
            Some(inner) => Box::new(inner),
            None => Box::new(Stopped),
        },
    }
}

/// A reader whose reading thread is gone.
struct Stopped;

impl Read for Stopped {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other("the layer reading thread stopped unexpectedly"))
    }
}

impl<R: Read> Read for ReadAhead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(inner) = &mut self.done {
            return inner.read(buf);
        }
        if buf.is_empty() {
            return Ok(0);
        }
        while self.pos >= self.len {
            match self.rx.recv() {
                Ok(Chunk::Data(data, n)) => {
                    let old = std::mem::replace(&mut self.current, data);
                    if !old.is_empty() {
                        let _ = self.recycle.try_send(old);
                    }
                    self.len = n;
                    self.pos = 0;
                }
                Ok(Chunk::Failed(e)) => return Err(e),
                Ok(Chunk::End(mut inner)) => {
                    let r = inner.read(buf);
                    self.done = Some(inner);
                    return r;
                }
                // The thread panicked (a bug): say so rather than end the stream quietly.
                Err(_) => return Stopped.read(buf),
            }
        }
        let avail = self.current.get(self.pos..self.len).unwrap_or_default();
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn expect(blob: &[u8], plain: &[u8], max: u64) -> LayerExpect {
        LayerExpect {
            index: 3,
            digest: sha256(blob),
            size: Some(blob.len() as u64),
            diff_id: sha256(plain),
            max_uncompressed: max,
        }
    }

    fn read_all(blob: Vec<u8>, e: LayerExpect) -> Result<Vec<u8>, ImageError> {
        let mut s = LayerStream::new(Box::new(io::Cursor::new(blob)), e)?;
        let mut out = Vec::new();
        s.read_to_end(&mut out).map_err(|e| ImageError::from_io(e, "test"))?;
        Ok(out)
    }

    #[test]
    fn good_gzip_stream_passes() {
        let plain = b"some tar bytes".repeat(100);
        let blob = gz(&plain);
        assert_eq!(read_all(blob.clone(), expect(&blob, &plain, u64::MAX)).unwrap(), plain);
    }

    #[test]
    fn corrupt_blob_is_a_digest_mismatch_not_a_gzip_error() {
        let plain = b"some tar bytes".repeat(100);
        let blob = gz(&plain);
        let e = expect(&blob, &plain, u64::MAX);
        let mut bad = blob.clone();
        let mid = bad.len() / 2;
        bad[mid] ^= 0x55;
        let err = read_all(bad, e).unwrap_err();
        assert!(matches!(err, ImageError::DigestMismatch { .. }), "{err}");
        assert!(err.to_string().starts_with("layer 3 blob does not match its digest"), "{err}");
    }

    #[test]
    fn wrong_diff_id_is_reported() {
        let plain = b"abc".to_vec();
        let mut e = expect(&plain, &plain, u64::MAX);
        e.diff_id = sha256(b"other");
        let err = read_all(plain, e).unwrap_err();
        assert!(matches!(err, ImageError::DiffIdMismatch { layer: 3, .. }), "{err}");
    }

    #[test]
    fn bomb_stops_at_the_limit() {
        let plain = vec![0u8; 4 << 20];
        let blob = gz(&plain);
        let err = read_all(blob.clone(), expect(&blob, &plain, 1 << 20)).unwrap_err();
        assert!(matches!(err, ImageError::TooLarge { limit: 1048576, .. }), "{err}");
    }

    #[test]
    fn read_ahead_passes_every_byte_through() {
        // Several chunks, an odd tail, and odd-sized reads on the consuming side.
        let data: Vec<u8> = (0..(READ_AHEAD_CHUNK * 3 + 12_345)).map(|i| (i * 7 % 251) as u8).collect();
        let mut r = read_ahead(io::Cursor::new(data.clone()));
        let mut out = Vec::new();
        let mut buf = vec![0; 10_007];
        loop {
            let n = r.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        assert_eq!(out, data);
        assert_eq!(r.read(&mut buf).unwrap(), 0, "the end repeats");
    }

    #[test]
    fn read_ahead_reports_a_layer_error_and_repeats_it() {
        let plain = vec![b'x'; 3 * READ_AHEAD_CHUNK];
        let mut e = expect(&plain, &plain, u64::MAX);
        e.diff_id = sha256(b"other");
        let mut r = read_ahead(LayerStream::new(Box::new(io::Cursor::new(plain.clone())), e).unwrap());
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).unwrap_err();
        assert_eq!(out, plain, "the data before the check is delivered");
        assert!(matches!(ImageError::from_io(err, "t"), ImageError::DiffIdMismatch { layer: 3, .. }));
        let again = r.read(&mut [0; 16]).unwrap_err();
        assert!(matches!(ImageError::from_io(again, "t"), ImageError::DiffIdMismatch { .. }), "sticky");
    }

    #[test]
    fn read_ahead_thread_stops_when_the_reader_is_dropped() {
        // An endless source: the thread must notice the consumer is gone, not fill memory.
        struct Endless(std::sync::Arc<std::sync::atomic::AtomicBool>);
        impl Read for Endless {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                buf.fill(1);
                Ok(buf.len())
            }
        }
        impl Drop for Endless {
            fn drop(&mut self) {
                self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let dropped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut r = read_ahead(Endless(dropped.clone()));
        let mut buf = [0; 100];
        r.read_exact(&mut buf).unwrap();
        drop(r);
        // The thread drops the source once its next send fails; wait for that without a time limit
        // on the assertion itself.
        while !dropped.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    #[test]
    fn oversized_blob_is_a_size_mismatch() {
        let plain = b"abc".to_vec();
        let mut e = expect(&plain, &plain, u64::MAX);
        e.size = Some(2);
        let err = read_all(plain, e).unwrap_err();
        assert!(matches!(err, ImageError::SizeMismatch { expected: 2, actual: 3, .. }), "{err}");
    }
}
