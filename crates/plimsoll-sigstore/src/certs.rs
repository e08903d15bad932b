//! Signing certificates: the chain to a Fulcio CA of the trusted root, embedded SCTs, and the
//! identity (SAN) and Fulcio OIDC extensions.

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, Utf8StringRef};
use der::{Decode, Encode, Sequence};
use sha2::{Digest, Sha256};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::sct::{HashAlgorithm, SignedCertificateTimestampList};
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName};
use x509_cert::Certificate;

use crate::keys::{x509_sig_alg, HashAlg, Padding, PublicKey};
use crate::root::{Authority, TrustedRoot};
use crate::Error;

const SCT_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2");
const SAN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
pub(crate) const KP_CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
pub(crate) const KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
/// Fulcio's arc: 1.3.6.1.4.1.57264.1.N.
const FULCIO_ARC: &str = "1.3.6.1.4.1.57264.1.";

/// A certificate with the exact bytes its issuer signed.
#[derive(Debug, Clone)]
pub struct Cert {
    pub cert: Certificate,
    tbs_der: Vec<u8>,
    sig_alg: ObjectIdentifier,
    sig: Vec<u8>,
}

/// The outer Certificate SEQUENCE, keeping the TBS bytes as they were signed.
#[derive(Sequence)]
struct RawCert<'a> {
    tbs: AnyRef<'a>,
    alg: AnyRef<'a>,
    sig: BitStringRef<'a>,
}

impl Cert {
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let cert = Certificate::from_der(der).map_err(|e| cert_err(format!("not a certificate: {e}")))?;
        let raw = RawCert::from_der(der).map_err(|e| cert_err(format!("not a certificate: {e}")))?;
        Ok(Cert {
            tbs_der: raw.tbs.to_der().map_err(|e| cert_err(e.to_string()))?,
            sig_alg: cert.signature_algorithm.oid,
            sig: raw.sig.raw_bytes().to_vec(),
            cert,
        })
    }

    pub fn public_key(&self) -> Result<PublicKey, Error> {
        PublicKey::from_spki(&self.cert.tbs_certificate.subject_public_key_info)
    }

    /// notBefore and notAfter in Unix seconds.
    pub fn validity(&self) -> (i64, i64) {
        validity(&self.cert)
    }

    pub fn valid_at(&self, t: i64) -> bool {
        valid_at(&self.cert, t)
    }

    /// Check that `issuer` signed this certificate.
    pub fn verify_issued_by(&self, issuer: &Certificate) -> Result<(), Error> {
        if self.cert.tbs_certificate.issuer != issuer.tbs_certificate.subject {
            return Err(cert_err("issuer name does not match the CA's subject".into()));
        }
        let key = PublicKey::from_spki(&issuer.tbs_certificate.subject_public_key_info)?;
        let (hash, padding) = x509_sig_alg(&self.sig_alg, None)?;
        key.verify(hash, padding, &self.tbs_der, &self.sig).map_err(|e| cert_err(format!("certificate signature: {e}")))
    }

    pub fn extension(&self, oid: &ObjectIdentifier) -> Option<&[u8]> {
        self.cert
            .tbs_certificate
            .extensions
            .as_ref()?
            .iter()
            .find(|e| &e.extn_id == oid)
            .map(|e| e.extn_value.as_bytes())
    }

    /// Whether this certificate's extended key usage includes `purpose`.
    pub fn has_eku(&self, purpose: &ObjectIdentifier) -> Result<bool, Error> {
        match self.extension(&EXT_KEY_USAGE) {
            None => Ok(false),
            Some(v) => Ok(ExtendedKeyUsage::from_der(v)
                .map_err(|e| cert_err(format!("extended key usage: {e}")))?
                .0
                .contains(purpose)),
        }
    }
}

fn validity(cert: &Certificate) -> (i64, i64) {
    let v = &cert.tbs_certificate.validity;
    let secs = |t: x509_cert::time::Time| i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    (secs(v.not_before), secs(v.not_after))
}

/// Whether `t` (Unix seconds) is within the certificate's validity, both ends inclusive (RFC 5280 4.1.2.5).
pub fn valid_at(cert: &Certificate, t: i64) -> bool {
    let (nb, na) = validity(cert);
    nb <= t && t <= na
}

/// Check a Fulcio-issued leaf: a code-signing end-entity certificate chaining to a CA of the
/// trusted root, with the chain and the CA's window covering every verified time. Returns the
/// issuing CA certificate (for the SCT).
pub fn verify_leaf_chain<'r>(leaf: &Cert, root: &'r TrustedRoot, times: &[i64]) -> Result<&'r Authority, Error> {
    if let Some(bc) = leaf.extension(&BASIC_CONSTRAINTS) {
        let bc = BasicConstraints::from_der(bc).map_err(|e| cert_err(format!("basic constraints: {e}")))?;
        if bc.ca {
            return Err(cert_err("signing certificate is a CA certificate".into()));
        }
    }
    let ku = leaf.extension(&KEY_USAGE).ok_or_else(|| cert_err("signing certificate has no key usage".into()))?;
    let ku = KeyUsage::from_der(ku).map_err(|e| cert_err(format!("key usage: {e}")))?;
    if !ku.digital_signature() {
        return Err(cert_err("signing certificate's key usage lacks digitalSignature".into()));
    }
    if !leaf.has_eku(&KP_CODE_SIGNING)? {
        return Err(cert_err("signing certificate's extended key usage lacks codeSigning".into()));
    }
    // Report why the CA that names itself the issuer refused, rather than a generic miss.
    let mut last_err = cert_err("not issued by any certificate authority of the trusted root".into());
    for ca in &root.certificate_authorities {
        match verify_against(leaf, ca, times) {
            Ok(()) => return Ok(ca),
            Err(e) if ca.chain[0].1.tbs_certificate.subject == leaf.cert.tbs_certificate.issuer => last_err = e,
            Err(_) => {}
        }
    }
    Err(last_err)
}

/// Verify `leaf` against one authority's chain (leaf-most first) at each of `times`.
pub fn verify_against(leaf: &Cert, ca: &Authority, times: &[i64]) -> Result<(), Error> {
    // The links inside the authority's own chain were verified when the root was loaded.
    leaf.verify_issued_by(&ca.chain[0].1)?;
    for &t in times {
        if !ca.validity.contains(t) {
            return Err(cert_err(format!(
                "time {t} is outside the validity window of certificate authority {}",
                ca.uri
            )));
        }
        if ca.chain.iter().any(|(_, c)| !valid_at(c, t)) {
            return Err(cert_err(format!("CA certificate of {} is not valid at time {t}", ca.uri)));
        }
        if !leaf.valid_at(t) {
            let (nb, na) = leaf.validity();
            return Err(cert_err(format!(
                "signing certificate (valid {nb}..{na}) is not valid at the verified time {t}"
            )));
        }
    }
    Ok(())
}

/// Verify at least one embedded SCT against a CT log of the trusted root (RFC 6962 3.2: the
/// precertificate TBS without the SCT extension, bound to the issuer's key hash).
pub fn verify_sct(leaf: &Cert, issuer: &Certificate, root: &TrustedRoot) -> Result<(), Error> {
    let ext = leaf.extension(&SCT_LIST).ok_or_else(|| sct_err("signing certificate has no embedded SCT".into()))?;
    let list = SignedCertificateTimestampList::from_der(ext).map_err(|e| sct_err(format!("SCT list: {e}")))?;
    let scts = list.parse_timestamps().map_err(|e| sct_err(format!("SCT list: {e:?}")))?;

    let mut tbs = leaf.cert.tbs_certificate.clone();
    if let Some(exts) = tbs.extensions.as_mut() {
        exts.retain(|e| e.extn_id != SCT_LIST);
    }
    let tbs_der = tbs.to_der().map_err(|e| sct_err(format!("precertificate TBS: {e}")))?;
    let issuer_spki = issuer.tbs_certificate.subject_public_key_info.to_der().map_err(|e| sct_err(e.to_string()))?;
    let issuer_key_hash = Sha256::digest(&issuer_spki);
    if tbs_der.len() >= 1 << 24 {
        return Err(sct_err("precertificate too large".into()));
    }

    let mut reasons = Vec::new();
    for sct in &scts {
        let sct = match sct.parse_timestamp() {
            Ok(s) => s,
            Err(e) => {
                reasons.push(format!("unparsable SCT: {e:?}"));
                continue;
            }
        };
        let Some(log) = root.ctlog(&sct.log_id.key_id) else {
            reasons.push(format!("SCT from unknown CT log {}", hex::encode(sct.log_id.key_id)));
            continue;
        };
        let secs = i64::try_from(sct.timestamp / 1000).unwrap_or(i64::MAX);
        if !log.validity.contains(secs) {
            reasons.push(format!("SCT time {secs} is outside CT log {}'s validity", log.base_url));
            continue;
        }
        let hash = match sct.signature.algorithm.hash {
            HashAlgorithm::Sha256 => HashAlg::Sha256,
            HashAlgorithm::Sha384 => HashAlg::Sha384,
            HashAlgorithm::Sha512 => HashAlg::Sha512,
            ref other => {
                reasons.push(format!("SCT hash {other:?} not supported"));
                continue;
            }
        };
        let exts = sct.extensions.as_slice();
        let mut signed = Vec::with_capacity(tbs_der.len() + 64 + exts.len());
        signed.push(0); // sct_version v1
        signed.push(0); // signature_type certificate_timestamp
        signed.extend_from_slice(&sct.timestamp.to_be_bytes());
        signed.extend_from_slice(&1u16.to_be_bytes()); // entry_type precert_entry
        signed.extend_from_slice(&issuer_key_hash);
        signed.extend_from_slice(&(tbs_der.len() as u32).to_be_bytes()[1..]);
        signed.extend_from_slice(&tbs_der);
        signed.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        signed.extend_from_slice(exts);
        match log.key.verify(hash, Padding::Default, &signed, sct.signature.signature.as_slice()) {
            Ok(()) => return Ok(()),
            Err(e) => reasons.push(format!("SCT from {}: {e}", log.base_url)),
        }
    }
    Err(sct_err(if reasons.is_empty() { "no SCT in the certificate".into() } else { reasons.join("; ") }))
}

/// The identities (SAN entries) and Fulcio extensions of a signing certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// Email addresses, URIs and Fulcio `otherName` usernames from the SAN.
    pub sans: Vec<String>,
    /// Fulcio extensions by the last arc of their OID (1.3.6.1.4.1.57264.1.N -> N).
    pub fulcio: Vec<(u32, String)>,
}

impl Identity {
    pub fn of(cert: &Cert) -> Result<Self, Error> {
        let mut out = Identity::default();
        if let Some(san) = cert.extension(&SAN) {
            let san = SubjectAltName::from_der(san).map_err(|e| cert_err(format!("SAN: {e}")))?;
            for name in san.0 {
                match name {
                    GeneralName::Rfc822Name(s) => out.sans.push(s.to_string()),
                    GeneralName::UniformResourceIdentifier(s) => out.sans.push(s.to_string()),
                    GeneralName::DnsName(s) => out.sans.push(s.to_string()),
                    GeneralName::OtherName(o) => {
                        if let Ok(s) = o.value.decode_as::<Utf8StringRef<'_>>() {
                            out.sans.push(s.as_str().to_string());
                        }
                    }
                    _ => {}
                }
            }
        }
        for ext in cert.cert.tbs_certificate.extensions.iter().flatten() {
            let oid = ext.extn_id.to_string();
            let Some(n) = oid.strip_prefix(FULCIO_ARC).and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            let raw = ext.extn_value.as_bytes();
            // Extensions 1-6 hold raw UTF-8; 8 and later a DER UTF8String.
            let value = if n <= 6 {
                String::from_utf8(raw.to_vec()).ok()
            } else {
                Utf8StringRef::from_der(raw).ok().map(|s| s.as_str().to_string())
            };
            if let Some(v) = value {
                out.fulcio.push((n, v));
            }
        }
        Ok(out)
    }

    pub fn fulcio_ext(&self, n: u32) -> Option<&str> {
        self.fulcio.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str())
    }

    /// The OIDC issuer: the newer extension (.8), else the deprecated one (.1).
    pub fn issuer(&self) -> Option<&str> {
        self.fulcio_ext(8).or_else(|| self.fulcio_ext(1))
    }
}

fn cert_err(detail: String) -> Error {
    Error::Certificate { detail }
}

fn sct_err(detail: String) -> Error {
    Error::Sct { detail }
}
