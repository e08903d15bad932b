//! Public keys from SubjectPublicKeyInfo (or PKCS#1 for RSA, as trusted roots may carry) and
//! signature verification.
//!
//! `ring` verifies whole messages (ECDSA P-256/P-384, Ed25519, RSA PKCS#1 v1.5 and PSS) without
//! the `rsa` crate and its open advisory. ECDSA over a digest the caller already holds (an artifact
//! given as `sha256:<hex>`) goes through `p256`/`p384`'s prehash verifiers, which ring lacks.

use der::{asn1::ObjectIdentifier, Decode, Encode};
use ring::signature as rs;
use sha2::{Digest, Sha256, Sha384, Sha512};
use spki::SubjectPublicKeyInfoOwned;

use crate::Error;

const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The hash a signature was made over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlg {
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Sha256 => Sha256::digest(data).to_vec(),
            HashAlg::Sha384 => Sha384::digest(data).to_vec(),
            HashAlg::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    /// From a digest AlgorithmIdentifier OID (RFC 5754).
    pub fn from_digest_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match oid.to_string().as_str() {
            "2.16.840.1.101.3.4.2.1" => Some(HashAlg::Sha256),
            "2.16.840.1.101.3.4.2.2" => Some(HashAlg::Sha384),
            "2.16.840.1.101.3.4.2.3" => Some(HashAlg::Sha512),
            _ => None,
        }
    }
}

/// How the signature bytes are laid out, on top of the key type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// ECDSA (ASN.1 DER signatures), Ed25519, or RSA PKCS#1 v1.5.
    Default,
    /// RSA-PSS (MGF1 with the same hash, salt length = hash length).
    RsaPss,
}

#[derive(Clone, PartialEq, Eq)]
enum Kind {
    P256(Vec<u8>),
    P384(Vec<u8>),
    Ed25519(Vec<u8>),
    /// PKCS#1 RSAPublicKey DER, as ring takes it.
    Rsa(Vec<u8>),
}

/// A verification key.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    kind: Kind,
    /// The SubjectPublicKeyInfo DER (for comparing with keys quoted in log entries); empty for a
    /// bare PKCS#1 RSA key.
    spki_der: Vec<u8>,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.kind {
            Kind::P256(_) => "PublicKey(ECDSA P-256)",
            Kind::P384(_) => "PublicKey(ECDSA P-384)",
            Kind::Ed25519(_) => "PublicKey(Ed25519)",
            Kind::Rsa(_) => "PublicKey(RSA)",
        })
    }
}

impl PublicKey {
    pub fn from_spki(spki: &SubjectPublicKeyInfoOwned) -> Result<Self, Error> {
        let bits = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| malformed("public key bit string has unused bits"))?
            .to_vec();
        let oid = spki.algorithm.oid;
        let kind = if oid == EC_PUBLIC_KEY {
            let curve: ObjectIdentifier = spki
                .algorithm
                .parameters
                .as_ref()
                .ok_or_else(|| malformed("EC key without a named curve"))?
                .decode_as()
                .map_err(|e| malformed(format!("EC curve parameter: {e}")))?;
            if curve == P256 {
                Kind::P256(bits)
            } else if curve == P384 {
                Kind::P384(bits)
            } else {
                return Err(Error::Unsupported { what: format!("EC curve {curve}") });
            }
        } else if oid == ED25519 {
            Kind::Ed25519(bits)
        } else if oid == RSA {
            Kind::Rsa(bits)
        } else {
            return Err(Error::Unsupported { what: format!("public key algorithm {oid}") });
        };
        let spki_der = spki.to_der().map_err(|e| malformed(format!("re-encoding key: {e}")))?;
        Ok(PublicKey { kind, spki_der })
    }

    pub fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        let spki =
            SubjectPublicKeyInfoOwned::from_der(der).map_err(|e| malformed(format!("SubjectPublicKeyInfo: {e}")))?;
        Self::from_spki(&spki)
    }

    /// A trusted-root key: SPKI DER, except `PKCS1_RSA_*` key details, which are PKCS#1.
    pub fn from_trusted_root(raw: &[u8], key_details: &str) -> Result<Self, Error> {
        if key_details.starts_with("PKCS1_RSA") {
            // An RSAPublicKey SEQUENCE; ring parses (and validates) it at verification time.
            return Ok(PublicKey { kind: Kind::Rsa(raw.to_vec()), spki_der: Vec::new() });
        }
        Self::from_spki_der(raw)
    }

    /// A PEM `PUBLIC KEY` block.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let (label, der) = pem_decode(pem.as_bytes()).ok_or_else(|| malformed("not a PEM block"))?;
        if label != "PUBLIC KEY" {
            return Err(malformed(format!("expected a PUBLIC KEY PEM block, found {label}")));
        }
        Self::from_spki_der(&der)
    }

    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The hash this key signs messages with by default (hashedrekord and DSSE as Sigstore
    /// clients produce them).
    pub fn default_hash(&self) -> HashAlg {
        match self.kind {
            Kind::P384(_) => HashAlg::Sha384,
            _ => HashAlg::Sha256,
        }
    }

    pub fn is_ed25519(&self) -> bool {
        matches!(self.kind, Kind::Ed25519(_))
    }

    /// Verify `sig` over the whole `message`.
    pub fn verify(&self, hash: HashAlg, padding: Padding, message: &[u8], sig: &[u8]) -> Result<(), SigError> {
        let alg: &dyn rs::VerificationAlgorithm = match (&self.kind, hash, padding) {
            (Kind::P256(_), HashAlg::Sha256, Padding::Default) => &rs::ECDSA_P256_SHA256_ASN1,
            (Kind::P256(_), HashAlg::Sha384, Padding::Default) => &rs::ECDSA_P256_SHA384_ASN1,
            (Kind::P384(_), HashAlg::Sha256, Padding::Default) => &rs::ECDSA_P384_SHA256_ASN1,
            (Kind::P384(_), HashAlg::Sha384, Padding::Default) => &rs::ECDSA_P384_SHA384_ASN1,
            (Kind::Ed25519(_), _, Padding::Default) => &rs::ED25519,
            (Kind::Rsa(_), HashAlg::Sha256, Padding::Default) => &rs::RSA_PKCS1_2048_8192_SHA256,
            (Kind::Rsa(_), HashAlg::Sha384, Padding::Default) => &rs::RSA_PKCS1_2048_8192_SHA384,
            (Kind::Rsa(_), HashAlg::Sha512, Padding::Default) => &rs::RSA_PKCS1_2048_8192_SHA512,
            (Kind::Rsa(_), HashAlg::Sha256, Padding::RsaPss) => &rs::RSA_PSS_2048_8192_SHA256,
            (Kind::Rsa(_), HashAlg::Sha384, Padding::RsaPss) => &rs::RSA_PSS_2048_8192_SHA384,
            (Kind::Rsa(_), HashAlg::Sha512, Padding::RsaPss) => &rs::RSA_PSS_2048_8192_SHA512,
            _ => return Err(SigError::Unsupported),
        };
        let key = match &self.kind {
            Kind::P256(k) | Kind::P384(k) | Kind::Ed25519(k) | Kind::Rsa(k) => k,
        };
        rs::UnparsedPublicKey::new(alg, key).verify(message, sig).map_err(|_| SigError::Invalid)
    }

    /// Verify an ECDSA `sig` over a message of which only the `digest` is known.
    pub fn verify_prehash(&self, digest: &[u8], sig: &[u8]) -> Result<(), SigError> {
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        match &self.kind {
            Kind::P256(point) => {
                let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| SigError::Invalid)?;
                let sig = p256::ecdsa::Signature::from_der(sig).map_err(|_| SigError::Invalid)?;
                key.verify_prehash(digest, &sig).map_err(|_| SigError::Invalid)
            }
            Kind::P384(point) => {
                let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| SigError::Invalid)?;
                let sig = p384::ecdsa::Signature::from_der(sig).map_err(|_| SigError::Invalid)?;
                key.verify_prehash(digest, &sig).map_err(|_| SigError::Invalid)
            }
            // Ed25519 and RSA need the message itself.
            _ => Err(SigError::NeedsMessage),
        }
    }
}

/// Why a signature did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigError {
    Invalid,
    Unsupported,
    NeedsMessage,
}

impl std::fmt::Display for SigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SigError::Invalid => "signature does not verify",
            SigError::Unsupported => "unsupported key and hash combination",
            SigError::NeedsMessage => "this key type needs the artifact itself, not only its digest",
        })
    }
}

/// Signature algorithm of an X.509 certificate or CMS signer: (hash, padding), by OID.
/// `key_hash` is the CMS digest algorithm, used when the signature OID names only the key type.
pub fn x509_sig_alg(oid: &ObjectIdentifier, key_hash: Option<HashAlg>) -> Result<(HashAlg, Padding), Error> {
    Ok(match oid.to_string().as_str() {
        "1.2.840.10045.4.3.2" | "1.2.840.113549.1.1.11" => (HashAlg::Sha256, Padding::Default),
        "1.2.840.10045.4.3.3" | "1.2.840.113549.1.1.12" => (HashAlg::Sha384, Padding::Default),
        "1.2.840.10045.4.3.4" | "1.2.840.113549.1.1.13" => (HashAlg::Sha512, Padding::Default),
        "1.3.101.112" => (HashAlg::Sha512, Padding::Default),
        // Bare key-type OIDs (CMS signers may use them): the hash comes from the digest algorithm.
        "1.2.840.10045.2.1" | "1.2.840.113549.1.1.1" => {
            (key_hash.ok_or_else(|| malformed("signature without a digest algorithm"))?, Padding::Default)
        }
        other => return Err(Error::Unsupported { what: format!("signature algorithm {other}") }),
    })
}

fn malformed(detail: impl Into<String>) -> Error {
    Error::Malformed { what: "public key", detail: detail.into() }
}

/// Decode one PEM block, tolerating any line length (Rekor bodies carry single-line PEM, which
/// the strict RFC 7468 decoder refuses). Returns the label and the DER.
pub fn pem_decode(text: &[u8]) -> Option<(String, Vec<u8>)> {
    use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
    let text = std::str::from_utf8(text).ok()?.trim();
    let rest = text.strip_prefix("-----BEGIN ")?;
    let (label, rest) = rest.split_once("-----")?;
    let end = format!("-----END {label}-----");
    let (body, after) = rest.split_once(&end)?;
    if !after.trim().is_empty() {
        return None;
    }
    let b64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    Some((label.to_string(), B64.decode(b64).ok()?))
}
