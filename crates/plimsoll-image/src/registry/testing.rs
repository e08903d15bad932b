//! A real registry on loopback for tests: Debian's `docker-registry` (the CNCF distribution
//! server) with a TLS certificate from a throwaway CA, plus `skopeo` to push.
//!
//! Two ways to authenticate, as real registries do: htpasswd (HTTP Basic, [`LocalRegistry::start`])
//! and the distribution token flow ([`AuthMode::Token`]): the registry answers
//! `WWW-Authenticate: Bearer realm=...` and trusts JWTs from a token server, here
//! [`TokenServer`], run in-process so tests can see what clients asked it for.
//! [`HttpServer`] is the small HTTP/1.1 (optionally TLS) server under it, also usable for mocks.
//!
//! Constructors return `Err` with the reason when a tool is missing, so tests can skip. Servers
//! stop when their value is dropped.

use std::collections::BTreeSet;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use plimsoll_model::Digest;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls_pki_types::pem::PemObject;

use super::auth::Credentials;
use super::client::RegistryOptions;
use super::name::RegistryRef;

pub const USER: &str = "plimsoll";
pub const PASSWORD: &str = "s3cret-pw";
/// The `service` of the token-mode registry (the JWT audience).
pub const TOKEN_SERVICE: &str = "plimsoll-test-registry";
/// The `issuer` the token-mode registry trusts.
pub const TOKEN_ISSUER: &str = "plimsoll-test-token-issuer";
/// Repositories under this prefix can be pulled anonymously in token mode.
pub const PUBLIC_PREFIX: &str = "public/";

/// How the registry authenticates clients.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AuthMode {
    /// HTTP Basic against an htpasswd file.
    #[default]
    Htpasswd,
    /// Bearer tokens from an in-process [`TokenServer`].
    Token,
}

/// A `docker-registry` process on `127.0.0.1`, serving TLS with a [`TestPki`] certificate.
pub struct LocalRegistry {
    child: Child,
    // Fields drop in order: the token server stops after the registry is killed (in `drop`),
    // and the directory goes last.
    token: Option<TokenServer>,
    dir: tempfile::TempDir,
    /// `127.0.0.1:PORT`
    pub host: String,
    pub ca_file: PathBuf,
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn run(cmd: &mut Command) -> Result<Vec<u8>, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(out.stdout)
}

/// A bcrypt htpasswd line, from `htpasswd` (apache2-utils) or Python's `bcrypt`.
fn htpasswd_line() -> Result<String, String> {
    if have("htpasswd") {
        let out = run(Command::new("htpasswd").args(["-Bbn", USER, PASSWORD]))?;
        return Ok(String::from_utf8_lossy(&out).trim().to_owned());
    }
    let script =
        format!("import bcrypt; print('{USER}:' + bcrypt.hashpw(b'{PASSWORD}', bcrypt.gensalt(rounds=5)).decode())");
    run(Command::new("python3").args(["-c", &script]))
        .map(|o| String::from_utf8_lossy(&o).trim().to_owned())
        .map_err(|e| format!("neither htpasswd (apache2-utils) nor python3 bcrypt is available: {e}"))
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).map_err(|e| e.to_string())
}

/// A throwaway CA and a P-256 server certificate for `127.0.0.1`/`localhost` signed by it, made
/// with `openssl` in a directory.
#[derive(Clone, Debug)]
pub struct TestPki {
    /// The CA certificate (PEM): what clients pass as `--ca-file`.
    pub ca_file: PathBuf,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

impl TestPki {
    /// Writes `ca.pem`, `ca.key`, `server.pem` and `server.key` into `dir`.
    pub fn create(dir: &Path) -> Result<TestPki, String> {
        if !have("openssl") {
            return Err("`openssl` is not installed".into());
        }
        let openssl = |args: &[&str]| run(Command::new("openssl").args(args).current_dir(dir));
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
        openssl(
            &[
                &["req", "-x509"][..],
                &ec,
                &["-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=plimsoll test CA", "-days", "2"],
            ]
            .concat(),
        )?;
        std::fs::write(
            dir.join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n\
             extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n",
        )
        .map_err(|e| e.to_string())?;
        openssl(
            &[&["req"][..], &ec, &["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]].concat(),
        )?;
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ])?;
        Ok(TestPki { ca_file: dir.join("ca.pem"), cert_file: dir.join("server.pem"), key_file: dir.join("server.key") })
    }

    /// A rustls server setup presenting the server certificate (ring provider).
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, String> {
        let certs = CertificateDer::pem_file_iter(&self.cert_file)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("{}: {e}", self.cert_file.display()))?;
        let key =
            PrivateKeyDer::from_pem_file(&self.key_file).map_err(|e| format!("{}: {e}", self.key_file.display()))?;
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .and_then(|b| b.with_no_client_auth().with_single_cert(certs, key))
            .map_err(|e| format!("TLS server setup: {e}"))?;
        Ok(Arc::new(config))
    }
}

impl LocalRegistry {
    /// Starts a registry with htpasswd auth, or says why it cannot.
    pub fn start() -> Result<LocalRegistry, String> {
        Self::start_with(AuthMode::Htpasswd)
    }

    /// Starts a registry authenticating as `mode` says, or says why it cannot.
    pub fn start_with(mode: AuthMode) -> Result<LocalRegistry, String> {
        for tool in ["docker-registry", "skopeo", "openssl"] {
            if !have(tool) {
                return Err(format!("`{tool}` is not installed"));
            }
        }
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let d = dir.path();
        let pki = TestPki::create(d)?;
        let (auth, token) = match mode {
            AuthMode::Htpasswd => {
                std::fs::write(d.join("htpasswd"), format!("{}\n", htpasswd_line()?)).map_err(|e| e.to_string())?;
                let auth = format!("  htpasswd:\n    realm: plimsoll-test\n    path: {}/htpasswd\n", d.display());
                (auth, None)
            }
            AuthMode::Token => {
                let token = TokenServer::start(&pki, d)?;
                let auth = format!(
                    "  token:\n    realm: {realm}\n    service: {TOKEN_SERVICE}\n    issuer: {TOKEN_ISSUER}\n    \
                     rootcertbundle: {bundle}\n",
                    realm = token.realm(),
                    bundle = token.signing_cert.display()
                );
                (auth, Some(token))
            }
        };
        let host = format!("127.0.0.1:{}", free_port()?);
        let config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    \
             rootdirectory: {root}/storage\n  delete:\n    enabled: true\nhttp:\n  addr: {host}\n  secret: plimsoll-test\n  \
             tls:\n    certificate: {cert}\n    key: {key}\nauth:\n{auth}",
            root = d.display(),
            cert = pki.cert_file.display(),
            key = pki.key_file.display(),
        );
        std::fs::write(d.join("config.yml"), config).map_err(|e| e.to_string())?;
        let log = std::fs::File::create(d.join("registry.log")).map_err(|e| e.to_string())?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(d.join("config.yml"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("cannot start docker-registry: {e}"))?;
        let mut reg = LocalRegistry { child, token, ca_file: pki.ca_file, dir, host };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if TcpStream::connect(&reg.host).is_ok() {
                return Ok(reg);
            }
            if let Ok(Some(status)) = reg.child.try_wait() {
                let log = std::fs::read_to_string(reg.dir.path().join("registry.log")).unwrap_or_default();
                return Err(format!("docker-registry exited ({status}): {log}"));
            }
            if Instant::now() > deadline {
                return Err("docker-registry did not start listening within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The token server, in [`AuthMode::Token`].
    pub fn token_server(&self) -> Option<&TokenServer> {
        self.token.as_ref()
    }

    /// Options that trust the test CA and log in.
    pub fn options(&self) -> RegistryOptions {
        RegistryOptions {
            ca_files: vec![self.ca_file.clone()],
            credentials: Some(Credentials { username: USER.into(), password: PASSWORD.into() }),
            no_docker_config: true,
            ..RegistryOptions::default()
        }
    }

    /// `127.0.0.1:PORT/repo_and_tag`
    pub fn reference(&self, repo_and_tag: &str) -> RegistryRef {
        let s = format!("{}/{repo_and_tag}", self.host);
        RegistryRef::parse(&s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// Pushes `oci:LAYOUT[:TAG]` to `repo:tag` with skopeo, digests preserved.
    pub fn push_oci(&self, layout: &Path, layout_tag: Option<&str>, repo_and_tag: &str) -> Result<(), String> {
        self.skopeo_copy(layout, layout_tag, repo_and_tag, false)
    }

    /// Writes `image` as an OCI layout in `dir` and pushes it to `repo:tag`; returns what was built.
    pub fn push_image(
        &self,
        image: &crate::testing::ImageBuilder,
        dir: &Path,
        repo_and_tag: &str,
    ) -> Result<crate::testing::BuiltImage, String> {
        let built = image.write_oci_dir(dir, Some("t")).map_err(|e| format!("{}: {e}", dir.display()))?;
        self.push_oci(dir, Some("t"), repo_and_tag)?;
        Ok(built)
    }

    /// Pushes a multi-platform index `oci:LAYOUT:TAG` with every image under it (`--all`) to
    /// `repo:tag`, digests preserved.
    pub fn push_oci_all(&self, layout: &Path, layout_tag: &str, repo_and_tag: &str) -> Result<(), String> {
        self.skopeo_copy(layout, Some(layout_tag), repo_and_tag, true)
    }

    fn skopeo_copy(
        &self,
        layout: &Path,
        layout_tag: Option<&str>,
        repo_and_tag: &str,
        all: bool,
    ) -> Result<(), String> {
        let src = match layout_tag {
            Some(t) => format!("oci:{}:{t}", layout.display()),
            None => format!("oci:{}", layout.display()),
        };
        run(Command::new("skopeo")
            .args(["--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false", "--preserve-digests"])
            .args(all.then_some("--all"))
            .arg(format!("--dest-creds={USER}:{PASSWORD}"))
            .arg(src)
            .arg(format!("docker://{}/{repo_and_tag}", self.host))
            .env("HOME", self.dir.path()))
        .map(|_| ())
    }

    /// Where the registry keeps a blob's bytes (to tamper with them).
    pub fn blob_file(&self, d: &Digest) -> PathBuf {
        self.dir
            .path()
            .join("storage/docker/registry/v2/blobs")
            .join(d.algorithm())
            .join(&d.hex()[..2])
            .join(d.hex())
            .join("data")
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for LocalRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 server.

/// Request heads larger than this are refused (the connection is closed).
const MAX_HEAD: usize = 16 << 10;
/// Request bodies larger than this are refused.
const MAX_BODY: usize = 64 << 20;
/// A client that stalls is dropped after this, so no connection thread lives for long.
const IO_TIMEOUT: Duration = Duration::from_secs(20);

/// A parsed request.
#[derive(Clone, Debug)]
pub struct HttpRequest {
    pub method: String,
    /// Path and query as sent.
    pub target: String,
    /// Names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    /// The query's `key=value` pairs, percent-decoded (`+` is a space), in order.
    pub fn query(&self) -> Vec<(String, String)> {
        let Some((_, q)) = self.target.split_once('?') else { return Vec::new() };
        q.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect()
    }

    /// Every value of a query parameter.
    pub fn query_all(&self, key: &str) -> Vec<String> {
        self.query().into_iter().filter(|(k, _)| k == key).map(|(_, v)| v).collect()
    }

    /// What the `Authorization` header carries.
    pub fn authorization(&self) -> Authorization {
        let Some(h) = self.header("authorization") else { return Authorization::None };
        let (scheme, value) = h.trim().split_once(' ').unwrap_or((h, ""));
        let value = value.trim();
        match scheme.to_ascii_lowercase().as_str() {
            "basic" => {
                let decoded = base64::engine::general_purpose::STANDARD.decode(value).ok();
                let text = decoded.and_then(|d| String::from_utf8(d).ok()).unwrap_or_default();
                let (user, password) = text.split_once(':').unwrap_or((&text, ""));
                Authorization::Basic { user: user.to_owned(), password: password.to_owned() }
            }
            "bearer" => Authorization::Bearer(value.to_owned()),
            _ => Authorization::Other,
        }
    }
}

/// The `Authorization` of a request.
#[derive(Clone, PartialEq, Eq)]
pub enum Authorization {
    None,
    Basic { user: String, password: String },
    Bearer(String),
    Other,
}

impl std::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Authorization::None => f.write_str("None"),
            Authorization::Basic { user, .. } => write!(f, "Basic({user}:<redacted>)"),
            Authorization::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Authorization::Other => f.write_str("Other"),
        }
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hex =
            b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (c, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A response to send. `Content-Length` and `Connection: close` are added.
#[derive(Clone, Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn new(status: u16) -> HttpResponse {
        HttpResponse { status, headers: Vec::new(), body: Vec::new() }
    }

    pub fn header(mut self, name: &str, value: &str) -> HttpResponse {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> HttpResponse {
        self.body = body.into();
        self
    }

    pub fn json(status: u16, value: &serde_json::Value) -> HttpResponse {
        HttpResponse::new(status).header("Content-Type", "application/json").body(value.to_string())
    }
}

type Handler = dyn Fn(&HttpRequest) -> HttpResponse + Send + Sync;

/// An HTTP/1.1 server on `127.0.0.1:0`, plain or TLS, one thread per connection, one request per
/// connection (`Connection: close`). Stops accepting when dropped.
pub struct HttpServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HttpServer {
    pub fn start(
        tls: Option<Arc<rustls::ServerConfig>>,
        handler: impl Fn(&HttpRequest) -> HttpResponse + Send + Sync + 'static,
    ) -> Result<HttpServer, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let stop2 = stop.clone();
        let thread = std::thread::Builder::new()
            .name(format!("http-{}", addr.port()))
            .spawn(move || {
                for conn in listener.incoming() {
                    if stop2.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (tls, handler) = (tls.clone(), handler.clone());
                    // Connection threads are detached; their socket timeouts bound their life.
                    let _ = std::thread::Builder::new().spawn(move || serve_connection(conn, tls, &*handler));
                }
            })
            .map_err(|e| e.to_string())?;
        Ok(HttpServer { addr, stop, thread: Some(thread) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `127.0.0.1:PORT`
    pub fn host(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve_connection(conn: TcpStream, tls: Option<Arc<rustls::ServerConfig>>, handler: &Handler) {
    let _ = conn.set_read_timeout(Some(IO_TIMEOUT));
    let _ = conn.set_write_timeout(Some(IO_TIMEOUT));
    let _ = conn.set_nodelay(true);
    match tls {
        None => {
            let mut s = conn;
            let _ = serve_one(&mut s, handler);
            let _ = s.shutdown(Shutdown::Both);
        }
        Some(config) => {
            let Ok(server) = rustls::ServerConnection::new(config) else { return };
            let mut s = rustls::StreamOwned::new(server, conn);
            if serve_one(&mut s, handler).is_ok() {
                s.conn.send_close_notify();
                let _ = s.flush();
            }
            let _ = s.sock.shutdown(Shutdown::Both);
        }
    }
}

/// Reads one request and answers it. Anything that is not an HTTP/1.x request (a TLS handshake
/// sent to a plain server, binary junk) ends the connection without an answer.
fn serve_one(s: &mut (impl Read + Write), handler: &Handler) -> io::Result<()> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Err(bad("connection closed before the end of the request head"));
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        let end = buf.windows(4).position(|w| w == b"\r\n\r\n");
        // Only the head is text; body bytes may follow it in the same read.
        let head = buf.get(..end.unwrap_or(buf.len())).unwrap_or_default();
        if head.iter().any(|&c| !(c.is_ascii_graphic() || matches!(c, b' ' | b'\t' | b'\r' | b'\n'))) {
            return Err(bad("not an HTTP request"));
        }
        if let Some(end) = end {
            break end;
        }
        if buf.len() > MAX_HEAD {
            return Err(bad("request head too large"));
        }
    };
    let head = std::str::from_utf8(buf.get(..head_end).unwrap_or_default()).map_err(|_| bad("head not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let (method, target, version) = (first.next(), first.next(), first.next());
    let (Some(method), Some(target), Some(version)) = (method, target, version) else {
        return Err(bad("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(bad("not HTTP/1.x"));
    }
    let mut headers = Vec::new();
    for line in lines {
        let (k, v) = line.split_once(':').ok_or_else(|| bad("malformed header"))?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
    }
    let mut req = HttpRequest { method: method.to_owned(), target: target.to_owned(), headers, body: Vec::new() };
    let resp = if req.header("transfer-encoding").is_some() {
        HttpResponse::new(411)
    } else {
        let len: usize = match req.header("content-length") {
            Some(v) => v.trim().parse().map_err(|_| bad("bad Content-Length"))?,
            None => 0,
        };
        if len > MAX_BODY {
            HttpResponse::new(413)
        } else {
            let mut body = buf.get(head_end + 4..).unwrap_or_default().to_vec();
            body.truncate(len);
            let missing = len - body.len();
            Read::by_ref(s).take(missing as u64).read_to_end(&mut body)?;
            if body.len() != len {
                return Err(bad("connection closed inside the request body"));
            }
            req.body = body;
            handler(&req)
        }
    };
    let mut out = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (k, v) in &resp.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", resp.body.len()));
    s.write_all(out.as_bytes())?;
    if req.method != "HEAD" {
        s.write_all(&resp.body)?;
    }
    s.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

// ---------------------------------------------------------------------------------------------
// The token server.

/// One request the token server answered, as recorded for tests (never the password).
#[derive(Clone, Debug)]
pub struct TokenRequest {
    pub method: String,
    /// Path and query as sent.
    pub target: String,
    pub service: Option<String>,
    /// Every requested scope (`scope` may repeat and may hold space-separated scopes).
    pub scopes: Vec<String>,
    /// The user of a Basic `Authorization`.
    pub basic_user: Option<String>,
    /// Whether the request carried `Authorization: Bearer`.
    pub bearer: bool,
    pub status: u16,
    /// What the issued token grants, as `type:name:action,action`.
    pub granted: Vec<String>,
}

/// A distribution token server (`GET /token?service=..&scope=..`, optional Basic auth) over TLS,
/// issuing ES256 JWTs signed by a self-signed certificate sent in `x5c`, which the registry
/// trusts as its `rootcertbundle`. Grants: [`USER`]/[`PASSWORD`] get the actions asked for;
/// anonymous clients get `pull` on repositories under [`PUBLIC_PREFIX`] and nothing else; a
/// wrong password (or unknown user) is HTTP 401.
pub struct TokenServer {
    server: HttpServer,
    log: Arc<Mutex<Vec<TokenRequest>>>,
    /// The PEM certificate whose key signs the tokens.
    pub signing_cert: PathBuf,
}

struct Signer {
    key: ring::signature::EcdsaKeyPair,
    rng: ring::rand::SystemRandom,
    /// Base64 (standard, padded: Go's `StdEncoding`) DER of the signing certificate.
    x5c: String,
    seq: AtomicU64,
}

impl TokenServer {
    /// Makes a signing key and certificate in `dir` and starts serving with `pki`'s certificate.
    pub fn start(pki: &TestPki, dir: &Path) -> Result<TokenServer, String> {
        let openssl = |args: &[&str]| run(Command::new("openssl").args(args).current_dir(dir));
        openssl(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "token.key"])?;
        openssl(&[
            "req",
            "-x509",
            "-key",
            "token.key",
            "-out",
            "token.pem",
            "-subj",
            "/CN=plimsoll token signer",
            "-days",
            "2",
        ])?;
        let key_path = dir.join("token.key");
        let cert_path = dir.join("token.pem");
        let pkcs8 = PrivatePkcs8KeyDer::from_pem_file(&key_path).map_err(|e| format!("{}: {e}", key_path.display()))?;
        let cert = CertificateDer::from_pem_file(&cert_path).map_err(|e| format!("{}: {e}", cert_path.display()))?;
        let rng = ring::rand::SystemRandom::new();
        let key = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            pkcs8.secret_pkcs8_der(),
            &rng,
        )
        .map_err(|e| format!("{}: {e}", key_path.display()))?;
        let signer = Signer {
            key,
            rng,
            x5c: base64::engine::general_purpose::STANDARD.encode(cert.as_ref()),
            seq: AtomicU64::new(0),
        };
        let log = Arc::new(Mutex::new(Vec::new()));
        let log2 = log.clone();
        let server = HttpServer::start(Some(pki.server_config()?), move |req| {
            let (resp, record) = answer_token_request(req, &signer);
            log2.lock().unwrap_or_else(PoisonError::into_inner).push(record);
            resp
        })?;
        Ok(TokenServer { server, log, signing_cert: cert_path })
    }

    /// `https://127.0.0.1:PORT/token`
    pub fn realm(&self) -> String {
        format!("https://{}/token", self.server.addr())
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<TokenRequest> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

fn answer_token_request(req: &HttpRequest, signer: &Signer) -> (HttpResponse, TokenRequest) {
    let auth = req.authorization();
    let scopes: Vec<String> =
        req.query_all("scope").iter().flat_map(|s| s.split(' ')).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    let mut record = TokenRequest {
        method: req.method.clone(),
        target: req.target.clone(),
        service: req.query_all("service").pop(),
        scopes,
        basic_user: match &auth {
            Authorization::Basic { user, .. } => Some(user.clone()),
            _ => None,
        },
        bearer: matches!(auth, Authorization::Bearer(_)),
        status: 0,
        granted: Vec::new(),
    };
    let error = |status: u16, message: &str| {
        HttpResponse::json(status, &serde_json::json!({"errors": [{"code": "DENIED", "message": message}]}))
    };
    let resp = if req.path() != "/token" {
        error(404, "no such endpoint")
    } else if req.method != "GET" {
        error(405, "only GET is supported")
    } else if record.service.as_deref() != Some(TOKEN_SERVICE) {
        error(400, "unknown service")
    } else {
        let user = match &auth {
            Authorization::None => Ok(None),
            Authorization::Basic { user, password } if user == USER && password == PASSWORD => Ok(Some(user.as_str())),
            _ => Err(()),
        };
        match user {
            Err(()) => error(401, "authentication failed").header("WWW-Authenticate", "Basic realm=\"plimsoll-token\""),
            Ok(user) => {
                let access: Vec<ResourceActions> =
                    record.scopes.iter().filter_map(|s| grant(s, user.is_some())).collect();
                record.granted =
                    access.iter().map(|a| format!("{}:{}:{}", a.kind, a.name, a.actions.join(","))).collect();
                match issue(signer, user.unwrap_or(""), &access) {
                    Ok(token) => HttpResponse::json(
                        200,
                        &serde_json::json!({"token": token, "access_token": token, "expires_in": 300}),
                    ),
                    Err(e) => error(500, &e),
                }
            }
        }
    };
    record.status = resp.status;
    (resp, record)
}

struct ResourceActions {
    kind: String,
    name: String,
    actions: Vec<String>,
}

/// `type[(class)]:name:action,action` -> what the policy grants, if anything.
fn grant(scope: &str, authenticated: bool) -> Option<ResourceActions> {
    let (kind, rest) = scope.split_once(':')?;
    let (name, actions) = rest.rsplit_once(':')?;
    let kind = kind.split_once('(').map_or(kind, |(k, _)| k);
    let asked: BTreeSet<&str> = actions.split(',').filter(|a| !a.is_empty()).collect();
    let actions: Vec<String> = if authenticated {
        asked.into_iter().map(str::to_owned).collect()
    } else if kind == "repository" && name.starts_with(PUBLIC_PREFIX) && asked.contains("pull") {
        vec!["pull".to_owned()]
    } else {
        Vec::new()
    };
    (!actions.is_empty()).then(|| ResourceActions { kind: kind.to_owned(), name: name.to_owned(), actions })
}

/// A JWT as distribution 2.8 verifies it (`registry/auth/token/token.go`): ES256, the signing
/// certificate chain in `x5c`, `aud` a string, the signature raw `r || s`.
fn issue(signer: &Signer, subject: &str, access: &[ResourceActions]) -> Result<String, String> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| e.to_string())?.as_secs();
    let header = serde_json::json!({"typ": "JWT", "alg": "ES256", "x5c": [signer.x5c]});
    let access: Vec<serde_json::Value> =
        access.iter().map(|a| serde_json::json!({"type": a.kind, "name": a.name, "actions": a.actions})).collect();
    let claims = serde_json::json!({
        "iss": TOKEN_ISSUER,
        "sub": subject,
        "aud": TOKEN_SERVICE,
        "exp": now + 300,
        "nbf": now.saturating_sub(10),
        "iat": now,
        "jti": format!("plimsoll-{now}-{}", signer.seq.fetch_add(1, Ordering::Relaxed)),
        "access": access,
    });
    let signing_input = format!("{}.{}", b64.encode(header.to_string()), b64.encode(claims.to_string()));
    let sig = signer.key.sign(&signer.rng, signing_input.as_bytes()).map_err(|e| format!("signing failed: {e}"))?;
    Ok(format!("{signing_input}.{}", b64.encode(sig.as_ref())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding() {
        let req = HttpRequest {
            method: "GET".into(),
            target: "/token?service=a+b&scope=repository%3Ax%2Fy%3Apull%2Cpush&scope=registry:catalog:*&flag".into(),
            headers: vec![],
            body: vec![],
        };
        assert_eq!(req.path(), "/token");
        assert_eq!(req.query_all("service"), vec!["a b"]);
        assert_eq!(req.query_all("scope"), vec!["repository:x/y:pull,push", "registry:catalog:*"]);
        assert_eq!(req.query_all("flag"), vec![""]);
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn grant_policy() {
        let show =
            |s: &str, auth: bool| grant(s, auth).map(|a| format!("{}:{}:{}", a.kind, a.name, a.actions.join(",")));
        assert_eq!(show("repository:team/app:pull,push", true).as_deref(), Some("repository:team/app:pull,push"));
        assert_eq!(show("repository:team/app:pull", false), None);
        assert_eq!(show("repository:public/x:pull,push", false).as_deref(), Some("repository:public/x:pull"));
        assert_eq!(show("repository:public/x:push", false), None);
        assert_eq!(show("registry:catalog:*", false), None);
        assert_eq!(show("registry:catalog:*", true).as_deref(), Some("registry:catalog:*"));
        assert_eq!(show("nonsense", true), None);
    }
}
