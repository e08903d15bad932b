//! Transparency-log entries: the entry body must describe this bundle's signature, key and
//! artifact; Rekor v1's signed entry timestamp (SET); RFC 6962 inclusion proofs and the signed
//! checkpoint (C2SP signed note) they lead to.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::bundle::{BundleVersion, Envelope, TlogEntry};
use crate::keys::{HashAlg, Padding};
use crate::root::{Log, TrustedRoot};
use crate::Error;

/// What the log entry must agree with.
pub struct Expected<'a> {
    /// The signature bytes (message signature, or the DSSE envelope's one signature).
    pub signature: &'a [u8],
    /// The signer: certificate DER, or public key SPKI DER for key-based bundles.
    pub verifier: Verifier<'a>,
    /// For a message signature: the artifact digest by algorithm name (hashedrekord v1 names
    /// `sha256`/`sha384`/`sha512`), `None` when that digest cannot be computed.
    pub artifact_digest: &'a dyn Fn(HashAlg) -> Option<Vec<u8>>,
    pub envelope: Option<&'a Envelope>,
}

#[derive(Clone, Copy)]
pub enum Verifier<'a> {
    Certificate(&'a [u8]),
    PublicKey(&'a [u8]),
}

/// A log entry that passed every check, with the time the log vouches for (Rekor v1 only).
pub struct VerifiedEntry<'r> {
    pub log: &'r Log,
    pub integrated_time: Option<i64>,
}

pub fn verify_entry<'r>(
    entry: &TlogEntry,
    version: BundleVersion,
    root: &'r TrustedRoot,
    expected: &Expected<'_>,
) -> Result<VerifiedEntry<'r>, Error> {
    let log = root.tlog(&entry.log_id).ok_or_else(|| {
        tlog_err(format!("entry from a log not in the trusted root (log id {})", hex::encode(&entry.log_id)))
    })?;
    check_body(entry, expected)?;

    let rekor_v2 = entry.version == "0.0.2" && (entry.kind == "hashedrekord" || entry.kind == "dsse");
    let mut integrated_time = None;
    if let Some(set) = &entry.set {
        verify_set(entry, log, set)?;
        integrated_time = Some(entry.integrated_time);
    } else if version == BundleVersion::V0_1 {
        return Err(tlog_err("v0.1 bundle entry without an inclusion promise (SET)".into()));
    }
    match &entry.proof {
        Some(proof) => {
            let checkpoint =
                proof.checkpoint.as_deref().ok_or_else(|| tlog_err("inclusion proof without a checkpoint".into()))?;
            // Rekor v2 logs are not sharded: the entry's index is its index in the tree (v1
            // indexes span shards, and the SET covers them).
            if rekor_v2 && proof.log_index != entry.log_index {
                return Err(tlog_err("inclusion proof index differs from the entry's log index".into()));
            }
            if !rekor_v2 && proof.log_index > entry.log_index {
                return Err(tlog_err("inclusion proof index is past the entry's log index".into()));
            }
            let leaf = leaf_hash(&entry.body);
            verify_inclusion(&leaf, proof.log_index as u64, proof.tree_size as u64, &proof.hashes, &proof.root_hash)?;
            verify_checkpoint(checkpoint, log, proof.tree_size as u64, &proof.root_hash)?;
        }
        None if version >= BundleVersion::V0_2 => {
            return Err(tlog_err("entry without an inclusion proof (required from bundle v0.2)".into()))
        }
        None => {}
    }
    if rekor_v2 && entry.set.is_some() {
        return Err(tlog_err("Rekor v2 entry with a signed entry timestamp".into()));
    }
    Ok(VerifiedEntry { log, integrated_time })
}

/// SET: the log's signature over the canonical JSON of (body, integratedTime, logID, logIndex).
fn verify_set(entry: &TlogEntry, log: &Log, set: &[u8]) -> Result<(), Error> {
    // Keys in lexicographic order with no whitespace (RFC 8785 for this all-ASCII object).
    let payload = format!(
        "{{\"body\":\"{}\",\"integratedTime\":{},\"logID\":\"{}\",\"logIndex\":{}}}",
        B64.encode(&entry.body),
        entry.integrated_time,
        hex::encode(&entry.log_id),
        entry.log_index
    );
    log.key
        .verify(HashAlg::Sha256, Padding::Default, payload.as_bytes(), set)
        .map_err(|e| tlog_err(format!("signed entry timestamp: {e}")))
}

pub fn leaf_hash(body: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(body);
    h.finalize().into()
}

fn node_hash(left: &[u8], right: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// RFC 9162 2.1.3.2 inclusion proof verification. Written out here (a dozen lines) rather than
/// pulling a Merkle crate: the algorithm is fixed by the RFC and the crates that implement it
/// bring their own tree types we would not use.
pub fn verify_inclusion(leaf: &[u8; 32], index: u64, size: u64, path: &[Vec<u8>], root: &[u8]) -> Result<(), Error> {
    if index >= size {
        return Err(tlog_err(format!("inclusion proof index {index} is not below tree size {size}")));
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if p.len() != 32 {
            return Err(tlog_err("inclusion proof hash is not 32 bytes".into()));
        }
        if sn == 0 {
            return Err(tlog_err("inclusion proof is longer than the tree is deep".into()));
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(tlog_err("inclusion proof is too short for the tree size".into()));
    }
    if r.as_slice() != root {
        return Err(tlog_err("inclusion proof does not lead to the root hash".into()));
    }
    Ok(())
}

/// A checkpoint (signed note, C2SP tlog-checkpoint): origin, tree size and root hash, signed by
/// the log. Other signatures (witness cosignatures) are allowed and ignored.
fn verify_checkpoint(note: &str, log: &Log, size: u64, root_hash: &[u8]) -> Result<(), Error> {
    let split = note.find("\n\n").ok_or_else(|| tlog_err("checkpoint has no signature block".into()))?;
    let (text, sigs) = (&note[..split + 1], &note[split + 2..]);
    let mut lines = text.split('\n');
    let origin = lines.next().unwrap_or("");
    if origin.is_empty() {
        return Err(tlog_err("checkpoint has no origin line".into()));
    }
    let cp_size: u64 = lines
        .next()
        .and_then(|l| l.parse().ok())
        .ok_or_else(|| tlog_err("checkpoint tree size is missing or not a number".into()))?;
    let cp_root = lines
        .next()
        .and_then(|l| B64.decode(l).ok())
        .ok_or_else(|| tlog_err("checkpoint root hash is missing or not base64".into()))?;
    if cp_size != size || cp_root != root_hash {
        return Err(tlog_err("checkpoint does not match the inclusion proof's tree size and root hash".into()));
    }
    let hint = &log.log_id[..4.min(log.log_id.len())];
    let mut found_log_sig = false;
    for line in sigs.split('\n').filter(|l| !l.is_empty()) {
        let rest = line
            .strip_prefix("\u{2014} ")
            .ok_or_else(|| tlog_err("checkpoint signature line does not start with an em dash".into()))?;
        let (name, sig_b64) =
            rest.rsplit_once(' ').ok_or_else(|| tlog_err("checkpoint signature line has no signature".into()))?;
        let Ok(sig) = B64.decode(sig_b64) else {
            return Err(tlog_err("checkpoint signature is not base64".into()));
        };
        if sig.len() < 5 || &sig[..4] != hint || name != origin_name(origin) {
            // Some other key (a witness): not ours to check.
            continue;
        }
        found_log_sig = true;
        log.key
            .verify(HashAlg::Sha256, Padding::Default, text.as_bytes(), &sig[4..])
            .map_err(|e| tlog_err(format!("checkpoint signature by {name}: {e}")))?;
    }
    if !found_log_sig {
        return Err(tlog_err(format!("checkpoint carries no signature by the log ({origin})")));
    }
    Ok(())
}

/// Rekor v1 origins read `rekor.sigstore.dev - <tree id>` while the key name is the host alone.
fn origin_name(origin: &str) -> &str {
    origin.split(" - ").next().unwrap_or(origin)
}

/// The entry body must describe the bundle's own signature, signer and artifact.
fn check_body(entry: &TlogEntry, exp: &Expected<'_>) -> Result<(), Error> {
    let body: Value =
        serde_json::from_slice(&entry.body).map_err(|source| Error::Json { what: "log entry body", source })?;
    let kind = body.get("kind").and_then(Value::as_str).unwrap_or("");
    let api = body.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if kind != entry.kind || api != entry.version {
        return Err(mismatch(format!("entry body is {kind} {api}, the bundle says {} {}", entry.kind, entry.version)));
    }
    let spec = body.get("spec").ok_or_else(|| mismatch("entry body has no spec".into()))?;
    match (kind, api) {
        ("hashedrekord", "0.0.1") => {
            let alg = str_at(spec, &["data", "hash", "algorithm"])?;
            let value = str_at(spec, &["data", "hash", "value"])?;
            let hash = match alg {
                "sha256" => HashAlg::Sha256,
                "sha384" => HashAlg::Sha384,
                "sha512" => HashAlg::Sha512,
                other => return Err(mismatch(format!("hashedrekord hash algorithm {other}"))),
            };
            if exp.envelope.is_some() {
                return Err(mismatch("hashedrekord v0.0.1 entry for a DSSE bundle".into()));
            }
            let digest =
                (exp.artifact_digest)(hash).ok_or_else(|| mismatch(format!("artifact {alg} digest not available")))?;
            if !value.eq_ignore_ascii_case(&hex::encode(digest)) {
                return Err(mismatch("log entry is for a different artifact digest".into()));
            }
            eq_sig(&b64_at(spec, &["signature", "content"])?, exp.signature)?;
            eq_pem_verifier(&b64_at(spec, &["signature", "publicKey", "content"])?, exp.verifier)
        }
        ("hashedrekord", "0.0.2") => {
            let v2 = spec
                .get("hashedRekordV002")
                .ok_or_else(|| mismatch("hashedrekord 0.0.2 body without hashedRekordV002".into()))?;
            let alg = str_at(v2, &["data", "algorithm"])?;
            let hash = match alg {
                "SHA2_256" => HashAlg::Sha256,
                "SHA2_384" => HashAlg::Sha384,
                "SHA2_512" => HashAlg::Sha512,
                other => return Err(mismatch(format!("hashedrekord hash algorithm {other}"))),
            };
            let digest = b64_at(v2, &["data", "digest"])?;
            // DSSE in Rekor v2 is logged as hashedrekord over the envelope's PAE.
            let want = match exp.envelope {
                Some(env) => Some(hash.digest(&env.pae())),
                None => (exp.artifact_digest)(hash),
            }
            .ok_or_else(|| mismatch(format!("artifact {alg} digest not available")))?;
            if digest != want {
                return Err(mismatch("log entry is for a different artifact digest".into()));
            }
            eq_sig(&b64_at(v2, &["signature", "content"])?, exp.signature)?;
            eq_v2_verifier(v2.pointer("/signature/verifier"), exp.verifier)
        }
        ("dsse", "0.0.1") | ("dsse", "0.0.2") => {
            let env = exp.envelope.ok_or_else(|| mismatch("dsse entry for a message-signature bundle".into()))?;
            let (spec, v2) = match spec.get("dsseV002") {
                Some(v) => (v, true),
                None => (spec, false),
            };
            let payload_hash = Sha256::digest(&env.payload);
            if v2 {
                if b64_at(spec, &["payloadHash", "digest"])? != payload_hash.as_slice() {
                    return Err(mismatch("log entry payload hash differs from the envelope's".into()));
                }
            } else if !str_at(spec, &["payloadHash", "value"])?.eq_ignore_ascii_case(&hex::encode(payload_hash)) {
                return Err(mismatch("log entry payload hash differs from the envelope's".into()));
            }
            let sigs = spec
                .get("signatures")
                .and_then(Value::as_array)
                .ok_or_else(|| mismatch("dsse entry without signatures".into()))?;
            if sigs.len() != env.signatures.len() {
                return Err(mismatch("log entry and envelope have different signature counts".into()));
            }
            for s in sigs {
                if v2 {
                    eq_sig(&b64_at(s, &["content"])?, exp.signature)?;
                    eq_v2_verifier(s.get("verifier"), exp.verifier)?;
                } else {
                    eq_sig(&b64_at(s, &["signature"])?, exp.signature)?;
                    eq_pem_verifier(&b64_at(s, &["verifier"])?, exp.verifier)?;
                }
            }
            Ok(())
        }
        ("intoto", "0.0.2") => {
            let env = exp.envelope.ok_or_else(|| mismatch("intoto entry for a message-signature bundle".into()))?;
            let content = spec.get("content").ok_or_else(|| mismatch("intoto entry without content".into()))?;
            let payload_hash = str_at(content, &["payloadHash", "value"])?;
            if !payload_hash.eq_ignore_ascii_case(&hex::encode(Sha256::digest(&env.payload))) {
                return Err(mismatch("log entry payload hash differs from the envelope's".into()));
            }
            if str_at(content, &["envelope", "payloadType"])? != env.payload_type {
                return Err(mismatch("log entry payload type differs from the envelope's".into()));
            }
            let sigs = content
                .pointer("/envelope/signatures")
                .and_then(Value::as_array)
                .ok_or_else(|| mismatch("intoto entry without signatures".into()))?;
            if sigs.len() != env.signatures.len() {
                return Err(mismatch("log entry and envelope have different signature counts".into()));
            }
            for s in sigs {
                // Rekor stores the envelope's base64 `sig` base64-encoded again; accept both forms.
                let once = b64_at(s, &["sig"])?;
                let sig = match B64.decode(&once) {
                    Ok(twice) if twice != exp.signature && once == exp.signature => once,
                    Ok(twice) => twice,
                    Err(_) => once,
                };
                eq_sig(&sig, exp.signature)?;
                eq_pem_verifier(&b64_at(s, &["publicKey"])?, exp.verifier)?;
            }
            Ok(())
        }
        (k, v) => Err(Error::Unsupported { what: format!("log entry kind {k} {v}") }),
    }
}

fn eq_sig(logged: &[u8], sig: &[u8]) -> Result<(), Error> {
    if logged != sig {
        return Err(mismatch("log entry signature differs from the bundle's signature".into()));
    }
    Ok(())
}

/// A PEM certificate or public key, as Rekor v1 bodies quote the signer.
fn eq_pem_verifier(pem: &[u8], want: Verifier<'_>) -> Result<(), Error> {
    let (label, der) = crate::keys::pem_decode(pem).ok_or_else(|| mismatch("log entry verifier is not PEM".into()))?;
    let same = match want {
        Verifier::Certificate(c) => label == "CERTIFICATE" && der == c,
        Verifier::PublicKey(k) => label == "PUBLIC KEY" && der == k,
    };
    if !same {
        return Err(mismatch("log entry names a different certificate or key than the bundle".into()));
    }
    Ok(())
}

/// Rekor v2 verifier: `{x509Certificate: {rawBytes}}` or `{publicKey: {rawBytes}}`.
fn eq_v2_verifier(v: Option<&Value>, want: Verifier<'_>) -> Result<(), Error> {
    let v = v.ok_or_else(|| mismatch("log entry has no verifier".into()))?;
    let same = match want {
        Verifier::Certificate(c) => b64_at(v, &["x509Certificate", "rawBytes"]).ok().as_deref() == Some(c),
        Verifier::PublicKey(k) => b64_at(v, &["publicKey", "rawBytes"]).ok().as_deref() == Some(k),
    };
    if !same {
        return Err(mismatch("log entry names a different certificate or key than the bundle".into()));
    }
    Ok(())
}

fn str_at<'v>(v: &'v Value, path: &[&str]) -> Result<&'v str, Error> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p).ok_or_else(|| mismatch(format!("log entry body lacks {}", path.join("."))))?;
    }
    cur.as_str().ok_or_else(|| mismatch(format!("log entry {} is not a string", path.join("."))))
}

fn b64_at(v: &Value, path: &[&str]) -> Result<Vec<u8>, Error> {
    B64.decode(str_at(v, path)?).map_err(|_| mismatch(format!("log entry {} is not base64", path.join("."))))
}

fn tlog_err(detail: String) -> Error {
    Error::Transparency { detail }
}

fn mismatch(detail: String) -> Error {
    Error::Inconsistent { detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6962 2.1: MTH by its recursive definition (largest power of two below n splits).
    fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
        match leaves.len() {
            0 => Sha256::digest([]).into(),
            1 => leaves[0],
            n => {
                let k = split(n);
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    fn split(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    /// RFC 6962 2.1.1: PATH(m, D[n]) by its recursive definition.
    fn path(m: usize, leaves: &[[u8; 32]]) -> Vec<Vec<u8>> {
        let n = leaves.len();
        if n <= 1 {
            return Vec::new();
        }
        let k = split(n);
        if m < k {
            let mut p = path(m, &leaves[..k]);
            p.push(mth(&leaves[k..]).to_vec());
            p
        } else {
            let mut p = path(m - k, &leaves[k..]);
            p.push(mth(&leaves[..k]).to_vec());
            p
        }
    }

    #[test]
    fn inclusion_proofs_agree_with_rfc6962_definition_for_every_index_of_small_trees() {
        for n in 1..=33usize {
            let leaves: Vec<[u8; 32]> = (0..n).map(|i| leaf_hash(format!("leaf {i}").as_bytes())).collect();
            let root = mth(&leaves);
            for m in 0..n {
                let p = path(m, &leaves);
                verify_inclusion(&leaves[m], m as u64, n as u64, &p, &root)
                    .unwrap_or_else(|e| panic!("n={n} m={m}: {e}"));
                // The same proof must not verify another leaf, index or size.
                let other = leaf_hash(b"other");
                assert!(verify_inclusion(&other, m as u64, n as u64, &p, &root).is_err());
                if n > 1 {
                    let wrong_index = ((m + 1) % n) as u64;
                    if path(wrong_index as usize, &leaves) != p {
                        assert!(verify_inclusion(&leaves[m], wrong_index, n as u64, &p, &root).is_err());
                    }
                }
                let mut bad_root = root;
                bad_root[7] ^= 1;
                assert!(verify_inclusion(&leaves[m], m as u64, n as u64, &p, &bad_root).is_err());
                for i in 0..p.len() {
                    let mut q = p.clone();
                    q[i][0] ^= 1;
                    assert!(verify_inclusion(&leaves[m], m as u64, n as u64, &q, &root).is_err());
                }
            }
        }
    }

    #[test]
    fn hostile_proofs_are_errors_not_panics() {
        let leaf = leaf_hash(b"x");
        assert!(verify_inclusion(&leaf, 5, 5, &[], &leaf).is_err());
        assert!(verify_inclusion(&leaf, 0, 1, &[vec![0; 31]], &leaf).is_err());
        assert!(verify_inclusion(&leaf, 0, 2, &vec![vec![0; 32]; 70], &leaf).is_err());
        assert!(verify_inclusion(&leaf, u64::MAX - 1, u64::MAX, &vec![vec![0; 32]; 64], &leaf).is_err());
    }
}
