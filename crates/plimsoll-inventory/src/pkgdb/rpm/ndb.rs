//! NDB, rpm's own "new database" `Packages.db` (SUSE since SLE 15 SP3 / openSUSE 2021), as written
//! by rpm's `lib/backend/ndb/rpmpkg.c`. No crate reads it; the format is small:
//!
//! - all integers little-endian; the file is a sequence of 16-byte blocks;
//! - a 32-byte file header: magic `RpmP`, version 0, generation, `slotnpages`, next package index;
//! - `slotnpages` 4096-byte slot pages (the first one after the file header): 16-byte slots of
//!   magic `Slot`, package index, block offset, block count; block offset 0 marks a free slot;
//! - each package blob at `blkoff * 16`: header (magic `BlbS`, package index, timestamp, length),
//!   the header blob, zero padding, tail (adler32, length, magic `BlbE`), `blkcnt` blocks in all.
//!
//! Packages are listed in block-offset order, as rpm lists them. Blobs are borrowed from the input.

use super::{DbError, Sink};

const DB_MAGIC: &[u8; 4] = b"RpmP";
const SLOT_MAGIC: &[u8; 4] = b"Slot";
const BLOB_HEAD_MAGIC: &[u8; 4] = b"BlbS";
const BLOB_TAIL_MAGIC: &[u8; 4] = b"BlbE";
const HEADER_SIZE: usize = 32;
const SLOT_SIZE: usize = 16;
const BLK_SIZE: u64 = 16;
const PAGE_SIZE: usize = 4096;
const BLOB_HEAD: u64 = 16;
const BLOB_TAIL: u64 = 12;

/// Whether `content` starts with the NDB package database magic.
pub fn sniff(content: &[u8]) -> bool {
    content.starts_with(DB_MAGIC)
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).map_or(0, |x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
}

struct Slot {
    pkgidx: u32,
    blkoff: u32,
    blkcnt: u32,
    at: usize,
}

/// Calls `f(package index, blob)` for every package, in block order. A bad slot or blob is
/// reported to `f` and skipped (rpm would refuse the whole database); a bad file header is fatal.
pub fn read(content: &[u8], f: &mut Sink<'_>) -> Result<(), DbError> {
    if content.len() < HEADER_SIZE || !sniff(content) {
        return Err(DbError::at(0, "not an NDB package database"));
    }
    let version = le_u32(content, 4);
    if version != 0 {
        return Err(DbError::at(4, format!("unsupported NDB version {version}")));
    }
    let slot_pages = le_u32(content, 12) as usize;
    let slots_end = slot_pages
        .checked_mul(PAGE_SIZE)
        .filter(|&end| end >= PAGE_SIZE && end <= content.len())
        .ok_or_else(|| DbError::at(12, format!("{slot_pages} slot pages do not fit in {} bytes", content.len())))?;
    // rpm refuses files that are not a whole number of blocks; the blocks that are whole are still
    // usable, and each blob is bounds-checked below.
    let file_blocks = content.len() as u64 / BLK_SIZE;
    let min_blkoff = (slots_end as u64) / BLK_SIZE;

    let mut slots = Vec::new();
    for at in (HEADER_SIZE..slots_end).step_by(SLOT_SIZE) {
        let slot = &content[at..at + SLOT_SIZE];
        if !slot.starts_with(SLOT_MAGIC) {
            f(0, Err(DbError::at(at as u64, "slot without its magic")));
            continue;
        }
        let (pkgidx, blkoff, blkcnt) = (le_u32(slot, 4), le_u32(slot, 8), le_u32(slot, 12));
        if blkoff == 0 {
            continue; // free slot
        }
        if pkgidx == 0 || blkcnt == 0 || u64::from(blkoff) < min_blkoff {
            f(
                pkgidx,
                Err(DbError::at(at as u64, format!("bad slot (package {pkgidx}, block {blkoff}, {blkcnt} blocks)"))),
            );
            continue;
        }
        if u64::from(blkoff) + u64::from(blkcnt) > file_blocks {
            f(
                pkgidx,
                Err(DbError::at(at as u64, format!("package {pkgidx} lies past the end of the file (truncated)"))),
            );
            continue;
        }
        slots.push(Slot { pkgidx, blkoff, blkcnt, at });
    }
    slots.sort_by_key(|s| s.blkoff);
    // Blobs never overlap (rpm refuses to write into a database whose slots do); slots sharing
    // blocks would let a small hostile file make us parse the same large blob many times.
    let mut end = 0;
    for s in &slots {
        if u64::from(s.blkoff) < end {
            f(s.pkgidx, Err(DbError::at(s.at as u64, format!("package {} overlaps the previous one", s.pkgidx))));
            continue;
        }
        end = u64::from(s.blkoff) + u64::from(s.blkcnt);
        f(s.pkgidx, blob(content, s));
    }
    Ok(())
}

/// The header blob of one slot, checked as rpm's `rpmpkgReadBlob` does. Like rpm when reading
/// (as opposed to verifying), the adler32 checksum in the tail is not checked.
fn blob<'a>(content: &'a [u8], s: &Slot) -> Result<&'a [u8], DbError> {
    let start = u64::from(s.blkoff) * BLK_SIZE;
    let end = start + u64::from(s.blkcnt) * BLK_SIZE;
    let bad = |why: String| Err(DbError::at(start, format!("package {}: {why} (slot at byte {})", s.pkgidx, s.at)));
    // read() checked that the slot's blocks are inside the file.
    let area = &content[start as usize..end as usize];
    if (area.len() as u64) < BLOB_HEAD + BLOB_TAIL {
        return bad(format!("{} blocks cannot hold a blob", s.blkcnt));
    }
    if !area.starts_with(BLOB_HEAD_MAGIC) {
        return bad("blob without its magic".into());
    }
    if le_u32(area, 4) != s.pkgidx {
        return bad(format!("blob belongs to package {}", le_u32(area, 4)));
    }
    let len = u64::from(le_u32(area, 12));
    if u64::from(s.blkcnt) != (BLOB_HEAD + len + BLOB_TAIL).div_ceil(BLK_SIZE) {
        return bad(format!("blob of {len} bytes does not fill {} blocks", s.blkcnt));
    }
    let tail = &area[area.len() - BLOB_TAIL as usize..];
    if u64::from(le_u32(tail, 4)) != len || !tail[8..].starts_with(BLOB_TAIL_MAGIC) {
        return bad("blob tail does not match its head".into());
    }
    Ok(&area[BLOB_HEAD as usize..(BLOB_HEAD + len) as usize])
}

/// Writes NDB files for tests, as rpm lays them out.
#[cfg(test)]
pub(crate) mod build {
    use super::*;

    pub fn ndb(blobs: &[(u32, Vec<u8>)]) -> Vec<u8> {
        let mut out = vec![0u8; PAGE_SIZE];
        out[..4].copy_from_slice(DB_MAGIC);
        out[12..16].copy_from_slice(&1u32.to_le_bytes());
        out[16..20].copy_from_slice(&(blobs.len() as u32 + 1).to_le_bytes());
        for at in (HEADER_SIZE..PAGE_SIZE).step_by(SLOT_SIZE) {
            out[at..at + 4].copy_from_slice(SLOT_MAGIC);
        }
        // Store blobs in reverse so that block order differs from slot order.
        for (i, (idx, blob)) in blobs.iter().enumerate().rev() {
            let blkoff = out.len() as u64 / BLK_SIZE;
            let blkcnt = (BLOB_HEAD + blob.len() as u64 + BLOB_TAIL).div_ceil(BLK_SIZE);
            let slot = HEADER_SIZE + i * SLOT_SIZE;
            out[slot + 4..slot + 8].copy_from_slice(&idx.to_le_bytes());
            out[slot + 8..slot + 12].copy_from_slice(&(blkoff as u32).to_le_bytes());
            out[slot + 12..slot + 16].copy_from_slice(&(blkcnt as u32).to_le_bytes());
            let mut area = Vec::new();
            area.extend(BLOB_HEAD_MAGIC);
            area.extend(idx.to_le_bytes());
            area.extend(1_700_000_000u32.to_le_bytes());
            area.extend((blob.len() as u32).to_le_bytes());
            area.extend(blob);
            area.resize((blkcnt * BLK_SIZE - BLOB_TAIL) as usize, 0);
            area.extend(0u32.to_le_bytes()); // adler32, not checked on read
            area.extend((blob.len() as u32).to_le_bytes());
            area.extend(BLOB_TAIL_MAGIC);
            out.extend(area);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(content: &[u8]) -> Result<super::super::Collected, DbError> {
        super::super::collect(read, content)
    }

    #[test]
    fn reads_blobs_in_block_order() {
        let blobs = vec![(1, b"first".to_vec()), (2, vec![7; 100]), (5, vec![])];
        let db = build::ndb(&blobs);
        assert!(sniff(&db));
        let (ok, bad) = collect(&db).unwrap();
        assert!(bad.is_empty(), "{bad:?}");
        // The builder stores the last blob first.
        assert_eq!(ok, vec![(5, vec![]), (2, vec![7; 100]), (1, b"first".to_vec())]);
    }

    #[test]
    fn bad_blob_is_skipped_and_the_rest_read() {
        let db = build::ndb(&[(1, b"first".to_vec()), (2, b"second".to_vec())]);
        let mut m = db.clone();
        // Blob of package 2 is stored first, right after the slot page; break its magic.
        m[PAGE_SIZE] = b'X';
        let (ok, bad) = collect(&m).unwrap();
        assert_eq!(ok, vec![(1, b"first".to_vec())]);
        assert_eq!(bad.len(), 1);
        // A truncated file loses the blob at the end only.
        let (ok, bad) = collect(&db[..db.len() - 16]).unwrap();
        assert_eq!(ok, vec![(2, b"second".to_vec())]);
        assert!(bad[0].contains("truncated"), "{bad:?}");
    }

    #[test]
    fn overlapping_slots_are_skipped() {
        let mut db = build::ndb(&[(1, vec![1; 40]), (2, vec![2; 17])]);
        // Slot of package 2 (the second slot) points at package 1's blocks.
        let first = HEADER_SIZE;
        let second = HEADER_SIZE + SLOT_SIZE;
        let (off, cnt) = (le_u32(&db, first + 8), le_u32(&db, first + 12));
        db[second + 8..second + 12].copy_from_slice(&off.to_le_bytes());
        db[second + 12..second + 16].copy_from_slice(&cnt.to_le_bytes());
        let (ok, bad) = collect(&db).unwrap();
        assert_eq!(ok.len(), 1);
        assert!(bad[0].contains("overlaps"), "{bad:?}");
    }

    #[test]
    fn hostile_headers_are_rejected() {
        let db = build::ndb(&[(1, b"x".to_vec())]);
        let mut m = db.clone();
        m[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(collect(&m).is_err());
        let mut m = db.clone();
        m[12..16].copy_from_slice(&0u32.to_le_bytes());
        assert!(collect(&m).is_err());
        assert!(collect(b"RpmP").is_err());
    }

    #[test]
    fn every_truncation_and_byte_corruption_is_handled() {
        let good = build::ndb(&[(1, vec![1; 40]), (2, vec![2; 17])]);
        for n in 0..good.len() {
            let _ = collect(&good[..n]);
        }
        for i in (0..good.len()).filter(|i| *i < 64 || *i >= PAGE_SIZE) {
            let mut m = good.clone();
            m[i] ^= 0x5a;
            let _ = collect(&m);
        }
    }
}
