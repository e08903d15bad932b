//! Berkeley DB hash databases: rpm's `Packages` up to rpm 4.15 (RHEL/CentOS <= 8, Amazon Linux 2,
//! SLES < 15 SP3).
//!
//! Hand-written because no maintained crate reads BDB files without linking libdb, which cannot
//! be vendored for a static, cross-platform build and does not defend against hostile pages. Only
//! what rpm itself reads without libdb (its `bdb_ro` backend) is needed: the hash access method,
//! read-only.
//!
//! Layout (libdb `dbinc/db_page.h`; integers in the byte order of the machine that wrote the file,
//! told apart by the metadata magic):
//! - page 0 is the hash metadata page: page size, last page, `max_bucket` and the `spares` table
//!   that maps bucket numbers to page numbers;
//! - every page has a 26-byte header (`pgno` at 8, `next_pgno` at 16, `entries` at 20,
//!   `hf_offset` at 22, type at 25); a bucket is a chain of hash pages linked by `next_pgno`;
//! - a hash page holds `entries` 16-bit item offsets after its header, in key/value pairs; item `i`
//!   spans from its offset to the previous item's offset (the page end for item 0);
//! - an item is either inline (`H_KEYDATA`: type byte then data) or a reference to an overflow
//!   chain (`H_OFFPAGE`: type, 3 pad bytes, first page, total length); overflow pages carry
//!   `hf_offset` bytes of data each after their header.
//!
//! rpm stores each header under its 4-byte instance number; instance 0 holds rpm's own counter and
//! is not a package. Pages are borrowed from the input; only values split over overflow pages are
//! copied, into one reused buffer.

use std::cell::Cell;

use super::{DbError, Sink};

const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;
const PAGE_HEADER: usize = 26;

const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;

const H_KEYDATA: u8 = 1;
const H_DUPLICATE: u8 = 2;
const H_OFFPAGE: u8 = 3;
const H_OFFDUP: u8 = 4;

/// Whether `content` starts with a Berkeley DB metadata page (hash or btree, either byte order).
pub fn sniff(content: &[u8]) -> bool {
    let Some(m) = content.get(12..16) else { return false };
    let m = [m[0], m[1], m[2], m[3]];
    [HASH_MAGIC, BTREE_MAGIC].iter().any(|&magic| u32::from_le_bytes(m) == magic || u32::from_be_bytes(m) == magic)
}

struct Db<'a> {
    content: &'a [u8],
    big_endian: bool,
    page_size: usize,
    last_page: u32,
    /// Overflow bytes that may still be copied. Each overflow page belongs to one item, so all
    /// values together are smaller than the file; a hostile file whose items share one long chain
    /// would otherwise cost items x chain length.
    overflow_budget: Cell<usize>,
}

impl<'a> Db<'a> {
    fn u16_at(&self, b: &[u8], at: usize) -> Option<u16> {
        let x = b.get(at..at + 2)?;
        Some(if self.big_endian { u16::from_be_bytes([x[0], x[1]]) } else { u16::from_le_bytes([x[0], x[1]]) })
    }

    fn u32_at(&self, b: &[u8], at: usize) -> Option<u32> {
        let x = b.get(at..at + 4)?;
        let x = [x[0], x[1], x[2], x[3]];
        Some(if self.big_endian { u32::from_be_bytes(x) } else { u32::from_le_bytes(x) })
    }

    fn page_offset(&self, pgno: u32) -> u64 {
        u64::from(pgno) * self.page_size as u64
    }

    /// Page `pgno`, checked as rpm's `bdb_getpage` does: in range, present, and self-numbered.
    fn page(&self, pgno: u32) -> Result<&'a [u8], DbError> {
        let offset = self.page_offset(pgno);
        if pgno == 0 || pgno > self.last_page {
            return Err(DbError::at(
                offset,
                format!("page {pgno} is outside the database (last page {})", self.last_page),
            ));
        }
        let start = offset as usize;
        let page = self
            .content
            .get(start..start + self.page_size)
            .ok_or_else(|| DbError::at(offset, format!("page {pgno} is past the end of the file (truncated)")))?;
        if self.u32_at(page, 8) != Some(pgno) {
            return Err(DbError::at(offset, format!("page {pgno} is numbered {:?}", self.u32_at(page, 8))));
        }
        Ok(page)
    }

    /// Appends the value of an `H_OFFPAGE` item to `out`, following its overflow chain.
    fn overflow(&self, first: u32, total: u32, out: &mut Vec<u8>) -> Result<(), DbError> {
        if total == 0 || total as usize > self.content.len() {
            return Err(DbError::at(self.page_offset(first), format!("overflow item of {total} bytes")));
        }
        let budget = self.overflow_budget.get();
        if total as usize > budget {
            return Err(DbError::at(self.page_offset(first), "overflow pages are shared between items"));
        }
        self.overflow_budget.set(budget - total as usize);
        out.reserve(total as usize);
        let mut left = total as usize;
        let mut pgno = first;
        // Every page contributes at least one byte, so the loop ends within `total` pages even if
        // the chain is circular.
        while left > 0 {
            let page = self.page(pgno)?;
            let at = self.page_offset(pgno);
            if page[25] != P_OVERFLOW {
                return Err(DbError::at(at, format!("page {pgno} in an overflow chain has type {}", page[25])));
            }
            let len = self.u16_at(page, 22).unwrap_or(0) as usize;
            if len == 0 || PAGE_HEADER + len > self.page_size || len > left {
                return Err(DbError::at(at, format!("overflow page {pgno} holds {len} bytes, {left} expected")));
            }
            out.extend_from_slice(&page[PAGE_HEADER..PAGE_HEADER + len]);
            left -= len;
            pgno = self.u32_at(page, 16).unwrap_or(0);
        }
        Ok(())
    }

    /// Reads item `idx` of a hash page into `out` (inline data borrowed, overflow data copied).
    fn item<'b>(&self, page: &'b [u8], pgno: u32, idx: usize, out: &'b mut Vec<u8>) -> Result<&'b [u8], DbError>
    where
        'a: 'b,
    {
        let at = self.page_offset(pgno);
        let off = self.u16_at(page, PAGE_HEADER + 2 * idx).unwrap_or(0) as usize;
        let end = if idx == 0 {
            self.page_size
        } else {
            self.u16_at(page, PAGE_HEADER + 2 * (idx - 1)).unwrap_or(0) as usize
        };
        let min = PAGE_HEADER + 2 * (self.u16_at(page, 20).unwrap_or(0) as usize);
        if off < min || off >= end || end > self.page_size {
            return Err(DbError::at(at + off as u64, format!("page {pgno}: item {idx} spans {off}..{end}")));
        }
        let item = &page[off..end];
        match item[0] {
            H_KEYDATA => Ok(&item[1..]),
            H_OFFPAGE => {
                let (Some(first), Some(total)) = (self.u32_at(item, 4), self.u32_at(item, 8)) else {
                    return Err(DbError::at(at + off as u64, format!("page {pgno}: short overflow reference")));
                };
                out.clear();
                self.overflow(first, total, out)?;
                Ok(out.as_slice())
            }
            H_DUPLICATE | H_OFFDUP => {
                Err(DbError::at(at + off as u64, format!("page {pgno}: duplicate items are not used by rpm")))
            }
            t => Err(DbError::at(at + off as u64, format!("page {pgno}: item of unknown type {t}"))),
        }
    }
}

/// Calls `f(instance, blob)` for every package header in the hash database, in bucket order as
/// rpm's `bdb_ro` does. A record that cannot be read is reported to `f` as an error and skipped;
/// a broken bucket chain ends that bucket. Errors in the metadata page are fatal.
pub fn read(content: &[u8], f: &mut Sink<'_>) -> Result<(), DbError> {
    let meta = content.get(..512).ok_or_else(|| DbError::at(0, "file is shorter than a metadata page"))?;
    let magic = [meta[12], meta[13], meta[14], meta[15]];
    let big_endian = match (u32::from_le_bytes(magic), u32::from_be_bytes(magic)) {
        (HASH_MAGIC, _) => false,
        (_, HASH_MAGIC) => true,
        (BTREE_MAGIC, _) | (_, BTREE_MAGIC) => {
            return Err(DbError::at(12, "Berkeley DB btree database: rpm keeps Packages in a hash database"))
        }
        _ => return Err(DbError::at(12, "not a Berkeley DB hash database")),
    };
    let probe = Db { content, big_endian, page_size: 0, last_page: 0, overflow_budget: Cell::new(0) };
    let field = |at: usize| probe.u32_at(meta, at).unwrap_or(0);
    let version = field(16);
    if !(8..=10).contains(&version) {
        return Err(DbError::at(16, format!("unsupported hash database version {version}")));
    }
    let page_size = field(20);
    if !page_size.is_power_of_two() || !(512..=65536).contains(&page_size) {
        return Err(DbError::at(20, format!("invalid page size {page_size}")));
    }
    if meta[24] != 0 {
        return Err(DbError::at(24, "encrypted database"));
    }
    if meta[25] != P_HASHMETA {
        return Err(DbError::at(25, format!("metadata page has type {}", meta[25])));
    }
    let db = Db {
        content,
        big_endian,
        page_size: page_size as usize,
        last_page: field(32),
        overflow_budget: Cell::new(content.len()),
    };
    let max_bucket = field(72);
    // Each bucket has a page of its own, so more buckets than pages is corruption (and would make
    // the walk below spin over billions of buckets).
    let pages = content.len() / db.page_size;
    if max_bucket as usize >= pages {
        return Err(DbError::at(72, format!("{} buckets in a file of {pages} pages", u64::from(max_bucket) + 1)));
    }
    let spares: Vec<u32> = (0..32).map(|i| field(96 + 4 * i)).collect();

    let mut visited = vec![false; pages];
    let mut buf = Vec::new();
    for bucket in 0..=max_bucket {
        // rpm's hash_bucket_to_page: bucket + spares[number of bits in bucket].
        let bits = (u32::BITS - bucket.leading_zeros()) as usize;
        let Some(mut pgno) = spares.get(bits).map(|s| bucket.wrapping_add(*s)) else { continue };
        while pgno != 0 {
            let page = match walk_page(&db, pgno, &mut visited) {
                Ok(page) => page,
                Err(e) => {
                    f(0, Err(e));
                    break;
                }
            };
            let n = db.u16_at(page, 20).unwrap_or(0) as usize;
            if PAGE_HEADER + 2 * n > db.page_size {
                f(0, Err(DbError::at(db.page_offset(pgno), format!("page {pgno} claims {n} items"))));
                break;
            }
            for pair in 0..n / 2 {
                let mut key_buf = Vec::new();
                let key = match db.item(page, pgno, 2 * pair, &mut key_buf) {
                    Ok(k) if k.len() == 4 => db.u32_at(k, 0).unwrap_or(0),
                    Ok(k) => {
                        let at = db.page_offset(pgno);
                        f(
                            0,
                            Err(DbError::at(
                                at,
                                format!("page {pgno}: key of {} bytes, not an instance number", k.len()),
                            )),
                        );
                        continue;
                    }
                    Err(e) => {
                        f(0, Err(e));
                        continue;
                    }
                };
                if key == 0 {
                    continue; // rpm's instance counter
                }
                match db.item(page, pgno, 2 * pair + 1, &mut buf) {
                    Ok(value) => f(key, Ok(value)),
                    Err(e) => f(key, Err(e)),
                }
            }
            pgno = db.u32_at(page, 16).unwrap_or(0);
        }
    }
    Ok(())
}

/// A bucket page, visited once: a page reached twice means the chains loop.
fn walk_page<'a>(db: &Db<'a>, pgno: u32, visited: &mut [bool]) -> Result<&'a [u8], DbError> {
    let page = db.page(pgno)?;
    let seen = visited.get_mut(pgno as usize).ok_or_else(|| DbError::at(db.page_offset(pgno), "page out of range"))?;
    if std::mem::replace(seen, true) {
        return Err(DbError::at(db.page_offset(pgno), format!("bucket chain reaches page {pgno} twice")));
    }
    if !matches!(page[25], P_HASH | P_HASH_UNSORTED) {
        return Err(DbError::at(db.page_offset(pgno), format!("bucket page {pgno} has type {}", page[25])));
    }
    Ok(page)
}

/// Writes hash databases for tests, the way libdb lays them out.
#[cfg(test)]
pub(crate) mod build {
    use super::*;

    /// A database with one bucket per record (`max_bucket + 1 == records.len()`), values over
    /// `inline_max` bytes stored in overflow chains, in the given byte order.
    pub fn hash_db(records: &[(u32, Vec<u8>)], page_size: usize, big_endian: bool, inline_max: usize) -> Vec<u8> {
        let u32b = |x: u32| if big_endian { x.to_be_bytes() } else { x.to_le_bytes() };
        let u16b = |x: u16| if big_endian { x.to_be_bytes() } else { x.to_le_bytes() };
        let buckets = records.len().max(1) as u32;
        // Buckets occupy pages 1..=buckets (spares[i] = 1 for every split point: page = bucket + 1).
        let mut pages: Vec<Vec<u8>> = vec![vec![0; page_size]; 1 + buckets as usize];
        let new_page = |pages: &mut Vec<Vec<u8>>| {
            pages.push(vec![0; page_size]);
            pages.len() as u32 - 1
        };
        for (bucket, (key, value)) in records.iter().enumerate() {
            let pgno = bucket as u32 + 1;
            let mut items: Vec<Vec<u8>> = vec![[&[H_KEYDATA][..], &u32b(*key)].concat()];
            if value.len() <= inline_max {
                items.push([&[H_KEYDATA][..], value].concat());
            } else {
                let chunk = page_size - PAGE_HEADER;
                let parts: Vec<&[u8]> = value.chunks(chunk).collect();
                let first = pages.len() as u32;
                for (i, part) in parts.iter().enumerate() {
                    let p = new_page(&mut pages);
                    let next = if i + 1 < parts.len() { p + 1 } else { 0 };
                    let page = &mut pages[p as usize];
                    page[8..12].copy_from_slice(&u32b(p));
                    page[16..20].copy_from_slice(&u32b(next));
                    page[22..24].copy_from_slice(&u16b(part.len() as u16));
                    page[25] = P_OVERFLOW;
                    page[PAGE_HEADER..PAGE_HEADER + part.len()].copy_from_slice(part);
                }
                let mut item = vec![H_OFFPAGE, 0, 0, 0];
                item.extend(u32b(first));
                item.extend(u32b(value.len() as u32));
                items.push(item);
            }
            let page = &mut pages[pgno as usize];
            page[8..12].copy_from_slice(&u32b(pgno));
            page[20..22].copy_from_slice(&u16b(items.len() as u16));
            page[25] = P_HASH;
            let mut end = page_size;
            for (i, item) in items.iter().enumerate() {
                let start = end - item.len();
                page[start..end].copy_from_slice(item);
                page[PAGE_HEADER + 2 * i..PAGE_HEADER + 2 * i + 2].copy_from_slice(&u16b(start as u16));
                end = start;
            }
        }
        let last = pages.len() as u32 - 1;
        let meta = &mut pages[0];
        meta[12..16].copy_from_slice(&u32b(HASH_MAGIC));
        meta[16..20].copy_from_slice(&u32b(9));
        meta[20..24].copy_from_slice(&u32b(page_size as u32));
        meta[25] = P_HASHMETA;
        meta[32..36].copy_from_slice(&u32b(last));
        meta[72..76].copy_from_slice(&u32b(buckets - 1));
        for i in 0..32 {
            meta[96 + 4 * i..100 + 4 * i].copy_from_slice(&u32b(1));
        }
        pages.concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(content: &[u8]) -> Result<super::super::Collected, DbError> {
        super::super::collect(read, content)
    }

    fn records() -> Vec<(u32, Vec<u8>)> {
        vec![
            (0, vec![9, 0, 0, 0]),
            (1, vec![b'a'; 10]),
            (2, (0..5000u32).map(|i| i as u8).collect()),
            (3, vec![b'c'; 600]),
        ]
    }

    #[test]
    fn reads_inline_and_overflow_values_in_both_byte_orders() {
        for big_endian in [false, true] {
            let db = build::hash_db(&records(), 512, big_endian, 100);
            assert!(sniff(&db));
            let (ok, bad) = collect(&db).unwrap();
            assert!(bad.is_empty(), "{bad:?}");
            // Instance 0 (rpm's counter) is skipped.
            assert_eq!(ok, records()[1..].to_vec());
        }
    }

    #[test]
    fn circular_overflow_chain_is_an_error_not_a_hang() {
        let mut db = build::hash_db(&records(), 512, false, 100);
        // Record 2's overflow chain starts at page 5 (pages 1..=4 are buckets); make its second
        // page point back to the first.
        let p = 6 * 512;
        db[p + 16..p + 20].copy_from_slice(&5u32.to_le_bytes());
        db[p + 22..p + 24].copy_from_slice(&100u16.to_le_bytes());
        let (ok, bad) = collect(&db).unwrap();
        assert_eq!(ok.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(bad.len(), 1, "{bad:?}");
    }

    #[test]
    fn items_sharing_an_overflow_chain_are_bounded() {
        // 200 records whose values all point at the same 5000-byte overflow chain: only as many
        // are read as the file could hold, the rest are reported.
        let db = build::hash_db(&[(1, vec![1; 5000])], 512, false, 100);
        let pages = db.len() / 512;
        // Meta page, then 200 copies of bucket 0's page (pages 1..=200), then the chain (201..).
        let mut hostile = db[..512].to_vec();
        hostile[72..76].copy_from_slice(&199u32.to_le_bytes());
        let bucket0 = &db[512..1024];
        let overflow = &db[1024..];
        for b in 0..200u32 {
            let mut page = bucket0.to_vec();
            page[8..12].copy_from_slice(&(b + 1).to_le_bytes());
            // Key: instance b + 1; the value keeps pointing at page 2 (the first overflow page).
            let key_off = u16::from_le_bytes([page[26], page[27]]) as usize;
            page[key_off + 1..key_off + 5].copy_from_slice(&(b + 1).to_le_bytes());
            let val_off = u16::from_le_bytes([page[28], page[29]]) as usize;
            page[val_off + 4..val_off + 8].copy_from_slice(&201u32.to_le_bytes());
            hostile.extend(page);
        }
        for p in 0..pages - 2 {
            let mut page = overflow[p * 512..(p + 1) * 512].to_vec();
            let renumber = |x: u32| if x == 0 { 0 } else { x + 199 };
            let next = u32::from_le_bytes(page[16..20].try_into().unwrap());
            page[8..12].copy_from_slice(&renumber(p as u32 + 2).to_le_bytes());
            page[16..20].copy_from_slice(&renumber(next).to_le_bytes());
            hostile.extend(page);
        }
        let last = (hostile.len() / 512 - 1) as u32;
        hostile[32..36].copy_from_slice(&last.to_le_bytes());
        let (ok, bad) = collect(&hostile).unwrap();
        assert!(!ok.is_empty() && ok.len() < 200, "{} read", ok.len());
        assert!(ok.len() * 5000 <= hostile.len());
        assert!(bad.iter().all(|e| e.contains("shared")), "{bad:?}");
    }

    #[test]
    fn circular_bucket_chain_is_an_error_not_a_hang() {
        let mut db = build::hash_db(&records(), 512, false, 100);
        // Bucket page 2 links to itself.
        let p = 2 * 512;
        db[p + 16..p + 20].copy_from_slice(&2u32.to_le_bytes());
        let (ok, bad) = collect(&db).unwrap();
        assert_eq!(ok.len(), 3);
        assert!(bad.iter().any(|e| e.contains("twice")), "{bad:?}");
    }

    #[test]
    fn hostile_metadata_is_rejected() {
        let good = build::hash_db(&records(), 512, false, 100);
        let mut m = good.clone();
        m[72..76].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(collect(&m).unwrap_err().to_string().contains("buckets"));
        let mut m = good.clone();
        m[20..24].copy_from_slice(&1000u32.to_le_bytes());
        assert!(collect(&m).is_err());
        assert!(collect(&good[..300]).is_err());
    }

    #[test]
    fn every_truncation_and_byte_corruption_is_handled() {
        let good = build::hash_db(&records(), 512, true, 100);
        for n in (0..good.len()).step_by(7) {
            let _ = collect(&good[..n]);
        }
        for i in 0..good.len() {
            let mut m = good.clone();
            m[i] ^= 0xa5;
            let _ = collect(&m);
        }
    }
}
