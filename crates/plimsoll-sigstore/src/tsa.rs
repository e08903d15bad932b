//! RFC 3161 timestamps: a CMS SignedData over a TSTInfo whose message imprint is the hash of the
//! bundle's signature, signed by a timestamp authority of the trusted root.

use cmpv2::status::PkiStatus;
use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use x509_cert::Certificate;
use x509_tsp::{TimeStampResp, TstInfo};

use crate::certs::{Cert, KP_TIME_STAMPING};
use crate::keys::{x509_sig_alg, HashAlg};
use crate::root::{Authority, TrustedRoot};
use crate::Error;

const SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const SKI: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");

/// Verify one timestamp token over `signature`; returns its time (Unix seconds).
pub fn verify_timestamp(token: &[u8], signature: &[u8], root: &TrustedRoot) -> Result<i64, Error> {
    // Bundles carry the whole TimeStampResp (RFC 3161 2.4.2); accept a bare token as well.
    let ci = match TimeStampResp::from_der(token) {
        Ok(resp) => {
            // PKIStatus granted (0) or grantedWithMods (1).
            if !matches!(resp.status.status, PkiStatus::Accepted | PkiStatus::GrantedWithMods) {
                return Err(ts_err("timestamp response status is not granted".into()));
            }
            resp.time_stamp_token.ok_or_else(|| ts_err("timestamp response has no token".into()))?
        }
        Err(_) => ContentInfo::from_der(token)
            .map_err(|e| ts_err(format!("neither a TimeStampResp nor a CMS ContentInfo: {e}")))?,
    };
    if ci.content_type != SIGNED_DATA {
        return Err(ts_err("timestamp is not CMS SignedData".into()));
    }
    let sd: SignedData = ci.content.decode_as().map_err(|e| ts_err(format!("SignedData: {e}")))?;
    if sd.encap_content_info.econtent_type != TST_INFO {
        return Err(ts_err("SignedData does not carry a TSTInfo".into()));
    }
    let econtent =
        sd.encap_content_info.econtent.as_ref().ok_or_else(|| ts_err("SignedData without content".into()))?;
    let tst_der =
        econtent.decode_as::<OctetString>().map_err(|e| ts_err(format!("TSTInfo wrapper: {e}")))?.into_bytes();
    let tst = TstInfo::from_der(&tst_der).map_err(|e| ts_err(format!("TSTInfo: {e}")))?;

    let imprint_hash = HashAlg::from_digest_oid(&tst.message_imprint.hash_algorithm.oid)
        .ok_or_else(|| ts_err("unsupported message imprint hash".into()))?;
    if imprint_hash.digest(signature) != tst.message_imprint.hashed_message.as_bytes() {
        return Err(ts_err("timestamp is over something else than the bundle's signature".into()));
    }
    let gen_time = i64::try_from(tst.gen_time.to_unix_duration().as_secs())
        .map_err(|_| ts_err("timestamp time out of range".into()))?;

    let signer = sd.signer_infos.0.iter().next().ok_or_else(|| ts_err("timestamp has no signer".into()))?;
    if sd.signer_infos.0.len() != 1 {
        return Err(ts_err("timestamp has more than one signer".into()));
    }
    let digest_alg = HashAlg::from_digest_oid(&signer.digest_alg.oid)
        .ok_or_else(|| ts_err("unsupported signer digest algorithm".into()))?;
    // Not covered by the signature, but a well-formed SignedData lists its signers' digests
    // (RFC 5652 5.1); a mismatch means it was altered.
    if !sd.digest_algorithms.iter().any(|a| a.oid == signer.digest_alg.oid) {
        return Err(ts_err("SignedData digestAlgorithms does not list the signer's digest".into()));
    }
    // RFC 5652 5.4: with signed attributes, the signature covers their DER (as a SET OF) and the
    // message-digest attribute binds the content.
    let attrs =
        signer.signed_attrs.as_ref().ok_or_else(|| ts_err("timestamp signer has no signed attributes".into()))?;
    let mut digest_ok = false;
    let mut type_ok = false;
    for attr in attrs.iter() {
        if attr.oid == MESSAGE_DIGEST {
            let v = attr.values.iter().next().ok_or_else(|| ts_err("empty message-digest".into()))?;
            let d = v.decode_as::<OctetString>().map_err(|e| ts_err(format!("message-digest: {e}")))?;
            digest_ok = attr.values.len() == 1 && d.as_bytes() == digest_alg.digest(&tst_der);
        } else if attr.oid == CONTENT_TYPE {
            let v = attr.values.iter().next().ok_or_else(|| ts_err("empty content-type".into()))?;
            type_ok = v.decode_as::<ObjectIdentifier>().ok() == Some(TST_INFO);
        }
    }
    if !digest_ok || !type_ok {
        return Err(ts_err("signed attributes do not bind the TSTInfo".into()));
    }
    let signed = attrs.to_der().map_err(|e| ts_err(e.to_string()))?;
    let (hash, padding) = x509_sig_alg(&signer.signature_algorithm.oid, Some(digest_alg))?;

    let embedded: Vec<&Certificate> = sd
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c),
            _ => None,
        })
        .collect();

    let mut last = ts_err("no timestamp authority of the trusted root signed this timestamp".into());
    for tsa in &root.timestamp_authorities {
        match verify_with_authority(
            tsa,
            &signer.sid,
            &embedded,
            &signed,
            signer.signature.as_bytes(),
            hash,
            padding,
            gen_time,
        ) {
            Ok(()) => return Ok(gen_time),
            Err(e) => last = e,
        }
    }
    Err(last)
}

#[allow(clippy::too_many_arguments)]
fn verify_with_authority(
    tsa: &Authority,
    sid: &SignerIdentifier,
    embedded: &[&Certificate],
    signed: &[u8],
    sig: &[u8],
    hash: HashAlg,
    padding: crate::keys::Padding,
    gen_time: i64,
) -> Result<(), Error> {
    // The signing certificate: the authority's leaf, or an embedded one the leaf's chain issued.
    let leaf = &tsa.chain[0];
    let mut signer_cert = None;
    if matches_sid(&leaf.1, sid) {
        signer_cert = Some(Cert::from_der(&leaf.0)?);
    } else {
        for c in embedded.iter().filter(|c| matches_sid(c, sid)) {
            let der = c.to_der().map_err(|e| ts_err(e.to_string()))?;
            let cert = Cert::from_der(&der)?;
            if cert.verify_issued_by(&leaf.1).is_ok() {
                signer_cert = Some(cert);
                break;
            }
        }
    }
    let signer_cert =
        signer_cert.ok_or_else(|| ts_err(format!("timestamp signer is not a certificate of {}", tsa.uri)))?;
    // Embedded certificates are not signed over; each must be one of the authority's own or the
    // signer issued by it, so that an altered copy is not silently carried along.
    for c in embedded {
        let der = c.to_der().map_err(|e| ts_err(e.to_string()))?;
        let known = tsa.chain.iter().any(|(d, _)| *d == der)
            || (matches_sid(c, sid) && Cert::from_der(&der)?.verify_issued_by(&leaf.1).is_ok());
        if !known {
            return Err(ts_err(format!("timestamp embeds a certificate that is not {}'s", tsa.uri)));
        }
    }
    signer_cert
        .public_key()?
        .verify(hash, padding, signed, sig)
        .map_err(|e| ts_err(format!("timestamp signature: {e}")))?;
    if !signer_cert.has_eku(&KP_TIME_STAMPING)? {
        return Err(ts_err("timestamp signer lacks the timeStamping extended key usage".into()));
    }
    if !tsa.validity.contains(gen_time) {
        return Err(ts_err(format!(
            "timestamp time {gen_time} is outside timestamp authority {}'s validity window",
            tsa.uri
        )));
    }
    if !signer_cert.valid_at(gen_time) {
        return Err(ts_err("timestamp signer certificate is not valid at the timestamp's time".into()));
    }
    for (_, cert) in &tsa.chain {
        if !crate::certs::valid_at(cert, gen_time) {
            return Err(ts_err("timestamp authority chain is not valid at the timestamp's time".into()));
        }
    }
    Ok(())
}

fn matches_sid(cert: &Certificate, sid: &SignerIdentifier) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(is) => {
            cert.tbs_certificate.issuer == is.issuer && cert.tbs_certificate.serial_number == is.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => cert
            .tbs_certificate
            .extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == SKI)
            .and_then(|e| SubjectKeyIdentifier::from_der(e.extn_value.as_bytes()).ok())
            .is_some_and(|s| &s == ski),
    }
}

fn ts_err(detail: String) -> Error {
    Error::Timestamp { detail }
}
