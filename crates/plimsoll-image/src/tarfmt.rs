//! A tar reader that reads layer tars the way the container runtime does.
//!
//! Docker, containerd and umoci unpack layers with Go's `archive/tar`; if plimsoll reads an
//! archive differently, an image author can show plimsoll one file system and the runtime
//! another (a PAX `path` record holding a newline made the `tar` crate fall back to the ustar
//! name; a symlink header with a non-zero size made it skip the next header as data). So this
//! module follows `archive/tar`'s `Reader.Next` (Go 1.22) rule by rule:
//!
//! - the checksum may be the unsigned or the signed sum; the format is guessed from the magic
//!   (V7, USTAR/PAX, STAR, GNU) and the ustar `prefix` is joined to the name for USTAR, PAX and
//!   STAR headers (and for GNU headers whose atime/ctime do not parse, as Go does);
//! - numeric fields are octal or base-256; any unparsable numeric field fails the archive;
//! - PAX records are length-prefixed (`"%d %s=%s\n"`), so values may contain newlines; a
//!   malformed record fails the archive; empty values keep the header's value; a later `x`
//!   header replaces an earlier one; global (`g`) headers are ignored, as containerd does;
//! - GNU long names and links (`L`, `K`) are cut at the first NUL and override PAX `path` and
//!   `linkpath`;
//! - hard links, symlinks, devices, directories and FIFOs carry no data whatever their size field
//!   says; a type `\0` name ending in `/` is a directory;
//! - one zero block followed by a zero block or the end of the stream ends the archive; a zero
//!   block followed by anything else is an error.
//!
//! Sparse files (GNU `S` headers and the PAX `GNU.sparse.*` formats) are refused with an error
//! naming the entry rather than read approximately: image builders do not produce them, and a
//! scanner that guesses is worse than one that stops.
//!
//! Hand-written rather than the `tar` crate because the divergences above are in that crate's
//! parsing itself (PAX splitting on `\n`, data after header-only types), not in how we call it.

use std::collections::HashMap;
use std::io::{self, Read};

use crate::error::ImageError;

const BLOCK: usize = 512;

/// One file header with the PAX and GNU extensions merged in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TarHeader {
    pub name: Vec<u8>,
    pub linkname: Vec<u8>,
    pub typeflag: u8,
    /// Bytes of data that follow the header (0 for header-only types).
    pub size: u64,
    pub mode: i64,
    pub uid: i64,
    pub gid: i64,
}

/// Reads headers with [`TarReader::next_header`] and the current entry's data through `Read`.
pub(crate) struct TarReader<R> {
    inner: R,
    /// Unread data bytes of the current entry.
    remaining: u64,
    /// Padding after the current entry's data.
    padding: u64,
    done: bool,
    max_metadata: u64,
    /// Headers read (including extension headers), bounded by the caller through `max_headers`.
    pub headers_read: u64,
}

fn malformed(entry: &[u8], reason: impl Into<String>) -> ImageError {
    ImageError::Malformed { what: format!("layer tar entry `{}`", shown(entry)), reason: reason.into() }
}

fn shown(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name);
    if s.len() > 200 {
        let mut end = 200;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    } else {
        s.into_owned()
    }
}

/// Go's `parser.parseString`: up to the first NUL.
fn c_string(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(i) => &b[..i],
        None => b,
    }
}

/// Go's `parser.parseOctal`.
fn parse_octal(b: &[u8]) -> Option<i64> {
    let start = b.iter().position(|&c| c != b' ' && c != 0).unwrap_or(b.len());
    let end = b.iter().rposition(|&c| c != b' ' && c != 0).map_or(start, |i| i + 1);
    let t = c_string(&b[start..end.max(start)]);
    if t.is_empty() {
        return Some(0);
    }
    // strconv.ParseUint(s, 8, 64): digits only (Go also accepts `_` only with base 0).
    let s = std::str::from_utf8(t).ok()?;
    if !s.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
        return None;
    }
    u64::from_str_radix(s, 8).ok().map(|x| x as i64)
}

/// Go's `parser.parseNumeric`: base-256 when the top bit is set, else octal.
fn parse_numeric(b: &[u8]) -> Option<i64> {
    if let Some(&first) = b.first() {
        if first & 0x80 != 0 {
            let inv: u8 = if first & 0x40 != 0 { 0xff } else { 0 };
            let mut x: u64 = 0;
            for (i, &c) in b.iter().enumerate() {
                let mut c = c ^ inv;
                if i == 0 {
                    c &= 0x7f;
                }
                if x >> 56 > 0 {
                    return None;
                }
                x = (x << 8) | u64::from(c);
            }
            if x >> 63 > 0 {
                return None;
            }
            return Some(if inv == 0xff { !(x as i64) } else { x as i64 });
        }
    }
    parse_octal(b)
}

/// Go's `strconv.ParseInt(s, 10, 64)`.
fn parse_decimal(v: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(v).ok()?;
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.strip_prefix('+').unwrap_or(s).parse::<i64>().ok()
}

/// Go's `parsePAXTime` acceptance: `[+-]SECONDS[.DIGITS]`.
fn valid_pax_time(v: &[u8]) -> bool {
    let (secs, frac) = match v.iter().position(|&c| c == b'.') {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (v, &[][..]),
    };
    parse_decimal(secs).is_some() && frac.iter().all(u8::is_ascii_digit)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    V7,
    UstarOrPax,
    Star,
    Gnu,
}

/// Go's `block.getFormat`: `None` when the checksum does not match.
fn format_of(blk: &[u8; BLOCK]) -> Option<Format> {
    let want = parse_octal(&blk[148..156])?;
    let mut unsigned: i64 = 0;
    let mut signed: i64 = 0;
    for (i, &c) in blk.iter().enumerate() {
        let c = if (148..156).contains(&i) { b' ' } else { c };
        unsigned += i64::from(c);
        signed += i64::from(c as i8);
    }
    if want != unsigned && want != signed {
        return None;
    }
    let magic = &blk[257..263];
    let version = &blk[263..265];
    let trailer = &blk[508..512];
    Some(if magic == b"ustar\0" && trailer == b"tar\0" {
        Format::Star
    } else if magic == b"ustar\0" {
        Format::UstarOrPax
    } else if magic == b"ustar " && version == b" \0" {
        Format::Gnu
    } else {
        Format::V7
    })
}

/// Go's `parsePAX`: records `"%d %s=%s\n"`, the length counting the whole record, so values may
/// hold newlines. Returns a reason on the first bad record.
fn parse_pax(mut s: &[u8]) -> Result<HashMap<Vec<u8>, Vec<u8>>, String> {
    let mut out = HashMap::new();
    let mut sparse_map: Vec<Vec<u8>> = Vec::new();
    while !s.is_empty() {
        let sp = s.iter().position(|&c| c == b' ').ok_or("PAX record without a length")?;
        let n = parse_decimal(&s[..sp]).ok_or("PAX record length is not a number")?;
        if n < 5 || n as u64 > s.len() as u64 || n as usize <= sp + 1 {
            return Err(format!("PAX record length {n} does not fit the header"));
        }
        let n = n as usize;
        let (rec, nl) = (&s[sp + 1..n - 1], s[n - 1]);
        if nl != b'\n' {
            return Err("PAX record does not end with a newline at its stated length".into());
        }
        let eq = rec.iter().position(|&c| c == b'=').ok_or("PAX record without `=`")?;
        let (k, v) = (&rec[..eq], &rec[eq + 1..]);
        let valid = !k.is_empty()
            && match k {
                b"path" | b"linkpath" | b"uname" | b"gname" => !v.contains(&0),
                _ => !k.contains(&0),
            };
        if !valid {
            return Err(format!("invalid PAX record `{}`", String::from_utf8_lossy(k)));
        }
        match k {
            b"GNU.sparse.offset" | b"GNU.sparse.numbytes" => sparse_map.push(v.to_vec()),
            _ => {
                out.insert(k.to_vec(), v.to_vec());
            }
        }
        s = &s[n..];
    }
    if !sparse_map.is_empty() {
        out.insert(b"GNU.sparse.map".to_vec(), sparse_map.join(&b","[..]));
    }
    Ok(out)
}

/// Go's `readGNUSparsePAXHeaders` test for a PAX-format sparse file.
fn is_pax_sparse(pax: &HashMap<Vec<u8>, Vec<u8>>) -> bool {
    let get = |k: &[u8]| pax.get(k).map(Vec::as_slice).unwrap_or(b"");
    let (major, minor) = (get(b"GNU.sparse.major"), get(b"GNU.sparse.minor"));
    match (major, minor) {
        (b"0", b"0" | b"1") | (b"1", b"0") => true,
        _ if !major.is_empty() || !minor.is_empty() => false,
        _ => !get(b"GNU.sparse.map").is_empty(),
    }
}

/// Types whose size field does not announce data (Go's `isHeaderOnlyType`).
fn header_only(t: u8) -> bool {
    matches!(t, b'1' | b'2' | b'3' | b'4' | b'5' | b'6')
}

impl<R: Read> TarReader<R> {
    pub fn new(inner: R, max_metadata: u64) -> Self {
        TarReader { inner, remaining: 0, padding: 0, done: false, max_metadata, headers_read: 0 }
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    /// Reads up to a full block; `Ok(false)` on a clean end of stream before the first byte.
    fn read_block(&mut self, blk: &mut [u8; BLOCK], after: &[u8]) -> Result<bool, ImageError> {
        let mut got = 0;
        while got < BLOCK {
            match self.inner.read(&mut blk[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ImageError::from_io(e, "layer tar")),
            }
        }
        match got {
            0 => Ok(false),
            BLOCK => Ok(true),
            _ => Err(malformed(after, "the archive ends inside a header")),
        }
    }

    fn skip(&mut self, n: u64, after: &[u8]) -> Result<(), ImageError> {
        let copied = io::copy(&mut (&mut self.inner).take(n), &mut io::sink())
            .map_err(|e| ImageError::from_io(e, "layer tar"))?;
        if copied != n {
            return Err(malformed(after, "the archive ends inside the entry's data"));
        }
        Ok(())
    }

    /// Reads a meta entry's data (PAX records, GNU long name), bounded.
    fn read_special(&mut self, size: u64, name: &[u8]) -> Result<Vec<u8>, ImageError> {
        if size > self.max_metadata {
            return Err(ImageError::TooLarge {
                what: format!("tar metadata (GNU long name or PAX records) of entry `{}`", shown(name)),
                limit: self.max_metadata,
            });
        }
        let mut buf = Vec::with_capacity(size as usize);
        (&mut self.inner).take(size).read_to_end(&mut buf).map_err(|e| ImageError::from_io(e, "layer tar"))?;
        if buf.len() as u64 != size {
            return Err(malformed(name, "the archive ends inside the entry's data"));
        }
        self.skip(pad(size), name)?;
        Ok(buf)
    }

    /// The next file entry, `None` at the end of the archive. `prev` names the previous entry for
    /// errors met before a name is known.
    pub fn next_header(&mut self, prev: &[u8]) -> Result<Option<TarHeader>, ImageError> {
        if self.done {
            return Ok(None);
        }
        self.skip(self.remaining + self.padding, prev)?;
        self.remaining = 0;
        self.padding = 0;

        let mut pax: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
        let mut long_name: Option<Vec<u8>> = None;
        let mut long_link: Option<Vec<u8>> = None;
        let mut blk = [0u8; BLOCK];
        loop {
            if !self.read_block(&mut blk, prev)? {
                // Go returns io.EOF here too: pending extension headers describe nothing.
                self.done = true;
                return Ok(None);
            }
            if blk.iter().all(|&c| c == 0) {
                let mut second = [0u8; BLOCK];
                if !self.read_block(&mut second, prev)? || second.iter().all(|&c| c == 0) {
                    self.done = true;
                    return Ok(None);
                }
                return Err(malformed(prev, "a zero block is followed by a header (Go's archive/tar refuses this)"));
            }
            self.headers_read += 1;
            let raw_name = c_string(&blk[0..100]).to_vec();
            let format = format_of(&blk).ok_or_else(|| malformed(&raw_name, "header checksum mismatch"))?;
            let bad_field = |field: &str| malformed(&raw_name, format!("unreadable {field} field"));
            let typeflag = blk[156];
            let size = parse_numeric(&blk[124..136]).ok_or_else(|| bad_field("size"))?;
            let mode = parse_numeric(&blk[100..108]).ok_or_else(|| bad_field("mode"))?;
            let mut uid = parse_numeric(&blk[108..116]).ok_or_else(|| bad_field("uid"))?;
            let mut gid = parse_numeric(&blk[116..124]).ok_or_else(|| bad_field("gid"))?;
            parse_numeric(&blk[136..148]).ok_or_else(|| bad_field("mtime"))?;
            let mut name = raw_name.clone();
            let mut linkname = c_string(&blk[157..257]).to_vec();
            if format != Format::V7 {
                parse_numeric(&blk[329..337]).ok_or_else(|| bad_field("devmajor"))?;
                parse_numeric(&blk[337..345]).ok_or_else(|| bad_field("devminor"))?;
                let prefix: Vec<u8> = match format {
                    Format::UstarOrPax => c_string(&blk[345..500]).to_vec(),
                    Format::Star => c_string(&blk[345..476]).to_vec(),
                    Format::Gnu => {
                        // Go reads files from its pre-1.8 writer, which put a prefix where GNU
                        // keeps atime/ctime, by falling back when those do not parse.
                        let atime_ok = blk[345] == 0 || parse_numeric(&blk[345..357]).is_some();
                        let ctime_ok = blk[357] == 0 || parse_numeric(&blk[357..369]).is_some();
                        let p = c_string(&blk[345..500]);
                        if atime_ok && ctime_ok || !p.is_ascii() {
                            Vec::new()
                        } else {
                            p.to_vec()
                        }
                    }
                    Format::V7 => Vec::new(),
                };
                if !prefix.is_empty() {
                    name = [prefix.as_slice(), b"/", name.as_slice()].concat();
                }
            }
            if size < 0 {
                return Err(malformed(&name, "negative size"));
            }
            let size = size as u64;
            match typeflag {
                b'x' | b'g' => {
                    let data = self.read_special(size, &name)?;
                    let records =
                        parse_pax(&data).map_err(|r| malformed(&name, format!("bad PAX extended header: {r}")))?;
                    if typeflag == b'g' {
                        // Go hands a global header back as an entry of its own, forgetting pending
                        // local ones; containerd ignores it.
                        pax.clear();
                        long_name = None;
                        long_link = None;
                    } else {
                        pax = records;
                    }
                    continue;
                }
                b'L' | b'K' => {
                    let data = self.read_special(size, &name)?;
                    let value = c_string(&data).to_vec();
                    if typeflag == b'L' {
                        long_name = Some(value);
                    } else {
                        long_link = Some(value);
                    }
                    continue;
                }
                _ => {}
            }
            // Go's mergePAX: an empty value keeps the header's value.
            let mut size = size;
            for (k, v) in &pax {
                if v.is_empty() {
                    continue;
                }
                let shown_name = if long_name.is_some() { long_name.as_deref().unwrap_or(&name) } else { &name };
                let bad = |what: &str| malformed(shown_name, format!("bad PAX `{what}` record"));
                match k.as_slice() {
                    b"path" => name = v.clone(),
                    b"linkpath" => linkname = v.clone(),
                    b"uid" => uid = parse_decimal(v).ok_or_else(|| bad("uid"))?,
                    b"gid" => gid = parse_decimal(v).ok_or_else(|| bad("gid"))?,
                    b"size" => {
                        let s = parse_decimal(v).ok_or_else(|| bad("size"))?;
                        size = u64::try_from(s).map_err(|_| bad("size"))?;
                    }
                    b"atime" | b"mtime" | b"ctime" if !valid_pax_time(v) => {
                        return Err(bad(&String::from_utf8_lossy(k)));
                    }
                    _ => {}
                }
            }
            if let Some(n) = long_name {
                name = n;
            }
            if let Some(l) = long_link {
                linkname = l;
            }
            let mut typeflag = typeflag;
            if typeflag == 0 {
                typeflag = if name.ends_with(b"/") { b'5' } else { b'0' };
            }
            if typeflag == b'S' || is_pax_sparse(&pax) {
                return Err(malformed(
                    &name,
                    "sparse file (GNU sparse format): plimsoll does not read sparse files in layers",
                ));
            }
            let data = if header_only(typeflag) { 0 } else { size };
            self.remaining = data;
            self.padding = pad(data);
            return Ok(Some(TarHeader { name, linkname, typeflag, size: data, mode, uid, gid }));
        }
    }
}

fn pad(n: u64) -> u64 {
    (BLOCK as u64 - n % BLOCK as u64) % BLOCK as u64
}

impl<R: Read> Read for TarReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 || buf.is_empty() {
            return Ok(0);
        }
        let cap = buf.len().min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..cap])?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the archive ends inside an entry's data"));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_values_may_hold_newlines() {
        let rec = b"18 path=junk\nmore\n11 uid=100\n";
        let m = parse_pax(rec).unwrap();
        assert_eq!(m[&b"path"[..]], b"junk\nmore");
        assert_eq!(m[&b"uid"[..]], b"100");
        assert!(parse_pax(b"19 path=junk\nmore\n").is_err());
        assert!(parse_pax(b"4 a=\n").is_err());
        assert!(parse_pax(b"11 path=a\0\n").is_err());
    }

    #[test]
    fn numeric_fields_follow_go() {
        assert_eq!(parse_numeric(b"0000644\0"), Some(0o644));
        assert_eq!(parse_numeric(b"  644 \0"), Some(0o644));
        assert_eq!(parse_numeric(b"\0\0\0\0"), Some(0));
        assert_eq!(parse_numeric(b"64x\0"), None);
        assert_eq!(parse_numeric(&[0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]), Some(1 << 32));
        assert_eq!(parse_numeric(&[0xff; 8]), Some(-1));
        assert_eq!(parse_decimal(b"+12"), Some(12));
        assert_eq!(parse_decimal(b"1 2"), None);
        assert!(valid_pax_time(b"1700000000.123"));
        assert!(!valid_pax_time(b"17x"));
    }
}
