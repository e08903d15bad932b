//! Pulling from a real registry (Debian's docker-registry on loopback, TLS + htpasswd), with
//! images pushed by skopeo. Skips with a reason when the tools are absent.
#![allow(clippy::print_stderr)]

mod common;
use common::{push, read_layer, sample};

use std::path::Path;
use std::process::Command;

use plimsoll_image::registry::testing::LocalRegistry;
use plimsoll_image::registry::{Client, Credentials, RegistryOptions};
use plimsoll_image::testing::{IndexOptions, Layout};
use plimsoll_image::{open, ImageError, ImageRef, OpenOptions, Platform};

macro_rules! registry_or_skip {
    () => {
        match LocalRegistry::start() {
            Ok(r) => r,
            Err(reason) => {
                plimsoll_test_support::require(&format!("no loopback registry: {reason}"));
                return;
            }
        }
    };
}

fn opts(reg: &LocalRegistry) -> OpenOptions {
    OpenOptions { registry: reg.options(), ..OpenOptions::default() }
}

#[test]
fn pull_verifies_and_streams_layers() {
    let reg = registry_or_skip!();
    let tmp = tempfile::tempdir().unwrap();
    let built = push(&reg, &sample("one"), &tmp.path().join("l"), "team/app:v1");
    let r = ImageRef::parse(&format!("{}/team/app:v1", reg.host)).unwrap();
    assert!(matches!(r, ImageRef::Registry(_)), "{r:?}");
    let image = open(&r, &opts(&reg)).unwrap();
    assert_eq!(image.manifest_digest, built.manifest_digest);
    assert_eq!(image.config_digest, built.config_digest);
    assert_eq!(image.layers.len(), 2);
    assert_eq!(image.repo_tags, vec![format!("{}/team/app:v1", reg.host)]);
    assert_eq!(image.config.config.cmd, vec!["/bin/sh".to_owned()]);
    for (i, l) in built.layers.iter().enumerate() {
        assert_eq!(image.layers[i].diff_id, l.diff_id);
        assert_eq!(read_layer(&image, i).unwrap(), l.tar, "layer {i}");
    }
    // The same by digest, with the `registry:` prefix.
    let pinned = ImageRef::parse(&format!("registry:{}/team/app@{}", reg.host, built.manifest_digest)).unwrap();
    assert_eq!(open(&pinned, &opts(&reg)).unwrap().config_digest, built.config_digest);
    // A digest the registry does not have.
    let other = plimsoll_image::testing::sha256(b"nothing");
    let missing = ImageRef::parse(&format!("{}/team/app@{other}", reg.host)).unwrap();
    let e = open(&missing, &opts(&reg)).unwrap_err();
    assert!(matches!(e, ImageError::NotFound { .. }), "{e}");
    let e = open(&ImageRef::parse(&format!("{}/team/app:nope", reg.host)).unwrap(), &opts(&reg)).unwrap_err();
    assert!(e.to_string().contains("not found"), "{e}");

    // Listing.
    let client = Client::connect(&reg.host, &reg.options()).unwrap();
    assert_eq!(client.tags("team/app").unwrap(), vec!["v1".to_owned()]);
    assert_eq!(client.catalog().unwrap(), vec!["team/app".to_owned()]);
}

#[test]
fn multi_platform_index_selects_the_platform() {
    let reg = registry_or_skip!();
    let tmp = tempfile::tempdir().unwrap();
    let amd = sample("amd64");
    let arm = sample("arm64").platform(Platform::new("linux", "arm64", Some("v8")));
    let dir = tmp.path().join("l");
    let built = Layout::new()
        .index(Some("multi"), vec![amd, arm], IndexOptions { nesting: 1, ..Default::default() })
        .write_dir(&dir)
        .unwrap();
    let out = Command::new("skopeo")
        .args(["--insecure-policy", "copy", "--quiet", "--all", "--preserve-digests", "--dest-tls-verify=false"])
        .arg(format!(
            "--dest-creds={}:{}",
            plimsoll_image::registry::testing::USER,
            plimsoll_image::registry::testing::PASSWORD
        ))
        .arg(format!("oci:{}:multi", dir.display()))
        .arg(format!("docker://{}/multi:latest", reg.host))
        .env("HOME", tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r = ImageRef::parse(&format!("{}/multi", reg.host)).unwrap();
    let arm_opts = OpenOptions { platform: "linux/arm64".parse().unwrap(), ..opts(&reg) };
    let image = open(&r, &arm_opts).unwrap();
    assert_eq!(image.manifest_digest, built[1].manifest_digest);
    assert_eq!(image.platform(), "linux/arm64/v8");
    let image = open(&r, &opts(&reg)).unwrap();
    assert_eq!(image.manifest_digest, built[0].manifest_digest);
    let e = open(&r, &OpenOptions { platform: "linux/s390x".parse().unwrap(), ..opts(&reg) }).unwrap_err();
    assert!(matches!(e, ImageError::PlatformNotFound { .. }), "{e}");
}

#[test]
fn auth_and_tls_failures_are_explained() {
    let reg = registry_or_skip!();
    let wrong = RegistryOptions {
        credentials: Some(Credentials { username: "plimsoll".into(), password: "not-the-password".into() }),
        ..reg.options()
    };
    let e = Client::connect(&reg.host, &wrong).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, ImageError::RegistryAuth { .. }), "{msg}");
    assert!(msg.contains("user `plimsoll`") && !msg.contains("not-the-password"), "{msg}");
    let anonymous = RegistryOptions { credentials: None, ..reg.options() };
    let msg = Client::connect(&reg.host, &anonymous).unwrap_err().to_string();
    assert!(msg.contains("requires credentials"), "{msg}");
    // The test CA is not a system root: without --ca-file the certificate is refused...
    let untrusted = RegistryOptions { ca_files: vec![], ..reg.options() };
    let msg = Client::connect(&reg.host, &untrusted).unwrap_err().to_string();
    assert!(msg.contains("--ca-file"), "{msg}");
    // ...and --insecure accepts it.
    let insecure = RegistryOptions { ca_files: vec![], insecure: true, ..reg.options() };
    Client::connect(&reg.host, &insecure).unwrap();
}

#[test]
fn tampered_blobs_served_by_the_registry_are_caught() {
    let reg = registry_or_skip!();
    let tmp = tempfile::tempdir().unwrap();
    let built = push(&reg, &sample("t"), &tmp.path().join("l"), "app:v1");
    let flip = |d: &plimsoll_model::Digest| {
        let path = reg.blob_file(d);
        let mut bytes = std::fs::read(&path).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x20;
        std::fs::write(&path, bytes).unwrap();
    };
    let r = ImageRef::parse(&format!("{}/app:v1", reg.host)).unwrap();

    // A cache filled before the tampering keeps serving the verified bytes.
    let cache = tmp.path().join("cache");
    let cached =
        OpenOptions { registry: RegistryOptions { blob_cache: Some(cache.clone()), ..reg.options() }, ..opts(&reg) };
    let image = open(&r, &cached).unwrap();
    assert_eq!(read_layer(&image, 1).unwrap(), built.layers[1].tar);
    assert!(cache.join("blobs/sha256").join(built.layers[1].digest.hex()).is_file());

    flip(&built.layers[1].digest);
    let image = open(&r, &opts(&reg)).unwrap();
    assert_eq!(read_layer(&image, 0).unwrap(), built.layers[0].tar);
    let e = read_layer(&image, 1).unwrap_err();
    assert!(matches!(e, ImageError::DigestMismatch { .. }), "{e}");
    assert!(e.to_string().contains("tampered"), "{e}");
    let image = open(&r, &cached).unwrap();
    assert_eq!(read_layer(&image, 1).unwrap(), built.layers[1].tar, "served from the cache");

    flip(&built.config_digest);
    let e = open(&r, &opts(&reg)).unwrap_err();
    assert!(matches!(e, ImageError::DigestMismatch { .. }), "{e}");
}

#[test]
fn swapped_manifest_is_caught_when_pinned() {
    let reg = registry_or_skip!();
    let tmp = tempfile::tempdir().unwrap();
    let a = push(&reg, &sample("a"), &tmp.path().join("a"), "app:a");
    let b = push(&reg, &sample("b"), &tmp.path().join("b"), "app:b");
    // Overwrite the stored manifest of `a` with `b`'s bytes: fetching `a` by digest must fail.
    let path = reg.blob_file(&a.manifest_digest);
    std::fs::write(&path, &b.blobs[&b.manifest_digest]).unwrap();
    let r = ImageRef::parse(&format!("{}/app@{}", reg.host, a.manifest_digest)).unwrap();
    let e = open(&r, &opts(&reg)).unwrap_err();
    eprintln!("swapped: {e}");
    assert!(matches!(e, ImageError::DigestMismatch { .. }), "{e}");
}

/// `skopeo inspect`'s digest for `docker://HOST/REPO_TAG`: the digest of the manifest (or index)
/// the tag points to, as skopeo computes it.
fn skopeo_digest(reg: &LocalRegistry, repo_tag: &str, home: &Path) -> String {
    let out = Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}"])
        .arg(format!(
            "--creds={}:{}",
            plimsoll_image::registry::testing::USER,
            plimsoll_image::registry::testing::PASSWORD
        ))
        .arg(format!("docker://{}/{repo_tag}", reg.host))
        .env("HOME", home)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn head_gives_the_digest_a_get_and_skopeo_give() {
    let reg = registry_or_skip!();
    let tmp = tempfile::tempdir().unwrap();
    let built = push(&reg, &sample("head"), &tmp.path().join("l"), "team/app:v1");
    let client = Client::connect(&reg.host, &reg.options()).unwrap();
    let (digest, media_type, size) = client.head_manifest("team/app", "v1").unwrap().unwrap();
    assert_eq!(digest, built.manifest_digest);
    assert_eq!((media_type.as_str(), size), (built.manifest_media_type.as_str(), built.manifest_size));
    // What `plimsoll resolve` prints (the hash of the GET body) and what skopeo reports.
    let fetched = client.get_manifest("team/app", "v1", 1 << 20).unwrap().unwrap();
    assert_eq!(fetched.digest, digest);
    assert_eq!(fetched.bytes.len() as u64, size);
    assert_eq!(skopeo_digest(&reg, "team/app:v1", tmp.path()), digest.to_string());
    // By digest: the same answer; unknown tags, digests and repositories: `None`.
    let again = client.head_manifest("team/app", &digest.to_string()).unwrap().unwrap();
    assert_eq!(again, (digest, media_type, size));
    assert_eq!(client.head_manifest("team/app", "nope").unwrap(), None);
    let other = plimsoll_image::testing::sha256(b"nothing");
    assert_eq!(client.head_manifest("team/app", &other.to_string()).unwrap(), None);
    assert_eq!(client.head_manifest("team/other", "v1").unwrap(), None);
}

#[test]
fn head_of_a_multi_platform_index_gives_the_index_digest() {
    let reg = registry_or_skip!();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("l");
    let arm = sample("arm64").platform(Platform::new("linux", "arm64", Some("v8")));
    let built = Layout::new()
        .index(Some("multi"), vec![sample("amd64"), arm], IndexOptions { nesting: 1, ..Default::default() })
        .write_dir(&dir)
        .unwrap();
    reg.push_oci_all(&dir, "multi", "multi:latest").unwrap();
    // The index as the layout tags it (pushed with its digest preserved).
    let index: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let top = &index["manifests"][0];
    assert_eq!(top["annotations"]["org.opencontainers.image.ref.name"], "multi");

    let client = Client::connect(&reg.host, &reg.options()).unwrap();
    let (digest, media_type, size) = client.head_manifest("multi", "latest").unwrap().unwrap();
    assert_eq!(digest.to_string(), top["digest"].as_str().unwrap());
    assert_eq!(media_type, "application/vnd.oci.image.index.v1+json");
    assert_eq!(size, top["size"].as_u64().unwrap());
    assert_ne!(digest, built[0].manifest_digest);
    assert_eq!(client.get_manifest("multi", "latest", 1 << 20).unwrap().unwrap().digest, digest);
    assert_eq!(skopeo_digest(&reg, "multi:latest", tmp.path()), digest.to_string());
    // The platform manifests under it answer HEAD by digest too.
    for b in &built {
        let (d, mt, n) = client.head_manifest("multi", &b.manifest_digest.to_string()).unwrap().unwrap();
        assert_eq!((d, mt, n), (b.manifest_digest.clone(), b.manifest_media_type.clone(), b.manifest_size));
    }
}
