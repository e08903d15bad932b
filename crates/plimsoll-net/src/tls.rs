//! rustls client configuration and `ureq` agents.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::pem::{self, PemObject};

/// Which servers to trust.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// Accept any server certificate (handshake signatures are still checked). `ca_files` are
    /// not read then: nothing is verified against them.
    pub insecure: bool,
    /// Extra PEM CA certificates trusted besides the system roots.
    pub ca_files: Vec<PathBuf>,
}

/// Why a TLS client setup could not be built. Every CA file error names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetError {
    #[error("cannot read the CA file {}: {source}; check the path given to --ca-file", path.display())]
    CaFileUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the CA file {} is not a valid PEM file ({reason}); --ca-file takes PEM certificates \
         (-----BEGIN CERTIFICATE-----), convert DER with `openssl x509 -inform der -in FILE -out FILE.pem`",
        path.display()
    )]
    CaFileInvalid { path: PathBuf, reason: String },
    #[error(
        "the CA file {} holds no PEM certificate; --ca-file takes PEM certificates (-----BEGIN CERTIFICATE-----)",
        path.display()
    )]
    CaFileEmpty { path: PathBuf },
    #[error(
        "the CA file {} holds a certificate that cannot be a trust anchor ({source}); pass the CA's own PEM \
         certificate to --ca-file",
        path.display()
    )]
    CaCertificate {
        path: PathBuf,
        #[source]
        source: rustls::Error,
    },
    #[error("TLS setup failed: {0}")]
    Tls(#[source] rustls::Error),
}

/// A rustls client setup: ring provider, safe default protocol versions, and either the system
/// roots plus `opts.ca_files` or, with `opts.insecure`, [`NoVerify`].
pub fn tls_config(opts: &TlsOptions) -> Result<Arc<rustls::ClientConfig>, NetError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(NetError::Tls)?;
    let config = if opts.insecure {
        builder.dangerous().with_custom_certificate_verifier(Arc::new(NoVerify::new(provider))).with_no_client_auth()
    } else {
        let mut roots = rustls::RootCertStore::empty();
        // Unreadable system certificates are skipped; an empty store fails at connect time
        // with a message about the certificate.
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        for path in &opts.ca_files {
            add_ca_file(&mut roots, path)?;
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    Ok(Arc::new(config))
}

/// Adds every certificate of a PEM file; a file without one is an error (a key or a DER file
/// passed by mistake would otherwise be silently useless).
fn add_ca_file(roots: &mut rustls::RootCertStore, path: &Path) -> Result<(), NetError> {
    let pem_err = |e: pem::Error| match e {
        // Opening reports a missing file; reading reports e.g. a directory.
        pem::Error::Io(source) => NetError::CaFileUnreadable { path: path.to_owned(), source },
        e => NetError::CaFileInvalid { path: path.to_owned(), reason: e.to_string() },
    };
    let mut n = 0;
    for cert in CertificateDer::pem_file_iter(path).map_err(pem_err)? {
        let cert = cert.map_err(pem_err)?;
        roots.add(cert).map_err(|source| NetError::CaCertificate { path: path.to_owned(), source })?;
        n += 1;
    }
    if n == 0 {
        return Err(NetError::CaFileEmpty { path: path.to_owned() });
    }
    Ok(())
}

/// Timeouts, redirects and user agent of an [`agent`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentConfig {
    pub connect_timeout: Duration,
    /// Per read and per write, not for a whole body: large downloads are fine.
    pub io_timeout: Duration,
    pub redirects: u32,
    pub user_agent: String,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            connect_timeout: Duration::from_secs(30),
            io_timeout: Duration::from_secs(120),
            redirects: 8,
            // Every crate of the workspace shares its version.
            user_agent: concat!("plimsoll/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// A `ureq` agent speaking TLS as [`tls_config`] sets it up.
pub fn agent(tls: &TlsOptions, config: &AgentConfig) -> Result<ureq::Agent, NetError> {
    Ok(ureq::AgentBuilder::new()
        .tls_config(tls_config(tls)?)
        .timeout_connect(config.connect_timeout)
        .timeout_read(config.io_timeout)
        .timeout_write(config.io_timeout)
        .redirects(config.redirects)
        .user_agent(&config.user_agent)
        .build())
}

/// `--insecure`: accepts any certificate. Handshake signatures are still checked, so the
/// connection is at least to the holder of the presented key.
#[derive(Debug)]
pub struct NoVerify(Arc<CryptoProvider>);

impl NoVerify {
    /// Signatures are checked with `provider`'s algorithms.
    pub fn new(provider: Arc<CryptoProvider>) -> NoVerify {
        NoVerify(provider)
    }
}

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
