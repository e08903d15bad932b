//! What the admission webhook (`plimsoll-admission`) needs from the domain crates: the Pod
//! Security Standards verdict on a pod (the very rules `plimsoll config` runs) and the
//! Cosign verification of an image's signatures in its registry.

use plimsoll_image::registry::{Client, RegistryOptions, RegistryRef};
use plimsoll_lint::k8s::pss;
use plimsoll_lint::yaml::Node;
use plimsoll_model::Digest;
use plimsoll_sign::VerifyingKey;
use plimsoll_sigstore::attached;
use plimsoll_sigstore::{IdentityPolicy, TrustedRoot};

pub use plimsoll_lint::k8s::pss::{Level as PssLevel, Version as PssVersion};

/// A failed Pod Security Standards control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PssViolation {
    /// The control's id, as the Pod Security Admission controller names it (`privileged`, ...).
    pub control: &'static str,
    /// What is wrong, naming the container or field.
    pub detail: String,
}

/// Why a pod could not be evaluated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdmissionInputError {
    #[error("the pod cannot be read: {0}")]
    Pod(String),
}

/// Evaluates a pod template (`{"metadata": ..., "spec": ...}` as JSON) against a PSS level at a
/// policy version: every violation, empty when the pod is allowed. The JSON becomes the lint
/// crate's document tree directly (strings as quoted scalars, so `"true"` stays a string, as in
/// JSON), so the verdict is the one `plimsoll config` gives, without re-parsing text.
pub fn pss_violations(
    template: &serde_json::Value,
    level: PssLevel,
    version: PssVersion,
) -> Result<Vec<PssViolation>, AdmissionInputError> {
    let doc = to_node(template);
    let meta = doc.get("metadata").unwrap_or(Node::null());
    let Some(spec) = doc.get("spec").filter(|s| s.is_map()) else {
        return Err(AdmissionInputError::Pod("the pod template has no `spec` mapping".into()));
    };
    Ok(pss::evaluate(meta, spec, level, version)
        .into_iter()
        .map(|v| PssViolation { control: v.control.id(), detail: v.detail })
        .collect())
}

/// A JSON value as a lint document node (no positions: JSON from an API request has no lines
/// worth pointing at). serde_json's parser limits nesting (128), which bounds the recursion.
fn to_node(v: &serde_json::Value) -> Node {
    use plimsoll_lint::yaml::Value as Y;
    let value = match v {
        serde_json::Value::Null => Y::Null,
        serde_json::Value::Bool(b) => Y::Scalar(b.to_string(), true),
        serde_json::Value::Number(n) => Y::Scalar(n.to_string(), true),
        serde_json::Value::String(s) => Y::Scalar(s.clone(), false),
        serde_json::Value::Array(items) => Y::Seq(items.iter().map(to_node).collect()),
        serde_json::Value::Object(m) => Y::Map(
            m.iter().map(|(k, v)| (Node { value: Y::Scalar(k.clone(), false), line: 0, col: 0 }, to_node(v))).collect(),
        ),
    };
    Node { value, line: 0, col: 0 }
}

/// The outcome of checking an image's signatures against a set of keys.
#[derive(Debug, Clone)]
pub struct SignatureCheck {
    /// The manifest digest the tag resolved to (the one the signatures name).
    pub digest: Option<Digest>,
    /// How many of the keys have at least one valid signature on that digest.
    pub valid_keys: usize,
    /// Why each other key did not count (`key N: reason`).
    pub failures: Vec<String>,
}

/// Why an image's signatures could not be checked at all (the webhook fails closed on these).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error("registry {registry}: {reason}")]
    Registry { registry: String, reason: String },
}

/// Resolves `image` in its registry and counts the keys with a valid Cosign signature on its
/// digest, in either layout (see [`verify_image_signers`]).
pub fn verify_image_signatures(
    image: &RegistryRef,
    keys: &[VerifyingKey],
    opts: &RegistryOptions,
) -> Result<SignatureCheck, VerifyError> {
    let root = TrustedRoot::production()
        .map_err(|e| VerifyError::Registry { registry: image.registry.clone(), reason: e.to_string() })?;
    verify_image_signers(image, keys, &[], &root, opts)
}

/// Resolves `image` in its registry and counts the signers (keys, then keyless identities) with
/// at least one valid signature on its digest, in either layout: Cosign's legacy `.sig` tag or
/// a Sigstore bundle attached as an OCI 1.1 referrer (API or tag-schema index), keyless ones
/// verified offline against `root`. A signer that verifies nothing is a failure with the
/// reason; a registry that cannot be reached (connect, timeout, HTTP error) or an image it does
/// not hold is an error naming the registry.
pub fn verify_image_signers(
    image: &RegistryRef,
    keys: &[VerifyingKey],
    keyless: &[IdentityPolicy],
    root: &TrustedRoot,
    opts: &RegistryOptions,
) -> Result<SignatureCheck, VerifyError> {
    let registry_err =
        |e: &dyn std::error::Error| VerifyError::Registry { registry: image.registry.clone(), reason: error_chain(e) };
    let (client, digest, pinned) = resolve(image, opts)?;
    let mut out = SignatureCheck { digest: Some(digest), valid_keys: 0, failures: Vec::new() };
    let signers: Vec<(String, attached::Signer)> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (format!("key {}", i + 1), attached::Signer::Key(k.clone())))
        .chain(
            keyless
                .iter()
                .map(|p| (format!("keyless {} from {}", p.identity, p.issuer), attached::Signer::Identity(p.clone()))),
        )
        .collect();
    for (name, signer) in signers {
        let check = attached::Check { signer, root: root.clone() };
        match attached::verify_attached(&client, &pinned, &check, &attached::Want::Signatures) {
            Ok(_) => out.valid_keys += 1,
            // A registry failure while reading signatures is not "no signature": report it as
            // the registry error it is, so the denial names the registry.
            Err(plimsoll_sign::SignError::Image(e)) => return Err(registry_err(&e)),
            Err(e) => out.failures.push(format!("{name}: {}", error_chain(&e))),
        }
    }
    Ok(out)
}

/// Connects to `image`'s registry and resolves it to its manifest digest: the client, the
/// digest and the reference pinned to it. Failures are registry errors naming the registry.
fn resolve(image: &RegistryRef, opts: &RegistryOptions) -> Result<(Client, Digest, RegistryRef), VerifyError> {
    let registry_err =
        |e: &dyn std::error::Error| VerifyError::Registry { registry: image.registry.clone(), reason: error_chain(e) };
    let client = Client::connect(&image.registry, opts).map_err(|e| registry_err(&e))?;
    let digest =
        plimsoll_image::registry::fetch_manifest(&client, image, 16 << 20).map_err(|e| registry_err(&e))?.digest;
    let pinned = image.with_digest(digest.clone());
    Ok((client, digest, pinned))
}

/// The error and its causes, `: `-joined (an HTTP or TLS cause is what the reader needs).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let c_s = c.to_string();
        if !s.contains(&c_s) {
            s.push_str(": ");
            s.push_str(&c_s);
        }
        cur = c.source();
    }
    s
}

/// The outcome of checking an image's attestations against a set of keys.
#[derive(Debug, Clone)]
pub struct AttestationCheck {
    /// The manifest digest the tag resolved to (the one the attestations name).
    pub digest: Digest,
    /// Every in-toto statement that verified under one of the keys and names that digest.
    pub statements: Vec<serde_json::Value>,
    /// Why each key verified nothing (`key N: reason`).
    pub failures: Vec<String>,
}

/// Resolves `image` and collects the in-toto statements (`plimsoll attest`, `cosign attest
/// --key`) stored for its digest that verify under any of `keys`. Registry failures are errors
/// naming the registry, as in [`verify_image_signatures`].
pub fn verify_image_attestations(
    image: &RegistryRef,
    keys: &[VerifyingKey],
    opts: &RegistryOptions,
) -> Result<AttestationCheck, VerifyError> {
    let registry_err =
        |e: &dyn std::error::Error| VerifyError::Registry { registry: image.registry.clone(), reason: error_chain(e) };
    let (client, digest, pinned) = resolve(image, opts)?;
    let mut out = AttestationCheck { digest, statements: Vec::new(), failures: Vec::new() };
    for (i, key) in keys.iter().enumerate() {
        match plimsoll_sign::verify_attestations(&client, &pinned, key, None) {
            Ok((_, atts)) => out.statements.extend(atts.into_iter().map(|a| a.statement)),
            Err(plimsoll_sign::SignError::Image(e)) => return Err(registry_err(&e)),
            Err(e) => out.failures.push(format!("key {}: {}", i + 1, error_chain(&e))),
        }
    }
    Ok(out)
}
