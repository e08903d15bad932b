//! Differential test (issue 17): layers written by Python's `tarfile`, GNU tar and the hostile
//! `rawtar` writer are unpacked by umoci (Go's `archive/tar`, as Docker and containerd read
//! layers) and walked and squashed by plimsoll; the final file systems must agree file by file
//! (path, type, size, content hash, link target). Where plimsoll refuses a layer, umoci must
//! refuse it too (plimsoll may be stricter only where it says so: sparse files).
//!
//! Skips with a printed reason when umoci, python3 or tar is missing (`scripts/test.sh`
//! installs them).

#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use plimsoll_image::rawtar::{RawHeader, RawTar};
use plimsoll_image::testing::{sha256, Compression, ImageBuilder, LayerBuilder};
use plimsoll_image::{
    open, walk_layer, Entry, EntryKind, ImageError, ImageRef, LayerIndex, LayerVisitor, OpenOptions, Squashed,
    WalkLimits, Want,
};

/// What one path of the final file system is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    Dir,
    File { size: u64, sha256: String },
    Symlink(String),
}

type View = BTreeMap<String, Node>;

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Every file's content hash in archive order (every file is wanted, so the n-th call is the
/// n-th regular file or hard link of the layer index).
#[derive(Default)]
struct Contents(Vec<String>);

impl LayerVisitor for Contents {
    fn want(&mut self, _: &Entry) -> Want {
        Want::Read { max_bytes: 64 << 20 }
    }
    fn content(&mut self, _: &Entry, data: &[u8]) {
        self.0.push(sha256(data).to_string());
    }
}

fn plimsoll_view(dir: &Path) -> Result<View, ImageError> {
    let image = open(&ImageRef::OciDir { path: dir.into(), tag: Some("t".into()) }, &OpenOptions::default())?;
    let mut indexes: Vec<LayerIndex> = Vec::new();
    // (layer, path) -> (size, hash) of the last copy written there. A hard link is the inode its
    // target had when the link was extracted, so it takes the target's content at that point.
    let mut content: BTreeMap<(usize, String), (u64, String)> = BTreeMap::new();
    let mut current: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for i in 0..image.layers.len() {
        let mut c = Contents::default();
        let index = walk_layer(image.open_layer(i)?, &mut c, &WalkLimits::default())?;
        let mut hashes = c.0.into_iter();
        for e in &index.entries {
            match e.kind {
                EntryKind::File => {
                    let v = (e.size, hashes.next().expect("one content per file"));
                    current.insert(e.path.clone(), v.clone());
                    content.insert((i, e.path.clone()), v);
                }
                EntryKind::Hardlink => {
                    let target = e.link_target.clone().unwrap_or_default();
                    let v = current.get(&target).cloned().unwrap_or_else(|| panic!("hard link to {target}"));
                    // The walk hands a hard link over as its target's content at that point.
                    assert_eq!(hashes.next().as_ref(), Some(&v.1), "content of hard link {}", e.path);
                    current.insert(e.path.clone(), v.clone());
                    content.insert((i, e.path.clone()), v);
                }
                _ => {}
            }
        }
        indexes.push(index);
    }
    let squashed = Squashed::new(&indexes);
    let mut view = View::new();
    for (layer, e) in squashed.iter() {
        // Layers may omit parent directories; extraction creates them.
        let mut p = e.path.as_str();
        while let Some((parent, _)) = p.rsplit_once('/') {
            view.entry(parent.to_owned()).or_insert(Node::Dir);
            p = parent;
        }
        let node = match e.kind {
            EntryKind::Dir => Node::Dir,
            EntryKind::Symlink => Node::Symlink(e.link_target.clone().unwrap_or_default()),
            EntryKind::File | EntryKind::Hardlink => {
                let (size, sha256) = content[&(layer, e.path.clone())].clone();
                Node::File { size, sha256 }
            }
            other => panic!("unexpected {other:?} at {}", e.path),
        };
        view.insert(e.path.clone(), node);
    }
    Ok(view)
}

fn umoci_view(dir: &Path, bundle: &Path) -> Result<View, String> {
    let out = Command::new("umoci")
        .args(["--log", "error", "unpack", "--rootless", "--image"])
        .arg(format!("{}:t", dir.display()))
        .arg(bundle)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let root = bundle.join("rootfs");
    let mut view = View::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for ent in std::fs::read_dir(&d).unwrap() {
            let ent = ent.unwrap();
            let path = ent.path();
            let rel = path.strip_prefix(&root).unwrap().to_string_lossy().into_owned();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let node = if meta.is_dir() {
                stack.push(path.clone());
                Node::Dir
            } else if meta.file_type().is_symlink() {
                Node::Symlink(std::fs::read_link(&path).unwrap().to_string_lossy().into_owned())
            } else {
                let data = std::fs::read(&path).unwrap();
                Node::File { size: data.len() as u64, sha256: sha256(&data).to_string() }
            };
            view.insert(rel, node);
        }
    }
    Ok(view)
}

/// Builds the image, reads it both ways, and compares.
fn compare(name: &str, layers: Vec<Vec<u8>>) {
    compare_with(name, layers, false)
}

/// `umoci_may_refuse`: for entries umoci rejects but containerd (the runtime) accepts.
fn compare_with(name: &str, layers: Vec<Vec<u8>>, umoci_may_refuse: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("image");
    let mut b = ImageBuilder::new();
    for l in layers {
        b = b.layer(LayerBuilder::new().raw_tar(l).compression(Compression::Gzip));
    }
    b.write_oci_dir(&dir, Some("t")).unwrap();
    let ours = plimsoll_view(&dir);
    let theirs = umoci_view(&dir, &tmp.path().join("bundle"));
    match (ours, theirs) {
        (Ok(a), Ok(b)) => {
            let diff: Vec<String> = a
                .keys()
                .chain(b.keys())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .filter(|k| a.get(*k) != b.get(*k))
                .map(|k| format!("  {k:?}: plimsoll {:?}, umoci {:?}", a.get(k), b.get(k)))
                .collect();
            assert!(diff.is_empty(), "{name}: the final file systems differ:\n{}", diff.join("\n"));
            assert!(!a.is_empty(), "{name}: empty image");
        }
        (Err(e), Err(_)) => eprintln!("{name}: both refuse ({e})"),
        (Ok(_), Err(e)) if umoci_may_refuse => eprintln!("{name}: umoci refuses ({}), containerd does not", e.trim()),
        (Ok(a), Err(e)) => panic!("{name}: umoci refuses ({e}) but plimsoll reads {} paths", a.len()),
        (Err(e), Ok(_)) => panic!("{name}: plimsoll refuses ({e}) but umoci unpacks it"),
    }
}

fn hostile_cases() -> Vec<(&'static str, Vec<Vec<u8>>)> {
    let base = {
        let mut t = RawTar::new();
        t.entry(&RawHeader::new(b"etc/", b'5'), b"")
            .file("etc/os-release", b"ID=debian\n")
            .file("var/lib/dpkg/status", b"Package: bash\n\n")
            .file("usr/lib/x", b"x");
        t.finish()
    };
    let mut cases: Vec<(&'static str, Vec<Vec<u8>>)> = Vec::new();
    let mut t = RawTar::new();
    t.pax(&[("path", b"junk\n")]).file("var/lib/dpkg/status", b"");
    cases.push(("pax path with a newline", vec![base.clone(), t.finish()]));
    let mut t = RawTar::new();
    t.pax(&[("path", b"etc/os-release\nID=alpine")]).file("x", b"ID=alpine\n");
    cases.push(("pax path with a newline inside", vec![base.clone(), t.finish()]));
    let mut t = RawTar::new();
    t.file("etc/os-release", b"ID=debian\n").file("etc/os-release", b"ID=alpine\n");
    cases.push(("duplicate entries", vec![t.finish()]));
    let mut t = RawTar::new();
    let mut link = RawHeader::new(b"etc/alias", b'2');
    link.linkname = b"os-release".to_vec();
    link.size = Some(512);
    t.entry(&link, b"").file("etc/os-release", b"ID=alpine\n");
    cases.push(("symlink with a size field", vec![base.clone(), t.finish()]));
    let mut t = RawTar::new();
    t.pax(&[("path", b"")]).file("etc/kept-name", b"empty pax path keeps the ustar name");
    cases.push(("empty pax path", vec![t.finish()]));
    let mut t = RawTar::new();
    t.gnu_long(b'L', b"from/gnu/long/name").pax(&[("path", b"from/pax")]).file("ustar", b"which name?");
    cases.push(("gnu long name and pax path", vec![t.finish()]));
    let mut t = RawTar::new();
    t.pax(&[("path", b"first")]).pax(&[("size", b"3")]).file("second", b"abc");
    cases.push(("two pax headers: the later replaces the earlier", vec![t.finish()]));
    let mut t = RawTar::new();
    t.pax(&[("size", b"5")]).entry(&RawHeader { size: Some(0), ..RawHeader::new(b"sized-by-pax", b'0') }, b"12345");
    t.file("after", b"after");
    cases.push(("pax size overrides the header", vec![t.finish()]));
    let mut t = RawTar::new();
    t.pax_raw(b'g', &plimsoll_image::rawtar::pax_record(b"path", b"global")).file("local", b"g is ignored");
    // umoci rejects typeflag `g`; containerd's applier skips it, and so does plimsoll.
    cases.push(("global pax header (umoci refuses)", vec![t.finish()]));
    let mut t = RawTar::new();
    t.entry(&RawHeader::new(b"olddir/", 0), b"").entry(&RawHeader::new(b"olddir/f", 0), b"v7 regular");
    cases.push(("type NUL with a trailing slash", vec![t.finish()]));
    let mut t = RawTar::new();
    t.entry(&RawHeader { prefix: b"usr/share".to_vec(), ..RawHeader::new(b"doc.txt", b'0') }, b"prefixed");
    cases.push(("ustar prefix", vec![t.finish()]));
    let mut t = RawTar::new();
    t.file("etc", b"a file where a directory was");
    cases.push(("file over an implied directory", vec![base.clone(), t.finish()]));
    let mut t = RawTar::new();
    t.file("etc/.wh.os-release", b"").file("usr/.wh..wh..opq", b"").file("usr/new", b"n");
    cases.push(("whiteouts", vec![base.clone(), t.finish()]));
    let mut t = RawTar::new();
    t.pax_raw(b'x', b"30 path=etc/os-release\n").file("var/lib/dpkg/status", b"");
    cases.push(("malformed pax record", vec![base.clone(), t.finish()]));
    let mut t = RawTar::new();
    t.file("a", b"a").bytes(&[0u8; 512]);
    t.file("hidden", b"after one zero block");
    cases.push(("data after one zero block", vec![t.finish()]));
    let mut t = RawTar::new();
    t.entry(&RawHeader::new(b"d", b'5'), b"")
        .entry(&RawHeader { size: Some(600), ..RawHeader::new(b"d/x", b'5') }, b"");
    t.file("d/y", b"y");
    cases.push(("directory with a size field", vec![t.finish()]));
    cases
}

#[test]
fn hostile_layers_match_umoci() {
    if !have("umoci") {
        plimsoll_test_support::require("umoci is not installed (scripts/test.sh installs it)");
        return;
    }
    for (name, layers) in hostile_cases() {
        compare_with(name, layers, name.ends_with("(umoci refuses)"));
    }
}

#[test]
fn gnu_tar_layers_match_umoci() {
    if !have("umoci") || !have("tar") {
        plimsoll_test_support::require("umoci or GNU tar is not installed");
        return;
    }
    let src = tempfile::tempdir().unwrap();
    let root = src.path();
    let long = format!("{}/{}", "d".repeat(120), "f".repeat(110));
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/os-release"), "ID=debian\n").unwrap();
    std::fs::create_dir_all(root.join(&long).parent().unwrap()).unwrap();
    std::fs::write(root.join(&long), "long").unwrap();
    std::fs::write(root.join("name with\nnewline"), "nl").unwrap();
    std::os::unix::fs::symlink("/etc/os-release", root.join("etc/link")).unwrap();
    std::os::unix::fs::symlink("x".repeat(150), root.join("longlink")).unwrap();
    std::fs::hard_link(root.join("etc/os-release"), root.join("etc/hard")).unwrap();
    std::fs::write(root.join("empty"), "").unwrap();
    for format in ["gnu", "posix", "ustar", "oldgnu"] {
        let out = Command::new("tar")
            .args(["--sort=name", "--owner=0", "--group=0", "--numeric-owner", &format!("--format={format}"), "-C"])
            .arg(root)
            .args(["-cf", "-", "."])
            .output()
            .unwrap();
        if !out.status.success() {
            // ustar cannot hold the long names; that is tar's refusal, not a case.
            eprintln!("tar --format={format}: {}", String::from_utf8_lossy(&out.stderr));
            continue;
        }
        compare(&format!("GNU tar --format={format}"), vec![out.stdout]);
    }
}

#[test]
fn python_tarfile_layers_match_umoci() {
    if !have("umoci") || !have("python3") {
        plimsoll_test_support::require("umoci or python3 is not installed");
        return;
    }
    const SCRIPT: &str = r#"
import io, sys, tarfile
fmt = {"pax": tarfile.PAX_FORMAT, "gnu": tarfile.GNU_FORMAT, "ustar": tarfile.USTAR_FORMAT}[sys.argv[1]]
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
    def add(name, data=b"", type=tarfile.REGTYPE, link="", pax=None):
        i = tarfile.TarInfo(name); i.type = type; i.size = len(data) if type == tarfile.REGTYPE else 0
        i.linkname = link; i.mtime = 1700000000
        if pax: i.pax_headers = pax
        t.addfile(i, io.BytesIO(data) if type == tarfile.REGTYPE else None)
    add("etc", type=tarfile.DIRTYPE)
    add("etc/os-release", b"ID=debian\n")
    add("usr/share/" + "n" * 140 + "/file", b"long")
    add("caf\u00e9/\u00fcnicode", b"utf8")
    add("etc/sym", type=tarfile.SYMTYPE, link="os-release")
    add("etc/hard", type=tarfile.LNKTYPE, link="etc/os-release")
    add("etc/os-release", b"ID=alpine\n")
    if fmt == tarfile.PAX_FORMAT:
        add("x", b"pax", pax={"path": "pax/with\nnewline"})
sys.stdout.buffer.write(buf.getvalue())
"#;
    for format in ["pax", "gnu", "ustar"] {
        let out = Command::new("python3").args(["-c", SCRIPT, format]).output().unwrap();
        if !out.status.success() {
            eprintln!("python tarfile {format}: {}", String::from_utf8_lossy(&out.stderr));
            continue;
        }
        compare(&format!("python tarfile {format}"), vec![out.stdout]);
    }
}
