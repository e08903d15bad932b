//! End-to-end tests on images built at test time with `testing::ImageBuilder`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use plimsoll_image::testing::{
    sha256, BuiltImage, Compression, DockerArchive, ImageBuilder, IndexOptions, LayerBuilder, Layout, Tamper,
};
use plimsoll_image::{
    open, walk_layer, Entry, EntryKind, Image, ImageError, ImageRef, LayerIndex, LayerVisitor, Limits, OpenOptions,
    Platform, Squashed, WalkLimits, Want,
};
use serde_json::{json, Value};

/// Collects every regular file's content.
#[derive(Default)]
struct Contents(BTreeMap<String, Vec<u8>>);

impl LayerVisitor for Contents {
    fn want(&mut self, _: &Entry) -> Want {
        Want::Read { max_bytes: 1 << 20 }
    }
    fn content(&mut self, entry: &Entry, data: &[u8]) {
        self.0.insert(entry.path.clone(), data.to_vec());
    }
}

fn walk(image: &Image, i: usize) -> Result<(LayerIndex, Contents), ImageError> {
    let mut c = Contents::default();
    let r = image.open_layer(i)?;
    let idx = walk_layer(r, &mut c, &WalkLimits::default())?;
    Ok((idx, c))
}

fn walk_all(image: &Image) -> Vec<LayerIndex> {
    (0..image.layers.len()).map(|i| walk(image, i).unwrap().0).collect()
}

fn sample() -> ImageBuilder {
    ImageBuilder::new()
        .layer(
            LayerBuilder::new()
                .dir("etc")
                .file("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n", 0o644)
                .dir("bin")
                .file("bin/busybox", vec![0x7f; 3000], 0o755)
                .symlink("bin/sh", "/bin/busybox")
                .created_by("ADD rootfs.tar /"),
        )
        .empty_history("ENV A=1")
        .layer(
            LayerBuilder::new()
                .dir("app")
                .file("app/secret", "s3cr3t", 0o600)
                .hardlink("app/secret-link", "app/secret")
                .compression(Compression::Zstd)
                .created_by("COPY app /app"),
        )
        .layer(LayerBuilder::new().whiteout("app/secret").compression(Compression::None).created_by("RUN rm"))
        .empty_history("CMD [\"/bin/sh\"]")
        .env("PATH=/usr/bin:/bin")
        .env("A=1")
        .user("1000:1000")
        .cmd(&["/bin/sh"])
        .working_dir("/app")
        .label("org.example", "yes")
        .exposed_port("8080/tcp")
        .healthcheck(&["CMD-SHELL", "true"])
}

fn check_matches_built(image: &Image, built: &BuiltImage) {
    assert_eq!(image.config_digest, built.config_digest);
    assert_eq!(image.layers.len(), built.layers.len());
    for (l, b) in image.layers.iter().zip(&built.layers) {
        assert_eq!(l.digest, b.digest, "layer {}", l.index);
        assert_eq!(l.diff_id, b.diff_id, "layer {}", l.index);
        assert_eq!(l.size, b.size, "layer {}", l.index);
    }
}

#[test]
fn oci_dir_opens_and_streams_every_layer() {
    let dir = tempfile::tempdir().unwrap();
    let built = sample().write_oci_dir(dir.path(), Some("latest")).unwrap();
    let r = ImageRef::parse(&format!("oci:{}:latest", dir.path().display())).unwrap();
    let image = open(&r, &OpenOptions::default()).unwrap();
    check_matches_built(&image, &built);
    assert_eq!(image.manifest_digest, built.manifest_digest);
    assert_eq!(image.repo_tags, vec!["latest".to_owned()]);
    assert_eq!(image.platform(), "linux/amd64");
    assert_eq!(image.reference, format!("oci:{}:latest", dir.path().display()));
    let media: Vec<&str> = image.layers.iter().map(|l| l.media_type.as_str()).collect();
    assert_eq!(
        media,
        vec![
            "application/vnd.oci.image.layer.v1.tar+gzip",
            "application/vnd.oci.image.layer.v1.tar+zstd",
            "application/vnd.oci.image.layer.v1.tar"
        ]
    );
    let created: Vec<Option<&str>> = image.layers.iter().map(|l| l.created_by.as_deref()).collect();
    assert_eq!(created, vec![Some("ADD rootfs.tar /"), Some("COPY app /app"), Some("RUN rm")]);
    let refs = image.layer_refs();
    assert_eq!(refs[1].diff_id.as_ref(), Some(&built.layers[1].diff_id));
    assert_eq!(refs[2].created_by.as_deref(), Some("RUN rm"));

    let c = &image.config.config;
    assert_eq!(c.env, vec!["PATH=/usr/bin:/bin", "A=1"]);
    assert_eq!(c.user.as_deref(), Some("1000:1000"));
    assert_eq!(c.cmd, vec!["/bin/sh"]);
    assert_eq!(c.working_dir.as_deref(), Some("/app"));
    assert_eq!(c.labels.get("org.example").map(String::as_str), Some("yes"));
    assert_eq!(c.exposed_ports, vec!["8080/tcp"]);
    assert_eq!(c.healthcheck.as_ref().unwrap().test, vec!["CMD-SHELL", "true"]);
    assert_eq!(image.config.history.len(), 5);
    assert!(image.config.history[1].empty_layer);

    let (idx0, c0) = walk(&image, 0).unwrap();
    assert_eq!(c0.0.get("etc/os-release").map(Vec::as_slice), Some(&b"ID=alpine\nVERSION_ID=3.19.1\n"[..]));
    let sh = idx0.entries.iter().find(|e| e.path == "bin/sh").unwrap();
    assert_eq!((sh.kind, sh.link_target.as_deref()), (EntryKind::Symlink, Some("/bin/busybox")));
    assert_eq!(idx0.entries.iter().find(|e| e.path == "bin/busybox").unwrap().mode, 0o755);
    let (idx1, c1) = walk(&image, 1).unwrap();
    let link = idx1.entries.iter().find(|e| e.path == "app/secret-link").unwrap();
    assert_eq!((link.kind, link.link_target.as_deref()), (EntryKind::Hardlink, Some("app/secret")));
    // A hard link is its target's inode: it gets the target's content.
    assert_eq!(c1.0.get("app/secret-link").map(Vec::as_slice), Some(&b"s3cr3t"[..]));
    assert_eq!(c1.0["app/secret"], b"s3cr3t");
    let (idx2, _) = walk(&image, 2).unwrap();
    assert_eq!(idx2.entries[0].kind, EntryKind::Whiteout);
    assert_eq!(idx2.entries[0].path, "app/secret");

    let s = Squashed::new(&[idx0, idx1, idx2]);
    assert_eq!(s.hidden_by(1, "app/secret"), Some(2));
    assert!(s.visible(1, "app/secret-link"));
    assert_eq!(s.resolve("app/secret-link"), None, "its target was deleted");
    assert_eq!(s.resolve("bin/sh").as_deref(), Some("bin/busybox"));
}

#[test]
fn layers_can_be_read_in_parallel() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("img.tar");
    let built = sample().write_docker_archive(&path, &DockerArchive::default()).unwrap();
    let image = open(&ImageRef::DockerArchive { path }, &OpenOptions::default()).unwrap();
    let diffs: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..image.layers.len())
            .map(|i| {
                let image = &image;
                s.spawn(move || {
                    let mut buf = Vec::new();
                    image.open_layer(i).unwrap().read_to_end(&mut buf).unwrap();
                    sha256(&buf)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let expected: Vec<_> = built.layers.iter().map(|l| l.diff_id.clone()).collect();
    assert_eq!(diffs, expected);
}

#[test]
fn oci_archive_by_prefix_and_by_sniffing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("img.oci.tar");
    let built = sample().write_oci_archive(&path, Some("v1")).unwrap();
    for s in [format!("oci-archive:{}:v1", path.display()), format!("oci-archive:{}", path.display())] {
        let image = open(&ImageRef::parse(&s).unwrap(), &OpenOptions::default()).unwrap();
        check_matches_built(&image, &built);
        assert_eq!(image.manifest_digest, built.manifest_digest);
        assert_eq!(walk_all(&image).len(), 3);
    }
    let sniffed = ImageRef::parse(&path.display().to_string()).unwrap();
    assert_eq!(sniffed, ImageRef::OciArchive { path: path.clone(), tag: None });
    let dir_ref = ImageRef::parse(&dir.path().display().to_string());
    assert!(matches!(dir_ref, Err(ImageError::UnknownFormat { .. })), "{dir_ref:?}");
}

#[test]
fn docker_archives_plain_gzip_and_blobs_layout() {
    let dir = tempfile::tempdir().unwrap();
    for (name, opts) in [
        ("legacy.tar", DockerArchive { repo_tags: vec!["example/app:1".into()], ..Default::default() }),
        ("legacy.tar.gz", DockerArchive { gzip: true, ..Default::default() }),
        ("blobs.tar", DockerArchive { blobs_layout: true, ..Default::default() }),
        ("blobs.tar.gz", DockerArchive { blobs_layout: true, gzip: true, ..Default::default() }),
    ] {
        let path = dir.path().join(name);
        let built = sample().write_docker_archive(&path, &opts).unwrap();
        let r = ImageRef::parse(&path.display().to_string()).unwrap();
        assert_eq!(r, ImageRef::DockerArchive { path: path.clone() }, "{name}");
        let image = open(&r, &OpenOptions::default()).unwrap();
        check_matches_built(&image, &built);
        assert_eq!(image.repo_tags, opts.repo_tags, "{name}");
        if opts.blobs_layout {
            assert_eq!(image.manifest_digest, built.manifest_digest, "{name}: docker 25 archives carry the manifest");
        }
        // Media types come from the bytes: docker archives have none.
        assert_eq!(image.layers[1].media_type, "application/vnd.docker.image.rootfs.diff.tar.zstd", "{name}");
        assert_eq!(image.layers[2].media_type, "application/vnd.docker.image.rootfs.diff.tar", "{name}");
        let layers = walk_all(&image);
        let s = Squashed::new(&layers);
        assert!(s.get("etc/os-release").is_some(), "{name}");
        assert!(s.get("app/secret").is_none(), "{name}");
    }
}

#[test]
fn corrupt_layer_blob_is_a_digest_mismatch_naming_the_layer() {
    let dir = tempfile::tempdir().unwrap();
    let built = sample().tamper(Tamper::CorruptLayer(1)).write_oci_dir(dir.path(), None).unwrap();
    let image = open(&ImageRef::OciDir { path: dir.path().into(), tag: None }, &OpenOptions::default()).unwrap();
    assert!(walk(&image, 0).is_ok());
    let err = walk(&image, 1).err().unwrap();
    match &err {
        ImageError::DigestMismatch { what, expected, .. } => {
            assert_eq!(what, "layer 1 blob");
            assert_eq!(expected, &built.layers[1].digest);
        }
        other => panic!("expected a digest mismatch, got {other}"),
    }
    assert!(err.to_string().starts_with("layer 1 blob does not match its digest"), "{err}");

    // Reading the raw stream gives an io::Error whose inner error is the ImageError.
    let mut buf = Vec::new();
    let io_err = image.open_layer(1).unwrap().read_to_end(&mut buf).unwrap_err();
    assert_eq!(io_err.kind(), std::io::ErrorKind::InvalidData);
    assert!(io_err.get_ref().unwrap().downcast_ref::<ImageError>().is_some());
}

#[test]
fn corrupt_layer_in_gzipped_docker_archive() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.tar.gz");
    let img = sample().tamper(Tamper::CorruptLayer(0));
    img.write_docker_archive(&path, &DockerArchive { blobs_layout: true, gzip: true, ..Default::default() }).unwrap();
    let image = open(&ImageRef::DockerArchive { path }, &OpenOptions::default()).unwrap();
    let err = walk(&image, 0).err().unwrap();
    assert!(matches!(err, ImageError::DigestMismatch { ref what, .. } if what == "layer 0 blob"), "{err}");
}

#[test]
fn wrong_diff_id_is_reported_for_that_layer() {
    let dir = tempfile::tempdir().unwrap();
    let built = sample().tamper(Tamper::WrongDiffId(2)).write_oci_dir(dir.path(), None).unwrap();
    let image = open(&ImageRef::OciDir { path: dir.path().into(), tag: None }, &OpenOptions::default()).unwrap();
    let err = walk(&image, 2).err().unwrap();
    match err {
        ImageError::DiffIdMismatch { layer: 2, actual, .. } => assert_eq!(actual, built.layers[2].diff_id),
        other => panic!("expected a diff_id mismatch, got {other}"),
    }
    // Same for a legacy docker archive, where the stored digest *is* the diff_id.
    let path = dir.path().join("d.tar");
    sample().tamper(Tamper::WrongDiffId(0)).write_docker_archive(&path, &DockerArchive::default()).unwrap();
    let image = open(&ImageRef::DockerArchive { path }, &OpenOptions::default()).unwrap();
    assert!(walk(&image, 2).is_ok());
    assert!(walk(&image, 0).is_err());
}

#[test]
fn swapped_manifest_fails_open() {
    let dir = tempfile::tempdir().unwrap();
    let built = sample().tamper(Tamper::SwapManifest).write_oci_dir(dir.path(), None).unwrap();
    let err = open(&ImageRef::OciDir { path: dir.path().into(), tag: None }, &OpenOptions::default()).unwrap_err();
    match err {
        ImageError::DigestMismatch { what, expected, .. } => {
            assert_eq!(what, format!("manifest {}", built.manifest_digest));
            assert_eq!(expected, built.manifest_digest);
        }
        other => panic!("expected a digest mismatch, got {other}"),
    }
}

#[test]
fn wrong_size_and_missing_blob() {
    let dir = tempfile::tempdir().unwrap();
    sample().tamper(Tamper::WrongLayerSize(0)).write_oci_dir(dir.path(), None).unwrap();
    let image = open(&ImageRef::OciDir { path: dir.path().into(), tag: None }, &OpenOptions::default()).unwrap();
    let err = walk(&image, 0).err().unwrap();
    assert!(matches!(err, ImageError::SizeMismatch { .. }), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let built = sample().tamper(Tamper::MissingLayer(1)).write_oci_dir(dir.path(), None).unwrap();
    let err = open(&ImageRef::OciDir { path: dir.path().into(), tag: None }, &OpenOptions::default()).unwrap_err();
    assert!(matches!(err, ImageError::BlobMissing { ref digest } if *digest == built.layers[1].digest), "{err}");
}

fn platforms() -> Vec<ImageBuilder> {
    let img = |p: &str, marker: &str| {
        ImageBuilder::new().platform(p.parse().unwrap()).layer(LayerBuilder::new().file("platform", marker, 0o644))
    };
    vec![img("linux/amd64", "amd64"), img("linux/arm64/v8", "arm64"), img("linux/arm/v7", "armv7")]
}

fn marker(image: &Image) -> String {
    let (_, c) = walk(image, 0).unwrap();
    String::from_utf8(c.0["platform"].clone()).unwrap()
}

#[test]
fn multi_platform_index_picks_the_requested_platform() {
    for opts in [
        IndexOptions { nesting: 0, ..Default::default() },
        IndexOptions { nesting: 1, attestation: true, ..Default::default() },
        IndexOptions { nesting: 2, docker_list: true, ..Default::default() },
        IndexOptions { nesting: 1, omit_platform: true, ..Default::default() },
    ] {
        let dir = tempfile::tempdir().unwrap();
        Layout::new().index(Some("multi"), platforms(), opts).write_dir(dir.path()).unwrap();
        let r = ImageRef::OciDir { path: dir.path().into(), tag: Some("multi".into()) };
        let pick = |p: &str| open(&r, &OpenOptions { platform: p.parse().unwrap(), ..Default::default() });

        let amd = open(&r, &OpenOptions::default()).unwrap();
        assert_eq!((amd.platform(), marker(&amd)), ("linux/amd64".into(), "amd64".into()), "{opts:?}");
        let arm = pick("linux/arm64").unwrap();
        assert_eq!((arm.platform(), marker(&arm)), ("linux/arm64/v8".into(), "arm64".into()), "{opts:?}");
        assert_eq!(marker(&pick("linux/arm64/v8").unwrap()), "arm64");
        assert_eq!(marker(&pick("linux/arm").unwrap()), "armv7");
        match pick("linux/s390x").unwrap_err() {
            ImageError::PlatformNotFound { requested, available } => {
                assert_eq!(requested, "linux/s390x");
                assert_eq!(available, vec!["linux/amd64", "linux/arm64/v8", "linux/arm/v7"], "{opts:?}");
            }
            other => panic!("{other}"),
        }
        assert!(matches!(pick("linux/arm/v6"), Err(ImageError::PlatformNotFound { .. })));
    }
}

#[test]
fn tags_select_images_and_errors_list_them() {
    let dir = tempfile::tempdir().unwrap();
    let a = ImageBuilder::new().layer(LayerBuilder::new().file("platform", "a", 0o644));
    let b = ImageBuilder::new().layer(LayerBuilder::new().file("platform", "b", 0o644));
    Layout::new().image(Some("a"), a).image(Some("b"), b).write_dir(dir.path()).unwrap();
    let open_tag = |tag: Option<&str>| {
        open(&ImageRef::OciDir { path: dir.path().into(), tag: tag.map(Into::into) }, &OpenOptions::default())
    };
    assert_eq!(marker(&open_tag(Some("b")).unwrap()), "b");
    match open_tag(None).unwrap_err() {
        ImageError::TagRequired { available } => assert_eq!(available, vec!["a", "b"]),
        other => panic!("{other}"),
    }
    match open_tag(Some("c")).unwrap_err() {
        ImageError::TagNotFound { tag, available } => {
            assert_eq!((tag.as_str(), available), ("c", vec!["a".into(), "b".into()]))
        }
        other => panic!("{other}"),
    }
}

#[test]
fn artifacts_are_skipped_or_reported() {
    let dir = tempfile::tempdir().unwrap();
    let helm = json!({ "mediaType": "application/vnd.cncf.helm.chart.v1+json",
        "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000", "size": 1 });
    Layout::new().raw_descriptor(helm.clone()).write_dir(dir.path()).unwrap();
    let err = open(&ImageRef::OciDir { path: dir.path().into(), tag: None }, &OpenOptions::default()).unwrap_err();
    assert!(matches!(err, ImageError::UnsupportedMediaType { .. }), "{err}");

    let dir = tempfile::tempdir().unwrap();
    Layout::new().image(None, sample()).raw_descriptor(helm).write_dir(dir.path()).unwrap();
    let image = open(&ImageRef::OciDir { path: dir.path().into(), tag: None }, &OpenOptions::default()).unwrap();
    assert_eq!(image.layers.len(), 3);
}

/// Rewrites the first manifest of an OCI dir and re-points `index.json` at it.
fn rewrite_manifest(dir: &Path, f: impl Fn(&mut Value)) {
    let index_path = dir.join("index.json");
    let mut index: Value = serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
    let digest = index["manifests"][0]["digest"].as_str().unwrap().to_owned();
    let hex = digest.strip_prefix("sha256:").unwrap();
    let mut m: Value = serde_json::from_slice(&std::fs::read(dir.join("blobs/sha256").join(hex)).unwrap()).unwrap();
    f(&mut m);
    let bytes = serde_json::to_vec(&m).unwrap();
    let d = sha256(&bytes);
    std::fs::write(dir.join("blobs/sha256").join(d.hex()), &bytes).unwrap();
    index["manifests"][0]["digest"] = json!(d.to_string());
    index["manifests"][0]["size"] = json!(bytes.len());
    std::fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
}

#[test]
fn media_types_unknown_rejected_lying_ones_sniffed() {
    let dir = tempfile::tempdir().unwrap();
    sample().write_oci_dir(dir.path(), None).unwrap();
    rewrite_manifest(dir.path(), |m| {
        m["layers"][1]["mediaType"] = json!("application/vnd.oci.image.layer.v1.tar+gzip")
    });
    let image = open(&ImageRef::OciDir { path: dir.path().into(), tag: None }, &OpenOptions::default()).unwrap();
    // Layer 1 is zstd whatever the manifest says.
    let (_, c) = walk(&image, 1).unwrap();
    assert_eq!(c.0["app/secret"], b"s3cr3t");

    rewrite_manifest(dir.path(), |m| m["layers"][0]["mediaType"] = json!("application/x-mystery"));
    let err = open(&ImageRef::OciDir { path: dir.path().into(), tag: None }, &OpenOptions::default()).unwrap_err();
    match err {
        ImageError::UnsupportedMediaType { what, media_type } => {
            assert!(what.starts_with("layer 0 "), "{what}");
            assert_eq!(media_type, "application/x-mystery");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn diff_id_count_must_match_layers() {
    let dir = tempfile::tempdir().unwrap();
    sample().write_oci_dir(dir.path(), None).unwrap();
    rewrite_manifest(dir.path(), |m| {
        let layers = m["layers"].as_array_mut().unwrap();
        layers.pop();
    });
    let err = open(&ImageRef::OciDir { path: dir.path().into(), tag: None }, &OpenOptions::default()).unwrap_err();
    assert!(err.to_string().contains("lists 3 diff_ids but the manifest has 2 layers"), "{err}");
}

#[test]
fn history_that_does_not_line_up_is_not_attributed() {
    let dir = tempfile::tempdir().unwrap();
    sample().without_history().write_oci_dir(dir.path(), None).unwrap();
    let image = open(&ImageRef::OciDir { path: dir.path().into(), tag: None }, &OpenOptions::default()).unwrap();
    assert!(image.layers.iter().all(|l| l.created_by.is_none()));

    let dir = tempfile::tempdir().unwrap();
    // Two empty-layer entries but one of them claims a layer: 4 "layer" entries for 3 layers.
    sample().empty_history("RUN true").write_oci_dir(dir.path(), None).unwrap();
    let image = open(&ImageRef::OciDir { path: dir.path().into(), tag: None }, &OpenOptions::default()).unwrap();
    assert_eq!(image.layers[0].created_by.as_deref(), Some("ADD rootfs.tar /"), "empty entries are skipped");
}

#[test]
fn gzip_bomb_stops_at_the_layer_limit() {
    let dir = tempfile::tempdir().unwrap();
    let img = ImageBuilder::new().layer(LayerBuilder::new().file("zeros", vec![0u8; 8 << 20], 0o644));
    img.write_oci_dir(dir.path(), None).unwrap();
    let opts = OpenOptions { limits: Limits { max_layer_bytes: 1 << 20, ..Default::default() }, ..Default::default() };
    let image = open(&ImageRef::OciDir { path: dir.path().into(), tag: None }, &opts).unwrap();
    assert!(image.layers[0].size < (8 << 20) / 50, "the blob is small ({}), its content is not", image.layers[0].size);
    let err = walk(&image, 0).err().unwrap();
    match err {
        ImageError::TooLarge { what, limit } => {
            assert_eq!(limit, 1 << 20);
            assert!(what.starts_with("uncompressed layer 0"), "{what}");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn hostile_entries_are_normalised_with_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("{}/deep.txt", "x".repeat(180));
    let img = ImageBuilder::new().layer(
        LayerBuilder::new()
            .raw(b"../../etc/evil", tar::EntryType::Regular, "evil")
            .raw(b"/abs/file", tar::EntryType::Regular, "abs")
            .raw_link(b"escape", tar::EntryType::Symlink, b"../../../../etc/shadow")
            .raw_link(b"hl", tar::EntryType::Link, b"../../etc/evil")
            .pax_file(&long, "pax"),
    );
    img.write_oci_dir(dir.path(), None).unwrap();
    let image = open(&ImageRef::OciDir { path: dir.path().into(), tag: None }, &OpenOptions::default()).unwrap();
    let (idx, c) = walk(&image, 0).unwrap();
    let paths: Vec<&str> = idx.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, vec!["etc/evil", "abs/file", "escape", "hl", long.as_str()]);
    assert_eq!(c.0["etc/evil"], b"evil");
    assert_eq!(c.0[&long], b"pax");
    assert_eq!(idx.entries[3].link_target.as_deref(), Some("etc/evil"));
    assert!(idx.warnings.iter().any(|w| w.path == "../../etc/evil"));
    let s = Squashed::new(&[idx]);
    // The symlink climbs out of the root; resolving clamps it inside.
    assert_eq!(s.resolve("escape"), None, "etc/shadow does not exist in the image");
    assert_eq!(s.resolve("hl").as_deref(), Some("etc/evil"));
}

#[test]
fn opaque_dirs_across_layers() {
    let dir = tempfile::tempdir().unwrap();
    let img = ImageBuilder::new()
        .layer(
            LayerBuilder::new()
                .dir("var")
                .dir("var/cache")
                .file("var/cache/a", "1", 0o644)
                .file("var/keep", "k", 0o644),
        )
        .layer(LayerBuilder::new().dir("var/cache").opaque("var/cache").file("var/cache/b", "2", 0o644));
    img.write_oci_dir(dir.path(), None).unwrap();
    let image = open(&ImageRef::OciDir { path: dir.path().into(), tag: None }, &OpenOptions::default()).unwrap();
    let layers = walk_all(&image);
    assert!(layers[1].entries.iter().any(|e| e.kind == EntryKind::OpaqueDir && e.path == "var/cache"));
    let s = Squashed::new(&layers);
    assert_eq!(s.hidden_by(0, "var/cache/a"), Some(1));
    assert!(s.visible(0, "var/keep"));
    assert!(s.visible(1, "var/cache/b"));
}

#[test]
fn docker_media_types_in_an_oci_layout() {
    let dir = tempfile::tempdir().unwrap();
    let built = sample().docker_media_types(true).write_oci_dir(dir.path(), None).unwrap();
    let image = open(&ImageRef::OciDir { path: dir.path().into(), tag: None }, &OpenOptions::default()).unwrap();
    check_matches_built(&image, &built);
    assert_eq!(image.layers[0].media_type, "application/vnd.docker.image.rootfs.diff.tar.gzip");
    assert_eq!(walk_all(&image).len(), 3);
}

#[test]
fn arm64_single_image_opens_with_any_requested_platform() {
    let dir = tempfile::tempdir().unwrap();
    let img = ImageBuilder::new()
        .platform(Platform { os: "linux".into(), architecture: "arm64".into(), variant: Some("v8".into()) })
        .layer(LayerBuilder::new().file("x", "y", 0o644));
    img.write_oci_dir(dir.path(), None).unwrap();
    let image = open(&ImageRef::OciDir { path: dir.path().into(), tag: None }, &OpenOptions::default()).unwrap();
    assert_eq!(image.platform(), "linux/arm64/v8");
}

#[test]
fn multi_image_docker_archive_picks_by_platform_or_asks() {
    let dir = tempfile::tempdir().unwrap();
    let mut imgs = platforms().into_iter();
    let (amd, arm) = (imgs.next().unwrap(), imgs.next().unwrap());
    let path = dir.path().join("two.tar");
    let opts = DockerArchive {
        repo_tags: vec!["app:amd".into()],
        also: vec![(arm.clone(), vec!["app:arm".into()])],
        ..Default::default()
    };
    amd.write_docker_archive(&path, &opts).unwrap();
    let r = ImageRef::DockerArchive { path: path.clone() };
    let image = open(&r, &OpenOptions::default()).unwrap();
    assert_eq!((image.repo_tags.clone(), marker(&image)), (vec!["app:amd".to_owned()], "amd64".to_owned()));
    let image = open(&r, &OpenOptions { platform: "linux/arm64".parse().unwrap(), ..Default::default() }).unwrap();
    assert_eq!(marker(&image), "arm64");

    let same = DockerArchive {
        repo_tags: vec!["a:1".into()],
        also: vec![(amd.clone().env("X=1"), vec!["a:2".into()])],
        ..Default::default()
    };
    amd.write_docker_archive(&path, &same).unwrap();
    match open(&r, &OpenOptions::default()).unwrap_err() {
        ImageError::TagRequired { available } => assert_eq!(available, vec!["a:1", "a:2"]),
        other => panic!("{other}"),
    }
}
