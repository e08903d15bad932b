//! Issue 17 defects 3 and 7: every registry request ends by its deadline, and the registry
//! cannot steer plimsoll to plain HTTP or collect credentials for another host.
//!
//! The servers are local: one accepts a request and never answers, one drips a byte at a time,
//! one redirects to `http://`, one names a token realm on another host. The assertions are on
//! the error (kind and message), not on elapsed time; the deadlines are set small so that the
//! tests finish quickly, and a hang guard fails a test that does not return at all.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use plimsoll_image::registry::testing::{HttpResponse, HttpServer, TestPki};
use plimsoll_image::registry::{Client, Credentials, RegistryOptions};
use plimsoll_image::ImageError;
use plimsoll_net::AgentConfig;

fn small_deadlines() -> AgentConfig {
    AgentConfig {
        connect_timeout: Duration::from_secs(2),
        io_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_millis(1500),
        transfer_timeout: Duration::from_secs(3),
        ..AgentConfig::default()
    }
}

/// Runs `f` on a thread; a test that never returns fails here instead of hanging CI.
fn guarded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(120)).expect("the registry request hung")
}

/// What a raw test server does with a request for `path` on connection `conn`.
type Behaviour = dyn Fn(&str, &mut TcpStream) + Send + Sync;

/// A plain-HTTP server on loopback; TLS handshakes (the insecure client's HTTPS probe) are
/// dropped so the client falls back to HTTP.
fn raw_server(behaviour: Arc<Behaviour>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let b = behaviour.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match conn.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                    if head.first() == Some(&0x16) || head.len() > 65536 {
                        return; // a TLS ClientHello or junk
                    }
                }
                let text = String::from_utf8_lossy(&head).into_owned();
                let path = text.split(' ').nth(1).unwrap_or("").to_owned();
                b(&path, &mut conn);
            });
        }
    });
    host
}

fn ok_ping(path: &str, conn: &mut TcpStream) -> bool {
    if path == "/v2/" {
        let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        return true;
    }
    false
}

fn insecure() -> RegistryOptions {
    RegistryOptions { insecure: true, no_docker_config: true, net: small_deadlines(), ..RegistryOptions::default() }
}

fn manifest_error(host: String, opts: RegistryOptions) -> ImageError {
    guarded(move || {
        let client = Client::connect(&host, &opts)?;
        client.get_manifest("team/app", "1", 1 << 20).map(|_| ())
    })
    .expect_err("the request must fail")
}

#[test]
fn a_server_that_never_answers_hits_the_request_deadline() {
    // The ping is answered (on its own connection); the manifest request is read and then left
    // unanswered, as in the 439-second hang of the report.
    let host = raw_server(Arc::new(|path: &str, conn: &mut TcpStream| {
        if !ok_ping(path, conn) {
            std::thread::sleep(Duration::from_secs(600));
        }
    }));
    let err = manifest_error(host.clone(), insecure());
    let msg = err.to_string();
    assert!(matches!(err, ImageError::Registry { .. }), "{err:?}");
    assert!(msg.contains("timed out") && msg.contains("/v2/team/app/manifests/1"), "{msg}");
}

#[test]
fn a_server_dripping_bytes_hits_the_whole_request_deadline() {
    // One byte of the status line every 300 ms: every read succeeds long before the per-read
    // timeout, so only a whole-request deadline stops it.
    let host = raw_server(Arc::new(|path: &str, conn: &mut TcpStream| {
        if ok_ping(path, conn) {
            return;
        }
        let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: ";
        for b in head.iter().chain(std::iter::repeat(&b'a')) {
            if conn.write_all(&[*b]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }));
    let err = manifest_error(host.clone(), insecure());
    let msg = err.to_string();
    assert!(matches!(err, ImageError::Registry { .. }), "{err:?}");
    assert!(msg.contains("timed out"), "{msg}");
}

#[test]
fn a_body_dripping_bytes_hits_the_whole_request_deadline() {
    // Headers at once, then a 1 MB manifest body one byte every 300 ms.
    let host = raw_server(Arc::new(|path: &str, conn: &mut TcpStream| {
        if ok_ping(path, conn) {
            return;
        }
        let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n");
        while conn.write_all(b" ").is_ok() {
            std::thread::sleep(Duration::from_millis(300));
        }
    }));
    let err = manifest_error(host.clone(), insecure());
    let msg = err.to_string();
    assert!(matches!(err, ImageError::Registry { .. }), "{err:?}");
    assert!(msg.contains("timed out"), "{msg}");
}

#[test]
fn the_overall_deadline_cuts_every_request() {
    let host = raw_server(Arc::new(|path: &str, conn: &mut TcpStream| {
        if !ok_ping(path, conn) {
            std::thread::sleep(Duration::from_secs(600));
        }
    }));
    // Per-request deadlines far away; the overall one (as --timeout sets it) is near.
    let net = AgentConfig { request_timeout: Duration::from_secs(3600), ..small_deadlines() };
    let opts = RegistryOptions { deadline: Some(Instant::now() + Duration::from_secs(2)), net, ..insecure() };
    let err = manifest_error(host, opts);
    assert!(matches!(err, ImageError::Registry { .. } | ImageError::Timeout { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("timed out") || msg.contains("deadline"), "{msg}");
}

fn tls_server(
    dir: &std::path::Path,
    handler: impl Fn(&plimsoll_image::registry::testing::HttpRequest) -> HttpResponse + Send + Sync + 'static,
) -> (HttpServer, TestPki) {
    let pki = TestPki::create(dir).unwrap();
    let server = HttpServer::start(Some(pki.server_config().unwrap()), handler).unwrap();
    (server, pki)
}

#[test]
fn a_redirect_from_https_to_http_is_refused() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let plain = HttpServer::start(None, move |_| {
        h.fetch_add(1, Ordering::SeqCst);
        HttpResponse::new(200).body("{}")
    })
    .unwrap();
    let target = format!("http://{}/v2/team/app/manifests/1", plain.host());
    let tmp = tempfile::tempdir().unwrap();
    let (server, pki) = tls_server(tmp.path(), move |req| match req.path() {
        "/v2/" => HttpResponse::new(200),
        _ => HttpResponse::new(302).header("Location", &target),
    });
    let host = format!("localhost:{}", server.addr().port());
    let opts = RegistryOptions {
        ca_files: vec![pki.ca_file.clone()],
        no_docker_config: true,
        net: small_deadlines(),
        ..RegistryOptions::default()
    };
    let err = manifest_error(host, opts);
    let msg = err.to_string();
    assert!(matches!(err, ImageError::Registry { .. }), "{err:?}");
    assert!(msg.contains("plain HTTP"), "{msg}");
    assert_eq!(hits.load(Ordering::SeqCst), 0, "plimsoll connected to the plain-HTTP host");
}

#[test]
fn credentials_go_to_an_unrelated_token_realm_only_when_trusted() {
    let realm_hits = Arc::new(AtomicUsize::new(0));
    let h = realm_hits.clone();
    let tmp = tempfile::tempdir().unwrap();
    let pki = TestPki::create(tmp.path()).unwrap();
    let realm = HttpServer::start(Some(pki.server_config().unwrap()), move |_| {
        h.fetch_add(1, Ordering::SeqCst);
        HttpResponse::json(200, &serde_json::json!({"token": "t"}))
    })
    .unwrap();
    // The registry is `localhost`, the realm `127.0.0.1`: different hosts, unrelated names.
    let realm_url = format!("https://127.0.0.1:{}/token", realm.addr().port());
    let registry = HttpServer::start(Some(pki.server_config().unwrap()), move |req| {
        if req.header("Authorization").is_some_and(|a| a == "Bearer t") {
            return HttpResponse::new(200);
        }
        HttpResponse::new(401).header("WWW-Authenticate", &format!("Bearer realm=\"{realm_url}\",service=\"x\""))
    })
    .unwrap();
    let host = format!("localhost:{}", registry.addr().port());
    let opts = RegistryOptions {
        ca_files: vec![pki.ca_file.clone()],
        credentials: Some(Credentials { username: "u".into(), password: "p".into() }),
        no_docker_config: true,
        net: small_deadlines(),
        ..RegistryOptions::default()
    };
    let (h2, o2) = (host.clone(), opts.clone());
    let err = guarded(move || Client::connect(&h2, &o2).map(|_| ())).expect_err("refused");
    assert!(matches!(err, ImageError::RegistryAuth { .. }), "{err:?}");
    assert!(err.to_string().contains("--trust-token-realm"), "{err}");
    assert_eq!(realm_hits.load(Ordering::SeqCst), 0, "the credentials were sent");

    let trusted = RegistryOptions { trust_token_realm: true, ..opts };
    guarded(move || Client::connect(&host, &trusted).map(|_| ())).expect("with --trust-token-realm");
    assert_eq!(realm_hits.load(Ordering::SeqCst), 1);
}
