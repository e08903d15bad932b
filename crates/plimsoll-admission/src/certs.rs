//! `plimsoll admission certs`: a CA and a serving certificate for the webhook's Service, so a
//! cluster without cert-manager can run it. ECDSA P-256 keys (rcgen with ring, no openssl).
//!
//! Writes `ca.crt`, `tls.crt`, `tls.key` (mode 0600) and `caBundle` (the base64 of `ca.crt`,
//! what the webhook configurations' `clientConfig.caBundle` takes) into a directory.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};

/// Validity of the serving certificate (cert-manager's default is 90 days; a year suits a
/// manual rotation) and of the CA.
const LEAF_DAYS: u64 = 365;
const CA_DAYS: u64 = 3650;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    #[error("cannot generate the certificates: {0}")]
    Generate(String),
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What was written.
#[derive(Debug, Clone)]
pub struct CertFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca_bundle: PathBuf,
    /// The DNS names the serving certificate holds.
    pub names: Vec<String>,
}

/// Generates the CA and the certificate for `service` in `namespace` into `out`.
pub fn write_certs(service: &str, namespace: &str, out: &Path) -> Result<CertFiles, CertError> {
    let gen = |e: rcgen::Error| CertError::Generate(e.to_string());
    // Midnight UTC today: certificates start then, so a slightly slow clock elsewhere still
    // accepts them.
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let today = rcgen::date_time_ymd(1970, 1, 1) + Duration::from_secs(secs - secs % 86_400);
    let names = vec![
        service.to_owned(),
        format!("{service}.{namespace}"),
        format!("{service}.{namespace}.svc"),
        format!("{service}.{namespace}.svc.cluster.local"),
    ];

    let ca_key = KeyPair::generate().map_err(gen)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(gen)?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.distinguished_name.push(DnType::CommonName, format!("plimsoll admission CA ({namespace}/{service})"));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = today;
    ca.not_after = today + Duration::from_secs(CA_DAYS * 86_400);
    let ca_cert = ca.self_signed(&ca_key).map_err(gen)?;
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate().map_err(gen)?;
    let mut leaf = CertificateParams::new(names.clone()).map_err(gen)?;
    leaf.distinguished_name.push(DnType::CommonName, names[2].clone());
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.not_before = today;
    leaf.not_after = today + Duration::from_secs(LEAF_DAYS * 86_400);
    let cert = leaf.signed_by(&key, &issuer).map_err(gen)?;

    std::fs::create_dir_all(out).map_err(|source| CertError::Write { path: out.to_owned(), source })?;
    let files = CertFiles {
        ca: out.join("ca.crt"),
        cert: out.join("tls.crt"),
        key: out.join("tls.key"),
        ca_bundle: out.join("caBundle"),
        names,
    };
    let ca_pem = ca_cert.pem();
    write(&files.ca, ca_pem.as_bytes(), 0o644)?;
    write(&files.cert, cert.pem().as_bytes(), 0o644)?;
    write(&files.key, key.serialize_pem().as_bytes(), 0o600)?;
    let bundle = base64::engine::general_purpose::STANDARD.encode(ca_pem.as_bytes());
    write(&files.ca_bundle, format!("{bundle}\n").as_bytes(), 0o644)?;
    Ok(files)
}

fn write(path: &Path, bytes: &[u8], mode: u32) -> Result<(), CertError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let err = |source| CertError::Write { path: path.to_owned(), source };
    // Created with its final mode: the key is never readable by others, even briefly.
    let mut f =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(mode).open(path).map_err(err)?;
    f.write_all(bytes).map_err(err)
}
