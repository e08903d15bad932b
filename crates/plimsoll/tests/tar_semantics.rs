//! Issue 17, defects 1 and 2: what plimsoll reports must be what a container runtime unpacks.
//! Each layer here is written byte by byte (`rawtar`) so the tar crate's builder cannot tidy
//! it; the expected outcome is what Go's `archive/tar` plus containerd's applier produce (the
//! differential test in `plimsoll-image/tests/umoci_diff.rs` checks the same cases against
//! umoci).

use plimsoll::{scan_image, ScanOptions};
use plimsoll_image::rawtar::{RawHeader, RawTar};
use plimsoll_image::testing::{ImageBuilder, LayerBuilder};
use plimsoll_image::{open, ImageRef, OpenOptions};
use plimsoll_model::ScanReport;

const DEBIAN: &str = "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";
const ALPINE: &str = "ID=alpine\nVERSION_ID=3.14.0\n";

fn dpkg(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("Package: {n}\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\n\n"))
        .collect()
}

fn base() -> LayerBuilder {
    LayerBuilder::new().file("etc/os-release", DEBIAN, 0o644).file(
        "var/lib/dpkg/status",
        dpkg(&["bash", "coreutils", "libc6"]),
        0o644,
    )
}

fn scan(upper: Vec<u8>) -> Result<ScanReport, String> {
    let dir = tempfile::tempdir().unwrap();
    ImageBuilder::new()
        .layer(base())
        .layer(LayerBuilder::new().raw_tar(upper))
        .write_oci_dir(dir.path(), None)
        .unwrap();
    let image = open(&ImageRef::OciDir { path: dir.path().into(), tag: None }, &OpenOptions::default()).unwrap();
    let opts = ScanOptions { cache: None, ..ScanOptions::default() };
    scan_image(&image, &opts).map_err(|e| {
        let mut s = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(x) = src {
            s.push_str(": ");
            s.push_str(&x.to_string());
            src = x.source();
        }
        s
    })
}

fn names(r: &ScanReport) -> Vec<String> {
    let mut v: Vec<String> = r.packages.iter().map(|p| p.name.clone()).collect();
    v.sort();
    v
}

/// A PAX `path` record whose value holds a newline, over a ustar name `under`.
fn pax_newline_over(under: &str, data: &[u8]) -> Vec<u8> {
    let mut t = RawTar::new();
    t.pax(&[("path", b"junk\n")]);
    t.file(under, data);
    t.finish()
}

#[test]
fn pax_path_with_newline_does_not_hide_the_dpkg_database() {
    // The runtime writes a file named "junk\n"; the lower layer's dpkg status stays.
    let r = scan(pax_newline_over("var/lib/dpkg/status", b"")).unwrap();
    assert_eq!(names(&r), ["bash", "coreutils", "libc6"]);
}

#[test]
fn pax_path_with_newline_does_not_fake_the_os() {
    let r = scan(pax_newline_over("etc/os-release", ALPINE.as_bytes())).unwrap();
    let os = r.os.expect("an OS");
    assert_eq!((os.id.as_str(), os.version_id.as_deref()), ("debian", Some("12")));
}

#[test]
fn duplicate_os_release_in_one_layer_last_wins() {
    let mut t = RawTar::new();
    t.file("etc/os-release", DEBIAN.as_bytes()).file("etc/os-release", ALPINE.as_bytes());
    let r = scan(t.finish()).unwrap();
    let os = r.os.expect("an OS");
    assert_eq!((os.id.as_str(), os.version_id.as_deref()), ("alpine", Some("3.14.0")));
}

#[test]
fn duplicate_dpkg_status_in_one_layer_is_not_merged() {
    let mut t = RawTar::new();
    t.file("var/lib/dpkg/status", dpkg(&["phantom-a", "phantom-b"]).as_bytes())
        .file("var/lib/dpkg/status", dpkg(&["zlib1g"]).as_bytes());
    let r = scan(t.finish()).unwrap();
    assert_eq!(names(&r), ["zlib1g"]);
}

#[test]
fn a_file_replacing_a_directory_in_the_same_layer_drops_what_was_read_below_it() {
    let mut t = RawTar::new();
    t.file("var/lib/dpkg/status", dpkg(&["phantom"]).as_bytes());
    // Extraction removes `var/lib/dpkg` (with the status just written) to make it a file.
    t.file("var/lib/dpkg", b"");
    let r = scan(t.finish()).unwrap();
    assert!(names(&r).is_empty(), "{:?}", names(&r));
}

#[test]
fn symlink_size_field_does_not_swallow_the_next_header() {
    // A symlink claiming 512 bytes of data: Go reads no data for it, so the next block is the
    // header of `etc/os-release`; a reader honouring the size would skip that file.
    let mut link = RawHeader::new(b"etc/alias", b'2');
    link.linkname = b"os-release".to_vec();
    link.size = Some(512);
    let mut t = RawTar::new();
    t.entry(&link, b"");
    t.file("etc/os-release", ALPINE.as_bytes());
    let r = scan(t.finish()).unwrap();
    assert_eq!(r.os.expect("an OS").id, "alpine");
}

#[test]
fn malformed_pax_records_fail_the_scan_naming_layer_and_entry() {
    let mut t = RawTar::new();
    // The stated length (30) runs past the record: Go refuses the archive, so must we.
    t.pax_raw(b'x', b"30 path=etc/os-release\n");
    t.file("var/lib/dpkg/status", b"");
    let err = scan(t.finish()).unwrap_err();
    assert!(err.contains("layer 1"), "{err}");
    assert!(err.contains("PaxHeaders/x") && err.contains("PAX"), "{err}");
}

#[test]
fn sparse_entries_fail_the_scan_naming_the_entry() {
    let mut t = RawTar::new();
    t.pax(&[("GNU.sparse.major", b"1"), ("GNU.sparse.minor", b"0"), ("GNU.sparse.name", b"etc/os-release")]);
    t.file("GNUSparseFile.0/os-release", ALPINE.as_bytes());
    let err = scan(t.finish()).unwrap_err();
    assert!(err.contains("layer 1") && err.contains("sparse"), "{err}");
}

#[test]
fn a_dpkg_database_stored_as_a_hard_link_is_read() {
    // Extraction makes the link the same inode as its target: the runtime's dpkg database is
    // the content of `opt/db`, so plimsoll must analyse it at `var/lib/dpkg/status`.
    let mut t = RawTar::new();
    t.file("opt/db", dpkg(&["hidden-by-link"]).as_bytes());
    let mut link = RawHeader::new(b"var/lib/dpkg/status", b'1');
    link.linkname = b"opt/db".to_vec();
    t.entry(&link, b"");
    let r = scan(t.finish()).unwrap();
    assert_eq!(names(&r), ["hidden-by-link"]);
}
