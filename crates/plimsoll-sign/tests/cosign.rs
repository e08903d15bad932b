//! Signing and verification against a real registry (docker-registry on loopback, TLS +
//! htpasswd), tamper cases, and interoperability with independent implementations of Cosign's
//! formats (openssl for signatures, Python `cryptography` + `pynacl` for the key file).
#![allow(clippy::print_stderr)]

use std::path::Path;
use std::process::Command;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use plimsoll_image::registry::testing::LocalRegistry;
use plimsoll_image::registry::Client;
use plimsoll_image::testing::{ImageBuilder, LayerBuilder};
use plimsoll_model::Digest;
use plimsoll_sign::cosign::{self, SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE};
use plimsoll_sign::{SignError, SigningKey, VerifyingKey};

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

/// Pushes a small image with content `marker` to `repo:tag`; returns its manifest digest.
fn push_image(reg: &LocalRegistry, dir: &Path, marker: &str, repo_tag: &str) -> Digest {
    let image = ImageBuilder::new().layer(LayerBuilder::new().file("etc/marker", marker, 0o644));
    reg.push_image(&image, &dir.join(marker), repo_tag).unwrap().manifest_digest
}

fn reasons(e: &SignError) -> String {
    e.to_string()
}

#[test]
fn sign_verify_and_tampering() {
    let reg = registry_or_skip!();
    let tmp = tempfile::tempdir().unwrap();
    let client = Client::connect(&reg.host, &reg.options()).unwrap();
    let a = push_image(&reg, tmp.path(), "a", "app:v1");
    let b = push_image(&reg, tmp.path(), "b", "app:other");
    let image = reg.reference("app:v1");
    let key = SigningKey::generate();

    let e = cosign::verify(&client, &image, &key.verifying_key()).unwrap_err();
    assert!(matches!(e, SignError::NotFound { .. }), "{e}");

    let signed = cosign::sign(&client, &image, &key).unwrap();
    assert_eq!(signed.image.digest.as_ref(), Some(&a));
    let (digest, ok) = cosign::verify(&client, &image, &key.verifying_key()).unwrap();
    assert_eq!((digest, ok.len()), (a.clone(), 1));
    assert_eq!(ok[0].docker_reference, format!("{}/app", reg.host));
    // Verifying by digest works the same; signing twice with another key keeps both.
    cosign::verify(&client, &image.with_digest(a.clone()), &key.verifying_key()).unwrap();
    let key2 = SigningKey::generate();
    cosign::sign(&client, &image, &key2).unwrap();
    assert_eq!(cosign::verify(&client, &image, &key.verifying_key()).unwrap().1.len(), 1);
    cosign::verify(&client, &image, &key2.verifying_key()).unwrap();

    // Wrong key.
    let e = cosign::verify(&client, &image, &SigningKey::generate().verifying_key()).unwrap_err();
    assert!(matches!(e, SignError::Invalid { .. }) && reasons(&e).contains("does not verify"), "{e}");

    // A signature copied to another image's .sig tag names the wrong digest.
    let sig_manifest = client.get_manifest("app", &cosign::signature_tag(&a), 1 << 20).unwrap().unwrap();
    client.put_manifest("app", &cosign::signature_tag(&b), &sig_manifest.media_type, &sig_manifest.bytes).unwrap();
    let e = cosign::verify(&client, &reg.reference("app:other"), &key.verifying_key()).unwrap_err();
    assert!(reasons(&e).contains("copied from another image"), "{e}");

    // The tag moves to another (unsigned) image: the old signature does not follow it.
    let c = push_image(&reg, tmp.path(), "c", "app:v1");
    assert_ne!(c, a);
    let e = cosign::verify(&client, &image, &key.verifying_key()).unwrap_err();
    assert!(matches!(e, SignError::NotFound { .. }) && reasons(&e).contains(&c.to_string()), "{e}");

    // An altered payload (a new blob in the registry, the old signature annotation kept).
    let mut m: serde_json::Value = serde_json::from_slice(&sig_manifest.bytes).unwrap();
    let payload = String::from_utf8(cosign::simple_signing_payload(&format!("{}/evil", reg.host), &a)).unwrap();
    let d = client.put_blob("app", payload.as_bytes()).unwrap();
    m["layers"][0]["digest"] = serde_json::json!(d.to_string());
    m["layers"][0]["size"] = serde_json::json!(payload.len());
    m["layers"].as_array_mut().unwrap().truncate(1);
    client.put_manifest("app", &cosign::signature_tag(&a), &sig_manifest.media_type, m.to_string().as_bytes()).unwrap();
    let e = cosign::verify(&client, &image.with_digest(a), &key.verifying_key()).unwrap_err();
    assert!(reasons(&e).contains("payload was altered"), "{e}");
}

#[test]
fn attest_and_verify_attestation() {
    let reg = registry_or_skip!();
    let tmp = tempfile::tempdir().unwrap();
    let client = Client::connect(&reg.host, &reg.options()).unwrap();
    let a = push_image(&reg, tmp.path(), "a", "app:v1");
    let image = reg.reference("app:v1");
    let key = SigningKey::generate();
    let predicate = serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []});
    let att = cosign::attest(&client, &image, &key, "cyclonedx", predicate.clone()).unwrap();
    assert_eq!(att.predicate_type, "https://cyclonedx.org/bom");
    let (digest, ok) = cosign::verify_attestations(&client, &image, &key.verifying_key(), Some("cyclonedx")).unwrap();
    assert_eq!(digest, a);
    assert_eq!(ok[0].statement["predicate"], predicate);
    assert_eq!(ok[0].statement["subject"][0]["digest"]["sha256"], a.hex());
    let e = cosign::verify_attestations(&client, &image, &key.verifying_key(), Some("spdx")).unwrap_err();
    assert!(reasons(&e).contains("not the one asked for"), "{e}");
    let e = cosign::verify_attestations(&client, &image, &SigningKey::generate().verifying_key(), None).unwrap_err();
    assert!(reasons(&e).contains("no signature verifies"), "{e}");
    // The layer carries Cosign's annotations.
    let m = client.get_manifest("app", &format!("sha256-{}.att", a.hex()), 1 << 20).unwrap().unwrap();
    let m: serde_json::Value = serde_json::from_slice(&m.bytes).unwrap();
    assert_eq!(m["layers"][0]["mediaType"], "application/vnd.dsse.envelope.v1+json");
    assert_eq!(m["layers"][0]["annotations"]["predicateType"], "https://cyclonedx.org/bom");
}

fn openssl(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new("openssl").args(args).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// plimsoll's signature checks out with openssl, and an openssl signature stored in a manifest
/// built here by hand verifies with plimsoll.
#[test]
fn signatures_interoperate_with_openssl() {
    let reg = registry_or_skip!();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let client = Client::connect(&reg.host, &reg.options()).unwrap();
    let a = push_image(&reg, dir, "a", "app:v1");
    let image = reg.reference("app:v1");

    // plimsoll signs; openssl verifies the stored payload and annotation.
    let key = SigningKey::generate();
    std::fs::write(dir.join("plimsoll.pub"), key.verifying_key().to_pem().unwrap()).unwrap();
    cosign::sign(&client, &image, &key).unwrap();
    let m = client.get_manifest("app", &format!("sha256-{}.sig", a.hex()), 1 << 20).unwrap().unwrap();
    let m: serde_json::Value = serde_json::from_slice(&m.bytes).unwrap();
    let layer = &m["layers"][0];
    assert_eq!(layer["mediaType"], SIMPLE_SIGNING_MEDIA_TYPE);
    let payload_digest: Digest = layer["digest"].as_str().unwrap().parse().unwrap();
    let payload = client.get_blob_bytes("app", &payload_digest, 1 << 20).unwrap();
    let sig = B64.decode(layer["annotations"][SIGNATURE_ANNOTATION].as_str().unwrap()).unwrap();
    std::fs::write(dir.join("payload"), &payload).unwrap();
    std::fs::write(dir.join("sig.der"), &sig).unwrap();
    let out = openssl(dir, &["dgst", "-sha256", "-verify", "plimsoll.pub", "-signature", "sig.der", "payload"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "Verified OK");
    let p: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(p["critical"]["image"]["docker-manifest-digest"], a.to_string());
    assert_eq!(p["critical"]["type"], "cosign container image signature");

    // openssl signs a hand-written payload; the manifest is built here, not by plimsoll.
    openssl(dir, &["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ossl.key"]);
    openssl(dir, &["ec", "-in", "ossl.key", "-pubout", "-out", "ossl.pub"]);
    let b = push_image(&reg, dir, "b", "app:v2");
    let payload = format!(
        r#"{{"critical":{{"identity":{{"docker-reference":"{}/app"}},"image":{{"docker-manifest-digest":"{b}"}},"type":"cosign container image signature"}},"optional":null}}"#,
        reg.host
    );
    std::fs::write(dir.join("payload2"), &payload).unwrap();
    openssl(dir, &["dgst", "-sha256", "-sign", "ossl.key", "-out", "sig2.der", "payload2"]);
    let sig = std::fs::read(dir.join("sig2.der")).unwrap();
    let payload_digest = client.put_blob("app", payload.as_bytes()).unwrap();
    let config = br#"{"architecture":"","created":"0001-01-01T00:00:00Z","os":"","rootfs":{"type":"layers","diff_ids":[]},"config":{}}"#;
    let config_digest = client.put_blob("app", config).unwrap();
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": config.len(), "digest": config_digest.to_string()},
        "layers": [{
            "mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
            "size": payload.len(),
            "digest": payload_digest.to_string(),
            "annotations": {"dev.cosignproject.cosign/signature": B64.encode(&sig)}
        }]
    });
    let tag = format!("sha256-{}.sig", b.hex());
    client
        .put_manifest("app", &tag, "application/vnd.oci.image.manifest.v1+json", manifest.to_string().as_bytes())
        .unwrap();
    let ossl_pub = VerifyingKey::load(&dir.join("ossl.pub")).unwrap();
    let (d, ok) = cosign::verify(&client, &reg.reference("app:v2"), &ossl_pub).unwrap();
    assert_eq!((d, ok.len()), (b, 1));
    // And not with plimsoll's key.
    assert!(cosign::verify(&client, &reg.reference("app:v2"), &key.verifying_key()).is_err());
}

fn python_with_nacl() -> bool {
    Command::new("python3").args(["-c", "import nacl.secret, cryptography"]).output().is_ok_and(|o| o.status.success())
}

/// A Cosign-format key written by an independent Python implementation opens in plimsoll, and
/// plimsoll's key opens in Python.
#[test]
fn key_files_interoperate_with_python() {
    if !python_with_nacl() {
        plimsoll_test_support::require("python3 with pynacl and cryptography is not available");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cosign_key.py");
    let py = |args: &[&str]| {
        let out = Command::new("python3").arg(&script).args(args).current_dir(dir).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    py(&["make", "pass phrase", "py.key", "py.pub"]);
    let key = SigningKey::load(&dir.join("py.key"), b"pass phrase").unwrap();
    assert_eq!(key.verifying_key(), VerifyingKey::load(&dir.join("py.pub")).unwrap());
    assert!(matches!(SigningKey::load(&dir.join("py.key"), b"wrong"), Err(SignError::WrongPassphrase { .. })));

    let (k, p) = plimsoll_sign::generate_key_files(&dir.join("pl"), b"another").unwrap();
    py(&["open", "another", k.to_str().unwrap(), "from-py.pub"]);
    assert_eq!(VerifyingKey::load(&dir.join("from-py.pub")).unwrap(), VerifyingKey::load(&p).unwrap());
}
