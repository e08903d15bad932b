//! A small Kubernetes API client for `plimsoll k8s`: read-only `list` calls over HTTPS.
//!
//! [`kubeconfig::load`] resolves a kubeconfig context into a [`ClusterConfig`] (server, CA,
//! `insecure-skip-tls-verify`, client certificate, bearer token or token file, exec credential
//! plugin); [`Client::new`] builds a rustls client from it (ring provider, the CA when given,
//! else the system roots, as kubectl) and [`Client::list`] reads a collection page by page
//! (`limit` and `continue`), every request under a deadline and every page under a size cap
//! ([`Limits`]), so a hostile or broken server gives a clear error, never a hang or an
//! unbounded allocation. Errors ([`KubeError`]) name the URL and, for 401/403, what to check.
//!
//! Why not `kube-rs`: it brings tokio, hyper, tower and the `k8s-openapi` types for every
//! Kubernetes version (minutes of build); the audit needs a dozen GETs on raw JSON.

pub mod client;
pub mod kubeconfig;
#[cfg(feature = "test-util")]
pub mod testing;

use std::path::PathBuf;

pub use client::{Client, Limits};
pub use kubeconfig::ClusterConfig;

/// What went wrong talking to a cluster. Messages are for the person who gave the kubeconfig.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KubeError {
    #[error("no kubeconfig found (looked at: {}); pass --kubeconfig FILE or set KUBECONFIG", list_paths(tried))]
    NoKubeconfig { tried: Vec<PathBuf> },
    #[error("cannot read the kubeconfig {}", path.display())]
    ReadKubeconfig {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the kubeconfig {} is not valid: {reason}", path.display())]
    ParseKubeconfig { path: PathBuf, reason: String },
    #[error("the kubeconfig sets no current-context; pass --context (contexts: {})", known.join(", "))]
    NoContext { known: Vec<String> },
    #[error("no context `{name}` in the kubeconfig (contexts: {})", known.join(", "))]
    UnknownContext { name: String, known: Vec<String> },
    #[error("context `{context}` names cluster `{cluster}`, which the kubeconfig does not define")]
    UnknownCluster { context: String, cluster: String },
    #[error("context `{context}` names user `{user}`, which the kubeconfig does not define")]
    UnknownUser { context: String, user: String },
    #[error("cluster `{cluster}` has no server URL in the kubeconfig")]
    NoServer { cluster: String },
    #[error("{what}: {reason}")]
    Credential { what: String, reason: String },
    #[error("TLS setup for the API server failed: {0}")]
    Tls(String),
    #[error(
        "the API server rejected the credentials (401 Unauthorized) on {url}: {message}; check the token, \
         token file or client certificate of the kubeconfig user"
    )]
    Unauthorized { url: String, message: String },
    #[error("forbidden (403) to list {resource}: {message}")]
    Forbidden { resource: String, message: String },
    #[error("the API server does not serve {resource} (404 on {url})")]
    NotFound { resource: String, url: String },
    #[error("the API server answered HTTP {code} on {url}: {message}")]
    Status { url: String, code: u16, message: String },
    #[error("cannot reach the API server at {url}: {reason}")]
    Transport { url: String, reason: String },
    #[error("the answer on {url} is larger than the {max} bytes plimsoll reads per page")]
    TooLarge { url: String, max: u64 },
    #[error("the answer on {url} is not a Kubernetes list: {reason}")]
    InvalidResponse { url: String, reason: String },
    #[error("{resource}: more than {max} objects; not read further")]
    TooManyItems { resource: String, max: usize },
    #[error("{resource}: the API server kept answering with more pages after {pages}; not read further")]
    TooManyPages { resource: String, pages: usize },
}

fn list_paths(p: &[PathBuf]) -> String {
    if p.is_empty() {
        return "nothing: HOME and KUBECONFIG are unset".into();
    }
    p.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}
