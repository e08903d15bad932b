//! Cosign's signature and attestation storage, and verification.
//!
//! Signatures of an image with manifest digest `sha256:H` live in the same repository under the
//! tag `sha256-H.sig`: an OCI manifest with one layer per signature, each layer's blob being the
//! simple-signing payload (media type `application/vnd.dev.cosign.simplesigning.v1+json`) and
//! its `dev.cosignproject.cosign/signature` annotation the base64 DER ECDSA signature of that
//! blob. Attestations use `sha256-H.att`, one layer per DSSE envelope
//! (`application/vnd.dsse.envelope.v1+json`, annotation `predicateType`) holding an in-toto
//! statement whose subject is the image digest; the envelope's signature covers DSSE's
//! pre-authentication encoding of the payload.
//!
//! Everything read back from the registry is untrusted: blobs are fetched by digest and checked,
//! and a signature counts only if it verifies under the given key *and* its payload names the
//! digest the image reference resolves to now.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use plimsoll_image::registry::{self, Client, RegistryRef};
use plimsoll_model::Digest;
use serde::{Deserialize, Serialize};

use crate::keys::{SigningKey, VerifyingKey};
use crate::SignError;

pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
pub const DSSE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";
pub const PREDICATE_TYPE_ANNOTATION: &str = "predicateType";
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
const SIGNATURE_TYPE: &str = "cosign container image signature";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// Manifests, payloads and envelopes are small; an attestation may carry a whole SBOM.
const JSON_LIMIT: u64 = 16 << 20;
const ENVELOPE_LIMIT: u64 = 128 << 20;
const MAX_LAYERS: usize = 1000;

/// What a legacy tag held: the items that verified, and why each other one did not; `None`
/// when there is no such tag.
pub type Checked<T> = Option<(Vec<T>, Vec<String>)>;

/// `sha256-<hex>.sig`
pub fn signature_tag(d: &Digest) -> String {
    format!("{}-{}.sig", d.algorithm(), d.hex())
}

/// `sha256-<hex>.att`
pub fn attestation_tag(d: &Digest) -> String {
    format!("{}-{}.att", d.algorithm(), d.hex())
}

/// Cosign's simple-signing payload, byte for byte as Cosign writes it.
pub fn simple_signing_payload(docker_reference: &str, digest: &Digest) -> Vec<u8> {
    // Field order is Cosign's (which is also alphabetical, as serde_json's map writes it).
    let v = serde_json::json!({
        "critical": {
            "identity": { "docker-reference": docker_reference },
            "image": { "docker-manifest-digest": digest.to_string() },
            "type": SIGNATURE_TYPE,
        },
        "optional": null,
    });
    v.to_string().into_bytes()
}

/// DSSE's pre-authentication encoding: `DSSEv1 LEN(type) type LEN(body) body`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!("DSSEv1 {} {} {} ", payload_type.len(), payload_type, payload.len()).into_bytes();
    out.extend_from_slice(payload);
    out
}

/// Cosign's predicate type shorthands; anything else is taken as a URI.
pub fn predicate_type_uri(t: &str) -> String {
    match t {
        "slsaprovenance" | "slsaprovenance02" => "https://slsa.dev/provenance/v0.2",
        "slsaprovenance1" => "https://slsa.dev/provenance/v1",
        "spdx" | "spdxjson" => "https://spdx.dev/Document",
        "cyclonedx" => "https://cyclonedx.org/bom",
        "vuln" => "https://cosign.sigstore.dev/attestation/vuln/v1",
        "custom" => "https://cosign.sigstore.dev/attestation/v1",
        other => other,
    }
    .to_owned()
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
struct Desc {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    size: u64,
    digest: Digest,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize)]
struct ArtifactManifest {
    #[serde(rename = "schemaVersion")]
    schema_version: u32,
    #[serde(rename = "mediaType", default)]
    media_type: String,
    config: Desc,
    layers: Vec<Desc>,
}

/// The result of [`sign`].
#[derive(Debug, Clone)]
pub struct Signed {
    /// The image, pinned to the digest that was signed.
    pub image: RegistryRef,
    /// Where the signature is stored (`repo:sha256-<hex>.sig`).
    pub signature_ref: RegistryRef,
    pub payload: Vec<u8>,
    /// DER ECDSA signature over the payload.
    pub signature: Vec<u8>,
}

/// Signs the manifest digest `image` resolves to and stores the signature the way Cosign does,
/// keeping any signatures already there.
pub fn sign(client: &Client, image: &RegistryRef, key: &SigningKey) -> Result<Signed, SignError> {
    let digest = registry::fetch_manifest(client, image, JSON_LIMIT)?.digest;
    let payload = simple_signing_payload(&image.name(), &digest);
    let signature = key.sign(&payload);
    let annotations = BTreeMap::from([(SIGNATURE_ANNOTATION.to_owned(), B64.encode(&signature))]);
    let tag = signature_tag(&digest);
    attach(client, image, &tag, &payload, SIMPLE_SIGNING_MEDIA_TYPE, annotations)?;
    Ok(Signed { image: image.with_digest(digest), signature_ref: image.with_tag(&tag), payload, signature })
}

/// The result of [`attest`].
#[derive(Debug, Clone)]
pub struct Attested {
    pub image: RegistryRef,
    pub attestation_ref: RegistryRef,
    pub predicate_type: String,
    /// The DSSE envelope as stored.
    pub envelope: Vec<u8>,
}

/// Wraps `predicate` in an in-toto v1 statement about the image digest, signs it as a DSSE
/// envelope and stores it under the `.att` tag.
pub fn attest(
    client: &Client,
    image: &RegistryRef,
    key: &SigningKey,
    predicate_type: &str,
    predicate: serde_json::Value,
) -> Result<Attested, SignError> {
    let digest = registry::fetch_manifest(client, image, JSON_LIMIT)?.digest;
    let predicate_type = predicate_type_uri(predicate_type);
    let statement = serde_json::json!({
        "_type": STATEMENT_V1,
        "subject": [{ "name": image.name(), "digest": { digest.algorithm(): digest.hex() } }],
        "predicateType": predicate_type,
        "predicate": predicate,
    });
    let statement = statement.to_string().into_bytes();
    let sig = key.sign(&pae(IN_TOTO_PAYLOAD_TYPE, &statement));
    let envelope = serde_json::json!({
        "payloadType": IN_TOTO_PAYLOAD_TYPE,
        "payload": B64.encode(&statement),
        "signatures": [{ "keyid": "", "sig": B64.encode(sig) }],
    })
    .to_string()
    .into_bytes();
    // Cosign also writes an empty signature annotation on attestation layers.
    let annotations = BTreeMap::from([
        (PREDICATE_TYPE_ANNOTATION.to_owned(), predicate_type.clone()),
        (SIGNATURE_ANNOTATION.to_owned(), String::new()),
    ]);
    let tag = attestation_tag(&digest);
    attach(client, image, &tag, &envelope, DSSE_MEDIA_TYPE, annotations)?;
    Ok(Attested { image: image.with_digest(digest), attestation_ref: image.with_tag(&tag), predicate_type, envelope })
}

/// Adds a layer to the artifact manifest under `tag` (creating it), as Cosign appends signatures.
fn attach(
    client: &Client,
    image: &RegistryRef,
    tag: &str,
    blob: &[u8],
    media_type: &str,
    annotations: BTreeMap<String, String>,
) -> Result<(), SignError> {
    let repo = &image.repository;
    let mut layers = match client.get_manifest(repo, tag, JSON_LIMIT)? {
        Some(existing) => parse_artifact(&existing.bytes, &format!("{repo}:{tag}"))?.layers,
        None => Vec::new(),
    };
    let digest = client.put_blob(repo, blob)?;
    let layer = Desc { media_type: media_type.to_owned(), size: blob.len() as u64, digest, annotations };
    if !layers.contains(&layer) {
        layers.push(layer);
    }
    // Cosign's config: an empty image whose diff_ids are the (uncompressed) layers.
    let diff_ids: Vec<String> = layers.iter().map(|l| l.digest.to_string()).collect();
    let config = serde_json::json!({
        "architecture": "",
        "created": "0001-01-01T00:00:00Z",
        "history": [{ "created": "0001-01-01T00:00:00Z" }],
        "os": "",
        "rootfs": { "type": "layers", "diff_ids": diff_ids },
        "config": {},
    })
    .to_string()
    .into_bytes();
    let config_digest = client.put_blob(repo, &config)?;
    let manifest = ArtifactManifest {
        schema_version: 2,
        media_type: OCI_MANIFEST.to_owned(),
        config: Desc {
            media_type: OCI_CONFIG.to_owned(),
            size: config.len() as u64,
            digest: config_digest,
            annotations: BTreeMap::new(),
        },
        layers,
    };
    let bytes = serde_json::to_vec(&manifest)
        .map_err(|e| SignError::Malformed { what: format!("{repo}:{tag}"), reason: e.to_string() })?;
    client.put_manifest(repo, tag, OCI_MANIFEST, &bytes)?;
    Ok(())
}

fn parse_artifact(bytes: &[u8], what: &str) -> Result<ArtifactManifest, SignError> {
    let m: ArtifactManifest = serde_json::from_slice(bytes)
        .map_err(|e| SignError::Malformed { what: what.to_owned(), reason: format!("not an OCI manifest: {e}") })?;
    if m.layers.len() > MAX_LAYERS {
        return Err(SignError::Malformed { what: what.to_owned(), reason: format!("more than {MAX_LAYERS} layers") });
    }
    Ok(m)
}

/// A signature that verified.
#[derive(Debug, Clone)]
pub struct VerifiedSignature {
    pub digest: Digest,
    /// The payload's `docker-reference` (the repository it was signed as).
    pub docker_reference: String,
    pub payload: Vec<u8>,
}

#[derive(Deserialize)]
struct Payload {
    critical: Critical,
}

#[derive(Deserialize)]
struct Critical {
    identity: Identity,
    image: PayloadImage,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct Identity {
    #[serde(rename = "docker-reference", default)]
    docker_reference: String,
}

#[derive(Deserialize)]
struct PayloadImage {
    #[serde(rename = "docker-manifest-digest")]
    digest: String,
}

/// Resolves `image` to its digest and checks the signatures stored for that digest: at least
/// one must verify under `key` and name this digest. On failure every signature's reason is
/// given.
pub fn verify(
    client: &Client,
    image: &RegistryRef,
    key: &VerifyingKey,
) -> Result<(Digest, Vec<VerifiedSignature>), SignError> {
    let digest = registry::fetch_manifest(client, image, JSON_LIMIT)?.digest;
    let tag = signature_tag(&digest);
    let shown = format!("{image} (digest {digest})");
    let Some((ok, mut reasons)) = legacy_signatures(client, image, &digest, key)? else {
        return Err(SignError::NotFound { kind: "signatures", image: shown, tag });
    };
    if ok.is_empty() {
        if reasons.is_empty() {
            reasons.push(format!("the signature manifest `{tag}` holds no signatures"));
        }
        return Err(SignError::Invalid { image: shown, reasons });
    }
    Ok((digest, ok))
}

/// The signatures under the `.sig` tag of `digest` that verify under `key` and name `digest`,
/// and why each other one did not; `None` when there is no such tag.
pub fn legacy_signatures(
    client: &Client,
    image: &RegistryRef,
    digest: &Digest,
    key: &VerifyingKey,
) -> Result<Checked<VerifiedSignature>, SignError> {
    let tag = signature_tag(digest);
    let Some(sig_manifest) = client.get_manifest(&image.repository, &tag, JSON_LIMIT)? else {
        return Ok(None);
    };
    let manifest = parse_artifact(&sig_manifest.bytes, &format!("{}:{tag}", image.repository))?;
    let mut ok = Vec::new();
    let mut reasons = Vec::new();
    for (i, layer) in manifest.layers.iter().enumerate() {
        let n = i + 1;
        if layer.media_type != SIMPLE_SIGNING_MEDIA_TYPE {
            reasons.push(format!(
                "signature {n}: layer media type `{}` is not a simple-signing payload",
                layer.media_type
            ));
            continue;
        }
        let Some(sig_b64) = layer.annotations.get(SIGNATURE_ANNOTATION) else {
            reasons.push(format!("signature {n}: no `{SIGNATURE_ANNOTATION}` annotation"));
            continue;
        };
        let Ok(sig) = B64.decode(sig_b64.trim()) else {
            reasons.push(format!("signature {n}: the `{SIGNATURE_ANNOTATION}` annotation is not base64"));
            continue;
        };
        let payload = client.get_blob_bytes(&image.repository, &layer.digest, JSON_LIMIT)?;
        if !key.verify(&payload, &sig) {
            reasons.push(format!(
                "signature {n}: does not verify with the given public key (made with another key, or the payload was \
                 altered)"
            ));
            continue;
        }
        let parsed: Payload = match serde_json::from_slice(&payload) {
            Ok(p) => p,
            Err(e) => {
                reasons.push(format!("signature {n}: signed payload is not a simple-signing payload: {e}"));
                continue;
            }
        };
        if parsed.critical.kind != SIGNATURE_TYPE {
            reasons.push(format!("signature {n}: payload type is `{}`, not `{SIGNATURE_TYPE}`", parsed.critical.kind));
            continue;
        }
        if parsed.critical.image.digest != digest.to_string() {
            reasons.push(format!(
                "signature {n}: valid, but it signs image {} rather than {digest}: it was copied from another image, or \
                 the tag now points elsewhere",
                parsed.critical.image.digest
            ));
            continue;
        }
        ok.push(VerifiedSignature {
            digest: digest.clone(),
            docker_reference: parsed.critical.identity.docker_reference,
            payload,
        });
    }
    Ok(Some((ok, reasons)))
}

/// An attestation that verified.
#[derive(Debug, Clone)]
pub struct VerifiedAttestation {
    pub predicate_type: String,
    /// The whole in-toto statement.
    pub statement: serde_json::Value,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "payloadType")]
    payload_type: String,
    payload: String,
    #[serde(default)]
    signatures: Vec<EnvelopeSig>,
}

#[derive(Deserialize)]
struct EnvelopeSig {
    #[serde(default)]
    sig: String,
}

#[derive(Deserialize)]
struct Statement {
    #[serde(rename = "_type")]
    kind: String,
    #[serde(default)]
    subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    predicate_type: String,
}

#[derive(Deserialize)]
struct Subject {
    #[serde(default)]
    digest: BTreeMap<String, String>,
}

/// Checks the attestations stored for the digest `image` resolves to: at least one (of
/// `predicate_type` if given, shorthands allowed) must verify under `key` and name this digest.
pub fn verify_attestations(
    client: &Client,
    image: &RegistryRef,
    key: &VerifyingKey,
    predicate_type: Option<&str>,
) -> Result<(Digest, Vec<VerifiedAttestation>), SignError> {
    let digest = registry::fetch_manifest(client, image, JSON_LIMIT)?.digest;
    let tag = attestation_tag(&digest);
    let shown = format!("{image} (digest {digest})");
    let Some((ok, mut reasons)) = legacy_attestations(client, image, &digest, key, predicate_type)? else {
        return Err(SignError::NotFound { kind: "attestations", image: shown, tag });
    };
    if ok.is_empty() {
        if reasons.is_empty() {
            reasons.push(format!("the attestation manifest `{tag}` holds no attestations"));
        }
        return Err(SignError::Invalid { image: shown, reasons });
    }
    Ok((digest, ok))
}

/// The attestations under the `.att` tag of `digest` that verify under `key`, name `digest`
/// and are of `predicate_type` (if given), and why each other one did not; `None` when there
/// is no such tag.
pub fn legacy_attestations(
    client: &Client,
    image: &RegistryRef,
    digest: &Digest,
    key: &VerifyingKey,
    predicate_type: Option<&str>,
) -> Result<Checked<VerifiedAttestation>, SignError> {
    let tag = attestation_tag(digest);
    let wanted = predicate_type.map(predicate_type_uri);
    let Some(att_manifest) = client.get_manifest(&image.repository, &tag, JSON_LIMIT)? else {
        return Ok(None);
    };
    let manifest = parse_artifact(&att_manifest.bytes, &format!("{}:{tag}", image.repository))?;
    let mut ok = Vec::new();
    let mut reasons = Vec::new();
    for (i, layer) in manifest.layers.iter().enumerate() {
        let n = i + 1;
        if layer.media_type != DSSE_MEDIA_TYPE {
            reasons.push(format!("attestation {n}: layer media type `{}` is not a DSSE envelope", layer.media_type));
            continue;
        }
        let bytes = client.get_blob_bytes(&image.repository, &layer.digest, ENVELOPE_LIMIT)?;
        match check_envelope(&bytes, key, digest) {
            Ok((pt, statement)) => {
                if wanted.as_ref().is_some_and(|w| *w != pt) {
                    reasons.push(format!("attestation {n}: predicate type `{pt}` is not the one asked for"));
                    continue;
                }
                ok.push(VerifiedAttestation { predicate_type: pt, statement });
            }
            Err(reason) => reasons.push(format!("attestation {n}: {reason}")),
        }
    }
    Ok(Some((ok, reasons)))
}

/// Checks a DSSE envelope (its JSON) holding an in-toto statement: signed by `key` over the
/// PAE, with `digest` among its subjects. Returns the predicate type and the statement.
pub fn check_envelope(
    bytes: &[u8],
    key: &VerifyingKey,
    digest: &Digest,
) -> Result<(String, serde_json::Value), String> {
    let env: Envelope = serde_json::from_slice(bytes).map_err(|e| format!("not a DSSE envelope: {e}"))?;
    if env.payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(format!("payload type `{}` is not in-toto", env.payload_type));
    }
    let payload = B64.decode(env.payload.trim()).map_err(|_| "the payload is not base64".to_owned())?;
    let signed = pae(&env.payload_type, &payload);
    let verified = env.signatures.iter().any(|s| B64.decode(s.sig.trim()).is_ok_and(|sig| key.verify(&signed, &sig)));
    if !verified {
        return Err("no signature verifies with the given public key (made with another key, or the statement was \
                    altered)"
            .into());
    }
    let statement: Statement =
        serde_json::from_slice(&payload).map_err(|e| format!("not an in-toto statement: {e}"))?;
    if !statement.kind.starts_with("https://in-toto.io/Statement/") {
        return Err(format!("statement type `{}` is not in-toto", statement.kind));
    }
    let names_digest =
        statement.subject.iter().any(|s| s.digest.get(digest.algorithm()).is_some_and(|h| h == digest.hex()));
    if !names_digest {
        return Err(format!(
            "valid, but its subject is not image {digest}: it was copied from another image, or the tag now points \
             elsewhere"
        ));
    }
    let value = serde_json::from_slice(&payload).map_err(|e| format!("not JSON: {e}"))?;
    Ok((statement.predicate_type, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_is_cosigns() {
        let d: Digest = format!("sha256:{}", "ab".repeat(32)).parse().unwrap();
        let p = String::from_utf8(simple_signing_payload("reg.example.com/app", &d)).unwrap();
        assert_eq!(
            p,
            format!(
                r#"{{"critical":{{"identity":{{"docker-reference":"reg.example.com/app"}},"image":{{"docker-manifest-digest":"sha256:{}"}},"type":"cosign container image signature"}},"optional":null}}"#,
                "ab".repeat(32)
            )
        );
        assert_eq!(signature_tag(&d), format!("sha256-{}.sig", "ab".repeat(32)));
    }

    #[test]
    fn pae_matches_the_dsse_spec_example() {
        // From the DSSE protocol document.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn envelope_checks() {
        let key = SigningKey::generate();
        let d: Digest = format!("sha256:{}", "cd".repeat(32)).parse().unwrap();
        let statement = serde_json::json!({
            "_type": STATEMENT_V1, "subject": [{"name": "x", "digest": {"sha256": d.hex()}}],
            "predicateType": "https://cyclonedx.org/bom", "predicate": {}
        })
        .to_string();
        let env = |payload: &str, sig: &[u8]| {
            serde_json::json!({"payloadType": IN_TOTO_PAYLOAD_TYPE, "payload": B64.encode(payload),
                "signatures": [{"keyid": "", "sig": B64.encode(sig)}]})
            .to_string()
        };
        let good = env(&statement, &key.sign(&pae(IN_TOTO_PAYLOAD_TYPE, statement.as_bytes())));
        let (pt, _) = check_envelope(good.as_bytes(), &key.verifying_key(), &d).unwrap();
        assert_eq!(pt, "https://cyclonedx.org/bom");
        // Signing the bare payload instead of the PAE is not DSSE.
        let bare = env(&statement, &key.sign(statement.as_bytes()));
        assert!(check_envelope(bare.as_bytes(), &key.verifying_key(), &d).unwrap_err().contains("no signature"));
        let other: Digest = format!("sha256:{}", "ef".repeat(32)).parse().unwrap();
        assert!(check_envelope(good.as_bytes(), &key.verifying_key(), &other).unwrap_err().contains("copied"));
        assert!(check_envelope(b"{}", &key.verifying_key(), &d).is_err());
    }
}
