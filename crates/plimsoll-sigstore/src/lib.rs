//! Offline verification of Sigstore bundles.
//!
//! A [`Bundle`] (media types v0.1 to v0.3; a message signature or a DSSE envelope) is checked
//! against a [`TrustedRoot`] (the built-in production root, or any `trusted_root.json`) and a
//! [`Policy`] (a certificate identity and OIDC issuer, or a public key) by [`Verifier::verify`]:
//!
//! 1. the signature over the artifact (or the DSSE PAE, with the artifact an in-toto subject);
//! 2. RFC 3161 timestamps over that signature, from a timestamp authority of the root ([`tsa`]);
//! 3. each transparency-log entry: consistent with the signature, signer and artifact, its SET
//!    (Rekor v1) and its inclusion proof up to a checkpoint signed by the log ([`tlog`]);
//! 4. the signing certificate: issued by a Fulcio CA of the root, valid at every verified time
//!    (integrated or timestamped), an SCT from a CT log of the root ([`certs`]);
//! 5. the certificate's identity and issuer against the policy.
//!
//! Every key of the root (logs, CT logs, CAs, TSAs) is used only inside its validity window.

pub mod attached;
pub mod bundle;
pub mod certs;
pub mod keys;
pub mod root;
pub mod tlog;
pub mod tsa;
mod verify;

pub use bundle::{Bundle, BundleVersion};
pub use certs::Identity;
pub use keys::PublicKey;
pub use root::TrustedRoot;
pub use verify::{parse_sha256, Artifact, GithubClaims, IdentityPolicy, Matcher, Policy, Verified, Verifier};

/// Why a bundle did not verify.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{what} is not valid JSON: {source}")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("malformed {what}: {detail}")]
    Malformed { what: &'static str, detail: String },
    #[error("unsupported: {what}")]
    Unsupported { what: String },
    #[error("trusted root: {detail}")]
    TrustedRoot { detail: String },
    #[error("signing certificate: {detail}")]
    Certificate { detail: String },
    #[error("certificate transparency: {detail}")]
    Sct { detail: String },
    #[error("transparency log: {detail}")]
    Transparency { detail: String },
    #[error("transparency log entry does not match the bundle: {detail}")]
    Inconsistent { detail: String },
    #[error("timestamp: {detail}")]
    Timestamp { detail: String },
    #[error("signature: {detail}")]
    Signature { detail: String },
    #[error("identity: {detail}")]
    Identity { detail: String },
    #[error("artifact: {detail}")]
    Artifact { detail: String },
}
