//! Serving the routes over HTTP, or HTTPS with `--tls-cert/--tls-key` (rustls, ring provider, as
//! the admission door; the pair is re-read when its files change). A slow client holds only its
//! own connection: the TLS handshake and the request head each have a time limit, bodies too
//! (in the routes). The advisory database file is checked every [`DB_POLL`]; a change re-matches
//! every stored inventory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::App;

/// Time a client gets for the TLS handshake and the request head.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the advisory database and TLS files are checked for changes.
pub const DB_POLL: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    #[error("cannot read the TLS {what} {}: {reason}", path.display())]
    Tls { what: &'static str, path: PathBuf, reason: String },
    #[error("cannot listen on {addr}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the server runtime")]
    Runtime(#[source] std::io::Error),
}

/// The serving certificate and key, re-read when their files change.
#[derive(Debug)]
pub struct Tls {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<(Arc<CertifiedKey>, Stamp)>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

type Stamp = [(Option<SystemTime>, u64); 2];

impl Tls {
    pub fn load(cert: &Path, key: &Path) -> Result<Arc<Tls>, ServeError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let stamp = stamp(cert, key);
        let loaded = load_pair(cert, key, &provider)?;
        Ok(Arc::new(Tls {
            cert: cert.to_owned(),
            key: key.to_owned(),
            current: RwLock::new((Arc::new(loaded), stamp)),
            provider,
        }))
    }

    fn reload_if_changed(&self) {
        let now = stamp(&self.cert, &self.key);
        if self.current.read().unwrap_or_else(|p| p.into_inner()).1 == now {
            return;
        }
        // A pair that does not load (half-written during a rotation) keeps the previous one.
        if let Ok(loaded) = load_pair(&self.cert, &self.key, &self.provider) {
            *self.current.write().unwrap_or_else(|p| p.into_inner()) = (Arc::new(loaded), now);
        }
    }

    fn server_config(self: &Arc<Tls>) -> Result<Arc<rustls::ServerConfig>, ServeError> {
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::clone(&self.provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| ServeError::Tls { what: "configuration", path: self.cert.clone(), reason: e.to_string() })?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(Resolver(Arc::clone(self))));
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

#[derive(Debug)]
struct Resolver(Arc<Tls>);

impl rustls::server::ResolvesServerCert for Resolver {
    fn resolve(&self, _hello: rustls::server::ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0.current.read().unwrap_or_else(|p| p.into_inner()).0))
    }
}

fn stamp(cert: &Path, key: &Path) -> Stamp {
    let one = |p: &Path| std::fs::metadata(p).map(|m| (m.modified().ok(), m.len())).unwrap_or((None, 0));
    [one(cert), one(key)]
}

fn load_pair(cert: &Path, key: &Path, provider: &rustls::crypto::CryptoProvider) -> Result<CertifiedKey, ServeError> {
    let tls_err = |what, path: &Path, reason: String| ServeError::Tls { what, path: path.to_owned(), reason };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|i| i.collect::<Result<_, _>>())
        .map_err(|e| tls_err("certificate", cert, e.to_string()))?;
    if certs.is_empty() {
        return Err(tls_err("certificate", cert, "no CERTIFICATE block".into()));
    }
    let private = PrivateKeyDer::from_pem_file(key).map_err(|e| tls_err("key", key, e.to_string()))?;
    CertifiedKey::from_der(certs, private, provider).map_err(|e| tls_err("certificate and key", cert, e.to_string()))
}

/// A running server: its address, and the runtime it runs on (dropping it stops the server).
pub struct Running {
    pub addr: SocketAddr,
    runtime: tokio::runtime::Runtime,
}

impl Running {
    /// Blocks for as long as the server runs.
    pub fn wait(self) {
        self.runtime.block_on(std::future::pending::<()>());
    }
}

/// Binds `listen`, starts serving (HTTPS when `tls` is given) and the advisory database watch.
/// `log` receives background errors (a database that does not open, a failed re-match).
pub fn start(
    listen: SocketAddr,
    tls: Option<Arc<Tls>>,
    app: Arc<App>,
    log: Arc<dyn Fn(&str) + Send + Sync>,
) -> Result<Running, ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(ServeError::Runtime)?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(listen))
        .map_err(|source| ServeError::Listen { addr: listen, source })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Listen { addr: listen, source })?;
    let acceptor = match &tls {
        Some(t) => Some(tokio_rustls::TlsAcceptor::from(t.server_config()?)),
        None => None,
    };
    let watched = Arc::clone(&app);
    runtime.spawn(async move {
        let mut tick = tokio::time::interval(DB_POLL);
        loop {
            tick.tick().await;
            if let Some(t) = &tls {
                t.reload_if_changed();
            }
            let app = Arc::clone(&watched);
            let log = Arc::clone(&log);
            // Re-matching is blocking work; the tick waits for it, so runs never overlap.
            let _ = tokio::task::spawn_blocking(move || {
                if let Err(e) = app.check_advisories() {
                    log(&format!("advisory database: {e}"));
                }
            })
            .await;
        }
    });
    let routes = crate::api::router(app);
    runtime.spawn(async move {
        loop {
            let (tcp, _) = match listener.accept().await {
                Ok(c) => c,
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let (acceptor, routes) = (acceptor.clone(), routes.clone());
            tokio::spawn(async move {
                let service = TowerToHyperService::new(routes);
                let builder = {
                    let mut b = hyper::server::conn::http1::Builder::new();
                    b.timer(TokioTimer::new()).header_read_timeout(CLIENT_TIMEOUT);
                    b
                };
                match acceptor {
                    Some(acceptor) => {
                        let Ok(Ok(tls)) = tokio::time::timeout(CLIENT_TIMEOUT, acceptor.accept(tcp)).await else {
                            return;
                        };
                        let _ = builder.serve_connection(TokioIo::new(tls), service).await;
                    }
                    None => {
                        let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
                    }
                }
            });
        }
    });
    Ok(Running { addr, runtime })
}
