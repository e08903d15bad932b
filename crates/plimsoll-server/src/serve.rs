//! Serving the routes over HTTP, or HTTPS with `--tls-cert/--tls-key` (rustls, ring provider, as
//! the admission door; the pair is re-read when its files change). A slow client holds only its
//! own connection: the TLS handshake and the request head each have a time limit, bodies too
//! (in the routes). The advisory database file is checked every [`DB_POLL`]; a change re-matches
//! every stored inventory.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;

use crate::App;

/// Time a client gets for the TLS handshake and the request head.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the advisory database and TLS files are checked for changes.
pub const DB_POLL: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    #[error(transparent)]
    Tls(#[from] plimsoll::net::ServerTlsError),
    #[error("cannot listen on {addr}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the server runtime")]
    Runtime(#[source] std::io::Error),
}

/// The serving certificate and key, re-read when their files change (shared with the other
/// door that serves HTTPS).
pub use plimsoll::net::ServerTls as Tls;

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
                // A failed reload keeps the pair in service; the next tick tries again.
                let _ = t.reload_if_changed();
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
