//! Real images from `../shared` (see its README): every OCI layout opens and matches its
//! ground truth; the debian-app OCI archive and trivy's alpine docker archives open and walk.
#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plimsoll_image::{
    open, walk_layer, Entry, EntryKind, Image, ImageError, ImageRef, LayerIndex, LayerVisitor, OpenOptions, Squashed,
    WalkLimits, Want,
};
use serde_json::Value;

fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if p.is_dir() {
        Some(p)
    } else {
        plimsoll_test_support::require(&format!("{} is absent", p.display()));
        None
    }
}

/// Keeps the content of a few named files.
struct Grab(Vec<&'static str>, BTreeMap<String, Vec<u8>>);

impl LayerVisitor for Grab {
    fn want(&mut self, e: &Entry) -> Want {
        if self.0.contains(&e.path.as_str()) {
            Want::Read { max_bytes: 16 << 20 }
        } else {
            Want::Skip
        }
    }
    fn content(&mut self, e: &Entry, data: &[u8]) {
        self.1.insert(e.path.clone(), data.to_vec());
    }
}

fn walk_all(image: &Image, wanted: &[&'static str]) -> (Vec<LayerIndex>, BTreeMap<String, Vec<u8>>) {
    let mut grab = Grab(wanted.to_vec(), BTreeMap::new());
    let layers = (0..image.layers.len())
        .map(|i| walk_layer(image.open_layer(i).unwrap(), &mut grab, &WalkLimits::default()).unwrap())
        .collect();
    (layers, grab.1)
}

fn count(idx: &LayerIndex, kinds: &[EntryKind]) -> usize {
    idx.entries.iter().filter(|e| kinds.contains(&e.kind)).count()
}

/// Entries naming the root itself (`./`), which the ground truth counts as directories and the
/// walk does not record; counted with an independent pass of the tar crate.
fn root_dir_entries(image: &Image, i: usize) -> u64 {
    let mut a = tar::Archive::new(image.open_layer(i).unwrap());
    let mut n = 0;
    for e in a.entries().unwrap() {
        let e = e.unwrap();
        let p = e.path_bytes();
        if p.iter().all(|b| *b == b'.' || *b == b'/') && e.header().entry_type().is_dir() {
            n += 1;
        }
    }
    n
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect()).unwrap_or_default()
}

#[test]
fn every_shared_oci_layout_matches_its_ground_truth() {
    let Some(shared) = shared() else { return };
    let images = shared.join("images");
    let mut seen = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(&images).unwrap().map(|e| e.unwrap().path()).collect();
    dirs.sort();
    for dir in dirs {
        let gt_path = dir.join("ground-truth.json");
        if !gt_path.is_file() {
            continue;
        }
        seen += 1;
        let gt: Value = serde_json::from_slice(&std::fs::read(&gt_path).unwrap()).unwrap();
        let name = gt["name"].as_str().unwrap().to_owned();
        let tag = gt["tag"].as_str().map(String::from);
        let r = ImageRef::OciDir { path: dir.join("oci"), tag };
        let image = open(&r, &OpenOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = &gt["images"][0];
        assert_eq!(image.manifest_digest.to_string(), want["manifest_digest"].as_str().unwrap(), "{name}");
        assert_eq!(image.config_digest.to_string(), want["config_digest"].as_str().unwrap(), "{name}");
        let plat = &want["platform"];
        assert_eq!(
            image.platform(),
            format!("{}/{}", plat["os"].as_str().unwrap(), plat["architecture"].as_str().unwrap()),
            "{name}"
        );
        let cfg = &want["config"];
        assert_eq!(image.config.config.env, strs(&cfg["Env"]), "{name}");
        assert_eq!(image.config.config.cmd, strs(&cfg["Cmd"]), "{name}");
        assert_eq!(image.config.config.entrypoint, strs(&cfg["Entrypoint"]), "{name}");
        assert_eq!(image.config.config.user.as_deref(), cfg["User"].as_str(), "{name}");
        assert_eq!(image.config.config.working_dir.as_deref(), cfg["WorkingDir"].as_str(), "{name}");
        let history = want["history"].as_array().unwrap();
        assert_eq!(image.config.history.len(), history.len(), "{name}");
        for (h, w) in image.config.history.iter().zip(history) {
            assert_eq!(h.created_by.as_deref(), w["created_by"].as_str(), "{name}");
            assert_eq!(h.empty_layer, w["empty_layer"].as_bool().unwrap_or(false), "{name}");
        }

        let gt_layers = want["layers"].as_array().unwrap();
        assert_eq!(image.layers.len(), gt_layers.len(), "{name}");
        for (l, w) in image.layers.iter().zip(gt_layers) {
            assert_eq!(l.digest.to_string(), w["digest"].as_str().unwrap(), "{name} layer {}", l.index);
            assert_eq!(l.diff_id.to_string(), w["diff_id"].as_str().unwrap(), "{name} layer {}", l.index);
            assert_eq!(l.media_type, w["mediaType"].as_str().unwrap(), "{name} layer {}", l.index);
            assert_eq!(l.size, w["size"].as_u64().unwrap(), "{name} layer {}", l.index);
            assert_eq!(l.created_by.as_deref(), w["created_by"].as_str(), "{name} layer {}", l.index);
        }
        let refs = image.layer_refs();
        assert_eq!(refs.len(), gt_layers.len());

        // Walking every layer verifies digests and diff_ids; counts match the ground truth.
        let (layers, _) = walk_all(&image, &[]);
        let mut roots = 0;
        for (idx, w) in layers.iter().zip(gt_layers) {
            let i = w["index"].as_u64().unwrap();
            let root = root_dir_entries(&image, i as usize);
            roots += root;
            assert!(idx.warnings.is_empty(), "{name} layer {i}: {:?}", idx.warnings);
            assert_eq!(
                count(idx, &[EntryKind::File, EntryKind::Hardlink]) as u64,
                w["files"].as_u64().unwrap(),
                "{name} layer {i} files"
            );
            assert_eq!(
                count(idx, &[EntryKind::Dir]) as u64 + root,
                w["dirs"].as_u64().unwrap(),
                "{name} layer {i} dirs"
            );
            assert_eq!(
                count(idx, &[EntryKind::Symlink]) as u64,
                w["symlinks"].as_u64().unwrap(),
                "{name} layer {i} symlinks"
            );
            assert_eq!(
                count(idx, &[EntryKind::Whiteout]),
                w["whiteouts"].as_array().unwrap().len(),
                "{name} layer {i}"
            );
            assert_eq!(
                count(idx, &[EntryKind::OpaqueDir]),
                w["opaque_dirs"].as_array().unwrap().len(),
                "{name} layer {i}"
            );
            if let Some(os) = w["os_release"]["path"].as_str() {
                let p = os.trim_start_matches('/');
                assert!(idx.entries.iter().any(|e| e.path == p), "{name} layer {i}: {p}");
            }
        }
        let s = Squashed::new(&layers);
        let root = u64::from(roots > 0);
        assert_eq!(s.len() as u64 + root, want["final_fs_entries"].as_u64().unwrap(), "{name} final entries");
    }
    assert!(seen >= 6, "expected the six ground-truth images, saw {seen}");
}

#[test]
fn debian_app_oci_archive() {
    let Some(shared) = shared() else { return };
    let path = shared.join("images/debian-app.oci.tar");
    let r = ImageRef::parse(&format!("oci-archive:{}:1", path.display())).unwrap();
    let image = open(&r, &OpenOptions::default()).unwrap();
    assert_eq!(image.repo_tags, vec!["1".to_owned()]);
    let created: Vec<Option<&str>> = image.layers.iter().map(|l| l.created_by.as_deref()).collect();
    assert!(created[0].unwrap().starts_with("ADD rootfs-base.tar /"), "{created:?}");
    assert!(created[1].unwrap().starts_with("COPY app/ /"), "{created:?}");
    assert!(created[2].unwrap().contains("rm -f /app/config/aws_credentials /root/.ssh/id_rsa"), "{created:?}");
    assert!(image.config.config.env.iter().any(|e| e.starts_with("GITLAB_TOKEN=glpat-")));
    assert_eq!(image.config.config.user, None);
    assert_eq!(image.config.config.cmd, vec!["/app/hello"]);
    assert!(image.config.config.healthcheck.is_none());

    let (layers, files) = walk_all(&image, &["etc/os-release", "app/settings.py", "app/requirements.txt"]);
    assert!(files["app/requirements.txt"].starts_with(b"requests==2.19.0"));
    assert!(String::from_utf8_lossy(&files["app/settings.py"]).contains("ghp_"));
    let whiteouts: Vec<&str> =
        layers[2].entries.iter().filter(|e| e.kind == EntryKind::Whiteout).map(|e| e.path.as_str()).collect();
    assert_eq!(whiteouts, vec!["app/config/aws_credentials", "root/.ssh/id_rsa"]);
    let s = Squashed::new(&layers);
    assert_eq!(s.hidden_by(1, "app/config/aws_credentials"), Some(2));
    assert_eq!(s.hidden_by(1, "root/.ssh/id_rsa"), Some(2));
    assert!(s.visible(2, "app/settings.py"));
    assert!(s.visible(1, "app/hello"));
    assert!(s.get("etc/os-release").is_some() || s.resolve("etc/os-release").is_some());
    // Debian's /etc/os-release is a symlink to ../usr/lib/os-release.
    assert_eq!(s.resolve("etc/os-release").as_deref(), Some("usr/lib/os-release"));
}

#[test]
fn trivy_alpine_docker_archives_gzip_compressed() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("fixtures/trivy-fixtures/pkg/fanal/test/testdata");
    let path = dir.join("alpine-310.tar.gz");
    let r = ImageRef::parse(&path.display().to_string()).unwrap();
    assert_eq!(r, ImageRef::DockerArchive { path: path.clone() });
    let image = open(&r, &OpenOptions::default()).unwrap();
    assert_eq!(image.repo_tags, vec!["alpine:3.10".to_owned()]);
    assert_eq!(
        image.config_digest.to_string(),
        "sha256:af341ccd2df8b0e2d67cf8dd32e087bfda4e5756ebd1c76bbf3efa0dc246590e"
    );
    assert_eq!(image.layers.len(), 1);
    let l = &image.layers[0];
    assert_eq!(l.diff_id.to_string(), "sha256:531743b7098cb2aaf615641007a129173f63ed86ca32fe7b5a246a1c47286028");
    assert_eq!(l.digest, l.diff_id, "an uncompressed layer.tar's digest is its diff_id");
    assert_eq!(l.size, 5818880);
    assert_eq!(l.media_type, "application/vnd.docker.image.rootfs.diff.tar");
    assert!(l.created_by.as_deref().unwrap().contains("ADD file:d48cac34"));
    assert!(image.layers_restream());
    let (_, files) = walk_all(&image, &["lib/apk/db/installed", "etc/alpine-release"]);
    assert!(files["etc/alpine-release"].starts_with(b"3.10."));
    assert!(String::from_utf8_lossy(&files["lib/apk/db/installed"]).contains("P:musl"));

    let image =
        open(&ImageRef::DockerArchive { path: dir.join("alpine-311.tar.gz") }, &OpenOptions::default()).unwrap();
    let (_, files) = walk_all(&image, &["etc/alpine-release"]);
    assert!(files["etc/alpine-release"].starts_with(b"3.11."));
}

#[test]
fn trivy_oci_fixtures_open_or_fail_clearly() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("fixtures/trivy-fixtures/pkg/fanal/test/testdata");
    let oci = |name: &str, tag: Option<&str>| {
        open(&ImageRef::OciDir { path: dir.join(name), tag: tag.map(Into::into) }, &OpenOptions::default())
    };
    let image = oci("test.oci", None).unwrap();
    assert_eq!(image.layers.len(), 1);
    assert_eq!(walk_all(&image, &[]).0.len(), 1);
    assert_eq!(oci("test_image_tag.oci", Some("0.0.1")).unwrap().repo_tags, vec!["0.0.1".to_owned()]);
    match oci("test_image_tag.oci", Some("0.0.2")).unwrap_err() {
        ImageError::TagNotFound { available, .. } => assert_eq!(available, vec!["0.0.1".to_owned()]),
        other => panic!("{other}"),
    }
    assert!(matches!(oci("test_bad_index_json.oci", None), Err(ImageError::Json { .. })));
    assert!(matches!(oci("test_no_valid_manifests.oci", None), Err(ImageError::Json { .. })));
    assert!(matches!(oci("test_invalid_oci_image.oci", None), Err(ImageError::UnsupportedMediaType { .. })));
    assert!(matches!(oci("test_index_json_dir.oci", None), Err(ImageError::Io { .. })));
}
