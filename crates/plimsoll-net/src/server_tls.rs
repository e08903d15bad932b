//! The serving side of TLS, shared by the doors (admission webhook, fleet server): a rustls
//! server configuration (ring provider, safe protocol versions, HTTP/1.1) whose certificate and
//! key are re-read when their files change, as cert-manager rotates them in place. One
//! implementation, so both doors rotate, and refuse bad files, the same way.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// A certificate or key that does not load: which one, the file, and why.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the TLS {what} {}: {reason}", path.display())]
pub struct ServerTlsError {
    pub what: &'static str,
    pub path: PathBuf,
    pub reason: String,
}

/// The serving certificate chain and key (PEM files). [`ServerTls::reload_if_changed`] re-reads
/// them when their modification time or length changed; a pair that does not load (half-written
/// during a rotation) keeps the previous one in service.
#[derive(Debug)]
pub struct ServerTls {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<(Arc<CertifiedKey>, Stamp)>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

/// What identifies a version of the two files (modification time and length of each).
type Stamp = [(Option<SystemTime>, u64); 2];

impl ServerTls {
    /// Loads the certificate chain and key (PEM).
    pub fn load(cert: &Path, key: &Path) -> Result<Arc<ServerTls>, ServerTlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let stamp = stamp(cert, key);
        let loaded = load_pair(cert, key, &provider)?;
        Ok(Arc::new(ServerTls {
            cert: cert.to_owned(),
            key: key.to_owned(),
            current: RwLock::new((Arc::new(loaded), stamp)),
            provider,
        }))
    }

    /// Re-reads the files if they changed since the last load; `Ok(true)` when a new pair is in
    /// service, an error (and the previous pair still in service) when the new files do not load.
    pub fn reload_if_changed(&self) -> Result<bool, ServerTlsError> {
        let now = stamp(&self.cert, &self.key);
        if self.current.read().unwrap_or_else(|p| p.into_inner()).1 == now {
            return Ok(false);
        }
        let loaded = load_pair(&self.cert, &self.key, &self.provider)?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = (Arc::new(loaded), now);
        Ok(true)
    }

    /// The server configuration: every handshake gets the pair in service at that moment.
    pub fn server_config(self: &Arc<ServerTls>) -> Result<Arc<rustls::ServerConfig>, ServerTlsError> {
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::clone(&self.provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| ServerTlsError { what: "configuration", path: self.cert.clone(), reason: e.to_string() })?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(Resolver(Arc::clone(self))));
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

#[derive(Debug)]
struct Resolver(Arc<ServerTls>);

impl rustls::server::ResolvesServerCert for Resolver {
    fn resolve(&self, _hello: rustls::server::ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0.current.read().unwrap_or_else(|p| p.into_inner()).0))
    }
}

fn stamp(cert: &Path, key: &Path) -> Stamp {
    let one = |p: &Path| std::fs::metadata(p).map(|m| (m.modified().ok(), m.len())).unwrap_or((None, 0));
    [one(cert), one(key)]
}

fn load_pair(
    cert: &Path,
    key: &Path,
    provider: &rustls::crypto::CryptoProvider,
) -> Result<CertifiedKey, ServerTlsError> {
    let err = |what, path: &Path, reason: String| ServerTlsError { what, path: path.to_owned(), reason };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|i| i.collect::<Result<_, _>>())
        .map_err(|e| err("certificate", cert, e.to_string()))?;
    if certs.is_empty() {
        return Err(err("certificate", cert, "no CERTIFICATE block".into()));
    }
    let private = PrivateKeyDer::from_pem_file(key).map_err(|e| err("key", key, e.to_string()))?;
    CertifiedKey::from_der(certs, private, provider).map_err(|e| err("certificate and key", cert, e.to_string()))
}
