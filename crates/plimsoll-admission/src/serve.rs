//! The webhook server: HTTPS (rustls, ring provider) speaking `admission.k8s.io/v1`.
//!
//! - `POST /validate`: the ValidatingAdmissionWebhook answer;
//! - `POST /mutate`: the same decision, plus a JSONPatch pinning verified images to their digest;
//! - `GET /healthz`, `GET /readyz`: liveness and readiness (`ok`);
//! - `GET /metrics`: Prometheus text ([`crate::metrics`]).
//!
//! Hostile or broken clients: a TLS handshake, the request head and the body each have a time
//! limit (a slow client holds only its own connection); bodies over [`MAX_BODY`] are refused
//! with 413; a body that is not an `admission.k8s.io/v1` AdmissionReview gets 400 and the
//! reason. Decisions (which may wait on registries) run on the blocking pool and are cut at the
//! review deadline: past it the answer is a denial (fail closed) in `enforce` mode.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;

use crate::decide::{Admission, ReviewRequest};

/// Largest AdmissionReview accepted (the API server's own request limit is 3 MiB).
pub const MAX_BODY: usize = 3 << 20;
/// Time a client gets for the TLS handshake, the request head, and the body.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

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

/// How often the certificate files are checked for changes.
pub const RELOAD_POLL: Duration = Duration::from_secs(2);

/// The routes, over a shared [`Admission`].
pub fn router(admission: Arc<Admission>) -> Router {
    Router::new()
        .route("/validate", post(validate))
        .route("/mutate", post(mutate))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .with_state(admission)
}

async fn metrics(State(a): State<Arc<Admission>>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], a.metrics.render()).into_response()
}

async fn validate(State(a): State<Arc<Admission>>, body: Body) -> Response {
    handle(a, body, false).await
}

async fn mutate(State(a): State<Arc<Admission>>, body: Body) -> Response {
    handle(a, body, true).await
}

async fn handle(a: Arc<Admission>, body: Body, mutate: bool) -> Response {
    let bytes: Bytes = match tokio::time::timeout(CLIENT_TIMEOUT, axum::body::to_bytes(body, MAX_BODY)).await {
        Err(_) => {
            a.metrics.bad_request();
            return (StatusCode::REQUEST_TIMEOUT, "the request body did not arrive in time\n").into_response();
        }
        // `to_bytes` fails on a body over the limit (or a connection that broke mid-body).
        Ok(Err(_)) => {
            a.metrics.bad_request();
            return (StatusCode::PAYLOAD_TOO_LARGE, format!("the body is over {MAX_BODY} bytes or was cut off\n"))
                .into_response();
        }
        Ok(Ok(b)) => b,
    };
    let req = match ReviewRequest::parse(&bytes) {
        Ok(r) => r,
        Err(e) => {
            a.metrics.bad_request();
            return (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response();
        }
    };
    let uid = req.uid.clone();
    let kind = req.kind().to_owned();
    let deadline = a.deadline;
    let worker = Arc::clone(&a);
    let job = tokio::task::spawn_blocking(move || worker.answer_unrecorded(&req, mutate));
    let answer = match tokio::time::timeout(deadline, job).await {
        Ok(Ok((v, verdict, took))) => {
            a.metrics.review(&kind, verdict, took);
            v
        }
        // Past the deadline (the registry calls stop at it too), or the decision panicked:
        // either way no verified answer, so fail closed.
        Ok(Err(_)) | Err(_) => a.timed_out(&uid, &kind),
    };
    let body = serde_json::to_vec(&answer).unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A running server: its address, and the runtime it runs on (dropping it stops the server).
pub struct Running {
    pub addr: SocketAddr,
    runtime: tokio::runtime::Runtime,
}

impl Running {
    /// Blocks for as long as the server runs (forever, unless the process is stopped).
    pub fn wait(self) {
        self.runtime.block_on(std::future::pending::<()>());
    }
}

/// Binds `listen` and starts serving on a runtime of its own (worker threads: the cores).
pub fn start(listen: SocketAddr, tls: Arc<Tls>, admission: Arc<Admission>) -> Result<Running, ServeError> {
    let config = tls.server_config()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(ServeError::Runtime)?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(listen))
        .map_err(|source| ServeError::Listen { addr: listen, source })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Listen { addr: listen, source })?;
    let app = router(admission);
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    runtime.spawn(async move {
        let mut tick = tokio::time::interval(RELOAD_POLL);
        loop {
            tick.tick().await;
            // A failed reload keeps the pair in service; the next tick tries again.
            let _ = tls.reload_if_changed();
        }
    });
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
            let (acceptor, app) = (acceptor.clone(), app.clone());
            tokio::spawn(async move {
                let Ok(Ok(tls)) = tokio::time::timeout(CLIENT_TIMEOUT, acceptor.accept(tcp)).await else { return };
                let service = TowerToHyperService::new(app);
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(CLIENT_TIMEOUT)
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    Ok(Running { addr, runtime })
}
