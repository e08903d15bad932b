//! Cosign's key files.
//!
//! `NAME.pub`: a PEM `PUBLIC KEY` (SubjectPublicKeyInfo DER) of an ECDSA P-256 key.
//! `NAME.key`: a PEM `ENCRYPTED SIGSTORE PRIVATE KEY` (older Cosign: `ENCRYPTED COSIGN PRIVATE
//! KEY`) whose body is the JSON of go-securesystemslib's `encrypted` package:
//! `{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":B64},
//!   "cipher":{"name":"nacl/secretbox","nonce":B64},"ciphertext":B64}`, the ciphertext being
//! the PKCS#8 DER of the private key sealed with XSalsa20-Poly1305 under
//! `scrypt(passphrase, salt, N, r, p, 32)`.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use crypto_secretbox::aead::Aead;
use crypto_secretbox::{KeyInit, XSalsa20Poly1305};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::pkcs8::der::pem::{self, LineEnding};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::SignError;

pub const PRIVATE_KEY_LABEL: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
const LEGACY_PRIVATE_KEY_LABEL: &str = "ENCRYPTED COSIGN PRIVATE KEY";
const PUBLIC_KEY_LABEL: &str = "PUBLIC KEY";
/// Cosign's scrypt cost: N = 2^15, r = 8, p = 1.
const SCRYPT_LOG_N: u8 = 15;
/// Decrypting accepts at most N = 2^16 (64 MiB of scrypt memory at r = 8), so a hostile key
/// file cannot make us allocate gigabytes.
const SCRYPT_MAX_LOG_N: u8 = 16;
const SALT_LEN: usize = 32;
const NONCE_LEN: usize = 24;
/// A key file is a few hundred bytes.
const MAX_KEY_FILE: u64 = 64 << 10;

/// An ECDSA P-256 private key.
pub struct SigningKey(p256::ecdsa::SigningKey);

/// An ECDSA P-256 public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyingKey(p256::ecdsa::VerifyingKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

impl SigningKey {
    pub fn generate() -> SigningKey {
        SigningKey(p256::ecdsa::SigningKey::random(&mut OsRng))
    }

    /// An ASN.1 DER ECDSA signature over SHA-256(`message`), as Cosign writes them.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let sig: p256::ecdsa::Signature = self.0.sign(message);
        sig.to_der().as_bytes().to_vec()
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey(*self.0.verifying_key())
    }

    /// The PKCS#8 DER of the key, sealed in Cosign's encrypted PEM format.
    pub fn to_encrypted_pem(&self, passphrase: &[u8]) -> Result<String, SignError> {
        let der =
            self.0.to_pkcs8_der().map_err(|e| SignError::Key { what: "new key".into(), reason: e.to_string() })?;
        let mut salt = [0u8; SALT_LEN];
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut salt);
        OsRng.fill_bytes(&mut nonce);
        let n = 1u32 << SCRYPT_LOG_N;
        let key = derive(passphrase, &salt, SCRYPT_LOG_N, 8, 1)?;
        let cipher = XSalsa20Poly1305::new(crypto_secretbox::Key::from_slice(&key));
        let ciphertext = cipher
            .encrypt(crypto_secretbox::Nonce::from_slice(&nonce), der.as_bytes())
            .map_err(|_| SignError::Key { what: "new key".into(), reason: "encryption failed".into() })?;
        let sealed = Sealed {
            kdf: Kdf { name: "scrypt".into(), params: ScryptParams { n, r: 8, p: 1 }, salt: B64.encode(salt) },
            cipher: Cipher { name: "nacl/secretbox".into(), nonce: B64.encode(nonce) },
            ciphertext: B64.encode(ciphertext),
        };
        let json = serde_json::to_vec(&sealed)
            .map_err(|e| SignError::Key { what: "new key".into(), reason: e.to_string() })?;
        pem::encode_string(PRIVATE_KEY_LABEL, LineEnding::LF, &json)
            .map_err(|e| SignError::Key { what: "new key".into(), reason: e.to_string() })
    }

    /// Opens a Cosign encrypted private key. `what` names the file in errors.
    pub fn from_encrypted_pem(text: &str, passphrase: &[u8], what: &str) -> Result<SigningKey, SignError> {
        let bad = |reason: String| SignError::Key { what: what.to_owned(), reason };
        let (label, json) = pem::decode_vec(text.trim().as_bytes()).map_err(|e| bad(format!("not a PEM file: {e}")))?;
        if label != PRIVATE_KEY_LABEL && label != LEGACY_PRIVATE_KEY_LABEL {
            return Err(bad(format!(
                "a PEM `{label}`, expected `{PRIVATE_KEY_LABEL}` (a key made by `plimsoll key generate` or \
                 `cosign generate-key-pair`)"
            )));
        }
        let sealed: Sealed = serde_json::from_slice(&json).map_err(|e| bad(format!("invalid key JSON: {e}")))?;
        if sealed.kdf.name != "scrypt" || sealed.cipher.name != "nacl/secretbox" {
            return Err(bad(format!("unsupported kdf `{}` or cipher `{}`", sealed.kdf.name, sealed.cipher.name)));
        }
        let ScryptParams { n, r, p } = sealed.kdf.params;
        if !n.is_power_of_two()
            || n < 2
            || n.trailing_zeros() > u32::from(SCRYPT_MAX_LOG_N)
            || r != 8
            || !(1..=4).contains(&p)
        {
            return Err(bad(format!("unsupported scrypt parameters N={n} r={r} p={p}")));
        }
        let log_n = u8::try_from(n.trailing_zeros()).map_err(|_| bad("bad scrypt N".into()))?;
        let salt = B64.decode(&sealed.kdf.salt).map_err(|_| bad("the salt is not base64".into()))?;
        let nonce = B64.decode(&sealed.cipher.nonce).map_err(|_| bad("the nonce is not base64".into()))?;
        if nonce.len() != NONCE_LEN {
            return Err(bad(format!("the nonce has {} bytes, expected {NONCE_LEN}", nonce.len())));
        }
        let ciphertext = B64.decode(&sealed.ciphertext).map_err(|_| bad("the ciphertext is not base64".into()))?;
        let key = derive(passphrase, &salt, log_n, r, p)?;
        let cipher = XSalsa20Poly1305::new(crypto_secretbox::Key::from_slice(&key));
        let der = cipher
            .decrypt(crypto_secretbox::Nonce::from_slice(&nonce), ciphertext.as_slice())
            .map_err(|_| SignError::WrongPassphrase { what: what.to_owned() })?;
        let key = p256::ecdsa::SigningKey::from_pkcs8_der(&der)
            .map_err(|e| bad(format!("the decrypted key is not a PKCS#8 ECDSA P-256 key: {e}")))?;
        Ok(SigningKey(key))
    }

    /// Reads and decrypts a key file.
    pub fn load(path: &Path, passphrase: &[u8]) -> Result<SigningKey, SignError> {
        let text = read_small(path)?;
        SigningKey::from_encrypted_pem(&text, passphrase, &path.display().to_string())
    }
}

impl VerifyingKey {
    pub fn to_pem(&self) -> Result<String, SignError> {
        self.0
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| SignError::Key { what: "public key".into(), reason: e.to_string() })
    }

    pub fn from_pem(text: &str, what: &str) -> Result<VerifyingKey, SignError> {
        let bad = |reason: String| SignError::Key { what: what.to_owned(), reason };
        let (label, der) = pem::decode_vec(text.trim().as_bytes()).map_err(|e| bad(format!("not a PEM file: {e}")))?;
        if label != PUBLIC_KEY_LABEL {
            return Err(bad(format!("a PEM `{label}`, expected `{PUBLIC_KEY_LABEL}` (the .pub file of the key pair)")));
        }
        p256::ecdsa::VerifyingKey::from_public_key_der(&der)
            .map(VerifyingKey)
            .map_err(|e| bad(format!("not an ECDSA P-256 public key: {e}")))
    }

    pub fn load(path: &Path) -> Result<VerifyingKey, SignError> {
        let text = read_small(path)?;
        VerifyingKey::from_pem(&text, &path.display().to_string())
    }

    /// Checks an ASN.1 DER ECDSA signature over SHA-256(`message`).
    pub fn verify(&self, message: &[u8], der_signature: &[u8]) -> bool {
        match p256::ecdsa::DerSignature::try_from(der_signature) {
            Ok(sig) => self.0.verify(message, &sig).is_ok(),
            Err(_) => false,
        }
    }
}

fn read_small(path: &Path) -> Result<String, SignError> {
    use std::io::Read;
    let io = |source| SignError::Io { path: path.to_owned(), source };
    let f = std::fs::File::open(path).map_err(io)?;
    let mut text = String::new();
    f.take(MAX_KEY_FILE).read_to_string(&mut text).map_err(io)?;
    Ok(text)
}

fn derive(passphrase: &[u8], salt: &[u8], log_n: u8, r: u32, p: u32) -> Result<[u8; 32], SignError> {
    let params = scrypt::Params::new(log_n, r, p, 32)
        .map_err(|e| SignError::Key { what: "scrypt parameters".into(), reason: e.to_string() })?;
    let mut out = [0u8; 32];
    scrypt::scrypt(passphrase, salt, &params, &mut out)
        .map_err(|e| SignError::Key { what: "scrypt".into(), reason: e.to_string() })?;
    Ok(out)
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: ScryptParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct ScryptParams {
    #[serde(rename = "N")]
    n: u32,
    r: u32,
    p: u32,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

/// Writes `PREFIX.key` (mode 0600, encrypted) and `PREFIX.pub`. Refuses to overwrite either.
pub fn generate_key_files(prefix: &Path, passphrase: &[u8]) -> Result<(PathBuf, PathBuf), SignError> {
    let key_path = with_suffix(prefix, "key");
    let pub_path = with_suffix(prefix, "pub");
    for p in [&key_path, &pub_path] {
        if p.exists() {
            return Err(SignError::Io {
                path: p.clone(),
                source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "refusing to overwrite an existing key"),
            });
        }
    }
    let key = SigningKey::generate();
    let private = key.to_encrypted_pem(passphrase)?;
    let public = key.verifying_key().to_pem()?;
    write_new(&key_path, private.as_bytes(), 0o600)?;
    write_new(&pub_path, public.as_bytes(), 0o644)?;
    Ok((key_path, pub_path))
}

fn with_suffix(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// Creates a file with `mode` from the start (no window where a private key is world-readable).
fn write_new(path: &Path, data: &[u8], mode: u32) -> Result<(), SignError> {
    use std::os::unix::fs::OpenOptionsExt;
    let io = |source| SignError::Io { path: path.to_owned(), source };
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(mode).open(path).map_err(io)?;
    f.write_all(data).map_err(io)?;
    f.sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypted_key_round_trip_and_wrong_passphrase() {
        let key = SigningKey::generate();
        let pem = key.to_encrypted_pem(b"correct horse").unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"), "{pem}");
        let back = SigningKey::from_encrypted_pem(&pem, b"correct horse", "k").unwrap();
        assert_eq!(back.verifying_key(), key.verifying_key());
        let err = SigningKey::from_encrypted_pem(&pem, b"wrong", "k").unwrap_err();
        assert!(matches!(err, SignError::WrongPassphrase { .. }), "{err}");
    }

    #[test]
    fn sign_verify() {
        let key = SigningKey::generate();
        let sig = key.sign(b"payload");
        let vk = VerifyingKey::from_pem(&key.verifying_key().to_pem().unwrap(), "p").unwrap();
        assert!(vk.verify(b"payload", &sig));
        assert!(!vk.verify(b"payload!", &sig));
        assert!(!SigningKey::generate().verifying_key().verify(b"payload", &sig));
        assert!(!vk.verify(b"payload", b"\x30\x02garbage"));
    }

    #[test]
    fn hostile_key_files_are_errors() {
        let key = SigningKey::generate();
        let pem = key.to_encrypted_pem(b"pw").unwrap();
        let (_, json) = pem::decode_vec(pem.as_bytes()).unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        v["kdf"]["params"]["N"] = serde_json::json!(1u64 << 30);
        let huge = pem::encode_string(PRIVATE_KEY_LABEL, LineEnding::LF, &serde_json::to_vec(&v).unwrap()).unwrap();
        assert!(SigningKey::from_encrypted_pem(&huge, b"pw", "k").unwrap_err().to_string().contains("scrypt"));
        v["kdf"]["params"]["N"] = serde_json::json!(32768);
        v["cipher"]["nonce"] = serde_json::json!("AAAA");
        let short = pem::encode_string(PRIVATE_KEY_LABEL, LineEnding::LF, &serde_json::to_vec(&v).unwrap()).unwrap();
        assert!(SigningKey::from_encrypted_pem(&short, b"pw", "k").unwrap_err().to_string().contains("nonce"));
        assert!(SigningKey::from_encrypted_pem("not pem", b"pw", "k").is_err());
        assert!(VerifyingKey::from_pem(&pem, "k").unwrap_err().to_string().contains("PUBLIC KEY"));
    }

    #[test]
    fn key_files_have_cosign_names_and_modes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (k, p) = generate_key_files(&dir.path().join("cosign"), b"pw").unwrap();
        assert_eq!(k, dir.path().join("cosign.key"));
        assert_eq!(std::fs::metadata(&k).unwrap().permissions().mode() & 0o777, 0o600);
        let sk = SigningKey::load(&k, b"pw").unwrap();
        assert_eq!(VerifyingKey::load(&p).unwrap(), sk.verifying_key());
        assert!(generate_key_files(&dir.path().join("cosign"), b"pw").is_err());
    }
}
