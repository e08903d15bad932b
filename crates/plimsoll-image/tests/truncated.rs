//! Issue 12: an archive cut short (an interrupted download or copy) given without a prefix is
//! reported as truncated, not as "not a tar archive" or "no oci-layout file". Real archives
//! (a `docker save` archive in both of Docker's layouts, gzipped too, and an OCI archive, built
//! here) are cut at offsets inside headers, inside layer data and at entry boundaries; the
//! shared Debian OCI archive too when present.

use std::path::Path;

use plimsoll_image::testing::{DockerArchive, ImageBuilder, LayerBuilder};
use plimsoll_image::{open, open_archive, ImageError, ImageRef, OpenOptions};

fn image() -> ImageBuilder {
    ImageBuilder::new()
        .layer(
            LayerBuilder::new()
                .file("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n", 0o644)
                .file("lib/apk/db/installed", "P:musl\nV:1.2.4-r2\n\n", 0o644)
                .file("bin/big", vec![7u8; 64 << 10], 0o755),
        )
        .layer(LayerBuilder::new().file("srv/app", vec![1u8; 32 << 10], 0o644))
}

/// Offsets to cut `len` bytes at: inside the first header, the first data, the middle, just
/// before the end, and at every 512-byte block boundary near a few spots.
fn offsets(len: u64, compressed: bool) -> Vec<u64> {
    if compressed {
        // Anywhere before the gzip trailer.
        return vec![5, 30, len / 4, len / 2, len - 10];
    }
    let mut v = vec![100, 600, 1500, len / 3, len / 2, len * 2 / 3, len.saturating_sub(1500)];
    v.extend((1..6).map(|k| len / 2 / 512 * 512 + k * 512));
    // The last 1024 bytes are the end-of-archive marker.
    v.retain(|o| *o > 0 && *o + 1024 < len);
    v
}

fn check_truncated(full: &Path, label: &str) {
    let bytes = std::fs::read(full).unwrap();
    let opts = OpenOptions::default();
    // The whole archive opens.
    open_archive(full, &opts).unwrap_or_else(|e| panic!("{label}: the complete archive fails: {e}"));
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.tar");
    for at in offsets(bytes.len() as u64, bytes.first() == Some(&0x1f)) {
        std::fs::write(&cut, &bytes[..at as usize]).unwrap();
        match open_archive(&cut, &opts) {
            Err(e @ ImageError::Truncated { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains("is truncated") && msg.contains("interrupted download"), "{label} @{at}: {msg}");
            }
            Err(e) => panic!("{label} cut at {at} of {}: {e}", bytes.len()),
            // Cut at an entry boundary after everything the image needs (a trailing file it
            // does not use, say `repositories`): the image is whole, each layer checked
            // against its digest as it is read.
            Ok(image) if at % 512 == 0 && bytes.first() != Some(&0x1f) => {
                for i in 0..image.layers.len() {
                    let mut r = image.open_layer(i).unwrap();
                    std::io::copy(&mut r, &mut std::io::sink())
                        .unwrap_or_else(|e| panic!("{label} cut at {at}: layer {i}: {e}"));
                }
            }
            Ok(_) => panic!("{label} cut at {at} of {} opened", bytes.len()),
        }
    }
}

#[test]
fn truncated_docker_archives_say_so() {
    let dir = tempfile::tempdir().unwrap();
    for (blobs_layout, gzip) in [(false, false), (true, false), (false, true)] {
        let path = dir.path().join(format!("docker-{blobs_layout}-{gzip}.tar"));
        let opts = DockerArchive { blobs_layout, gzip, ..DockerArchive::default() };
        image().write_docker_archive(&path, &opts).unwrap();
        check_truncated(&path, &format!("docker archive (blobs layout {blobs_layout}, gzip {gzip})"));
    }
}

#[test]
fn truncated_oci_archives_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("oci.tar");
    image().write_oci_archive(&path, Some("1")).unwrap();
    check_truncated(&path, "OCI archive");
    // With the prefix the same holds.
    let bytes = std::fs::read(&path).unwrap();
    let cut = dir.path().join("cut.tar");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let r = ImageRef::parse(&format!("oci-archive:{}", cut.display())).unwrap();
    assert!(matches!(open(&r, &OpenOptions::default()), Err(ImageError::Truncated { .. })));
}

#[test]
fn the_shared_debian_archive_cut_short_says_so() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/images/debian-app.oci.tar");
    if !shared.is_file() {
        plimsoll_test_support::require(&format!("{} is absent", shared.display()));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.tar");
    let len = std::fs::metadata(&shared).unwrap().len();
    for at in [700, 3000, 1_200_000, len / 2, len - 2000] {
        let mut f = std::fs::File::open(&shared).unwrap();
        let mut out = std::fs::File::create(&cut).unwrap();
        std::io::copy(&mut std::io::Read::take(&mut f, at), &mut out).unwrap();
        drop(out);
        let e = open_archive(&cut, &OpenOptions::default()).err().unwrap_or_else(|| panic!("opened at {at}"));
        assert!(matches!(e, ImageError::Truncated { .. }), "cut at {at}: {e}");
    }
}
