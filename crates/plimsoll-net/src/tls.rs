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
///
/// Every request has a deadline for the whole exchange (connect, headers, body): `ureq`
/// re-arms the socket timeout to the time left before every read, so a server that accepts and
/// never answers, or drips a byte every few seconds, fails at the deadline. Small requests
/// (pings, tokens, manifests) get [`AgentConfig::request_timeout`]; a download of known size gets
/// [`AgentConfig::download_timeout`]. Connections are not pooled: `ureq` 2 clears a pooled
/// connection's socket timeouts and does not set them again on reuse (a manifest request on the
/// ping's connection blocked for 439 s), and a fresh connection costs one handshake per request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentConfig {
    pub connect_timeout: Duration,
    /// Per read and per write, where no deadline is shorter.
    pub io_timeout: Duration,
    /// Whole-request deadline of a small request.
    pub request_timeout: Duration,
    /// Cap on the whole-request deadline of one download, and the agent-wide deadline of any
    /// request that sets none itself.
    pub transfer_timeout: Duration,
    /// Bytes per second a download of known size is allowed to fall to before its deadline
    /// ([`AgentConfig::download_timeout`]) passes.
    pub min_throughput: u64,
    pub redirects: u32,
    /// Refuse plain-HTTP requests, redirect targets included: an HTTPS server can then never
    /// send plimsoll to a plain-HTTP host.
    pub https_only: bool,
    pub user_agent: String,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            connect_timeout: Duration::from_secs(30),
            io_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(120),
            transfer_timeout: Duration::from_secs(3600),
            min_throughput: 256 * 1024,
            redirects: 8,
            https_only: false,
            // Every crate of the workspace shares its version.
            user_agent: concat!("plimsoll/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

impl AgentConfig {
    /// Deadline for downloading `size` bytes (unknown: [`AgentConfig::transfer_timeout`]):
    /// the small-request time plus the size at [`AgentConfig::min_throughput`], capped.
    pub fn download_timeout(&self, size: Option<u64>) -> Duration {
        match size {
            Some(n) => {
                let secs = n / self.min_throughput.max(1);
                (self.request_timeout + Duration::from_secs(secs)).min(self.transfer_timeout)
            }
            None => self.transfer_timeout,
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
        .timeout(config.transfer_timeout)
        .max_idle_connections(0)
        .max_idle_connections_per_host(0)
        .https_only(config.https_only)
        .redirects(config.redirects)
        .user_agent(&config.user_agent)
        .build())
}

/// Says what a transport error means where `ureq`'s own words are terse: a deadline that
/// passed, a refused downgrade to plain HTTP. `None` for other errors.
pub fn explain_transport(t: &ureq::Transport) -> Option<String> {
    if t.kind() == ureq::ErrorKind::InsecureRequestHttpsOnly {
        return Some(format!(
            "refused to connect over plain HTTP{}: plimsoll never follows HTTPS to HTTP",
            t.url().map(|u| format!(" to {u}")).unwrap_or_default()
        ));
    }
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(t);
    while let Some(e) = src {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if matches!(io.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock) {
                return Some(format!(
                    "timed out{}: the server did not answer in time",
                    t.url().map(|u| format!(" on {u}")).unwrap_or_default()
                ));
            }
        }
        src = e.source();
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_deadline_scales_with_size_and_is_capped() {
        let c = AgentConfig {
            request_timeout: Duration::from_secs(10),
            transfer_timeout: Duration::from_secs(100),
            min_throughput: 1000,
            ..AgentConfig::default()
        };
        assert_eq!(c.download_timeout(Some(0)), Duration::from_secs(10));
        assert_eq!(c.download_timeout(Some(50_000)), Duration::from_secs(60));
        assert_eq!(c.download_timeout(Some(10_000_000)), Duration::from_secs(100));
        assert_eq!(c.download_timeout(None), Duration::from_secs(100));
    }

    #[test]
    fn https_only_agent_refuses_plain_http_with_a_clear_reason() {
        let config = AgentConfig { https_only: true, ..AgentConfig::default() };
        let agent = agent(&TlsOptions::default(), &config).unwrap();
        // Refused before any connection is attempted, so no server is needed.
        match agent.get("http://127.0.0.1:9/").call() {
            Err(ureq::Error::Transport(t)) => {
                let why = explain_transport(&t).expect("explained");
                assert!(why.contains("plain HTTP"), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }
}
