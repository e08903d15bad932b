//! The client against a loopback HTTPS API server: kubeconfig auth (bearer token, client
//! certificate), pagination, 401/403, a server certificate from another CA, and hostile servers
//! (endless body, huge body, no answer) ending in a clear error within the limits.

use std::sync::Arc;
use std::time::Duration;

use plimsoll_kube::testing::{ApiServer, FakeCluster, Reply};
use plimsoll_kube::{kubeconfig, Client, KubeError, Limits};
use serde_json::json;

fn pods(n: usize) -> Vec<serde_json::Value> {
    (0..n)
        .map(|i| json!({"metadata": {"name": format!("p{i}"), "namespace": if i % 2 == 0 { "a" } else { "b" }}}))
        .collect()
}

fn cluster() -> FakeCluster {
    let mut c = FakeCluster { token: "good-token".into(), page_size: 2, ..FakeCluster::default() };
    c.collections.insert("/api/v1/pods".into(), pods(5));
    c.forbidden.insert("/apis/rbac.authorization.k8s.io/v1/clusterroles".into());
    c
}

fn start(c: &FakeCluster) -> ApiServer {
    let c = c.clone();
    ApiServer::start(move |r| c.handle(r)).expect("test API server")
}

fn client_for(kubeconfig_text: &str, limits: Limits) -> Client {
    let cfg = kubeconfig::from_str(kubeconfig_text, std::path::Path::new("/"), None).unwrap();
    Client::new(&cfg, limits).unwrap()
}

fn small_limits() -> Limits {
    Limits { max_page_bytes: 1 << 20, request_timeout: Duration::from_secs(2), ..Limits::default() }
}

#[test]
fn bearer_token_and_pagination_followed() {
    let c = cluster();
    let server = start(&c);
    let client = client_for(&server.kubeconfig("good-token"), Limits::default());
    let items = client.list("/api/v1/pods", "pods").unwrap();
    let names: Vec<&str> = items.iter().map(|o| o["metadata"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["p0", "p1", "p2", "p3", "p4"]);
    let log = c.log.lock().unwrap().clone();
    assert_eq!(
        log,
        ["/api/v1/pods?limit=500", "/api/v1/pods?limit=500&continue=tok:2", "/api/v1/pods?limit=500&continue=tok:4"]
    );
    // A namespaced path is filtered the way the API server does.
    let a = client.list("/api/v1/namespaces/a/pods", "pods").unwrap();
    assert_eq!(a.len(), 3);
}

#[test]
fn wrong_token_is_a_clear_401() {
    let server = start(&cluster());
    let client = client_for(&server.kubeconfig("stale-token"), Limits::default());
    let e = client.list("/api/v1/pods", "pods").unwrap_err();
    assert!(matches!(e, KubeError::Unauthorized { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("401 Unauthorized") && msg.contains("token"), "{msg}");
    assert!(!msg.contains("stale-token"), "the token must not be shown: {msg}");
}

#[test]
fn client_certificate_authenticates() {
    let server = start(&cluster());
    let client = client_for(&server.kubeconfig_client_cert(), Limits::default());
    assert_eq!(client.list("/api/v1/pods", "pods").unwrap().len(), 5);
}

#[test]
fn forbidden_names_the_resource() {
    let server = start(&cluster());
    let client = client_for(&server.kubeconfig("good-token"), Limits::default());
    let e = client.list("/apis/rbac.authorization.k8s.io/v1/clusterroles", "clusterroles.rbac.authorization.k8s.io");
    match e {
        Err(KubeError::Forbidden { resource, message }) => {
            assert_eq!(resource, "clusterroles.rbac.authorization.k8s.io");
            assert!(message.contains("forbidden"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_certificate_from_another_ca_is_refused() {
    let server = start(&cluster());
    let other = start(&cluster());
    // The CA of `other` for the server of `server`.
    let text = other.kubeconfig("good-token").replace(&other.url(), &server.url());
    let client = client_for(&text, Limits::default());
    match client.list("/api/v1/pods", "pods") {
        Err(KubeError::Transport { reason, .. }) => assert!(reason.to_lowercase().contains("certificate"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

fn hostile(reply: Reply) -> KubeError {
    let server = ApiServer::start(move |_| reply.clone()).unwrap();
    let client = client_for(&server.kubeconfig("t"), small_limits());
    client.list("/api/v1/pods", "pods").unwrap_err()
}

#[test]
fn endless_body_stops_at_the_size_cap() {
    let e = hostile(Reply::Endless);
    assert!(matches!(e, KubeError::TooLarge { max: 1_048_576, .. }), "{e:?}");
    assert!(e.to_string().contains("larger than the 1048576 bytes"), "{e}");
}

#[test]
fn huge_body_stops_at_the_size_cap() {
    let e = hostile(Reply::Huge(1 << 30));
    assert!(matches!(e, KubeError::TooLarge { .. }), "{e:?}");
}

#[test]
fn silent_server_times_out() {
    let e = hostile(Reply::Silent);
    match &e {
        KubeError::Transport { reason, .. } => assert!(reason.contains("timed out"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn endless_pagination_is_bounded() {
    // Every page says "more", with a new token each time.
    let n = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let server = ApiServer::start(move |_| {
        let i = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Reply::Json(200, json!({"metadata": {"continue": format!("t{i}")}, "items": [{}]}))
    })
    .unwrap();
    let client = client_for(&server.kubeconfig("t"), Limits { max_pages: 5, ..small_limits() });
    let e = client.list("/api/v1/pods", "pods").unwrap_err();
    assert!(matches!(e, KubeError::TooManyPages { pages: 5, .. }), "{e:?}");
}

/// `tls-server-name` is what the certificate is checked against: `localhost` (in the test
/// certificate) connects to 127.0.0.1, a name the certificate does not carry is refused,
/// although the URL's host alone would verify.
#[test]
fn tls_server_name_is_what_the_certificate_must_name() {
    let server = start(&cluster());
    let with_name = |name: &str| {
        server.kubeconfig("good-token").replace(
            "    certificate-authority-data:",
            &format!("    tls-server-name: {name}\n    certificate-authority-data:"),
        )
    };
    let cfg = with_name("localhost");
    assert!(cfg.contains("tls-server-name: localhost"), "{cfg}");
    let client = client_for(&cfg, Limits::default());
    assert_eq!(client.list("/api/v1/pods", "pods").unwrap().len(), 5);
    let client = client_for(&with_name("api.other.example"), Limits::default());
    let err = client.list("/api/v1/pods", "pods").unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");
}
