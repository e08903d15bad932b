//! Sigstore bundles (protobuf-specs `Bundle`, JSON mapping), media types v0.1 to v0.3.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde::Deserialize;

use crate::Error;

/// The bundle format version, from its media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BundleVersion {
    V0_1,
    V0_2,
    V0_3,
}

impl BundleVersion {
    fn from_media_type(mt: &str) -> Option<Self> {
        Some(match mt {
            "application/vnd.dev.sigstore.bundle+json;version=0.1" => BundleVersion::V0_1,
            "application/vnd.dev.sigstore.bundle+json;version=0.2" => BundleVersion::V0_2,
            "application/vnd.dev.sigstore.bundle+json;version=0.3"
            | "application/vnd.dev.sigstore.bundle.v0.3+json" => BundleVersion::V0_3,
            _ => return None,
        })
    }
}

/// What the bundle says the signer's key is.
#[derive(Debug, Clone)]
pub enum Material {
    /// The leaf certificate's DER (the rest of a v0.1/v0.2 chain is checked, then ignored: the
    /// trusted root supplies the chain).
    Certificate(Vec<u8>),
    /// A key known out of band (`--key`); the hint is informational.
    PublicKey { hint: String },
}

/// What was signed.
#[derive(Debug, Clone)]
pub enum Content {
    Message { digest: Option<(String, Vec<u8>)>, signature: Vec<u8> },
    Dsse(Envelope),
}

#[derive(Debug, Clone)]
pub struct Envelope {
    pub payload: Vec<u8>,
    pub payload_type: String,
    pub signatures: Vec<Vec<u8>>,
}

impl Envelope {
    /// DSSE pre-authentication encoding: what the signature covers.
    pub fn pae(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.payload.len() + self.payload_type.len() + 32);
        out.extend_from_slice(b"DSSEv1 ");
        out.extend_from_slice(self.payload_type.len().to_string().as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.payload_type.as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.payload.len().to_string().as_bytes());
        out.push(b' ');
        out.extend_from_slice(&self.payload);
        out
    }
}

#[derive(Debug, Clone)]
pub struct TlogEntry {
    pub log_index: i64,
    pub log_id: Vec<u8>,
    pub kind: String,
    pub version: String,
    /// Absent (0) in Rekor v2 entries.
    pub integrated_time: i64,
    pub set: Option<Vec<u8>>,
    pub proof: Option<InclusionProof>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct InclusionProof {
    pub log_index: i64,
    pub root_hash: Vec<u8>,
    pub tree_size: i64,
    pub hashes: Vec<Vec<u8>>,
    pub checkpoint: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Bundle {
    pub version: BundleVersion,
    pub material: Material,
    pub tlog_entries: Vec<TlogEntry>,
    /// DER TimeStampTokens (RFC 3161).
    pub timestamps: Vec<Vec<u8>>,
    pub content: Content,
}

impl Bundle {
    pub fn from_json(json: &[u8]) -> Result<Self, Error> {
        let raw: RawBundle = serde_json::from_slice(json).map_err(|source| Error::Json { what: "bundle", source })?;
        let version = BundleVersion::from_media_type(&raw.media_type)
            .ok_or_else(|| bad(format!("unsupported bundle media type {:?}", raw.media_type)))?;
        let vm = raw.verification_material.ok_or_else(|| bad("no verificationMaterial".into()))?;
        let (material, chain) = match (vm.certificate, vm.x509_certificate_chain, vm.public_key) {
            (Some(c), None, None) => (Material::Certificate(b64(&c.raw_bytes, "certificate")?), Vec::new()),
            (None, Some(chain), None) => {
                let ders = chain
                    .certificates
                    .iter()
                    .map(|c| b64(&c.raw_bytes, "certificate"))
                    .collect::<Result<Vec<_>, _>>()?;
                let leaf = ders.first().ok_or_else(|| bad("empty x509CertificateChain".into()))?;
                (Material::Certificate(leaf.clone()), ders)
            }
            (None, None, Some(pk)) => (Material::PublicKey { hint: pk.hint.unwrap_or_default() }, Vec::new()),
            (None, None, None) => return Err(bad("no certificate or public key".into())),
            _ => return Err(bad("more than one kind of verification material".into())),
        };
        Self::finish(
            raw.message_signature,
            raw.dsse_envelope,
            version,
            vm.tlog_entries,
            vm.timestamp_verification_data,
            material,
            chain,
        )
    }

    fn finish(
        msg: Option<RawMessageSignature>,
        dsse: Option<RawEnvelope>,
        version: BundleVersion,
        entries: Vec<RawTlogEntry>,
        tsv: Option<RawTimestampData>,
        material: Material,
        chain: Vec<Vec<u8>>,
    ) -> Result<Self, Error> {
        if version == BundleVersion::V0_3 && chain.len() > 1 {
            // v0.3 carries the leaf alone (`certificate`); a chain is tolerated only if it is
            // just the leaf.
            return Err(bad("v0.3 bundle with a certificate chain".into()));
        }
        // The chain beyond the leaf must not include a root: a bundle must not choose its own trust.
        for der in chain.iter().skip(1) {
            use der::Decode;
            let cert = x509_cert::Certificate::from_der(der).map_err(|e| bad(format!("chain certificate: {e}")))?;
            if cert.tbs_certificate.issuer == cert.tbs_certificate.subject {
                return Err(bad("certificate chain contains a root (self-signed) certificate".into()));
            }
        }
        let content = match (msg, dsse) {
            (Some(m), None) => Content::Message {
                digest: match m.message_digest {
                    Some(d) => Some((d.algorithm, b64(&d.digest, "message digest")?)),
                    None => None,
                },
                signature: b64(&m.signature, "signature")?,
            },
            (None, Some(e)) => Content::Dsse(Envelope {
                payload: b64(&e.payload, "DSSE payload")?,
                payload_type: e.payload_type,
                signatures: e.signatures.iter().map(|s| b64(&s.sig, "DSSE signature")).collect::<Result<_, _>>()?,
            }),
            (None, None) => return Err(bad("neither messageSignature nor dsseEnvelope".into())),
            (Some(_), Some(_)) => return Err(bad("both messageSignature and dsseEnvelope".into())),
        };
        let tlog_entries = entries.into_iter().map(RawTlogEntry::parse).collect::<Result<_, _>>()?;
        let timestamps = tsv
            .map(|t| {
                t.rfc3161_timestamps
                    .iter()
                    .map(|ts| b64(&ts.signed_timestamp, "RFC 3161 timestamp"))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        Ok(Bundle { version, material, tlog_entries, timestamps, content })
    }
}

fn bad(detail: String) -> Error {
    Error::Malformed { what: "bundle", detail }
}

pub(crate) fn b64(s: &str, what: &str) -> Result<Vec<u8>, Error> {
    B64.decode(s.trim()).map_err(|e| bad(format!("{what}: bad base64: {e}")))
}

/// protobuf-JSON int64: a string (or, leniently, a number); must be non-negative.
fn int64(v: &Option<serde_json::Value>, what: &str) -> Result<i64, Error> {
    let n = match v {
        None => 0,
        Some(serde_json::Value::String(s)) => {
            s.parse::<i64>().map_err(|_| bad(format!("{what} {s:?} is not an integer")))?
        }
        Some(serde_json::Value::Number(n)) => n.as_i64().ok_or_else(|| bad(format!("{what} {n} is not an integer")))?,
        Some(other) => return Err(bad(format!("{what} {other} is not an integer"))),
    };
    if n < 0 {
        return Err(bad(format!("{what} is negative ({n})")));
    }
    Ok(n)
}

fn required(v: &Option<serde_json::Value>, what: &str) -> Result<i64, Error> {
    if v.is_none() {
        return Err(bad(format!("{what} is missing")));
    }
    int64(v, what)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBundle {
    media_type: String,
    verification_material: Option<RawMaterial>,
    message_signature: Option<RawMessageSignature>,
    dsse_envelope: Option<RawEnvelope>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMaterial {
    certificate: Option<RawCert>,
    x509_certificate_chain: Option<RawChain>,
    public_key: Option<RawPublicKeyId>,
    #[serde(default)]
    tlog_entries: Vec<RawTlogEntry>,
    timestamp_verification_data: Option<RawTimestampData>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCert {
    raw_bytes: String,
}

#[derive(Deserialize)]
struct RawChain {
    #[serde(default)]
    certificates: Vec<RawCert>,
}

#[derive(Deserialize)]
struct RawPublicKeyId {
    hint: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTimestampData {
    #[serde(default)]
    rfc3161_timestamps: Vec<RawTimestamp>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTimestamp {
    signed_timestamp: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMessageSignature {
    message_digest: Option<RawHash>,
    signature: String,
}

#[derive(Deserialize)]
struct RawHash {
    algorithm: String,
    digest: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEnvelope {
    payload: String,
    payload_type: String,
    #[serde(default)]
    signatures: Vec<RawSig>,
}

#[derive(Deserialize)]
struct RawSig {
    sig: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTlogEntry {
    log_index: Option<serde_json::Value>,
    log_id: RawLogId,
    kind_version: RawKindVersion,
    integrated_time: Option<serde_json::Value>,
    inclusion_promise: Option<RawPromise>,
    inclusion_proof: Option<RawProof>,
    canonicalized_body: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLogId {
    key_id: String,
}

#[derive(Deserialize)]
struct RawKindVersion {
    kind: String,
    version: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPromise {
    signed_entry_timestamp: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProof {
    log_index: Option<serde_json::Value>,
    root_hash: String,
    tree_size: Option<serde_json::Value>,
    #[serde(default)]
    hashes: Vec<String>,
    checkpoint: Option<RawCheckpoint>,
}

#[derive(Deserialize)]
struct RawCheckpoint {
    envelope: String,
}

impl RawTlogEntry {
    fn parse(self) -> Result<TlogEntry, Error> {
        let proof = match self.inclusion_proof {
            None => None,
            Some(p) => Some(InclusionProof {
                log_index: required(&p.log_index, "inclusion proof log index")?,
                root_hash: b64(&p.root_hash, "root hash")?,
                tree_size: required(&p.tree_size, "tree size")?,
                hashes: p.hashes.iter().map(|h| b64(h, "proof hash")).collect::<Result<_, _>>()?,
                checkpoint: p.checkpoint.map(|c| c.envelope),
            }),
        };
        Ok(TlogEntry {
            // Required: a default of 0 would let a stripped index pass unnoticed.
            log_index: required(&self.log_index, "log index")?,
            log_id: b64(&self.log_id.key_id, "log id")?,
            kind: self.kind_version.kind,
            version: self.kind_version.version,
            integrated_time: int64(&self.integrated_time, "integrated time")?,
            set: self
                .inclusion_promise
                .map(|p| b64(&p.signed_entry_timestamp, "signed entry timestamp"))
                .transpose()?,
            proof,
            body: b64(&self.canonicalized_body, "canonicalized body")?,
        })
    }
}
