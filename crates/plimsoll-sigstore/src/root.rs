//! Trusted roots in Sigstore's `trusted_root.json` format (protobuf-specs `TrustedRoot`, JSON
//! mapping): Fulcio CAs, Rekor logs, CT logs and timestamp authorities, each with the time window
//! in which it may be trusted.

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use der::Decode;
use serde::Deserialize;
use x509_cert::Certificate;

use crate::keys::PublicKey;
use crate::Error;

/// The public-good Sigstore production root, built in so verification needs no network.
///
/// Origin: the public Sigstore TUF repository's `trusted_root.json` (as sigstore-python 4.x
/// embeds it). To update, replace the file with the current one from the Sigstore TUF root and
/// rerun the tests (README, "Sigstore trusted root").
pub const PRODUCTION_TRUSTED_ROOT: &str = include_str!("../roots/production.trusted_root.json");

/// The public-good Sigstore staging root (same origin, the staging TUF repository), for
/// `--staging`.
pub const STAGING_TRUSTED_ROOT: &str = include_str!("../roots/staging.trusted_root.json");

/// A closed interval of Unix seconds; `end` absent means still valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub start: i64,
    pub end: Option<i64>,
}

impl Validity {
    /// Whether `t` lies in the window; both bounds are inclusive (protobuf-specs `TimeRange`).
    pub fn contains(&self, t: i64) -> bool {
        t >= self.start && self.end.is_none_or(|end| t <= end)
    }
}

/// A transparency or CT log of the trusted root.
#[derive(Debug, Clone)]
pub struct Log {
    pub base_url: String,
    pub log_id: Vec<u8>,
    pub key: PublicKey,
    pub validity: Validity,
}

/// A certificate authority (Fulcio) or timestamp authority, with its chain, leaf-most first.
#[derive(Debug, Clone)]
pub struct Authority {
    pub uri: String,
    /// DER and parsed form of each certificate, leaf-most first, ending at the root.
    pub chain: Vec<(Vec<u8>, Certificate)>,
    pub validity: Validity,
}

#[derive(Debug, Clone)]
pub struct TrustedRoot {
    pub tlogs: Vec<Log>,
    pub ctlogs: Vec<Log>,
    pub certificate_authorities: Vec<Authority>,
    pub timestamp_authorities: Vec<Authority>,
}

impl TrustedRoot {
    /// The built-in production root.
    pub fn production() -> Result<Self, Error> {
        Self::from_json(PRODUCTION_TRUSTED_ROOT.as_bytes())
    }

    /// The built-in staging root.
    pub fn staging() -> Result<Self, Error> {
        Self::from_json(STAGING_TRUSTED_ROOT.as_bytes())
    }

    pub fn from_json(json: &[u8]) -> Result<Self, Error> {
        let raw: RawRoot =
            serde_json::from_slice(json).map_err(|source| Error::Json { what: "trusted root", source })?;
        if !raw.media_type.starts_with("application/vnd.dev.sigstore.trustedroot") {
            return Err(root_err(format!("unknown trusted root media type {:?}", raw.media_type)));
        }
        let logs = |raws: Vec<RawLog>, what: &str| -> Result<Vec<Log>, Error> {
            raws.into_iter()
                .map(|l| {
                    let key =
                        PublicKey::from_trusted_root(&b64(&l.public_key.raw_bytes, what)?, &l.public_key.key_details)?;
                    Ok(Log {
                        log_id: b64(&l.log_id.key_id, what)?,
                        validity: l.public_key.valid_for.parse(what)?,
                        key,
                        base_url: l.base_url,
                    })
                })
                .collect()
        };
        let authorities = |raws: Vec<RawAuthority>, what: &str| -> Result<Vec<Authority>, Error> {
            raws.into_iter()
                .map(|a| {
                    let chain = a
                        .cert_chain
                        .certificates
                        .iter()
                        .map(|c| {
                            let der = b64(&c.raw_bytes, what)?;
                            let cert = Certificate::from_der(&der)
                                .map_err(|e| root_err(format!("{what} certificate: {e}")))?;
                            Ok((der, cert))
                        })
                        .collect::<Result<Vec<_>, Error>>()?;
                    if chain.is_empty() {
                        return Err(root_err(format!("{what} {} has no certificates", a.uri)));
                    }
                    // Each certificate must be issued by the next: checked once here, not on
                    // every verification.
                    for pair in chain.windows(2) {
                        crate::certs::Cert::from_der(&pair[0].0)?
                            .verify_issued_by(&pair[1].1)
                            .map_err(|e| root_err(format!("{what} {}: broken chain: {e}", a.uri)))?;
                    }
                    Ok(Authority { validity: a.valid_for.parse(what)?, uri: a.uri, chain })
                })
                .collect()
        };
        Ok(TrustedRoot {
            tlogs: logs(raw.tlogs, "transparency log")?,
            ctlogs: logs(raw.ctlogs, "CT log")?,
            certificate_authorities: authorities(raw.certificate_authorities, "certificate authority")?,
            timestamp_authorities: authorities(raw.timestamp_authorities, "timestamp authority")?,
        })
    }

    pub fn tlog(&self, log_id: &[u8]) -> Option<&Log> {
        self.tlogs.iter().find(|l| l.log_id == log_id)
    }

    pub fn ctlog(&self, log_id: &[u8]) -> Option<&Log> {
        self.ctlogs.iter().find(|l| l.log_id == log_id)
    }
}

/// Parse an RFC 3339 time (`2021-03-07T03:20:29.000Z`) to Unix seconds.
pub fn parse_time(s: &str) -> Option<i64> {
    let t = humantime::parse_rfc3339(s).ok()?;
    let secs = t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(secs).ok()
}

fn b64(s: &str, what: &str) -> Result<Vec<u8>, Error> {
    B64.decode(s).map_err(|e| root_err(format!("{what}: bad base64: {e}")))
}

fn root_err(detail: String) -> Error {
    Error::TrustedRoot { detail }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRoot {
    media_type: String,
    #[serde(default)]
    tlogs: Vec<RawLog>,
    #[serde(default)]
    certificate_authorities: Vec<RawAuthority>,
    #[serde(default)]
    ctlogs: Vec<RawLog>,
    #[serde(default)]
    timestamp_authorities: Vec<RawAuthority>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLog {
    #[serde(default)]
    base_url: String,
    public_key: RawKey,
    log_id: RawLogId,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawKey {
    raw_bytes: String,
    key_details: String,
    valid_for: RawRange,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLogId {
    key_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAuthority {
    #[serde(default)]
    uri: String,
    cert_chain: RawChain,
    valid_for: RawRange,
}

#[derive(Deserialize)]
struct RawChain {
    certificates: Vec<RawCert>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCert {
    raw_bytes: String,
}

#[derive(Deserialize)]
struct RawRange {
    start: Option<String>,
    end: Option<String>,
}

impl RawRange {
    fn parse(&self, what: &str) -> Result<Validity, Error> {
        // A missing start is malformed, not "since forever": the spec requires it.
        let start = self.start.as_deref().ok_or_else(|| root_err(format!("{what} validity window has no start")))?;
        let start =
            parse_time(start).ok_or_else(|| root_err(format!("{what} validity start {start:?} is not RFC 3339")))?;
        let end = match &self.end {
            None => None,
            Some(e) => {
                Some(parse_time(e).ok_or_else(|| root_err(format!("{what} validity end {e:?} is not RFC 3339")))?)
            }
        };
        Ok(Validity { start, end })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_windows_are_closed_intervals() {
        let v = Validity { start: 10, end: Some(20) };
        assert!(!v.contains(9));
        assert!(v.contains(10) && v.contains(20));
        assert!(!v.contains(21));
        assert!(Validity { start: 10, end: None }.contains(i64::MAX));
    }

    #[test]
    fn rfc3339_times_with_and_without_fractions() {
        assert_eq!(parse_time("1970-01-01T00:00:10Z"), Some(10));
        assert_eq!(parse_time("2021-03-07T03:20:29.000Z"), Some(1615087229));
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn built_in_roots_parse() {
        let prod = TrustedRoot::production().unwrap();
        assert!(!prod.tlogs.is_empty() && !prod.ctlogs.is_empty() && !prod.certificate_authorities.is_empty());
        assert!(!TrustedRoot::staging().unwrap().tlogs.is_empty());
    }

    #[test]
    fn hostile_roots_are_errors() {
        assert!(TrustedRoot::from_json(b"{").is_err());
        assert!(TrustedRoot::from_json(br#"{"mediaType":"text/plain"}"#).is_err());
        let bad_cert = br#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "certificateAuthorities":[{"certChain":{"certificates":[{"rawBytes":"AAAA"}]},"validFor":{"start":"2020-01-01T00:00:00Z"}}]}"#;
        assert!(matches!(TrustedRoot::from_json(bad_cert), Err(Error::TrustedRoot { .. })));
    }
}
