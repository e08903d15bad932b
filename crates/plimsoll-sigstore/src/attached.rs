//! Signatures and attestations attached to registry images, in both Cosign layouts.
//!
//! - Legacy (Cosign v1/v2): the `sha256-<hex>.sig` and `.att` tags (see `plimsoll_sign::cosign`).
//! - Cosign v3 (`--new-bundle-format`): one OCI manifest per signature, whose `subject` is the
//!   image, `artifactType` and only layer `application/vnd.dev.sigstore.bundle.v0.3+json` (a
//!   Sigstore bundle), config the empty descriptor, annotations
//!   `dev.sigstore.bundle.content: dsse-envelope` and `dev.sigstore.bundle.predicateType`. A
//!   signature is an in-toto statement of predicate type `https://sigstore.dev/cosign/sign/v1`
//!   about the image digest; an attestation is one of any other predicate type. Found through
//!   the referrers API, or the `sha256-<hex>` index on registries without it.
//!
//! A bundle counts only if it is bound to the image: the in-toto subject (or a message
//! signature's digest) must be the manifest digest the reference resolves to now, so a bundle
//! attached to another image fails. Keyless bundles go through the full [`Verifier`]
//! (certificate chain, SCT, log entry, identity); key-signed bundles that carry log entries do
//! too, and key-signed bundles without any (as `plimsoll sign --new-bundle-format` writes them,
//! offline, like Cosign with `--tlog-upload=false`) are checked for the key's signature only.

use std::collections::BTreeMap;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use plimsoll_image::registry::{self, Client, ReferrerDescriptor, ReferrersSource, RegistryRef};
use plimsoll_model::Digest;
use plimsoll_sign::cosign::{self, check_envelope, pae, predicate_type_uri, IN_TOTO_PAYLOAD_TYPE, STATEMENT_V1};
use plimsoll_sign::{SignError, SigningKey, VerifyingKey};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::bundle::{Bundle, Content, Material};
use crate::verify::{Artifact, IdentityPolicy, Policy, Verifier};
use crate::{PublicKey, TrustedRoot};

pub const BUNDLE_V03_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// What Cosign v3 signs for an image signature (an in-toto statement with an empty predicate).
pub const COSIGN_SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";
pub const PREDICATE_TYPE_ANNOTATION: &str = "dev.sigstore.bundle.predicateType";
pub const CONTENT_ANNOTATION: &str = "dev.sigstore.bundle.content";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// Artifact manifests are small; a bundle may carry a whole SBOM attestation.
const MANIFEST_LIMIT: u64 = 4 << 20;
const BUNDLE_LIMIT: u64 = 128 << 20;
/// Referrers looked at per image (each costs two requests).
const MAX_CHECKED: usize = 256;

/// Where a signature or attestation was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// Cosign's `sha256-<hex>.sig` / `.att` tag.
    LegacyTag,
    /// A Sigstore bundle found through the OCI 1.1 referrers API.
    Referrers,
    /// A Sigstore bundle found through the referrers tag schema (`sha256-<hex>` index).
    ReferrersTag,
}

impl Layout {
    fn of(source: ReferrersSource) -> Layout {
        match source {
            ReferrersSource::Api => Layout::Referrers,
            ReferrersSource::TagSchema => Layout::ReferrersTag,
        }
    }
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Layout::LegacyTag => "legacy tag (cosign .sig/.att)",
            Layout::Referrers => "OCI 1.1 referrers API (sigstore bundle)",
            Layout::ReferrersTag => "referrers tag schema (sigstore bundle)",
        })
    }
}

/// Who must have signed.
#[derive(Debug, Clone)]
pub enum Signer {
    Key(VerifyingKey),
    Identity(IdentityPolicy),
}

/// What to verify with: a signer and the trusted root for certificates and log entries.
#[derive(Debug, Clone)]
pub struct Check {
    pub signer: Signer,
    pub root: TrustedRoot,
}

/// Signatures, or attestations (of one predicate type if given; Cosign's shorthands allowed).
#[derive(Debug, Clone)]
pub enum Want {
    Signatures,
    Attestations { predicate_type: Option<String> },
}

/// One verified signature or attestation.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    pub layout: Layout,
    /// `repo:sha256-<hex>.sig` (legacy) or `repo@sha256:<referrer manifest>`.
    pub location: String,
    /// The in-toto predicate type (attestations and v3 signatures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicate_type: Option<String>,
    /// The certificate's identity (SAN) and OIDC issuer, for keyless signatures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The signed payload: a simple-signing payload or an in-toto statement.
    pub payload: serde_json::Value,
}

/// The result of [`sign_bundle`] / [`attest_bundle`].
#[derive(Debug, Clone)]
pub struct Attached {
    /// The image, pinned to the digest that was signed.
    pub image: RegistryRef,
    /// The referrer manifest (`repo@sha256:...`).
    pub manifest: RegistryRef,
    pub layout: Layout,
    pub predicate_type: String,
}

/// Signs the image as Cosign v3 does (a DSSE bundle of a `cosign/sign/v1` statement), key-based,
/// and attaches it as a referrer.
pub fn sign_bundle(client: &Client, image: &RegistryRef, key: &SigningKey) -> Result<Attached, SignError> {
    attach_statement(client, image, key, COSIGN_SIGN_PREDICATE, serde_json::json!({}))
}

/// Attests `predicate` about the image in a DSSE bundle attached as a referrer.
pub fn attest_bundle(
    client: &Client,
    image: &RegistryRef,
    key: &SigningKey,
    predicate_type: &str,
    predicate: serde_json::Value,
) -> Result<Attached, SignError> {
    attach_statement(client, image, key, &predicate_type_uri(predicate_type), predicate)
}

fn malformed(what: &str, e: impl std::fmt::Display) -> SignError {
    SignError::Malformed { what: what.to_owned(), reason: e.to_string() }
}

fn attach_statement(
    client: &Client,
    image: &RegistryRef,
    key: &SigningKey,
    predicate_type: &str,
    predicate: serde_json::Value,
) -> Result<Attached, SignError> {
    let top = registry::fetch_manifest(client, image, MANIFEST_LIMIT)?;
    let digest = top.digest;
    let statement = serde_json::json!({
        "_type": STATEMENT_V1,
        "subject": [{ "name": image.name(), "digest": { digest.algorithm(): digest.hex() } }],
        "predicateType": predicate_type,
        "predicate": predicate,
    })
    .to_string()
    .into_bytes();
    let sig = key.sign(&pae(IN_TOTO_PAYLOAD_TYPE, &statement));
    let bundle = serde_json::json!({
        "mediaType": BUNDLE_V03_MEDIA_TYPE,
        "verificationMaterial": { "publicKey": { "hint": key_hint(&key.verifying_key())? } },
        "dsseEnvelope": {
            "payload": B64.encode(&statement),
            "payloadType": IN_TOTO_PAYLOAD_TYPE,
            "signatures": [{ "sig": B64.encode(sig), "keyid": "" }],
        },
    })
    .to_string()
    .into_bytes();
    let repo = &image.repository;
    let bundle_digest = client.put_blob(repo, &bundle)?;
    let config_digest = client.put_blob(repo, b"{}")?;
    let annotations = BTreeMap::from([
        (CONTENT_ANNOTATION.to_owned(), "dsse-envelope".to_owned()),
        (PREDICATE_TYPE_ANNOTATION.to_owned(), predicate_type.to_owned()),
    ]);
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": BUNDLE_V03_MEDIA_TYPE,
        "config": { "mediaType": OCI_EMPTY, "digest": config_digest, "size": 2 },
        "layers": [{ "mediaType": BUNDLE_V03_MEDIA_TYPE, "digest": bundle_digest, "size": bundle.len() }],
        "subject": { "mediaType": top.media_type, "digest": digest, "size": top.bytes.len() },
        "annotations": annotations,
    });
    let bytes = serde_json::to_vec(&manifest).map_err(|e| malformed("referrer manifest", e))?;
    let (desc, source) =
        client.put_referrer(repo, &digest, OCI_MANIFEST, BUNDLE_V03_MEDIA_TYPE, annotations, &bytes)?;
    Ok(Attached {
        image: image.with_digest(digest),
        manifest: image.with_digest(desc.digest),
        layout: Layout::of(source),
        predicate_type: predicate_type.to_owned(),
    })
}

/// The public key hint Sigstore clients write: base64 of SHA-256 of the key's DER.
fn key_hint(key: &VerifyingKey) -> Result<String, SignError> {
    let pem = key.to_pem()?;
    let (_, der) = crate::keys::pem_decode(pem.as_bytes()).ok_or_else(|| malformed("public key", "not PEM"))?;
    Ok(B64.encode(Sha256::digest(der)))
}

/// Resolves `image` and verifies what is attached to its digest in every layout: at least one
/// signature (or attestation) must verify and be bound to the digest. On failure, every
/// candidate's reason is given, each prefixed with its layout and location.
pub fn verify_attached(
    client: &Client,
    image: &RegistryRef,
    check: &Check,
    want: &Want,
) -> Result<(Digest, Vec<Found>), SignError> {
    let digest = registry::fetch_manifest(client, image, MANIFEST_LIMIT)?.digest;
    let shown = format!("{image} (digest {digest})");
    let mut found = Vec::new();
    let mut reasons = Vec::new();
    let mut looked = Vec::new();

    // 1. The legacy tag. Only key-signed legacy signatures are read (keyless ones keep their
    //    certificate in layer annotations, which this layout is not used for here).
    let (kind, tag) = match want {
        Want::Signatures => ("signatures", cosign::signature_tag(&digest)),
        Want::Attestations { .. } => ("attestations", cosign::attestation_tag(&digest)),
    };
    let location = format!("{}:{tag}", image.repository);
    looked.push(format!("tag `{tag}`"));
    match (&check.signer, want) {
        (Signer::Key(key), Want::Signatures) => {
            if let Some((ok, why)) = cosign::legacy_signatures(client, image, &digest, key)? {
                reasons.extend(why.into_iter().map(|r| format!("{location}: {r}")));
                for s in ok {
                    let payload = serde_json::from_slice(&s.payload).unwrap_or(serde_json::Value::Null);
                    found.push(Found {
                        layout: Layout::LegacyTag,
                        location: location.clone(),
                        predicate_type: None,
                        identity: None,
                        issuer: None,
                        payload,
                    });
                }
            }
        }
        (Signer::Key(key), Want::Attestations { predicate_type }) => {
            if let Some((ok, why)) =
                cosign::legacy_attestations(client, image, &digest, key, predicate_type.as_deref())?
            {
                reasons.extend(why.into_iter().map(|r| format!("{location}: {r}")));
                for a in ok {
                    found.push(Found {
                        layout: Layout::LegacyTag,
                        location: location.clone(),
                        predicate_type: Some(a.predicate_type),
                        identity: None,
                        issuer: None,
                        payload: a.statement,
                    });
                }
            }
        }
        (Signer::Identity(_), _) => {
            if client.get_manifest(&image.repository, &tag, MANIFEST_LIMIT)?.is_some() {
                reasons.push(format!(
                    "{location}: legacy-tag {kind} are verified with --key only; keyless signatures are read from \
                     Sigstore bundles (Cosign v3 layout)"
                ));
            }
        }
    }

    // 2. Sigstore bundles attached as referrers (API, or the tag schema without one).
    let refs = client.referrers(&image.repository, &digest, Some(BUNDLE_V03_MEDIA_TYPE))?;
    looked.push(match refs.source {
        ReferrersSource::Api => "the referrers API".to_owned(),
        ReferrersSource::TagSchema => format!("the referrers index `{}`", registry::fallback_tag(&digest)),
    });
    let layout = Layout::of(refs.source);
    let wanted_type = match want {
        Want::Attestations { predicate_type: Some(t) } => Some(predicate_type_uri(t)),
        _ => None,
    };
    for desc in refs.descriptors.iter().take(MAX_CHECKED) {
        let location = format!("{}@{}", image.repository, desc.digest);
        match check_referrer(client, image, &digest, desc, check) {
            Ok(f) => {
                let is_sig = f.predicate_type.as_deref().is_none_or(|t| t == COSIGN_SIGN_PREDICATE);
                match want {
                    Want::Signatures if !is_sig => {}
                    Want::Attestations { .. } if is_sig => {}
                    Want::Attestations { .. }
                        if wanted_type.as_ref().is_some_and(|w| Some(w) != f.predicate_type.as_ref()) =>
                    {
                        reasons.push(format!(
                            "{location}: predicate type `{}` is not the one asked for",
                            f.predicate_type.unwrap_or_default()
                        ));
                    }
                    _ => found.push(Found { layout, location, ..f }),
                }
            }
            Err(reason) => reasons.push(format!("{location} ({layout}): {reason}")),
        }
    }
    if found.is_empty() {
        if reasons.is_empty() {
            return Err(SignError::NotAttached { kind, image: shown, looked: looked.join(", ") });
        }
        return Err(SignError::Invalid { image: shown, reasons });
    }
    Ok((digest, found))
}

/// Fetches one referrer and verifies its bundle against the image digest.
fn check_referrer(
    client: &Client,
    image: &RegistryRef,
    digest: &Digest,
    desc: &ReferrerDescriptor,
    check: &Check,
) -> Result<Found, String> {
    let repo = &image.repository;
    if desc.size > MANIFEST_LIMIT {
        return Err(format!("manifest of {} bytes is over the limit of {MANIFEST_LIMIT}", desc.size));
    }
    let m = client
        .get_manifest(repo, &desc.digest.to_string(), MANIFEST_LIMIT)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "the referrer manifest is missing".to_owned())?;
    let manifest: serde_json::Value =
        serde_json::from_slice(&m.bytes).map_err(|e| format!("the referrer manifest is not JSON: {e}"))?;
    let subject = manifest.pointer("/subject/digest").and_then(|s| s.as_str()).unwrap_or("");
    if subject != digest.to_string() {
        return Err(format!("its manifest's subject is `{subject}`, not {digest}"));
    }
    let layer = manifest
        .get("layers")
        .and_then(|l| l.as_array())
        .and_then(|l| l.iter().find(|l| l.get("mediaType").and_then(|t| t.as_str()) == Some(BUNDLE_V03_MEDIA_TYPE)))
        .ok_or_else(|| "no Sigstore bundle layer".to_owned())?;
    let layer_digest: Digest = layer
        .get("digest")
        .and_then(|d| d.as_str())
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| "the bundle layer has no valid digest".to_owned())?;
    let bytes = client.get_blob_bytes(repo, &layer_digest, BUNDLE_LIMIT).map_err(|e| e.to_string())?;
    verify_bundle_for_digest(&bytes, digest, check)
}

/// Verifies a bundle (JSON) as a signature or attestation of the image with manifest `digest`.
pub fn verify_bundle_for_digest(bytes: &[u8], digest: &Digest, check: &Check) -> Result<Found, String> {
    let bundle = Bundle::from_json(bytes).map_err(|e| e.to_string())?;
    let sha = crate::parse_sha256(&digest.to_string()).ok_or_else(|| format!("{digest} is not a sha256 digest"))?;
    let artifact = Artifact::from_sha256(sha);
    let (identity, issuer) = match (&check.signer, &bundle.material) {
        // Offline key-signed bundles: the key's signature and the binding, nothing to log-check.
        (Signer::Key(key), Material::PublicKey { .. }) if bundle.tlog_entries.is_empty() => {
            let Content::Dsse(_) = &bundle.content else {
                return Err("a key-signed bundle without a log entry must hold a DSSE envelope".into());
            };
            let raw: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
            let env = raw.get("dsseEnvelope").map(|e| e.to_string()).unwrap_or_default();
            check_envelope(env.as_bytes(), key, digest)?;
            (None, None)
        }
        (Signer::Key(key), _) => {
            let pem = key.to_pem().map_err(|e| e.to_string())?;
            let pk = PublicKey::from_pem(&pem).map_err(|e| e.to_string())?;
            Verifier::new(check.root.clone())
                .verify(&bundle, &artifact, &Policy::Key(pk))
                .map_err(|e| e.to_string())?;
            (None, None)
        }
        (Signer::Identity(p), _) => {
            let v = Verifier::new(check.root.clone())
                .verify(&bundle, &artifact, &Policy::Identity(p.clone()))
                .map_err(|e| e.to_string())?;
            let id = v.identity.as_ref();
            (id.and_then(|i| i.sans.first().cloned()), id.and_then(|i| i.issuer().map(str::to_owned)))
        }
    };
    let (predicate_type, payload) = match &bundle.content {
        Content::Dsse(env) => {
            let v: serde_json::Value =
                serde_json::from_slice(&env.payload).map_err(|e| format!("the in-toto statement is not JSON: {e}"))?;
            (v.get("predicateType").and_then(|t| t.as_str()).map(str::to_owned), v)
        }
        // A message signature over the manifest digest itself (checked by the verifier).
        Content::Message { .. } => (None, serde_json::json!({ "digest": digest.to_string() })),
    };
    Ok(Found { layout: Layout::Referrers, location: String::new(), predicate_type, identity, issuer, payload })
}

/// Everything attached to an image, for `plimsoll tree`.
#[derive(Debug, Clone, Serialize)]
pub struct Tree {
    pub image: String,
    pub digest: Digest,
    pub entries: Vec<TreeEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TreeEntry {
    pub layout: Layout,
    /// `signature`, `attestation`, `sbom` or the artifact type.
    pub kind: String,
    /// `repo:tag` (legacy) or `repo@digest` (referrer).
    pub reference: String,
    #[serde(rename = "artifactType", skip_serializing_if = "String::is_empty")]
    pub artifact_type: String,
    #[serde(rename = "predicateType", skip_serializing_if = "Option::is_none")]
    pub predicate_type: Option<String>,
    /// Layer digests (legacy signatures, attestations, SBOMs), or the referrer's own.
    pub digests: Vec<Digest>,
}

/// Lists (without verifying) what is attached to `image` in both layouts: legacy `.sig`,
/// `.att` and `.sbom` tags, and every referrer (API or tag schema).
pub fn tree(client: &Client, image: &RegistryRef) -> Result<Tree, SignError> {
    let digest = registry::fetch_manifest(client, image, MANIFEST_LIMIT)?.digest;
    let repo = &image.repository;
    let mut entries = Vec::new();
    for (suffix, kind) in [("sig", "signature"), ("att", "attestation"), ("sbom", "sbom")] {
        let tag = format!("{}-{}.{suffix}", digest.algorithm(), digest.hex());
        let Some(m) = client.get_manifest(repo, &tag, MANIFEST_LIMIT)? else { continue };
        let v: serde_json::Value = serde_json::from_slice(&m.bytes).map_err(|e| malformed(&tag, e))?;
        let digests = v
            .get("layers")
            .and_then(|l| l.as_array())
            .into_iter()
            .flatten()
            .filter_map(|l| l.get("digest").and_then(|d| d.as_str()).and_then(|d| d.parse().ok()))
            .collect();
        entries.push(TreeEntry {
            layout: Layout::LegacyTag,
            kind: kind.to_owned(),
            reference: format!("{repo}:{tag}"),
            artifact_type: String::new(),
            predicate_type: None,
            digests,
        });
    }
    let refs = client.referrers(repo, &digest, None)?;
    for d in refs.descriptors {
        let predicate_type = d.annotations.get(PREDICATE_TYPE_ANNOTATION).cloned();
        let kind = match (d.artifact_type.as_str(), predicate_type.as_deref()) {
            (BUNDLE_V03_MEDIA_TYPE, Some(COSIGN_SIGN_PREDICATE) | None) => "signature",
            (BUNDLE_V03_MEDIA_TYPE, Some(_)) => "attestation",
            (t, _) if t.contains("spdx") || t.contains("cyclonedx") || t.contains("sbom") => "sbom",
            (t, _) if t.contains("in-toto") => "attestation",
            ("", _) => "artifact",
            (t, _) => t,
        }
        .to_owned();
        entries.push(TreeEntry {
            layout: Layout::of(refs.source),
            kind,
            reference: format!("{repo}@{}", d.digest),
            artifact_type: d.artifact_type,
            predicate_type,
            digests: vec![d.digest],
        });
    }
    Ok(Tree { image: image.to_string(), digest, entries })
}
