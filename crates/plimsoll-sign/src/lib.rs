//! Cosign-compatible signing of container images in OCI registries.
//!
//! - [`keys`]: Cosign's key files (encrypted ECDSA P-256 private key, PEM public key).
//! - [`cosign`]: signatures (simple-signing payload, stored under the `sha256-<hex>.sig` tag
//!   with the signature in the `dev.cosignproject.cosign/signature` annotation) and attestations
//!   (in-toto statements in DSSE envelopes under `sha256-<hex>.att`), and their verification.
//!
//! Everything is bound to the image's manifest *digest*: a tag is resolved once and the
//! signature names the digest, so a tag moved to another image does not inherit signatures,
//! and a signature copied to another image's `.sig` tag names the wrong digest.

pub mod cosign;
pub mod keys;

use std::path::PathBuf;

pub use cosign::{
    attest, sign, signature_tag, simple_signing_payload, verify, verify_attestations, Attested, Signed,
    VerifiedAttestation, VerifiedSignature,
};
pub use keys::{generate_key_files, SigningKey, VerifyingKey};

use plimsoll_image::ImageError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    #[error(transparent)]
    Image(#[from] ImageError),

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("key {what}: {reason}")]
    Key { what: String, reason: String },

    #[error("cannot decrypt the private key {what}: wrong passphrase (or a corrupted key file)")]
    WrongPassphrase { what: String },

    #[error("no {kind} found for {image} (looked for tag `{tag}`); sign it first, or check the image reference")]
    NotFound { kind: &'static str, image: String, tag: String },

    #[error("no {kind} found for {image} (looked in {looked}); sign it first, or check the image reference")]
    NotAttached { kind: &'static str, image: String, looked: String },

    #[error("verification of {image} failed: {}", reasons.join("; "))]
    Invalid { image: String, reasons: Vec<String> },

    #[error("{what}: {reason}")]
    Malformed { what: String, reason: String },
}

/// The key passphrase: `PLIMSOLL_PASSWORD` if set (even empty), else a prompt on the terminal
/// (asked twice when `confirm`, for a new key).
pub fn read_passphrase(confirm: bool) -> Result<Vec<u8>, SignError> {
    if let Some(p) = std::env::var_os("PLIMSOLL_PASSWORD") {
        return Ok(p.into_encoded_bytes());
    }
    let tty = |source| SignError::Io { path: PathBuf::from("/dev/tty"), source };
    let first = rpassword::prompt_password("Enter password for private key: ").map_err(tty)?;
    if confirm {
        let again = rpassword::prompt_password("Enter password for private key again: ").map_err(tty)?;
        if again != first {
            return Err(SignError::Key { what: "passphrase".into(), reason: "the two passwords differ".into() });
        }
    }
    Ok(first.into_bytes())
}
