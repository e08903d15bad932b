//! The HTTPS client: rustls with client certificates, bearer tokens, deadlines, size caps and
//! `limit`/`continue` pagination.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls_pki_types::pem::PemObject;
use serde_json::Value;

use crate::{ClusterConfig, KubeError};

/// Bounds of every call. The defaults suit clusters of tens of thousands of objects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `limit` of each list request (the API server's page size).
    pub page_size: u32,
    /// Bytes read of one answer at most (a page of 500 pods is a few MiB).
    pub max_page_bytes: u64,
    /// Objects read of one collection at most, over all pages.
    pub max_items: usize,
    /// Pages read of one collection at most (a server that never stops sending `continue`).
    pub max_pages: usize,
    pub connect_timeout: Duration,
    /// Whole-request deadline: connect, headers and body of one page.
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            page_size: 500,
            max_page_bytes: 64 << 20,
            max_items: 500_000,
            max_pages: 10_000,
            connect_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(60),
        }
    }
}

/// A connection setup to one API server. Requests are independent (no pooling: see
/// `plimsoll_net::AgentConfig` on ureq's pooled sockets losing their timeouts).
pub struct Client {
    agent: ureq::Agent,
    server: String,
    authorization: Option<String>,
    limits: Limits,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("server", &self.server).field("limits", &self.limits).finish()
    }
}

impl Client {
    pub fn new(cfg: &ClusterConfig, limits: Limits) -> Result<Client, KubeError> {
        let tls = tls_config(cfg)?;
        let agent = ureq::AgentBuilder::new()
            .tls_config(tls)
            .timeout_connect(limits.connect_timeout)
            .timeout(limits.request_timeout)
            .max_idle_connections(0)
            .max_idle_connections_per_host(0)
            // The API server does not redirect list calls; following one could carry the
            // bearer token elsewhere.
            .redirects(0)
            .user_agent(concat!("plimsoll/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Client {
            agent,
            server: cfg.server.clone(),
            authorization: cfg.token.as_ref().map(|t| format!("Bearer {t}")),
            limits,
        })
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    /// Every object of the collection at `path` (`/api/v1/pods`, `/apis/apps/v1/namespaces/x/deployments`),
    /// following `metadata.continue`. `resource` names the collection in errors.
    pub fn list(&self, path: &str, resource: &str) -> Result<Vec<Value>, KubeError> {
        let mut items = Vec::new();
        let mut cont: Option<String> = None;
        for _page in 0..self.limits.max_pages {
            let mut url = format!("{}{path}?limit={}", self.server, self.limits.page_size);
            if let Some(c) = &cont {
                url.push_str("&continue=");
                url.push_str(&encode_query(c));
            }
            let body = self.get(&url, resource)?;
            let mut list: Value = serde_json::from_slice(&body)
                .map_err(|e| KubeError::InvalidResponse { url: url.clone(), reason: e.to_string() })?;
            let Some(Value::Array(page)) = list.get_mut("items").map(Value::take) else {
                return Err(KubeError::InvalidResponse { url, reason: "no `items` array".into() });
            };
            if items.len() + page.len() > self.limits.max_items {
                return Err(KubeError::TooManyItems { resource: resource.to_owned(), max: self.limits.max_items });
            }
            items.extend(page);
            let next = list.pointer("/metadata/continue").and_then(Value::as_str).filter(|c| !c.is_empty());
            match next {
                // The same token again would loop forever.
                Some(c) if cont.as_deref() == Some(c) => {
                    return Err(KubeError::InvalidResponse { url, reason: "the same `continue` token twice".into() })
                }
                Some(c) => cont = Some(c.to_owned()),
                None => return Ok(items),
            }
        }
        Err(KubeError::TooManyPages { resource: resource.to_owned(), pages: self.limits.max_pages })
    }

    /// One GET: the body (at most `max_page_bytes`), or the error the status says.
    fn get(&self, url: &str, resource: &str) -> Result<Vec<u8>, KubeError> {
        let mut req = self.agent.get(url).set("Accept", "application/json");
        if let Some(a) = &self.authorization {
            req = req.set("Authorization", a);
        }
        let resp = match req.call() {
            Ok(r) => r,
            Err(ureq::Error::Status(code, r)) => {
                let message = status_message(r);
                return Err(match code {
                    401 => KubeError::Unauthorized { url: url.to_owned(), message },
                    403 => KubeError::Forbidden { resource: resource.to_owned(), message },
                    404 => KubeError::NotFound { resource: resource.to_owned(), url: url.to_owned() },
                    _ => KubeError::Status { url: url.to_owned(), code, message },
                });
            }
            Err(ureq::Error::Transport(t)) => {
                let reason = plimsoll_net::explain_transport(&t).unwrap_or_else(|| t.to_string());
                return Err(KubeError::Transport { url: url.to_owned(), reason });
            }
        };
        let max = self.limits.max_page_bytes;
        let mut body = Vec::new();
        resp.into_reader().take(max + 1).read_to_end(&mut body).map_err(|e| {
            let timed_out = matches!(e.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock);
            let reason = if timed_out {
                format!("timed out reading the answer (deadline {} s)", self.limits.request_timeout.as_secs())
            } else {
                format!("reading the answer: {e}")
            };
            KubeError::Transport { url: url.to_owned(), reason }
        })?;
        if body.len() as u64 > max {
            return Err(KubeError::TooLarge { url: url.to_owned(), max });
        }
        Ok(body)
    }
}

/// The `message` of a `Status` object, else the start of the body.
fn status_message(r: ureq::Response) -> String {
    let mut body = Vec::new();
    let _ = r.into_reader().take(64 << 10).read_to_end(&mut body);
    let text = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
    let text: String = text.trim().chars().take(300).collect();
    if text.is_empty() {
        "no message".into()
    } else {
        text
    }
}

/// Percent-encodes a query value (`continue` tokens are base64 with `=`, `+`, `/`).
fn encode_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The rustls setup of a context: its CA (else the system roots), or no verification with
/// `insecure-skip-tls-verify`, and its client certificate.
fn tls_config(cfg: &ClusterConfig) -> Result<Arc<rustls::ClientConfig>, KubeError> {
    let tls_err = |what: &str, e: &dyn std::fmt::Display| KubeError::Tls(format!("{what}: {e}"));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_err("protocol versions", &e))?;
    let builder = if cfg.insecure {
        builder.dangerous().with_custom_certificate_verifier(Arc::new(plimsoll_net::NoVerify::new(provider)))
    } else {
        let mut roots = rustls::RootCertStore::empty();
        match &cfg.ca_pem {
            Some(pem) => {
                let what = format!("cluster {} certificate-authority", cfg.cluster);
                let mut n = 0;
                for cert in CertificateDer::pem_slice_iter(pem) {
                    let cert = cert.map_err(|e| tls_err(&what, &e))?;
                    roots.add(cert).map_err(|e| tls_err(&what, &e))?;
                    n += 1;
                }
                if n == 0 {
                    return Err(tls_err(&what, &"holds no PEM certificate"));
                }
            }
            None => {
                roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            }
        }
        match &cfg.tls_server_name {
            None => builder.with_root_certificates(roots),
            Some(name) => {
                let what = format!("cluster {} tls-server-name", cfg.cluster);
                let name = ServerName::try_from(name.clone()).map_err(|e| tls_err(&what, &e))?;
                let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                    .build()
                    .map_err(|e| tls_err(&what, &e))?;
                builder.dangerous().with_custom_certificate_verifier(Arc::new(NamedVerifier { inner, name }))
            }
        }
    };
    let config = match (&cfg.client_cert_pem, &cfg.client_key_pem) {
        (Some(cert), Some(key)) => {
            let what = format!("user {} client certificate", cfg.user);
            let certs: Vec<CertificateDer<'static>> =
                CertificateDer::pem_slice_iter(cert).collect::<Result<_, _>>().map_err(|e| tls_err(&what, &e))?;
            if certs.is_empty() {
                return Err(tls_err(&what, &"holds no PEM certificate"));
            }
            let key = PrivateKeyDer::from_pem_slice(key)
                .map_err(|e| tls_err(&format!("user {} client key", cfg.user), &e))?;
            builder.with_client_auth_cert(certs, key).map_err(|e| tls_err(&what, &e))?
        }
        _ => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// `tls-server-name`: the certificate is verified as usual (chain, validity, signatures) but
/// against this name instead of the URL's host, as client-go does. ureq takes the SNI from the
/// URL, so this wrapper is the one place to put it (SNI stays the host's, unlike client-go).
#[derive(Debug)]
struct NamedVerifier {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    name: ServerName<'static>,
}

impl rustls::client::danger::ServerCertVerifier for NamedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        self.inner.verify_server_cert(end_entity, intermediates, &self.name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_are_encoded() {
        assert_eq!(encode_query("eyJ2Ijo+/="), "eyJ2Ijo%2B%2F%3D");
    }
}
