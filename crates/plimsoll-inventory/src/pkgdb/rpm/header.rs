//! rpm header blobs, as every rpm database backend stores them (one blob per installed package).
//!
//! A blob is the on-disk header without its 8-byte magic (rpm's `lib/header.c`, all integers
//! big-endian):
//!
//! ```text
//! il: u32, dl: u32                                 index entry count, data store length
//! il x { tag: u32, type: u32, offset: i32, count: u32 }
//! dl bytes of data store
//! ```
//!
//! The first entry is usually a *region* tag (`HEADERIMMUTABLE`, 63): its data is a 16-byte
//! trailer at the end of the region whose negated offset gives the number of entries the region
//! covers. Entries after the region ("dribbles") were added after the package was signed and
//! replace region entries with the same tag. A header whose first tag is >= 100 is an old v3
//! header without a region.
//!
//! The checks follow rpm's `hdrblobInit`/`hdrblobVerifyInfo`/`hdrblobImport` so that a blob rpm
//! rejects is rejected here too, and every read is bounds-checked: the input is attacker
//! controlled, so counts are validated against the data length before anything is allocated.

use std::fmt;

pub const TAG_NAME: u32 = 1000;
pub const TAG_VERSION: u32 = 1001;
pub const TAG_RELEASE: u32 = 1002;
pub const TAG_EPOCH: u32 = 1003;
pub const TAG_VENDOR: u32 = 1011;
pub const TAG_LICENSE: u32 = 1014;
pub const TAG_ARCH: u32 = 1022;
pub const TAG_OLDFILENAMES: u32 = 1027;
pub const TAG_SOURCERPM: u32 = 1044;
pub const TAG_DIRINDEXES: u32 = 1116;
pub const TAG_BASENAMES: u32 = 1117;
pub const TAG_DIRNAMES: u32 = 1118;

const TAG_HEADERIMAGE: u32 = 61;
const TAG_HEADERSIGNATURES: u32 = 62;
const TAG_HEADERIMMUTABLE: u32 = 63;
/// Tags below this are reserved for regions and the i18n table; data tags start here.
const TAG_HEADERI18NTABLE: u32 = 100;

pub const TYPE_CHAR: u32 = 1;
pub const TYPE_INT8: u32 = 2;
pub const TYPE_INT16: u32 = 3;
pub const TYPE_INT32: u32 = 4;
pub const TYPE_INT64: u32 = 5;
pub const TYPE_STRING: u32 = 6;
pub const TYPE_BIN: u32 = 7;
pub const TYPE_STRING_ARRAY: u32 = 8;
pub const TYPE_I18NSTRING: u32 = 9;
const TYPE_MAX: u32 = TYPE_I18NSTRING;

/// Size of one index entry, and of a region trailer (`REGION_TAG_COUNT`).
const ENTRY_SIZE: usize = 16;
/// rpm's limits: `HEADER_TAGS_MAX`, `HEADER_DATA_MAX`, `HEADER_ARRAY_MAX`, `headerMaxbytes`.
const MAX_TAGS: u32 = 0xffff;
const MAX_DATA: u32 = 0x0fff_ffff;
pub(crate) const MAX_ARRAY: u32 = 0x000f_ffff;
const MAX_BYTES: u64 = 256 * 1024 * 1024;

/// Why a header blob was rejected. `offset` is the byte offset inside the blob.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason} (header byte {offset})")]
pub struct HeaderError {
    pub offset: usize,
    pub reason: String,
}

fn err<T>(offset: usize, reason: impl fmt::Display) -> Result<T, HeaderError> {
    Err(HeaderError { offset, reason: reason.to_string() })
}

/// One index entry, validated: `offset..offset + len` lies inside the data store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    tag: u32,
    ty: u32,
    offset: u32,
    count: u32,
    len: u32,
}

/// A parsed header: borrowed data store plus the validated index, sorted by tag.
#[derive(Debug)]
pub struct Header<'a> {
    data: &'a [u8],
    entries: Vec<Entry>,
}

/// An index entry as stored (big-endian), before validation.
#[derive(Debug, Clone, Copy)]
struct RawEntry {
    tag: u32,
    ty: u32,
    offset: i32,
    count: u32,
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    let bytes = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

fn raw_entry(index: &[u8], i: usize) -> Option<RawEntry> {
    let at = i.checked_mul(ENTRY_SIZE)?;
    Some(RawEntry {
        tag: be_u32(index, at)?,
        ty: be_u32(index, at + 4)?,
        offset: be_u32(index, at + 8)? as i32,
        count: be_u32(index, at + 12)?,
    })
}

fn type_size(ty: u32) -> Option<u32> {
    match ty {
        TYPE_CHAR | TYPE_INT8 | TYPE_BIN => Some(1),
        TYPE_INT16 => Some(2),
        TYPE_INT32 => Some(4),
        TYPE_INT64 => Some(8),
        _ => None,
    }
}

fn type_align(ty: u32) -> u32 {
    match ty {
        TYPE_INT16 => 2,
        TYPE_INT32 => 4,
        TYPE_INT64 => 8,
        _ => 1,
    }
}

fn is_string_type(ty: u32) -> bool {
    matches!(ty, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING)
}

/// The declared type of the tags this crate reads, for rpm's `hdrchkTagType` check (a known tag
/// with a mismatching type makes rpm reject the header; string types may stand in for each other).
fn expected_type(tag: u32) -> Option<u32> {
    match tag {
        TAG_NAME | TAG_VERSION | TAG_RELEASE | TAG_VENDOR | TAG_LICENSE | TAG_ARCH | TAG_SOURCERPM => Some(TYPE_STRING),
        TAG_EPOCH | TAG_DIRINDEXES => Some(TYPE_INT32),
        TAG_OLDFILENAMES | TAG_BASENAMES | TAG_DIRNAMES => Some(TYPE_STRING_ARRAY),
        _ => None,
    }
}

fn tag_type_ok(tag: u32, ty: u32) -> bool {
    match expected_type(tag) {
        None => true,
        Some(want) => want == ty || (is_string_type(want) && is_string_type(ty)),
    }
}

/// Length of `count` NUL-terminated strings starting at `data[start..]` (rpm's `strtaglen`).
fn strings_len(data: &[u8], start: usize, count: u32) -> Option<u32> {
    let mut pos = start;
    for _ in 0..count {
        let nul = data.get(pos..)?.iter().position(|&b| b == 0)?;
        pos = pos.checked_add(nul + 1)?;
    }
    u32::try_from(pos - start).ok()
}

/// Length in bytes of an entry's data (rpm's `dataLength` for on-disk data), bounded by `data`.
fn data_len(data: &[u8], ty: u32, offset: u32, count: u32) -> Option<u32> {
    let start = offset as usize;
    match ty {
        TYPE_STRING if count != 1 => None,
        TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING => strings_len(data, start, count),
        _ => {
            let len = type_size(ty)?.checked_mul(count)?;
            (data.len().checked_sub(start)? >= len as usize).then_some(len)
        }
    }
}

/// Padding needed before data of `ty` at `at` (rpm's `alignDiff`, which aligns to the type size).
fn align_diff(ty: u32, at: u32) -> u32 {
    match type_size(ty) {
        Some(size) if size > 1 => (size - at % size) % size,
        _ => 0,
    }
}

impl<'a> Header<'a> {
    /// Parses and validates one header blob as rpm's database reader does.
    pub fn parse(blob: &'a [u8]) -> Result<Self, HeaderError> {
        let (Some(il), Some(dl)) = (be_u32(blob, 0), be_u32(blob, 4)) else {
            return err(0, format_args!("header blob of {} bytes has no index/data lengths", blob.len()));
        };
        if il < 1 {
            return err(0, "header has no tags");
        }
        if il > MAX_TAGS {
            return err(0, format_args!("header declares {il} tags (at most {MAX_TAGS})"));
        }
        if dl > MAX_DATA {
            return err(4, format_args!("header declares {dl} bytes of data (at most {MAX_DATA})"));
        }
        let pvlen = 8 + u64::from(il) * ENTRY_SIZE as u64 + u64::from(dl);
        if pvlen >= MAX_BYTES || pvlen != blob.len() as u64 {
            return err(0, format_args!("blob is {} bytes but 8 + 16 * il({il}) + dl({dl}) = {pvlen}", blob.len()));
        }
        let data_start = 8 + il as usize * ENTRY_SIZE;
        let index = &blob[8..data_start];
        let data = &blob[data_start..];
        let il = il as usize;
        let entry_at = |i: usize| 8 + i * ENTRY_SIZE;
        let raw = |i: usize| {
            raw_entry(index, i).ok_or_else(|| HeaderError { offset: entry_at(i), reason: "index truncated".into() })
        };

        let first = raw(0)?;
        let region = verify_region(first, data, il)?;

        // hdrblobVerifyInfo: every entry but the region tag, in index order.
        let typechk = matches!(region, Some((TAG_HEADERIMMUTABLE | TAG_HEADERIMAGE, _, _)));
        let mut entries = Vec::with_capacity(il);
        let mut end: i64 = 0;
        for i in usize::from(region.is_some())..il {
            let e = raw(i)?;
            let at = entry_at(i);
            let bad = |why: &str| {
                err(at, format_args!("tag {} type {} offset {} count {}: {why}", e.tag, e.ty, e.offset, e.count))
            };
            if end > i64::from(e.offset) {
                return bad("data overlaps the previous entry");
            }
            if e.tag < TAG_HEADERI18NTABLE {
                return bad("reserved tag number");
            }
            if e.ty > TYPE_MAX {
                return bad("unknown type");
            }
            if e.count < 1 || e.count > dl {
                return bad("count out of range");
            }
            if e.offset < 0 || e.offset as u32 > dl {
                return bad("offset outside the data store");
            }
            let offset = e.offset as u32;
            if !offset.is_multiple_of(type_align(e.ty)) {
                return bad("misaligned data");
            }
            if e.ty != TYPE_BIN && e.count > MAX_ARRAY {
                return bad("array too long");
            }
            if typechk && !tag_type_ok(e.tag, e.ty) {
                return bad("type does not match the tag");
            }
            let Some(len) = data_len(data, e.ty, offset, e.count).filter(|&len| len > 0) else {
                return bad("data does not fit in the data store");
            };
            end = i64::from(offset) + i64::from(len);
            if end > i64::from(dl) {
                return bad("data does not fit in the data store");
            }
            if let Some((_, _, rdl)) = region {
                if end > i64::from(rdl) - ENTRY_SIZE as i64 && offset < rdl {
                    return bad("data overlaps the region trailer");
                }
            }
            entries.push(Entry { tag: e.tag, ty: e.ty, offset, count: e.count, len });
        }

        // hdrblobImport: the entries' lengths plus alignment must add up to the data length. rpm's
        // database reader imports with HEADERIMPORT_FAST, which takes a string's length as the
        // distance to the next entry of its group (so padding after strings is allowed).
        let mut total: u64 = 0;
        let sum = |total: &mut u64, es: &[Entry]| {
            for (j, e) in es.iter().enumerate() {
                let len = match es.get(j + 1) {
                    Some(next) if is_string_type(e.ty) => next.offset.wrapping_sub(e.offset),
                    _ => e.len,
                };
                if len > MAX_DATA {
                    return false;
                }
                *total += u64::from(align_diff(e.ty, *total as u32)) + u64::from(len);
            }
            true
        };
        if first.tag >= TAG_HEADERI18NTABLE {
            // A v3 header without a region: all entries were checked above.
            if !sum(&mut total, &entries) || total != u64::from(dl) {
                return err(4, format_args!("entry data adds up to {total} bytes, header says {dl}"));
            }
        } else {
            // verify_region returned Some, so the region entry was skipped above.
            let Some((_, ril, _)) = region else { return err(8, "missing region") };
            let ril = if first.offset != 0 { ril } else { il };
            if ril < 1 {
                return err(8, "region covers no entries");
            }
            let (in_region, dribbles) = entries.split_at(ril - 1);
            let ok = sum(&mut total, in_region) && sum(&mut total, dribbles);
            total += ENTRY_SIZE as u64;
            if !ok || total != u64::from(dl) {
                return err(4, format_args!("entry data adds up to {total} bytes, header says {dl}"));
            }
            if !dribbles.is_empty() {
                // Dribble entries replace region entries with the same tag; new file names
                // (BASENAMES) also drop the old FILENAMES.
                // (Sorted tags and binary search: up to 65535 entries on each side.)
                let dribbles = dribbles.to_vec();
                let mut replaced: Vec<u32> = dribbles.iter().map(|d| d.tag).collect();
                if replaced.contains(&TAG_BASENAMES) {
                    replaced.push(TAG_OLDFILENAMES);
                }
                replaced.sort_unstable();
                entries.truncate(ril - 1);
                entries.retain(|e| replaced.binary_search(&e.tag).is_err());
                entries.extend(dribbles);
            }
        }
        entries.sort_by_key(|e| e.tag);
        Ok(Header { data, entries })
    }

    fn entry(&self, tag: u32) -> Option<&Entry> {
        let i = self.entries.partition_point(|e| e.tag < tag);
        self.entries.get(i).filter(|e| e.tag == tag)
    }

    fn bytes(&self, e: &Entry) -> &'a [u8] {
        let start = e.offset as usize;
        self.data.get(start..start + e.len as usize).unwrap_or_default()
    }

    /// Whether the header has `tag` at all.
    pub fn has(&self, tag: u32) -> bool {
        self.entry(tag).is_some()
    }

    /// The first string of a string-typed tag (`STRING`, `STRING_ARRAY`, `I18NSTRING`), without its
    /// NUL. rpm picks the first element of arrays and of i18n strings in the C locale.
    pub fn string(&self, tag: u32) -> Option<&'a [u8]> {
        self.strings(tag)?.next()
    }

    /// All strings of a string-typed tag, in order.
    pub fn strings(&self, tag: u32) -> Option<Strings<'a>> {
        let e = self.entry(tag).filter(|e| is_string_type(e.ty))?;
        Some(Strings { rest: self.bytes(e), left: e.count })
    }

    /// The values of an `INT32` tag.
    pub fn u32s(&self, tag: u32) -> Option<impl ExactSizeIterator<Item = u32> + 'a> {
        let e = self.entry(tag).filter(|e| e.ty == TYPE_INT32)?;
        Some(self.bytes(e).chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
    }

    /// The first value of an `INT32` tag.
    pub fn u32(&self, tag: u32) -> Option<u32> {
        self.u32s(tag)?.next()
    }

    /// Number of elements of `tag`, whatever its type.
    pub fn count(&self, tag: u32) -> Option<u32> {
        self.entry(tag).map(|e| e.count)
    }
}

/// Checks the region tag, if the first entry is one (rpm's `hdrblobVerifyRegion`). Returns the
/// region tag, the number of entries it covers (`ril`) and the data it covers (`rdl`).
fn verify_region(first: RawEntry, data: &[u8], il: usize) -> Result<Option<(u32, usize, u32)>, HeaderError> {
    let region_tag = first.tag;
    if !matches!(region_tag, TAG_HEADERIMAGE | TAG_HEADERSIGNATURES | TAG_HEADERIMMUTABLE) {
        return Ok(None);
    }
    let dl = data.len() as i64;
    if !(first.ty == TYPE_BIN && first.count == ENTRY_SIZE as u32) {
        return err(8, format_args!("region tag {region_tag}: type {} count {}", first.ty, first.count));
    }
    let trailer_at = i64::from(first.offset);
    if trailer_at < 0 || trailer_at + ENTRY_SIZE as i64 > dl {
        return err(8, format_args!("region tag {region_tag}: trailer offset {trailer_at} outside the data"));
    }
    let Some(trailer) = raw_entry(&data[trailer_at as usize..], 0) else {
        return err(8, "region trailer truncated");
    };
    let rdl = trailer_at + ENTRY_SIZE as i64;
    let mut trailer_tag = trailer.tag;
    // Some old packages have HEADERIMAGE in the signature region trailer; rpm fixes it up.
    if region_tag == TAG_HEADERSIGNATURES && trailer_tag == TAG_HEADERIMAGE {
        trailer_tag = TAG_HEADERSIGNATURES;
    }
    if !(trailer_tag == region_tag && trailer.ty == TYPE_BIN && trailer.count == ENTRY_SIZE as u32) {
        return err(8, format_args!("region tag {region_tag}: bad trailer (tag {} type {})", trailer.tag, trailer.ty));
    }
    // The trailer's offset is the negated size of the region's index.
    let region_index = -i64::from(trailer.offset);
    let ril = region_index / ENTRY_SIZE as i64;
    if region_index % ENTRY_SIZE as i64 != 0 || !(0..=il as i64).contains(&ril) || !(0..=dl).contains(&rdl) {
        return err(8, format_args!("region tag {region_tag}: covers {ril} entries of {il}"));
    }
    Ok(Some((region_tag, ril as usize, rdl as u32)))
}

/// The strings of a string-array entry. The data was validated to hold `count` NUL-terminated
/// strings, so iteration stops at `count` and never runs past the entry.
#[derive(Debug, Clone)]
pub struct Strings<'a> {
    rest: &'a [u8],
    left: u32,
}

impl<'a> Iterator for Strings<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.left == 0 {
            return None;
        }
        let nul = self.rest.iter().position(|&b| b == 0)?;
        let (s, rest) = self.rest.split_at(nul);
        self.rest = rest.get(1..).unwrap_or_default();
        self.left -= 1;
        Some(s)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left as usize))
    }
}

/// Builds header blobs for tests: entries are laid out in order with rpm's alignment, inside an
/// immutable region unless `legacy`.
#[cfg(test)]
pub(crate) mod build {
    use super::*;

    #[derive(Clone)]
    pub enum Value<'s> {
        Str(&'s str),
        StrArray(Vec<&'s str>),
        I18n(&'s str),
        Int32(Vec<u32>),
        Int16(Vec<u16>),
        Bin(Vec<u8>),
    }

    /// `dribbles` are appended after the region, as rpm does for tags added after signing.
    pub fn blob(entries: &[(u32, Value<'_>)], dribbles: &[(u32, Value<'_>)], legacy: bool) -> Vec<u8> {
        let mut index: Vec<[u32; 4]> = Vec::new();
        let mut data: Vec<u8> = Vec::new();
        fn put(tag: u32, v: &Value<'_>, index: &mut Vec<[u32; 4]>, data: &mut Vec<u8>) {
            let (ty, count, bytes): (u32, usize, Vec<u8>) = match v {
                Value::Str(s) => (TYPE_STRING, 1, [s.as_bytes(), b"\0"].concat()),
                Value::I18n(s) => (TYPE_I18NSTRING, 1, [s.as_bytes(), b"\0"].concat()),
                Value::StrArray(a) => {
                    (TYPE_STRING_ARRAY, a.len(), a.iter().flat_map(|s| [s.as_bytes(), b"\0"].concat()).collect())
                }
                Value::Int32(a) => (TYPE_INT32, a.len(), a.iter().flat_map(|x| x.to_be_bytes()).collect()),
                Value::Int16(a) => (TYPE_INT16, a.len(), a.iter().flat_map(|x| x.to_be_bytes()).collect()),
                Value::Bin(b) => (TYPE_BIN, b.len(), b.clone()),
            };
            let pad = align_diff(ty, data.len() as u32) as usize;
            data.extend(std::iter::repeat_n(0, pad));
            index.push([tag, ty, data.len() as u32, count as u32]);
            data.extend(bytes);
        }
        if !legacy {
            index.push([0; 4]); // region tag, filled in below
        }
        for (tag, v) in entries {
            put(*tag, v, &mut index, &mut data);
        }
        if !legacy {
            let trailer_at = data.len() as u32;
            let ril = index.len() as i32;
            data.extend(TAG_HEADERIMMUTABLE.to_be_bytes());
            data.extend(TYPE_BIN.to_be_bytes());
            data.extend((-(ril * ENTRY_SIZE as i32)).to_be_bytes());
            data.extend((ENTRY_SIZE as u32).to_be_bytes());
            index[0] = [TAG_HEADERIMMUTABLE, TYPE_BIN, trailer_at, ENTRY_SIZE as u32];
        }
        for (tag, v) in dribbles {
            put(*tag, v, &mut index, &mut data);
        }
        let mut out = Vec::new();
        out.extend((index.len() as u32).to_be_bytes());
        out.extend((data.len() as u32).to_be_bytes());
        for e in &index {
            for x in e {
                out.extend(x.to_be_bytes());
            }
        }
        out.extend(data);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::build::{blob, Value::*};
    use super::*;

    fn sample() -> Vec<u8> {
        blob(
            &[
                (TAG_NAME, Str("bash")),
                (TAG_VERSION, Str("5.1.8")),
                (TAG_RELEASE, Str("1.cm2")),
                (TAG_EPOCH, Int32(vec![2])),
                (TAG_VENDOR, Str("Microsoft Corporation")),
                (1004, I18n("The GNU Bourne Again shell")),
                (TAG_LICENSE, Str("GPLv3+")),
                (TAG_ARCH, Str("x86_64")),
                (1030, Int16(vec![0o100755, 0o40755])),
                (TAG_SOURCERPM, Str("bash-5.1.8-1.cm2.src.rpm")),
                (TAG_DIRINDEXES, Int32(vec![0, 1])),
                (TAG_BASENAMES, StrArray(vec!["bash", "bash"])),
                (TAG_DIRNAMES, StrArray(vec!["/usr/bin/", "/usr/share/doc/"])),
                (5000, Bin(vec![1, 2, 3])),
            ],
            &[],
            false,
        )
    }

    #[test]
    fn reads_strings_ints_and_arrays() {
        let b = sample();
        let h = Header::parse(&b).unwrap();
        assert_eq!(h.string(TAG_NAME), Some(&b"bash"[..]));
        assert_eq!(h.string(TAG_RELEASE), Some(&b"1.cm2"[..]));
        assert_eq!(h.string(1004), Some(&b"The GNU Bourne Again shell"[..]));
        assert_eq!(h.u32(TAG_EPOCH), Some(2));
        assert_eq!(h.u32s(TAG_DIRINDEXES).unwrap().collect::<Vec<_>>(), vec![0, 1]);
        let dirs: Vec<_> = h.strings(TAG_DIRNAMES).unwrap().collect();
        assert_eq!(dirs, vec![&b"/usr/bin/"[..], &b"/usr/share/doc/"[..]]);
        assert_eq!(h.count(TAG_BASENAMES), Some(2));
        // Wrong-type access finds nothing rather than misreading.
        assert!(h.u32(TAG_NAME).is_none());
        assert!(h.strings(TAG_EPOCH).is_none());
        assert!(!h.has(TAG_OLDFILENAMES));
    }

    #[test]
    fn legacy_header_without_region() {
        let b = blob(&[(TAG_NAME, Str("old")), (TAG_EPOCH, Int32(vec![0])), (TAG_VERSION, Str("1"))], &[], true);
        let h = Header::parse(&b).unwrap();
        assert_eq!(h.string(TAG_NAME), Some(&b"old"[..]));
        assert_eq!(h.u32(TAG_EPOCH), Some(0));
    }

    #[test]
    fn dribbles_replace_region_entries() {
        let b = blob(
            &[(TAG_NAME, Str("pkg")), (TAG_VERSION, Str("1")), (TAG_OLDFILENAMES, StrArray(vec!["/a"]))],
            &[(TAG_VERSION, Str("2")), (TAG_BASENAMES, StrArray(vec!["b"]))],
            false,
        );
        let h = Header::parse(&b).unwrap();
        assert_eq!(h.string(TAG_VERSION), Some(&b"2"[..]));
        assert!(!h.has(TAG_OLDFILENAMES), "BASENAMES dribble drops OLDFILENAMES");
        assert_eq!(h.string(TAG_BASENAMES), Some(&b"b"[..]));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let b = sample();
        for n in 0..b.len() {
            assert!(Header::parse(&b[..n]).is_err(), "prefix of {n} bytes accepted");
        }
        let mut longer = b.clone();
        longer.push(0);
        assert!(Header::parse(&longer).is_err(), "trailing byte accepted (rpm requires an exact size)");
    }

    #[test]
    fn every_single_byte_corruption_is_handled() {
        // Flip each byte in turn to a few hostile values: parse must return, and whatever it
        // accepts must be readable without panicking.
        let b = sample();
        for i in 0..b.len() {
            for v in [0x00, 0xff, 0x7f, 0x80, b[i] ^ 0x01] {
                let mut m = b.clone();
                m[i] = v;
                if let Ok(h) = Header::parse(&m) {
                    for tag in [TAG_NAME, TAG_VERSION, TAG_BASENAMES, TAG_DIRNAMES, TAG_EPOCH, TAG_DIRINDEXES, 1004] {
                        let _ = h.string(tag);
                        let _ = h.strings(tag).map(|s| s.count());
                        let _ = h.u32s(tag).map(|s| s.count());
                    }
                }
            }
        }
    }

    #[test]
    fn hostile_counts_are_rejected_before_allocating() {
        // il = 0xffff with no room for the index.
        let mut b = vec![0, 0, 0xff, 0xff, 0, 0, 0, 0];
        assert!(Header::parse(&b).is_err());
        // il over the limit.
        b[0..4].copy_from_slice(&0x0001_0000u32.to_be_bytes());
        assert!(Header::parse(&b).unwrap_err().reason.contains("tags"));
        // dl over the limit.
        let b = [0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff];
        assert!(Header::parse(&b).unwrap_err().reason.contains("bytes of data"));
        // A string array claiming a million elements in 2 bytes of data.
        let mut b = blob(&[(TAG_BASENAMES, StrArray(vec!["a"]))], &[], true);
        b[8 + 12..8 + 16].copy_from_slice(&1_000_000u32.to_be_bytes());
        assert!(Header::parse(&b).is_err());
        // An INT32 count that overflows u32 when multiplied by 4.
        let mut b = blob(&[(TAG_EPOCH, Int32(vec![1]))], &[], true);
        b[8 + 12..8 + 16].copy_from_slice(&0x4000_0001u32.to_be_bytes());
        assert!(Header::parse(&b).is_err());
    }

    #[test]
    fn bad_regions_are_rejected() {
        let good = sample();
        // Region entry: tag 63 at index 0, offset at bytes 16..20 of the blob.
        let mut m = good.clone();
        m[16..20].copy_from_slice(&0x7fff_fff0u32.to_be_bytes());
        assert!(Header::parse(&m).is_err(), "trailer outside data");
        // Trailer claiming more entries than the header has.
        let dl = u32::from_be_bytes(good[4..8].try_into().unwrap()) as usize;
        let trailer = good.len() - dl + (dl - 16);
        let mut m = good.clone();
        m[trailer + 8..trailer + 12].copy_from_slice(&(-(16 * 1000i32)).to_be_bytes());
        assert!(Header::parse(&m).is_err(), "region larger than the index");
        let mut m = good.clone();
        m[trailer + 8..trailer + 12].copy_from_slice(&i32::MIN.to_be_bytes());
        assert!(Header::parse(&m).is_err(), "i32::MIN trailer offset");
    }

    #[test]
    fn known_tag_with_wrong_type_is_rejected() {
        // rpm's hdrchkTagType: EPOCH must be INT32 in an immutable region.
        let b = blob(&[(TAG_NAME, Str("x")), (TAG_EPOCH, Int16(vec![1]))], &[], false);
        assert!(Header::parse(&b).unwrap_err().reason.contains("type does not match"));
        // String types may stand in for each other.
        let b = blob(&[(TAG_NAME, StrArray(vec!["x"]))], &[], false);
        assert_eq!(Header::parse(&b).unwrap().string(TAG_NAME), Some(&b"x"[..]));
    }

    #[test]
    fn overlapping_entries_are_rejected() {
        let mut b = blob(&[(TAG_NAME, Str("abc")), (TAG_VERSION, Str("1"))], &[], true);
        // Point VERSION's offset (entry 1, bytes 8+16+8..) into NAME's data.
        b[8 + 16 + 8..8 + 16 + 12].copy_from_slice(&1u32.to_be_bytes());
        assert!(Header::parse(&b).is_err());
    }
}
