//! The image-side hostile corpus of issue 17: every case is generated here at test time (no
//! committed binaries), read through the real pipeline (open -> verified layer stream -> walk ->
//! squash), and checked against its documented outcome. The cases run one after another in one
//! test so that the process's peak resident memory (`VmHWM` in `/proc/self/status`) bounds them
//! all; no case is timed.

#![allow(clippy::print_stderr)]

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use plimsoll_image::rawtar::{RawHeader, RawTar};
use plimsoll_image::testing::{Compression, ImageBuilder, LayerBuilder, Tamper};
use plimsoll_image::{
    open, walk_layer, Entry, Image, ImageError, ImageRef, LayerIndex, LayerVisitor, Limits, OpenOptions, Squashed,
    WalkLimits, Want,
};

/// Peak resident memory the whole corpus may reach (issue 17: 256 MiB).
const PEAK_LIMIT_KB: u64 = 256 * 1024;

#[derive(Debug, Default)]
struct Files(Vec<(String, Vec<u8>)>);

impl LayerVisitor for Files {
    fn want(&mut self, _: &Entry) -> Want {
        Want::Read { max_bytes: 1 << 20 }
    }
    fn content(&mut self, e: &Entry, data: &[u8]) {
        self.0.push((e.path.clone(), data.to_vec()));
    }
    fn superseded(&mut self, path: &str) {
        self.0.retain(|(p, _)| p != path);
    }
}

fn open_dir(dir: &Path, limits: Limits) -> Result<Image, ImageError> {
    open(&ImageRef::OciDir { path: dir.into(), tag: None }, &OpenOptions { limits, ..OpenOptions::default() })
}

/// Builds `img`, then (with the peak memory reset, so that building the input does not count)
/// opens it and walks every layer; [`check_peak`] then reads the peak of that part.
fn read(img: ImageBuilder, limits: Limits) -> Result<(Vec<LayerIndex>, Vec<Files>), ImageError> {
    let tmp = tempfile::tempdir().unwrap();
    img.write_oci_dir(tmp.path(), None).unwrap();
    drop(img);
    reset_peak();
    let image = open_dir(tmp.path(), limits)?;
    let (mut idx, mut files) = (Vec::new(), Vec::new());
    for i in 0..image.layers.len() {
        let mut f = Files::default();
        idx.push(walk_layer(image.open_layer(i)?, &mut f, &WalkLimits::default())?);
        files.push(f);
    }
    Ok((idx, files))
}

fn one_layer(tar: Vec<u8>) -> ImageBuilder {
    ImageBuilder::new().layer(LayerBuilder::new().raw_tar(tar))
}

/// Resets `VmHWM` to the current RSS (`clear_refs` value 5, Linux >= 4.0). If the kernel
/// refuses, the peak includes building the inputs, which only makes the check stricter.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Fails when the peak since the last reset is over the limit.
fn check_peak(case: &str) {
    let peak = peak_rss_kb().expect("/proc/self/status");
    eprintln!("{case}: peak RSS {peak} KiB");
    assert!(peak < PEAK_LIMIT_KB, "{case}: peak RSS {peak} KiB over {PEAK_LIMIT_KB} KiB");
}

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A layer whose stored blob is small but whose tar is `size` bytes of one file of zeros.
fn bomb(size: usize, c: Compression) -> ImageBuilder {
    let mut tar = RawTar::new();
    tar.entry(&RawHeader { size: Some(size as u64), ..RawHeader::new(b"zeros", b'0') }, b"");
    let mut raw = tar.finish();
    // The header claims `size` bytes; append them, then the end blocks.
    raw.truncate(512);
    raw.resize(512 + size, 0);
    raw.extend_from_slice(&[0u8; 1024]);
    ImageBuilder::new().layer(LayerBuilder::new().raw_tar(raw).compression(c))
}

#[test]
fn hostile_corpus_outcomes_and_peak_memory() {
    let d = Limits::default();
    let mut checked = Vec::new();

    // Path traversal and absolute paths land inside the root, with a warning.
    let mut t = RawTar::new();
    t.file("../../../etc/passwd", b"root::0:0").file("/abs/file", b"x");
    let (idx, _) = read(one_layer(t.finish()), d.clone()).unwrap();
    let paths: Vec<&str> = idx[0].entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["etc/passwd", "abs/file"]);
    assert!(idx[0].warnings.iter().any(|w| w.message.contains("climbs above")));
    check_peak("traversal");
    checked.push("traversal");

    // A symlink out of the root resolves inside it.
    let mut t = RawTar::new();
    let mut link = RawHeader::new(b"escape", b'2');
    link.linkname = b"../../../../etc/shadow".to_vec();
    t.entry(&link, b"").file("etc/shadow", b"inside");
    let (idx, _) = read(one_layer(t.finish()), d.clone()).unwrap();
    let s = Squashed::new(&idx);
    assert_eq!(s.resolve("escape"), Some("etc/shadow".to_owned()));
    check_peak("symlink out of the root");
    checked.push("symlink out of the root");

    // Decompression bombs stop at the layer limit, whatever the compression.
    for c in [Compression::Gzip, Compression::Zstd] {
        let limits = Limits { max_layer_bytes: 8 << 20, ..d.clone() };
        let err = read(bomb(64 << 20, c), limits).unwrap_err();
        assert!(matches!(err, ImageError::TooLarge { limit, .. } if limit == 8 << 20), "{err}");
        assert!(err.to_string().contains("bytes"), "{err}");
    }
    check_peak("gzip and zstd bombs");
    checked.push("gzip and zstd bombs");

    // Tampering: a corrupt blob and a wrong diff_id are hard errors.
    let base = || ImageBuilder::new().layer(LayerBuilder::new().file("etc/os-release", "ID=debian\n", 0o644));
    let err = read(base().tamper(Tamper::CorruptLayer(0)), d.clone()).unwrap_err();
    assert!(matches!(err, ImageError::DigestMismatch { .. } | ImageError::Malformed { .. }), "{err}");
    let err = read(base().tamper(Tamper::WrongDiffId(0)), d.clone()).unwrap_err();
    assert!(matches!(err, ImageError::DiffIdMismatch { .. }), "{err}");
    check_peak("tampering");
    checked.push("tampering");

    // Metadata floods are refused before they are buffered.
    let mut t = RawTar::new();
    t.gnu_long(b'L', &vec![b'a'; 4 << 20]).file("x", b"");
    let err = read(one_layer(t.finish()), d.clone()).unwrap_err();
    assert!(matches!(err, ImageError::TooLarge { .. }), "{err}");
    let mut t = RawTar::new();
    t.pax(&[("comment", &vec![b'c'; 4 << 20])]).file("x", b"");
    let err = read(one_layer(t.finish()), d.clone()).unwrap_err();
    assert!(matches!(err, ImageError::TooLarge { .. }), "{err}");
    check_peak("GNU long name and PAX floods");
    checked.push("GNU long name and PAX floods");

    // Too many entries: a count, worded as one (defect 8).
    let mut t = RawTar::new();
    for i in 0..50 {
        t.file(&format!("f{i}"), b"");
    }
    let tmp = tempfile::tempdir().unwrap();
    one_layer(t.finish()).write_oci_dir(tmp.path(), None).unwrap();
    reset_peak();
    let image = open_dir(tmp.path(), d.clone()).unwrap();
    let limits = WalkLimits { max_entries: 10, ..WalkLimits::default() };
    let err = walk_layer(image.open_layer(0).unwrap(), &mut Files::default(), &limits).unwrap_err();
    assert!(matches!(err, ImageError::TooMany { limit: 10, .. }), "{err}");
    assert!(!err.to_string().contains("bytes"), "{err}");
    check_peak("entry count");
    checked.push("entry count");

    // The runtime's view (defects 1 and 2): PAX newline paths, duplicates, sized symlinks.
    let mut t = RawTar::new();
    t.pax(&[("path", b"junk\n")]).file("etc/os-release", b"ID=alpine\n");
    t.file("dup", b"first").file("dup", b"second");
    let mut link = RawHeader::new(b"l", b'2');
    link.linkname = b"dup".to_vec();
    link.size = Some(1024);
    t.entry(&link, b"").file("after-link", b"seen");
    let (idx, files) = read(one_layer(t.finish()), d.clone()).unwrap();
    let s = Squashed::new(&idx);
    assert!(s.get("etc/os-release").is_none());
    assert!(s.get("junk\n").is_some());
    assert_eq!(
        files[0].0.iter().filter(|(p, _)| p == "dup").map(|(_, c)| c.as_slice()).collect::<Vec<_>>(),
        [b"second"]
    );
    assert!(s.get("after-link").is_some());
    check_peak("PAX newline, duplicates, sized symlink");
    checked.push("PAX newline, duplicates, sized symlink");

    // Undecidable input fails, naming the entry: malformed PAX, sparse files, garbage after a
    // zero block.
    for (case, tar) in [
        ("malformed PAX", {
            let mut t = RawTar::new();
            t.pax_raw(b'x', b"99 path=x\n").file("y", b"");
            t.finish()
        }),
        ("sparse", {
            let mut t = RawTar::new();
            t.entry(&RawHeader::new(b"sparse-file", b'S'), b"");
            t.finish()
        }),
        ("header after a zero block", {
            let mut t = RawTar::new();
            t.file("a", b"").bytes(&[0; 512]).file("hidden", b"");
            t.finish()
        }),
    ] {
        let err = read(one_layer(tar), d.clone()).unwrap_err();
        assert!(matches!(err, ImageError::Malformed { .. }), "{case}: {err}");
        assert!(err.to_string().contains("layer tar entry `"), "{case}: {err}");
    }
    check_peak("malformed PAX, sparse, data after a zero block");
    checked.push("malformed PAX, sparse, data after a zero block");

    // Many small entries: memory stays flat (entries are indexed, contents not kept).
    let mut raw = RawTar::new();
    for i in 0..100_000 {
        raw.file(&format!("d{}/f{i}", i % 100), b"x");
    }
    let (idx, _) = read(one_layer(raw.finish()), d.clone()).unwrap();
    assert_eq!(idx[0].entries.len(), 100_000);
    drop(idx);
    check_peak("100k entries");
    checked.push("100k entries");

    // An `oci:DIR` whose index.json is a FIFO is an error, not a hang.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let fifo = tmp.path().join("index.json");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(status.success());
    let dir = tmp.path().to_owned();
    let (tx, rx) = mpsc::channel();
    reset_peak();
    std::thread::spawn(move || {
        let _ = tx.send(open_dir(&dir, Limits::default()).map(|_| ()));
    });
    let result = rx.recv_timeout(Duration::from_secs(60)).expect("opening a FIFO index.json hung");
    let err = result.unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
    check_peak("FIFO index.json");
    checked.push("FIFO index.json");

    assert_eq!(checked.len(), 10, "{checked:?}");
}
