//! A local container engine's API over its Unix socket: the Docker Engine API, or Podman's
//! Docker-compatible API, which answers the same paths.
//!
//! Used for `docker:NAME` / `podman:NAME` image references (`GET /images/{name}/get`, a `docker
//! save` archive, spooled to a temporary file because the archive reader seeks) and by the
//! facade's engine audit (`/containers/json`, `/info`, `/version`).
//!
//! Hand-written on `std::os::unix::net::UnixStream` with `httparse` for the response head: this
//! crate is synchronous (ureq, which cannot dial a Unix socket), and hyper's client would bring
//! an async runtime and crates the build does not have yet for what is one `GET` per connection
//! (`Connection: close`) with a content-length, chunked or until-close body. Every read and
//! write has a timeout, JSON answers have an overall deadline and a size cap, and a download
//! is capped in bytes.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::ImageError;

/// Which engine a reference or audit talks to (it decides the default socket).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EngineKind {
    Docker,
    Podman,
}

impl EngineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Docker => "docker",
            EngineKind::Podman => "podman",
        }
    }
}

/// Where Docker listens unless told otherwise.
pub const DEFAULT_DOCKER_HOST: &str = "unix:///var/run/docker.sock";

/// The default endpoint of `kind`: Docker's socket, or Podman's rootless socket under
/// `$XDG_RUNTIME_DIR` when it exists, else its system socket.
pub fn default_host(kind: EngineKind) -> String {
    match kind {
        EngineKind::Docker => DEFAULT_DOCKER_HOST.to_owned(),
        EngineKind::Podman => {
            let rootless = std::env::var_os("XDG_RUNTIME_DIR")
                .map(|d| PathBuf::from(d).join("podman/podman.sock"))
                .filter(|p| p.exists());
            match rootless {
                Some(p) => format!("unix://{}", p.display()),
                None => "unix:///run/podman/podman.sock".to_owned(),
            }
        }
    }
}

/// Timeouts and size caps of an [`EngineClient`].
#[derive(Clone, Debug)]
pub struct EngineLimits {
    /// Connecting, and each read or write on the socket (an engine that stops sending fails).
    pub io_timeout: Duration,
    /// A whole JSON request.
    pub json_deadline: Duration,
    /// A JSON answer's body.
    pub max_json_bytes: u64,
}

impl Default for EngineLimits {
    fn default() -> Self {
        // Exporting a large image can take the engine a while before the first byte.
        EngineLimits {
            io_timeout: Duration::from_secs(120),
            json_deadline: Duration::from_secs(60),
            max_json_bytes: 64 << 20,
        }
    }
}

/// A client of one engine endpoint.
#[derive(Clone, Debug)]
pub struct EngineClient {
    endpoint: String,
    socket: PathBuf,
    limits: EngineLimits,
}

impl EngineClient {
    /// `host` is `unix:///path/to.sock` or a socket path. TCP endpoints (`tcp://`, with or
    /// without TLS) are not supported: they are refused with a reason rather than misread.
    pub fn new(host: &str, limits: EngineLimits) -> Result<EngineClient, ImageError> {
        let bad = |reason: &str| ImageError::Engine { endpoint: host.to_owned(), reason: reason.to_owned() };
        let socket = if let Some(p) = host.strip_prefix("unix://") {
            PathBuf::from(p)
        } else if host.starts_with('/') {
            PathBuf::from(host)
        } else if host.contains("://") {
            return Err(bad(
                "only unix:// endpoints are supported; reach a remote engine through an SSH-forwarded socket \
                 (ssh -L /tmp/docker.sock:/var/run/docker.sock HOST) and use unix:///tmp/docker.sock",
            ));
        } else {
            return Err(bad("expected unix:///path/to/docker.sock"));
        };
        if socket.as_os_str().is_empty() {
            return Err(bad("no socket path after unix://"));
        }
        Ok(EngineClient { endpoint: format!("unix://{}", socket.display()), socket, limits })
    }

    /// `unix:///path`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    fn err(&self, reason: impl Into<String>) -> ImageError {
        ImageError::Engine { endpoint: self.endpoint.clone(), reason: reason.into() }
    }

    /// `GET path` and its JSON answer (a non-2xx status is an error carrying the engine's message).
    pub fn get_json(&self, path: &str) -> Result<serde_json::Value, ImageError> {
        let deadline = Instant::now() + self.limits.json_deadline;
        let mut body = self.get(path, Some(deadline))?;
        let mut buf = Vec::new();
        (&mut body).take(self.limits.max_json_bytes + 1).read_to_end(&mut buf).map_err(|e| self.io_err(path, e))?;
        if buf.len() as u64 > self.limits.max_json_bytes {
            return Err(ImageError::TooLarge {
                what: format!("the answer of {} to GET {path}", self.endpoint),
                limit: self.limits.max_json_bytes,
            });
        }
        serde_json::from_slice(&buf).map_err(|e| self.err(format!("GET {path}: the answer is not JSON: {e}")))
    }

    /// `GET path` streamed into `out`, at most `max_bytes`; returns the bytes written.
    pub fn download(&self, path: &str, out: &mut dyn Write, max_bytes: u64) -> Result<u64, ImageError> {
        let body = self.get(path, None)?;
        let mut limited = body.take(max_bytes.saturating_add(1));
        let n = io::copy(&mut limited, out).map_err(|e| self.io_err(path, e))?;
        if n > max_bytes {
            return Err(ImageError::TooLarge {
                what: format!("the answer of {} to GET {path}", self.endpoint),
                limit: max_bytes,
            });
        }
        Ok(n)
    }

    fn io_err(&self, path: &str, e: io::Error) -> ImageError {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                self.err(format!("GET {path}: the engine sent nothing for {:?}", self.limits.io_timeout))
            }
            _ => self.err(format!("GET {path}: {e}")),
        }
    }

    /// Sends the request and reads the response head; the body reader follows the framing.
    fn get(&self, path: &str, deadline: Option<Instant>) -> Result<Body, ImageError> {
        if !path.starts_with('/') || path.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(self.err(format!("invalid request path {path:?}")));
        }
        let stream = UnixStream::connect(&self.socket).map_err(|e| {
            let hint = match e.kind() {
                io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => {
                    " (is the engine running? set --docker-host or DOCKER_HOST)"
                }
                io::ErrorKind::PermissionDenied => " (permission denied: run as a member of the engine's group)",
                _ => "",
            };
            self.err(format!("cannot connect: {e}{hint}"))
        })?;
        stream.set_read_timeout(Some(self.limits.io_timeout)).map_err(|e| self.io_err(path, e))?;
        stream.set_write_timeout(Some(self.limits.io_timeout)).map_err(|e| self.io_err(path, e))?;
        // `Host` is required by HTTP/1.1; engines ignore its value on a Unix socket. One write,
        // so the engine sees the whole head at once.
        let head = format!("GET {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: plimsoll\r\nConnection: close\r\n\r\n");
        (&stream).write_all(head.as_bytes()).map_err(|e| self.io_err(path, e))?;
        let mut reader = BufReader::with_capacity(64 * 1024, Deadlined { inner: stream, deadline });
        let (status, framing) = read_head(&mut reader).map_err(|e| match e {
            HeadError::Io(e) => self.io_err(path, e),
            HeadError::Bad(reason) => self.err(format!("GET {path}: malformed response: {reason}")),
        })?;
        let body = Body::new(reader, framing);
        if !(200..300).contains(&status) {
            let mut text = Vec::new();
            let _ = body.take(64 * 1024).read_to_end(&mut text);
            let message = serde_json::from_slice::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
                .unwrap_or_else(|| String::from_utf8_lossy(&text).trim().chars().take(300).collect());
            return Err(self.err(format!("GET {path}: HTTP {status}: {message}")));
        }
        Ok(body)
    }
}

/// A socket whose reads fail once an overall deadline has passed (JSON requests only).
struct Deadlined {
    inner: UnixStream,
    deadline: Option<Instant>,
}

impl Read for Deadlined {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.deadline.is_some_and(|d| Instant::now() > d) {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "the request's deadline passed"));
        }
        self.inner.read(buf)
    }
}

enum HeadError {
    Io(io::Error),
    Bad(String),
}

#[derive(Debug, PartialEq, Eq)]
enum Framing {
    Length(u64),
    Chunked,
    UntilClose,
}

/// Response heads larger than this are refused.
const MAX_HEAD: usize = 64 * 1024;

fn read_head(r: &mut impl BufRead) -> Result<(u16, Framing), HeadError> {
    let mut head = Vec::new();
    loop {
        let n = r.by_ref().take(8 * 1024).read_until(b'\n', &mut head).map_err(HeadError::Io)?;
        if n == 0 {
            return Err(HeadError::Bad("the connection closed before the response head ended".into()));
        }
        if head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\n") {
            break;
        }
        if head.len() > MAX_HEAD {
            return Err(HeadError::Bad(format!("response head longer than {MAX_HEAD} bytes")));
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err(HeadError::Bad("incomplete response head".into())),
        Err(e) => return Err(HeadError::Bad(e.to_string())),
    }
    let status = resp.code.ok_or_else(|| HeadError::Bad("no status code".into()))?;
    let mut framing = Framing::UntilClose;
    for h in resp.headers.iter() {
        let value = String::from_utf8_lossy(h.value);
        if h.name.eq_ignore_ascii_case("transfer-encoding") && value.to_ascii_lowercase().contains("chunked") {
            framing = Framing::Chunked;
            break;
        }
        if h.name.eq_ignore_ascii_case("content-length") {
            let n = value.trim().parse().map_err(|_| HeadError::Bad(format!("bad Content-Length {value:?}")))?;
            framing = Framing::Length(n);
        }
    }
    Ok((status, framing))
}

/// A response body, de-framed.
struct Body {
    inner: BufReader<Deadlined>,
    framing: Framing,
    /// Bytes left in the current chunk (chunked) or in the body (length).
    left: u64,
    done: bool,
}

impl Body {
    fn new(inner: BufReader<Deadlined>, framing: Framing) -> Body {
        let left = match framing {
            Framing::Length(n) => n,
            _ => 0,
        };
        Body { inner, framing, left, done: false }
    }

    /// Reads the next chunk-size line; 0 ends the body.
    fn next_chunk(&mut self) -> io::Result<u64> {
        let mut line = Vec::new();
        self.inner.by_ref().take(4096).read_until(b'\n', &mut line)?;
        let text = String::from_utf8_lossy(&line);
        let size = text.trim().split(';').next().unwrap_or_default().trim();
        u64::from_str_radix(size, 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, format!("bad chunk size line {:?}", text.trim())))
    }

    fn crlf(&mut self) -> io::Result<()> {
        let mut line = Vec::new();
        self.inner.by_ref().take(2).read_until(b'\n', &mut line)?;
        if line != b"\r\n" && line != b"\n" {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "chunk not followed by CRLF"));
        }
        Ok(())
    }
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        match self.framing {
            Framing::UntilClose => self.inner.read(buf),
            Framing::Length(_) => {
                if self.left == 0 {
                    self.done = true;
                    return Ok(0);
                }
                let want = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
                let n = self.inner.read(&mut buf[..want])?;
                if n == 0 {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the engine closed the connection early"));
                }
                self.left -= n as u64;
                Ok(n)
            }
            Framing::Chunked => {
                if self.left == 0 {
                    let size = self.next_chunk()?;
                    if size == 0 {
                        // Trailers are not used by engines; the connection closes after this.
                        self.done = true;
                        return Ok(0);
                    }
                    self.left = size;
                }
                let want = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
                let n = self.inner.read(&mut buf[..want])?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the engine closed the connection mid-chunk",
                    ));
                }
                self.left -= n as u64;
                if self.left == 0 {
                    self.crlf()?;
                }
                Ok(n)
            }
        }
    }
}

/// The API path that exports image `name` as a `docker save` archive. Names are checked
/// against the characters image names and references use, so nothing else reaches the path.
pub fn export_path(name: &str) -> Option<String> {
    let ok = !name.is_empty()
        && name.len() <= 512
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/:@+".contains(&b))
        && !name.starts_with('/');
    ok.then(|| format!("/images/{name}/get"))
}

/// Exports image `name` from the engine into a temporary file (at most `max_bytes`).
pub fn save_to_temp(client: &EngineClient, name: &str, max_bytes: u64) -> Result<tempfile::TempPath, ImageError> {
    let path = export_path(name).ok_or_else(|| ImageError::InvalidReference {
        reference: name.to_owned(),
        reason: "not an image name or id".into(),
    })?;
    let tmp = tempfile::Builder::new()
        .prefix("plimsoll-engine-")
        .suffix(".tar")
        .tempfile()
        .map_err(|source| ImageError::Io { path: std::env::temp_dir(), source })?;
    let (file, tmp_path) = tmp.into_parts();
    let mut w = io::BufWriter::with_capacity(1 << 20, file);
    client.download(&path, &mut w, max_bytes)?;
    w.flush().map_err(|source| ImageError::Io { path: tmp_path.to_path_buf(), source })?;
    Ok(tmp_path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;

    /// One connection answered with `response`; returns the client for it.
    fn serve(response: &'static [u8]) -> (tempfile::TempDir, EngineClient) {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("e.sock");
        let listener = UnixListener::bind(&sock).unwrap();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                // The whole request head, then the canned answer.
                let mut req = Vec::new();
                let mut buf = [0u8; 1024];
                while !req.ends_with(b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = s.write_all(response);
            }
        });
        let limits = EngineLimits { io_timeout: Duration::from_secs(5), ..EngineLimits::default() };
        let client = EngineClient::new(&format!("unix://{}", sock.display()), limits).unwrap();
        (dir, client)
    }

    #[test]
    fn chunked_and_length_bodies() {
        let (_d, c) =
            serve(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n");
        assert_eq!(c.get_json("/x").unwrap(), serde_json::json!({"a": 1}));
        let (_d, c) = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]trailing");
        assert_eq!(c.get_json("/x").unwrap(), serde_json::json!([]));
    }

    #[test]
    fn errors_carry_the_engine_message() {
        let (_d, c) =
            serve(b"HTTP/1.1 404 Not Found\r\nContent-Length: 38\r\n\r\n{\"message\":\"No such image: nope:1\"}   ");
        let e = c.get_json("/images/nope:1/json").unwrap_err().to_string();
        assert!(e.contains("404") && e.contains("No such image: nope:1"), "{e}");
    }

    #[test]
    fn hostile_answers_fail_cleanly() {
        let (_d, c) = serve(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
        assert!(c.get_json("/x").is_err());
        let (_d, c) = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}");
        assert!(c.get_json("/x").is_err(), "a short body is an error");
        let (_d, c) = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789");
        let mut out = Vec::new();
        assert!(matches!(c.download("/x", &mut out, 4), Err(ImageError::TooLarge { .. })));
        assert!(EngineClient::new("tcp://1.2.3.4:2375", EngineLimits::default()).is_err());
        assert!(export_path("a b").is_none() && export_path("debian-app:1").is_some());
    }

    #[test]
    fn a_silent_engine_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("s.sock");
        let listener = UnixListener::bind(&sock).unwrap();
        let keep = std::thread::spawn(move || {
            let conn = listener.accept();
            std::thread::sleep(Duration::from_millis(1500));
            drop(conn);
        });
        let limits = EngineLimits { io_timeout: Duration::from_millis(200), ..EngineLimits::default() };
        let c = EngineClient::new(sock.to_str().unwrap(), limits).unwrap();
        let e = c.get_json("/info").unwrap_err().to_string();
        assert!(e.contains("sent nothing"), "{e}");
        keep.join().unwrap();
    }
}
