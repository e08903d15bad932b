//! A loopback HTTPS Kubernetes API server for tests (feature `test-util`): certificates from
//! rcgen (a CA, a server certificate for 127.0.0.1, a client certificate the server accepts),
//! one thread per connection, one request per connection, and [`FakeCluster`], which answers
//! the list endpoints from objects in memory with bearer-token checks, `limit`/`continue`
//! pagination and resources answering 403. Hostile replies ([`Reply::Endless`],
//! [`Reply::Huge`], [`Reply::Silent`]) test the client's bounds.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use base64::Engine as _;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;
use serde_json::{json, Value};

/// A request as the handler sees it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Query pairs, percent-decoded.
    pub query: Vec<(String, String)>,
    pub authorization: Option<String>,
    /// The DER of the client certificate, when one was presented (it chains to the test CA).
    pub client_cert: Option<Vec<u8>>,
}

impl Request {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// What the server does with a request.
#[derive(Clone, Debug)]
pub enum Reply {
    Json(u16, Value),
    /// Headers, then body bytes forever (until the client goes away).
    Endless,
    /// A `Content-Length` of this many bytes, sent in full.
    Huge(u64),
    /// Reads the request and never answers.
    Silent,
}

/// The test PKI: a CA, a server certificate for 127.0.0.1/localhost, a client certificate.
pub struct TestPki {
    pub ca_pem: String,
    pub client_cert_pem: String,
    pub client_key_pem: String,
    server: Arc<rustls::ServerConfig>,
}

impl TestPki {
    pub fn new() -> Result<TestPki, String> {
        let e = |e: rcgen::Error| e.to_string();
        let ca_key = KeyPair::generate().map_err(e)?;
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(e)?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "plimsoll test kube CA");
        let ca_cert = ca.self_signed(&ca_key).map_err(e)?;
        let issuer = Issuer::new(ca, ca_key);
        let server_key = KeyPair::generate().map_err(e)?;
        let server = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).map_err(e)?;
        let server_cert = server.signed_by(&server_key, &issuer).map_err(e)?;
        let client_key = KeyPair::generate().map_err(e)?;
        let mut client = CertificateParams::new(Vec::<String>::new()).map_err(e)?;
        client.distinguished_name.push(DnType::CommonName, "auditor");
        let client_cert = client.signed_by(&client_key, &issuer).map_err(e)?;

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca_cert.der().clone()).map_err(|e| e.to_string())?;
        // Client certificates are optional: bearer-token requests present none.
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .allow_unauthenticated()
            .build()
            .map_err(|e| e.to_string())?;
        let key = PrivateKeyDer::from_pem_slice(server_key.serialize_pem().as_bytes()).map_err(|e| e.to_string())?;
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![server_cert.der().clone(), ca_cert.der().clone()], key)
            .map_err(|e| e.to_string())?;
        Ok(TestPki {
            ca_pem: ca_cert.pem(),
            client_cert_pem: client_cert.pem(),
            client_key_pem: client_key.serialize_pem(),
            server: Arc::new(config),
        })
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// The server; stops accepting when dropped.
pub struct ApiServer {
    addr: SocketAddr,
    pki: TestPki,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ApiServer {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Result<ApiServer, String> {
        let pki = TestPki::new()?;
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        let (stop2, tls) = (stop.clone(), pki.server.clone());
        let handler: Arc<Handler> = Arc::new(handler);
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (tls, handler, stop3) = (tls.clone(), handler.clone(), stop2.clone());
                std::thread::spawn(move || serve(conn, tls, &*handler, &stop3));
            }
        });
        Ok(ApiServer { addr, pki, stop, thread: Some(thread) })
    }

    /// `https://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    pub fn pki(&self) -> &TestPki {
        &self.pki
    }

    /// A kubeconfig for this server: context `test`, the CA embedded, a bearer token.
    pub fn kubeconfig(&self, token: &str) -> String {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: test\n  cluster:\n    server: {}\n    certificate-authority-data: {}\nusers:\n- name: auditor\n  user:\n    token: {token}\ncontexts:\n- name: test\n  context: {{cluster: test, user: auditor}}\n",
            self.url(),
            b64(&self.pki.ca_pem)
        )
    }

    /// A kubeconfig for this server authenticating with the test client certificate.
    pub fn kubeconfig_client_cert(&self) -> String {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: test\nclusters:\n- name: test\n  cluster:\n    server: {}\n    certificate-authority-data: {}\nusers:\n- name: auditor\n  user:\n    client-certificate-data: {}\n    client-key-data: {}\ncontexts:\n- name: test\n  context: {{cluster: test, user: auditor}}\n",
            self.url(),
            b64(&self.pki.ca_pem),
            b64(&self.pki.client_cert_pem),
            b64(&self.pki.client_key_pem)
        )
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(conn: TcpStream, tls: Arc<rustls::ServerConfig>, handler: &Handler, stop: &AtomicBool) {
    // Bounds the life of a connection thread whatever the client does.
    let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = conn.set_write_timeout(Some(Duration::from_secs(30)));
    let Ok(server) = rustls::ServerConnection::new(tls) else { return };
    let mut s = rustls::StreamOwned::new(server, conn);
    let Ok(mut req) = read_request(&mut s) else { return };
    req.client_cert = s.conn.peer_certificates().and_then(|c| c.first()).map(|c| c.as_ref().to_vec());
    let result = match handler(&req) {
        Reply::Json(status, v) => {
            let body = v.to_string();
            write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
        }
        Reply::Huge(n) => {
            let chunk = vec![b' '; 64 << 10];
            let mut r = write!(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {n}\r\n\r\n");
            let mut left = n;
            while r.is_ok() && left > 0 {
                let k = left.min(chunk.len() as u64) as usize;
                r = s.write_all(chunk.get(..k).unwrap_or_default());
                left -= k as u64;
            }
            r
        }
        Reply::Endless => {
            let chunk = vec![b' '; 64 << 10];
            let mut r =
                write!(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            while r.is_ok() && !stop.load(Ordering::SeqCst) {
                r = write!(s, "{:x}\r\n", chunk.len())
                    .and_then(|()| s.write_all(&chunk))
                    .and_then(|()| s.write_all(b"\r\n"));
            }
            r
        }
        Reply::Silent => {
            // Hold the connection open until the client gives up or the server stops.
            let mut b = [0u8; 1];
            while !stop.load(Ordering::SeqCst) {
                match s.read(&mut b) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::TimedOut => {}
                    Err(_) => break,
                }
            }
            Ok(())
        }
    };
    if result.is_ok() {
        s.conn.send_close_notify();
        let _ = s.flush();
    }
    let _ = s.sock.shutdown(Shutdown::Both);
}

fn read_request(s: &mut impl Read) -> io::Result<Request> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte)? == 0 || buf.len() > 16 << 10 {
            return Err(io::ErrorKind::InvalidData.into());
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf);
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_owned();
    let target = first.next().unwrap_or("");
    let (path, q) = target.split_once('?').unwrap_or((target, ""));
    let query = q
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    let authorization = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.trim().to_owned());
    Ok(Request { method, path: path.to_owned(), query, authorization, client_cert: None })
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hex =
            b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (c, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A cluster in memory answering list endpoints the way the API server does: collections by
/// their cluster-wide path (`/api/v1/pods`, `/apis/apps/v1/deployments`), the namespaced
/// variants (`/api/v1/namespaces/NS/pods`) filtered from them, items without `kind`, pages of
/// at most `page_size` with opaque `continue` tokens, 401 without the token (or the client
/// certificate), 403 on the `forbidden` collections, 404 on unknown ones.
#[derive(Clone, Debug, Default)]
pub struct FakeCluster {
    pub token: String,
    /// Cluster-wide collection path -> objects (with `metadata.namespace` where namespaced).
    pub collections: BTreeMap<String, Vec<Value>>,
    pub forbidden: BTreeSet<String>,
    pub page_size: usize,
    /// Every request's path and query, in order, for assertions.
    pub log: Arc<Mutex<Vec<String>>>,
}

impl FakeCluster {
    pub fn handle(&self, req: &Request) -> Reply {
        if let Ok(mut l) = self.log.lock() {
            let q: Vec<String> = req.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            l.push(format!("{}?{}", req.path, q.join("&")));
        }
        let authorized =
            req.client_cert.is_some() || req.authorization.as_deref() == Some(&format!("Bearer {}", self.token));
        if !authorized {
            return status(401, "Unauthorized");
        }
        // `/api/v1/namespaces/NS/pods` -> (`/api/v1/pods`, Some(NS)).
        let (collection, ns) = match req.path.split_once("/namespaces/") {
            Some((prefix, rest)) if rest.contains('/') => {
                let (ns, plural) = rest.split_once('/').unwrap_or((rest, ""));
                (format!("{prefix}/{plural}"), Some(ns.to_owned()))
            }
            _ => (req.path.clone(), None),
        };
        if self.forbidden.contains(&collection) {
            let user = if req.client_cert.is_some() { "auditor" } else { "system:serviceaccount:audit:auditor" };
            return status(
                403,
                &format!("{} is forbidden: User \"{user}\" cannot list resource at the cluster scope", collection),
            );
        }
        let Some(all) = self.collections.get(&collection) else {
            return status(404, "the server could not find the requested resource");
        };
        let items: Vec<&Value> = all
            .iter()
            .filter(|o| {
                ns.as_deref().is_none_or(|n| o.pointer("/metadata/namespace").and_then(Value::as_str) == Some(n))
            })
            .collect();
        let limit = req.param("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(usize::MAX);
        let page = limit.min(self.page_size.max(1));
        let start = match req.param("continue") {
            None => 0,
            Some(c) => match c.strip_prefix("tok:").and_then(|n| n.parse::<usize>().ok()) {
                Some(n) => n,
                None => return status(410, "bad continue token"),
            },
        };
        let end = (start + page).min(items.len());
        let mut meta = json!({"resourceVersion": "1"});
        if end < items.len() {
            meta["continue"] = json!(format!("tok:{end}"));
        }
        Reply::Json(
            200,
            json!({"kind": "List", "apiVersion": "v1", "metadata": meta, "items": items.get(start..end).unwrap_or_default()}),
        )
    }
}

fn status(code: u16, message: &str) -> Reply {
    Reply::Json(
        code,
        json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message, "code": code}),
    )
}
