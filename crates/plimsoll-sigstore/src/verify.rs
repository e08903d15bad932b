//! The verification policy and the order of checks.

use sha2::{Digest, Sha256};

use crate::bundle::{Bundle, Content, Material};
use crate::certs::{verify_leaf_chain, verify_sct, Cert, Identity};
use crate::keys::{HashAlg, Padding, PublicKey, SigError};
use crate::root::TrustedRoot;
use crate::tlog::{verify_entry, Expected, Verifier as LogVerifier};
use crate::{tsa, Error};

/// The artifact: its bytes, or only its SHA-256 digest (`sha256:<hex>` on the command line).
#[derive(Debug, Clone)]
pub struct Artifact {
    sha256: [u8; 32],
    bytes: Option<Vec<u8>>,
}

impl Artifact {
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Artifact { sha256: Sha256::digest(&bytes).into(), bytes: Some(bytes) }
    }

    pub fn from_sha256(digest: [u8; 32]) -> Self {
        Artifact { sha256: digest, bytes: None }
    }

    pub fn sha256(&self) -> &[u8; 32] {
        &self.sha256
    }

    fn digest(&self, alg: HashAlg) -> Option<Vec<u8>> {
        match (alg, &self.bytes) {
            (HashAlg::Sha256, _) => Some(self.sha256.to_vec()),
            (_, Some(b)) => Some(alg.digest(b)),
            (_, None) => None,
        }
    }
}

/// A string matched exactly, or a regular expression that must match the whole value.
#[derive(Debug, Clone)]
pub enum Matcher {
    Exact(String),
    Regex(regex::Regex),
}

impl Matcher {
    /// Compile `pattern` anchored at both ends, as Cosign's `--certificate-identity-regexp` is used.
    pub fn regex(pattern: &str) -> Result<Self, regex::Error> {
        Ok(Matcher::Regex(regex::Regex::new(&format!("^(?:{pattern})$"))?))
    }

    pub fn matches(&self, s: &str) -> bool {
        match self {
            Matcher::Exact(e) => e == s,
            Matcher::Regex(r) => r.is_match(s),
        }
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Matcher::Exact(e) => write!(f, "{e:?}"),
            Matcher::Regex(r) => write!(f, "/{}/", r.as_str()),
        }
    }
}

/// GitHub Actions claims Fulcio records in the certificate; each one set must match exactly.
#[derive(Debug, Clone, Default)]
pub struct GithubClaims {
    /// `owner/repo`
    pub repository: Option<String>,
    /// `refs/heads/main`, `refs/tags/v1`
    pub git_ref: Option<String>,
    /// The workflow's name.
    pub workflow: Option<String>,
    /// The event that triggered it (`push`, `workflow_dispatch`, ...).
    pub trigger: Option<String>,
    /// The commit SHA.
    pub sha: Option<String>,
}

#[derive(Debug, Clone)]
pub struct IdentityPolicy {
    pub identity: Matcher,
    pub issuer: Matcher,
    pub github: GithubClaims,
}

/// Who must have signed.
#[derive(Debug, Clone)]
pub enum Policy {
    /// Keyless: a Fulcio certificate for this identity and issuer.
    Identity(IdentityPolicy),
    /// A key known out of band.
    Key(PublicKey),
}

/// What a successful verification established.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The certificate's identity (keyless bundles).
    pub identity: Option<Identity>,
    /// Verified times (log integration and RFC 3161), Unix seconds.
    pub times: Vec<i64>,
    /// Log indexes of the verified entries.
    pub log_indexes: Vec<i64>,
}

/// Verifies bundles against one trusted root.
#[derive(Debug, Clone)]
pub struct Verifier {
    root: TrustedRoot,
}

impl Verifier {
    pub fn new(root: TrustedRoot) -> Self {
        Verifier { root }
    }

    pub fn root(&self) -> &TrustedRoot {
        &self.root
    }

    pub fn verify(&self, bundle: &Bundle, artifact: &Artifact, policy: &Policy) -> Result<Verified, Error> {
        let root = &self.root;
        // 1. The signer's key.
        let (leaf, key) = match (&bundle.material, policy) {
            (Material::Certificate(der), Policy::Identity(_)) => {
                let leaf = Cert::from_der(der)?;
                let key = leaf.public_key()?;
                (Some(leaf), key)
            }
            (Material::PublicKey { .. }, Policy::Key(k)) => (None, k.clone()),
            (Material::Certificate(_), Policy::Key(_)) => {
                return Err(Error::Identity {
                    detail: "bundle is signed with a certificate; verify it with an identity and issuer, not a key"
                        .into(),
                })
            }
            (Material::PublicKey { .. }, Policy::Identity(_)) => {
                return Err(Error::Identity {
                    detail: "bundle is signed with a managed key; verify it with --key".into(),
                })
            }
        };

        // 2. The signature, and what it binds the artifact to.
        let signature: &[u8] = match &bundle.content {
            Content::Message { digest, signature } => {
                // Sigstore clients sign the message digest they name (a P-384 key may sign a
                // SHA-256 digest); without one, the key's usual hash.
                let mut hash = key.default_hash();
                if let Some((alg, d)) = digest {
                    let alg = match alg.as_str() {
                        "SHA2_256" => HashAlg::Sha256,
                        "SHA2_384" => HashAlg::Sha384,
                        "SHA2_512" => HashAlg::Sha512,
                        other => return Err(Error::Unsupported { what: format!("message digest algorithm {other}") }),
                    };
                    if let Some(ours) = artifact.digest(alg) {
                        if &ours != d {
                            return Err(Error::Artifact {
                                detail: "the bundle's message digest is not the artifact's digest".into(),
                            });
                        }
                    }
                    hash = alg;
                }
                verify_message(&key, hash, artifact, signature)?;
                signature
            }
            Content::Dsse(env) => {
                let [sig] = env.signatures.as_slice() else {
                    return Err(Error::Malformed {
                        what: "bundle",
                        detail: format!("DSSE envelope has {} signatures, expected 1", env.signatures.len()),
                    });
                };
                key.verify(key.default_hash(), Padding::Default, &env.pae(), sig)
                    .map_err(|e| Error::Signature { detail: format!("DSSE envelope: {e}") })?;
                check_subject(&env.payload_type, &env.payload, artifact)?;
                sig
            }
        };

        // 3. Timestamps from timestamp authorities.
        let mut times = Vec::new();
        let mut tsa_times = Vec::new();
        for token in &bundle.timestamps {
            let t = tsa::verify_timestamp(token, signature, root)?;
            tsa_times.push(t);
            times.push(t);
        }

        // 4. Log entries.
        if bundle.tlog_entries.is_empty() {
            return Err(Error::Transparency { detail: "bundle has no transparency log entry".into() });
        }
        let verifier = match &leaf {
            Some(_) => match &bundle.material {
                Material::Certificate(der) => LogVerifier::Certificate(der),
                Material::PublicKey { .. } => unreachable!("a leaf comes from a certificate"),
            },
            None => LogVerifier::PublicKey(key.spki_der()),
        };
        let envelope = match &bundle.content {
            Content::Dsse(env) => Some(env),
            Content::Message { .. } => None,
        };
        let digest_of = |alg: HashAlg| artifact.digest(alg);
        let expected = Expected { signature, verifier, artifact_digest: &digest_of, envelope };
        let mut log_indexes = Vec::new();
        let mut untimed_logs = Vec::new();
        for entry in &bundle.tlog_entries {
            let v = verify_entry(entry, bundle.version, root, &expected)?;
            match v.integrated_time {
                Some(t) => {
                    if !v.log.validity.contains(t) {
                        return Err(Error::Transparency {
                            detail: format!("integrated time {t} is outside log {}'s key validity", v.log.base_url),
                        });
                    }
                    times.push(t);
                }
                None => untimed_logs.push(v.log),
            }
            log_indexes.push(entry.log_index);
        }
        if times.is_empty() {
            return Err(Error::Timestamp {
                detail: "no verified time: neither a signed log integration time nor an RFC 3161 timestamp".into(),
            });
        }
        for log in untimed_logs {
            if let Some(t) = tsa_times.iter().find(|t| !log.validity.contains(**t)) {
                return Err(Error::Transparency {
                    detail: format!("log {}'s key is not valid at the timestamp {t}", log.base_url),
                });
            }
        }

        // 5. The certificate, its SCT and identity.
        let identity = match (&leaf, policy) {
            (Some(leaf), Policy::Identity(p)) => {
                let ca = verify_leaf_chain(leaf, root, &times)?;
                verify_sct(leaf, &ca.chain[0].1, root)?;
                let id = Identity::of(leaf)?;
                check_identity(&id, p)?;
                Some(id)
            }
            _ => None,
        };
        Ok(Verified { identity, times, log_indexes })
    }
}

fn verify_message(key: &PublicKey, hash: HashAlg, artifact: &Artifact, sig: &[u8]) -> Result<(), Error> {
    let res = match &artifact.bytes {
        Some(bytes) => key.verify(hash, Padding::Default, bytes, sig),
        None => match artifact.digest(hash) {
            Some(d) => key.verify_prehash(&d, sig),
            None => Err(SigError::NeedsMessage),
        },
    };
    res.map_err(|e| Error::Signature { detail: format!("message signature over the artifact: {e}") })
}

/// A DSSE bundle verifies an artifact when the artifact is a subject of its in-toto statement.
fn check_subject(payload_type: &str, payload: &[u8], artifact: &Artifact) -> Result<(), Error> {
    if payload_type != "application/vnd.in-toto+json" {
        return Err(Error::Unsupported { what: format!("DSSE payload type {payload_type}") });
    }
    let statement: serde_json::Value =
        serde_json::from_slice(payload).map_err(|source| Error::Json { what: "in-toto statement", source })?;
    let want = hex::encode(artifact.sha256());
    let found = statement
        .get("subject")
        .and_then(|s| s.as_array())
        .into_iter()
        .flatten()
        .filter_map(|s| s.pointer("/digest/sha256").and_then(|d| d.as_str()))
        .any(|d| d.eq_ignore_ascii_case(&want));
    if !found {
        return Err(Error::Artifact { detail: format!("sha256:{want} is not a subject of the in-toto statement") });
    }
    Ok(())
}

fn check_identity(id: &Identity, p: &IdentityPolicy) -> Result<(), Error> {
    if !id.sans.iter().any(|s| p.identity.matches(s)) {
        return Err(Error::Identity {
            detail: format!("certificate identity {:?} does not match {}", id.sans, p.identity),
        });
    }
    let issuer =
        id.issuer().ok_or_else(|| Error::Identity { detail: "certificate has no OIDC issuer extension".into() })?;
    if !p.issuer.matches(issuer) {
        return Err(Error::Identity { detail: format!("certificate issuer {issuer:?} does not match {}", p.issuer) });
    }
    // Deprecated extension first (what Cosign's --certificate-github-* flags read), then the newer.
    let claims: [(&Option<String>, &str, &[u32]); 5] = [
        (&p.github.trigger, "workflow trigger", &[2, 20]),
        (&p.github.sha, "workflow commit", &[3, 13]),
        (&p.github.workflow, "workflow name", &[4]),
        (&p.github.repository, "workflow repository", &[5]),
        (&p.github.git_ref, "workflow ref", &[6, 14]),
    ];
    for (want, what, oids) in claims {
        let Some(want) = want else { continue };
        let got = oids.iter().find_map(|n| id.fulcio_ext(*n));
        if got != Some(want.as_str()) {
            return Err(Error::Identity { detail: format!("certificate {what} {got:?} is not {want:?}") });
        }
    }
    Ok(())
}

/// Parse a `sha256:<hex>` digest argument (the conformance protocol's FILE_OR_DIGEST).
pub fn parse_sha256(s: &str) -> Option<[u8; 32]> {
    let hex_part = s.strip_prefix("sha256:")?;
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_part, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_matchers_are_anchored() {
        let m = Matcher::regex("https://github.com/org/.*").unwrap();
        assert!(m.matches("https://github.com/org/repo/.github/workflows/x.yml@refs/heads/main"));
        assert!(!m.matches("https://evil.example/?https://github.com/org/x"));
        let m = Matcher::regex("a|b").unwrap();
        assert!(m.matches("a") && !m.matches("ab"));
    }

    #[test]
    fn digest_arguments() {
        let hex = "38dc4e2c261d49c661196066edbfb70fdb16be4a79cc8220c224dfeb5636d405";
        assert_eq!(parse_sha256(&format!("sha256:{hex}")).map(hex::encode), Some(hex.to_string()));
        assert_eq!(parse_sha256(&format!("sha256:{}", &hex[1..])), None);
        assert_eq!(parse_sha256(hex), None);
        assert_eq!(parse_sha256("sha512:00"), None);
    }

    #[test]
    fn dsse_pae_matches_the_spec_example() {
        // DSSE protocol.md: PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
        let env = crate::bundle::Envelope {
            payload: b"hello world".to_vec(),
            payload_type: "http://example.com/HelloWorld".into(),
            signatures: vec![],
        };
        assert_eq!(env.pae(), b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec());
    }
}
