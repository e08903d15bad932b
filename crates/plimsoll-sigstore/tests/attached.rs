//! Signatures and attestations attached to registry images in both Cosign layouts, against
//! Debian's `docker-registry` on loopback (no referrers API: the `sha256-<hex>` tag-schema index)
//! and the in-process registry with and without the OCI 1.1 referrers API.
//!
//! Keyless cases use the real Sigstore conformance bundles from `../shared/sigstore`: each
//! signs a blob (or names it as in-toto subject), so the in-process registry serves that blob's
//! bytes as the image manifest (it stores manifests unvalidated). The image's manifest digest
//! is then the digest the bundle signs, and the binding check is the real one.
#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plimsoll_image::registry::memory::MemoryRegistry;
use plimsoll_image::registry::testing::LocalRegistry;
use plimsoll_image::registry::{Client, RegistryRef};
use plimsoll_image::testing::{ImageBuilder, LayerBuilder};
use plimsoll_model::Digest;
use plimsoll_sign::{cosign, SignError, SigningKey};
use plimsoll_sigstore::attached::{
    self, Check, Found, Layout, Signer, Want, BUNDLE_V03_MEDIA_TYPE, COSIGN_SIGN_PREDICATE, PREDICATE_TYPE_ANNOTATION,
};
use plimsoll_sigstore::{IdentityPolicy, Matcher, TrustedRoot};

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const BEACON: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

fn cases() -> Option<PathBuf> {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/sigstore/conformance/test/assets/bundle-verify");
    p.is_dir().then_some(p)
}

fn key_check(key: &SigningKey) -> Check {
    Check { signer: Signer::Key(key.verifying_key()), root: TrustedRoot::production().unwrap() }
}

fn identity_check(identity: &str, root: TrustedRoot) -> Check {
    Check {
        signer: Signer::Identity(IdentityPolicy {
            identity: Matcher::Exact(identity.into()),
            issuer: Matcher::Exact(GITHUB_ISSUER.into()),
            github: Default::default(),
        }),
        root,
    }
}

fn layouts(found: &[Found]) -> Vec<Layout> {
    let mut v: Vec<Layout> = found.iter().map(|f| f.layout).collect();
    v.sort_by_key(|l| format!("{l:?}"));
    v
}

/// A registry under test: where images go and how to reach it.
enum Reg {
    Memory(MemoryRegistry),
    Distribution(LocalRegistry, tempfile::TempDir),
}

impl Reg {
    fn client(&self) -> Client {
        match self {
            Reg::Memory(m) => Client::connect(&m.host(), &m.options()).unwrap(),
            Reg::Distribution(l, _) => Client::connect(&l.host, &l.options()).unwrap(),
        }
    }

    fn reference(&self, s: &str) -> RegistryRef {
        match self {
            Reg::Memory(m) => m.reference(s),
            Reg::Distribution(l, _) => l.reference(s),
        }
    }

    /// Pushes a one-layer image holding `marker`; returns its manifest digest.
    fn push(&self, marker: &str, repo_tag: &str) -> Digest {
        let image = ImageBuilder::new().layer(LayerBuilder::new().file("etc/marker", marker, 0o644));
        match self {
            Reg::Distribution(l, dir) => {
                l.push_image(&image, &dir.path().join(marker), repo_tag).unwrap().manifest_digest
            }
            Reg::Memory(m) => {
                // The client pushes blobs and the manifest as any tool would.
                let dir = tempfile::tempdir().unwrap();
                let built = image.write_oci_dir(dir.path(), Some("t")).unwrap();
                let client = self.client();
                let (repo, tag) = repo_tag.split_once(':').unwrap();
                let blobs = dir.path().join("blobs/sha256");
                for e in std::fs::read_dir(&blobs).unwrap() {
                    let bytes = std::fs::read(e.unwrap().path()).unwrap();
                    client.put_blob(repo, &bytes).unwrap();
                }
                let manifest = std::fs::read(blobs.join(built.manifest_digest.hex())).unwrap();
                m.put_raw_manifest(repo, tag, OCI_MANIFEST, &manifest);
                built.manifest_digest
            }
        }
    }
}

fn registries() -> Vec<(&'static str, Reg, Layout)> {
    let mut v = Vec::new();
    match LocalRegistry::start() {
        Ok(r) => v.push(("docker-registry", Reg::Distribution(r, tempfile::tempdir().unwrap()), Layout::ReferrersTag)),
        Err(e) => plimsoll_test_support::require(&format!("no loopback docker-registry: {e}")),
    }
    for (api, layout) in [(true, Layout::Referrers), (false, Layout::ReferrersTag)] {
        match MemoryRegistry::start(api) {
            Ok(m) => v.push((if api { "memory+referrers" } else { "memory" }, Reg::Memory(m), layout)),
            Err(e) => plimsoll_test_support::require(&format!("no in-process registry: {e}")),
        }
    }
    v
}

/// Attaches a bundle (JSON) to `subject` as Cosign v3 does; returns the referrer's digest.
fn attach_bundle(
    client: &Client,
    repo: &str,
    subject: &Digest,
    subject_size: usize,
    bundle: &[u8],
    pt: &str,
) -> Digest {
    let layer = client.put_blob(repo, bundle).unwrap();
    let config = client.put_blob(repo, b"{}").unwrap();
    let annotations = BTreeMap::from([(PREDICATE_TYPE_ANNOTATION.to_owned(), pt.to_owned())]);
    let manifest = serde_json::json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": BUNDLE_V03_MEDIA_TYPE,
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": config, "size": 2},
        "layers": [{"mediaType": BUNDLE_V03_MEDIA_TYPE, "digest": layer, "size": bundle.len()}],
        "subject": {"mediaType": OCI_MANIFEST, "digest": subject, "size": subject_size},
        "annotations": annotations,
    });
    let bytes = serde_json::to_vec(&manifest).unwrap();
    client.put_referrer(repo, subject, OCI_MANIFEST, BUNDLE_V03_MEDIA_TYPE, annotations, &bytes).unwrap().0.digest
}

#[test]
fn key_signed_images_in_each_layout() {
    for (name, reg, layout) in registries() {
        eprintln!("registry: {name}");
        let client = reg.client();
        let a = reg.push("a", "app:v1");
        let b = reg.push("b", "app:other");
        let image = reg.reference("app:v1");
        let key = SigningKey::generate();
        let check = key_check(&key);

        let e = attached::verify_attached(&client, &image, &check, &Want::Signatures).unwrap_err();
        assert!(matches!(e, SignError::NotAttached { .. }), "{name}: {e}");

        // Both layouts on one image: each verifies and says where it came from.
        cosign::sign(&client, &image, &key).unwrap();
        let signed = attached::sign_bundle(&client, &image, &key).unwrap();
        assert_eq!(signed.layout, layout, "{name}");
        assert_eq!(signed.image.digest.as_ref(), Some(&a));
        let (digest, found) = attached::verify_attached(&client, &image, &check, &Want::Signatures).unwrap();
        assert_eq!(digest, a);
        assert_eq!(layouts(&found), {
            let mut l = vec![Layout::LegacyTag, layout];
            l.sort_by_key(|l| format!("{l:?}"));
            l
        });
        let v3 = found.iter().find(|f| f.layout == layout).unwrap();
        assert_eq!(v3.predicate_type.as_deref(), Some(COSIGN_SIGN_PREDICATE));
        assert_eq!(v3.payload["subject"][0]["digest"]["sha256"], a.hex());

        // Attestations: the v3 one is found as an attestation, not as a signature.
        let att =
            attached::attest_bundle(&client, &image, &key, "cyclonedx", serde_json::json!({"bomFormat": "CycloneDX"}))
                .unwrap();
        assert_eq!(att.predicate_type, "https://cyclonedx.org/bom");
        let want = Want::Attestations { predicate_type: Some("cyclonedx".into()) };
        let (_, atts) = attached::verify_attached(&client, &image, &check, &want).unwrap();
        assert_eq!((atts.len(), atts[0].layout), (1, layout), "{name}");
        assert_eq!(atts[0].payload["predicate"]["bomFormat"], "CycloneDX");
        let (_, sigs) = attached::verify_attached(&client, &image, &check, &Want::Signatures).unwrap();
        assert_eq!(sigs.len(), 2, "{name}: the attestation is not a signature");
        let other_type = Want::Attestations { predicate_type: Some("spdx".into()) };
        let e = attached::verify_attached(&client, &image, &check, &other_type).unwrap_err().to_string();
        assert!(e.contains("is not the one asked for"), "{name}: {e}");

        // Another key: every candidate fails, each with its reason.
        let e = attached::verify_attached(&client, &image, &key_check(&SigningKey::generate()), &Want::Signatures)
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not verify with the given public key"), "{name}: {e}");
        assert!(e.contains("no signature verifies with the given public key"), "{name}: {e}");

        // A bundle moved to another image: re-attach A's bundle with B as the subject.
        let refs = client.referrers("app", &a, Some(BUNDLE_V03_MEDIA_TYPE)).unwrap();
        let sig_ref = refs
            .descriptors
            .iter()
            .find(|d| d.annotations.get(PREDICATE_TYPE_ANNOTATION).map(String::as_str) == Some(COSIGN_SIGN_PREDICATE))
            .unwrap();
        let m = client.get_manifest("app", &sig_ref.digest.to_string(), 1 << 20).unwrap().unwrap();
        let m: serde_json::Value = serde_json::from_slice(&m.bytes).unwrap();
        let layer: Digest = m["layers"][0]["digest"].as_str().unwrap().parse().unwrap();
        let bundle = client.get_blob_bytes("app", &layer, 1 << 20).unwrap();
        attach_bundle(&client, "app", &b, 100, &bundle, COSIGN_SIGN_PREDICATE);
        let e = attached::verify_attached(&client, &reg.reference("app:other"), &check, &Want::Signatures)
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("subject is not image {b}")), "{name}: {e}");

        // An SBOM attached as ORAS does (artifactType SPDX, no bundle): listed, not verified.
        let sbom = br#"{"spdxVersion":"SPDX-2.3"}"#;
        let layer = client.put_blob("app", sbom).unwrap();
        let config = client.put_blob("app", b"{}").unwrap();
        let m = serde_json::json!({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "application/spdx+json",
            "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": config, "size": 2},
            "layers": [{"mediaType": "application/spdx+json", "digest": layer, "size": sbom.len()}],
            "subject": {"mediaType": OCI_MANIFEST, "digest": a, "size": 100},
        });
        let bytes = serde_json::to_vec(&m).unwrap();
        client.put_referrer("app", &a, OCI_MANIFEST, "application/spdx+json", BTreeMap::new(), &bytes).unwrap();
        attached::verify_attached(&client, &image, &check, &Want::Signatures).unwrap();

        // The tree lists both layouts.
        let tree = attached::tree(&client, &image).unwrap();
        let kinds: Vec<(String, Layout)> = tree.entries.iter().map(|e| (e.kind.clone(), e.layout)).collect();
        assert!(kinds.contains(&("signature".into(), Layout::LegacyTag)), "{name}: {kinds:?}");
        assert!(kinds.contains(&("signature".into(), layout)), "{name}: {kinds:?}");
        assert!(kinds.contains(&("attestation".into(), layout)), "{name}: {kinds:?}");
        assert!(kinds.contains(&("sbom".into(), layout)), "{name}: {kinds:?}");
        assert_eq!(kinds.len(), 4, "{name}: {kinds:?}");
    }
}

/// An image whose manifest bytes are `artifact`, with `bundle` attached as a v3 referrer, in a
/// repository of its own (several cases sign the same bytes).
fn keyless_image(reg: &MemoryRegistry, name: &str, artifact: &[u8], bundle: &[u8]) -> RegistryRef {
    let client = Client::connect(&reg.host(), &reg.options()).unwrap();
    let d = reg.put_raw_manifest(name, "v1", OCI_MANIFEST, artifact);
    attach_bundle(&client, name, &d, artifact.len(), bundle, COSIGN_SIGN_PREDICATE);
    reg.reference(&format!("{name}:v1"))
}

#[test]
fn keyless_bundles_bound_to_images() {
    let Some(dir) = cases() else {
        plimsoll_test_support::require("../shared/sigstore is absent");
        return;
    };
    let a_txt = std::fs::read(dir.join("a.txt")).unwrap();
    let read = |case: &str, f: &str| std::fs::read(dir.join(case).join(f)).unwrap();
    let root_of = |case: &str| TrustedRoot::from_json(&read(case, "trusted_root.json")).unwrap();
    for api in [true, false] {
        let reg = match MemoryRegistry::start(api) {
            Ok(r) => r,
            Err(e) => {
                plimsoll_test_support::require(&format!("no in-process registry: {e}"));
                return;
            }
        };
        let layout = if api { Layout::Referrers } else { Layout::ReferrersTag };
        let client = Client::connect(&reg.host(), &reg.options()).unwrap();
        let prod = || TrustedRoot::production().unwrap();
        let verify =
            |image: &RegistryRef, check: &Check, want: &Want| attached::verify_attached(&client, image, check, want);

        // A message-signature bundle over the manifest bytes: verifies, with the identity.
        let good = keyless_image(&reg, "v03", &a_txt, &read("happy-path-v0.3", "bundle.sigstore.json"));
        let (_, found) = verify(&good, &identity_check(BEACON, prod()), &Want::Signatures).unwrap();
        assert_eq!((found.len(), found[0].layout), (1, layout));
        assert_eq!(found[0].identity.as_deref(), Some(BEACON));
        assert_eq!(found[0].issuer.as_deref(), Some(GITHUB_ISSUER));
        // By regular expression too.
        let re = Check {
            signer: Signer::Identity(IdentityPolicy {
                identity: Matcher::regex("https://github.com/sigstore-conformance/.*").unwrap(),
                issuer: Matcher::regex("https://token\\.actions\\.githubusercontent\\.com").unwrap(),
                github: Default::default(),
            }),
            root: prod(),
        };
        verify(&good, &re, &Want::Signatures).unwrap();

        // A DSSE (in-toto) bundle whose subject is a.txt: an attestation of that image.
        let dsse = keyless_image(&reg, "dsse", &a_txt, &read("happy-path-intoto-in-dsse-v3", "bundle.sigstore.json"));
        let want = Want::Attestations { predicate_type: Some("https://slsa.dev/provenance/v1".into()) };
        let (_, found) = verify(&dsse, &identity_check(BEACON, prod()), &want).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found.len(), 1);

        // Each rejection with its own reason.
        let mut reasons = Vec::new();
        let mut rejected = |what: &str, image: &RegistryRef, check: &Check, want: &Want, expect: &str| {
            let e = verify(image, check, want).unwrap_err().to_string();
            assert!(e.contains(expect), "{what}: expected `{expect}` in: {e}");
            reasons.push(e);
        };
        // Moved: the same bundle attached to an image with other bytes.
        let moved =
            keyless_image(&reg, "moved", b"{\"schemaVersion\":2}", &read("happy-path-v0.3", "bundle.sigstore.json"));
        rejected("moved", &moved, &identity_check(BEACON, prod()), &Want::Signatures, "not the artifact's digest");
        // Another identity asked for.
        let other = "https://github.com/someone/else/.github/workflows/release.yml@refs/heads/main";
        rejected("identity", &good, &identity_check(other, prod()), &Want::Signatures, "does not match");
        // Expired: the log's integration time is outside the certificate's validity (no TSA).
        let case = "intoto-set-outside-signing-cert-validity_fail";
        let img = keyless_image(&reg, "expired", &read(case, "artifact"), &read(case, "bundle.sigstore.json"));
        rejected(
            "expired",
            &img,
            &identity_check(BEACON, root_of(case)),
            &Want::Attestations { predicate_type: None },
            "signing certificate",
        );
        // Tampered log entry: it does not match the signed artifact.
        let case = "intoto-log-entry-mismatch_fail";
        let img = keyless_image(&reg, "tampered", &read(case, "artifact"), &read(case, "bundle.sigstore.json"));
        rejected(
            "tampered",
            &img,
            &identity_check(BEACON, root_of(case)),
            &Want::Attestations { predicate_type: None },
            "transparency log entry does not match",
        );
        // A corrupted inclusion proof.
        let mut b: serde_json::Value =
            serde_json::from_slice(&read("happy-path-v0.3", "bundle.sigstore.json")).unwrap();
        let h = b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["hashes"][0].as_str().unwrap().to_owned();
        let mut raw = base64_decode(&h);
        raw[0] ^= 1;
        b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["hashes"][0] = base64_encode(&raw).into();
        let img = keyless_image(&reg, "proof", &a_txt, b.to_string().as_bytes());
        rejected("proof", &img, &identity_check(BEACON, prod()), &Want::Signatures, "transparency log");
        for (i, r) in reasons.iter().enumerate() {
            eprintln!("reason {i}: {r}");
        }
        let distinct: std::collections::BTreeSet<&String> = reasons.iter().collect();
        assert_eq!(distinct.len(), reasons.len(), "each rejection has its own reason");
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}
