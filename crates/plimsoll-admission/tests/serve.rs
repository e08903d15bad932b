//! `serve`: the webhook over HTTPS (a throwaway CA from openssl; rustls on both ends), posted
//! AdmissionReviews by a real HTTP client. Against Debian's docker-registry on loopback (images
//! pushed with skopeo, signed with the Cosign code `plimsoll sign` uses): signed by tag allowed
//! and `/mutate` pins it to `@sha256:`; unsigned, wrong registry, privileged under baseline and
//! registry down each denied with their own message. Hostile requests: over 3 MiB, malformed
//! JSON, a wrong version, 10,000 containers, a slow client holding connections open.

use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use plimsoll::image::Client;
use plimsoll::sign::SigningKey;
use plimsoll::testing::registry::{LocalRegistry, TestPki};
use plimsoll::testing::{ImageBuilder, LayerBuilder};
use plimsoll_admission::serve::{self, Running};
use plimsoll_admission::{Admission, AdmissionPolicy};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use serde_json::{json, Value};

fn review(object: &Value) -> Vec<u8> {
    let kind = object["kind"].as_str().unwrap();
    let group = if kind == "Pod" { "" } else { "apps" };
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "3b1b1c4e-7c4a-4b8e-9c33-2f0d6f7f0a11",
            "kind": {"group": group, "version": "v1", "kind": kind},
            "resource": {"group": group, "version": "v1", "resource": "pods"},
            "namespace": "team",
            "operation": "CREATE",
            "userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller"},
            "object": object,
            "oldObject": null,
            "dryRun": false
        }
    }))
    .unwrap()
}

fn pod(image: &str, privileged: bool) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "team"},
        "spec": {"containers": [{"name": "app", "image": image, "securityContext": {"privileged": privileged}}]}})
}

fn agent_trusting(ca: &std::path::Path) -> ureq::Agent {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let client = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    ureq::AgentBuilder::new().tls_config(Arc::new(client)).timeout(Duration::from_secs(30)).build()
}

struct Webhook {
    running: Running,
    agent: ureq::Agent,
}

impl Webhook {
    fn start(pki: &TestPki, admission: Admission) -> Webhook {
        let tls = serve::Tls::load(&pki.cert_file, &pki.key_file).unwrap();
        let running = serve::start("127.0.0.1:0".parse().unwrap(), tls, Arc::new(admission)).unwrap();
        Webhook { running, agent: agent_trusting(&pki.ca_file) }
    }

    fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.running.addr.port())
    }

    /// (status, body) of a POST.
    fn post(&self, path: &str, body: &[u8]) -> (u16, String) {
        let r = self.agent.post(&self.url(path)).set("Content-Type", "application/json").send_bytes(body);
        let resp = match r {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("POST {path}: {e}"),
        };
        (resp.status(), resp.into_string().unwrap())
    }

    fn answer(&self, path: &str, object: &Value) -> Value {
        let (status, body) = self.post(path, &review(object));
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["kind"], "AdmissionReview");
        assert_eq!(v["response"]["uid"], "3b1b1c4e-7c4a-4b8e-9c33-2f0d6f7f0a11");
        v["response"].clone()
    }
}

fn denial(r: &Value) -> String {
    assert_eq!(r["allowed"], false, "{r}");
    r["status"]["message"].as_str().unwrap().to_owned()
}

fn policy(text: &str) -> AdmissionPolicy {
    AdmissionPolicy::parse(
        &format!("apiVersion: plimsoll.dev/v1alpha1\nkind: AdmissionPolicy\nspec:\n{text}"),
        "p",
        None,
    )
    .unwrap()
}

#[test]
fn webhook_over_tls_against_a_loopback_registry() {
    let reg = match LocalRegistry::start() {
        Ok(r) => r,
        Err(reason) => {
            plimsoll_test_support::require(&format!("no loopback registry: {reason}"));
            return;
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    let pki = TestPki::create(tmp.path()).unwrap();
    let image = ImageBuilder::new().layer(LayerBuilder::new().file("srv/app", "v1\n", 0o644)).user("app");
    let built = image.write_oci_dir(&tmp.path().join("layout"), Some("t")).unwrap();
    for rt in ["team/app:v1", "team/unsigned:v1"] {
        reg.push_oci(&tmp.path().join("layout"), Some("t"), rt).unwrap();
    }
    let signer = SigningKey::generate();
    plimsoll::sign::sign(&Client::connect(&reg.host, &reg.options()).unwrap(), &reg.reference("team/app:v1"), &signer)
        .unwrap();
    let host = reg.host.clone();
    let mut admission = Admission::new(policy(&format!(
        "  allowedRegistries: [\"{host}/\"]\n  verifyImages:\n    - images: [\"{host}/*\"]\n      keys: [{}]\n  \
         podSecurity: {{level: baseline}}\n",
        serde_json::to_string(&signer.verifying_key().to_pem().unwrap()).unwrap()
    )));
    admission.registry = reg.options();
    let hook = Webhook::start(&pki, admission);

    let signed = format!("{host}/team/app:v1");
    let r = hook.answer("/validate", &pod(&signed, false));
    assert_eq!(r["allowed"], true, "{r}");
    assert!(r.get("patch").is_none());
    let r = hook.answer("/mutate", &pod(&signed, false));
    assert_eq!(r["allowed"], true, "{r}");
    assert_eq!(r["patchType"], "JSONPatch");
    let patch: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD.decode(r["patch"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    let pinned = format!("{host}/team/app@{}", built.manifest_digest);
    assert!(pinned.contains("@sha256:"));
    assert_eq!(patch, json!([{"op": "replace", "path": "/spec/containers/0/image", "value": pinned}]));

    let unsigned = format!("{host}/team/unsigned:v1");
    let m = denial(&hook.answer("/validate", &pod(&unsigned, false)));
    assert!(m.contains(&format!("containers[app] image {unsigned}")) && m.contains("no signatures found"), "{m}");
    let m = denial(&hook.answer("/mutate", &pod("quay.io/team/app:v1", false)));
    assert!(m.contains("quay.io/team/app:v1 is not from an allowed registry"), "{m}");
    let m = denial(&hook.answer("/validate", &pod(&signed, true)));
    assert!(m.contains("PodSecurity \"baseline") && m.contains("privileged"), "{m}");

    // Registry down: an image not yet verified (nothing cached) is denied naming the registry.
    drop(reg);
    let m = denial(&hook.answer("/validate", &pod(&format!("{host}/team/other:v2"), false)));
    assert!(m.contains(&format!("registry {host}")), "{m}");

    // What /metrics counted: 2 allowed and 4 denied Pods; the second and third reviews of the
    // signed tag came from the cache; one registry failure.
    let metrics = hook.agent.get(&hook.url("/metrics")).call().unwrap().into_string().unwrap();
    for line in [
        "plimsoll_admission_reviews_total{kind=\"Pod\",verdict=\"allowed\"} 2",
        "plimsoll_admission_reviews_total{kind=\"Pod\",verdict=\"denied\"} 4",
        "plimsoll_admission_review_duration_seconds_count 6",
        "plimsoll_admission_cache_hits_total 2",
        "plimsoll_admission_cache_misses_total 3",
        "plimsoll_admission_registry_errors_total 1",
    ] {
        assert!(metrics.lines().any(|l| l == line), "no `{line}` in\n{metrics}");
    }
}

#[test]
fn hostile_requests_get_clear_errors_and_do_not_stall_others() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = match TestPki::create(tmp.path()) {
        Ok(p) => p,
        Err(reason) => {
            plimsoll_test_support::require(&format!("no test PKI: {reason}"));
            return;
        }
    };
    let hook = Webhook::start(&pki, Admission::new(policy("  podSecurity: {level: baseline}\n")));
    let health = hook.agent.get(&hook.url("/healthz")).call().unwrap();
    assert_eq!(health.into_string().unwrap(), "ok");
    assert_eq!(hook.agent.get(&hook.url("/readyz")).call().unwrap().status(), 200);

    // Slow clients: raw TCP connections that send nothing (no TLS handshake), and one that
    // completes nothing after a partial request line. They must not hold up anyone else.
    let idle: Vec<TcpStream> = (0..16).map(|_| TcpStream::connect(hook.running.addr).unwrap()).collect();
    let mut partial = TcpStream::connect(hook.running.addr).unwrap();
    partial.write_all(b"\x16\x03\x01").unwrap();

    // Over 3 MiB.
    let mut big = review(&pod("x/app:1", false));
    big.splice(1..1, format!("\"pad\":\"{}\",", "a".repeat(3 << 20)).into_bytes());
    let (status, body) = hook.post("/validate", &big);
    assert_eq!(status, 413, "{body}");
    // Malformed JSON and a wrong version.
    let (status, body) = hook.post("/validate", b"{\"apiVersion\": ");
    assert_eq!(status, 400);
    assert!(body.contains("not JSON"), "{body}");
    let mut v1beta1: Value = serde_json::from_slice(&review(&pod("x/app:1", false))).unwrap();
    v1beta1["apiVersion"] = json!("admission.k8s.io/v1beta1");
    let (status, body) = hook.post("/mutate", &serde_json::to_vec(&v1beta1).unwrap());
    assert_eq!(status, 400);
    assert!(body.contains("admission.k8s.io/v1beta1"), "{body}");
    // 10,000 containers, the last one privileged: decided, and denied for that one.
    let mut many = pod("x/app:1", false);
    let mut containers: Vec<Value> =
        (0..10_000).map(|i| json!({"name": format!("c{i}"), "image": "x/app:1"})).collect();
    containers[9_999]["securityContext"] = json!({"privileged": true});
    many["spec"]["containers"] = json!(containers);
    let m = denial(&hook.answer("/validate", &many));
    assert!(m.contains("c9999"), "{}", &m[..m.len().min(500)]);
    // Still serving normally, with the idle connections open.
    assert_eq!(hook.answer("/validate", &pod("x/app:1", false))["allowed"], true);
    drop((idle, partial));
    let metrics = hook.agent.get(&hook.url("/metrics")).call().unwrap().into_string().unwrap();
    assert!(metrics.lines().any(|l| l == "plimsoll_admission_bad_requests_total 3"), "{metrics}");
}

#[test]
fn a_registry_that_never_answers_is_denied_within_the_review_deadline() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = match TestPki::create(tmp.path()) {
        Ok(p) => p,
        Err(reason) => {
            plimsoll_test_support::require(&format!("no test PKI: {reason}"));
            return;
        }
    };
    // Accepts connections and then says nothing: a hung registry.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = format!("127.0.0.1:{}", silent.local_addr().unwrap().port());
    let held = std::thread::spawn(move || {
        let mut conns = Vec::new();
        for c in silent.incoming().take(8) {
            conns.push(c);
        }
    });
    let pem = SigningKey::generate().verifying_key().to_pem().unwrap();
    let mut admission = Admission::new(policy(&format!(
        "  insecureRegistries: [\"{host}\"]\n  verifyImages:\n    - images: [\"{host}/*\"]\n      keys: [{}]\n",
        serde_json::to_string(&pem).unwrap()
    )));
    admission.deadline = Duration::from_secs(1);
    let hook = Webhook::start(&pki, admission);
    let r = hook.answer("/validate", &pod(&format!("{host}/team/app:v1"), false));
    let m = denial(&r);
    // Either the registry request hit its deadline (naming the registry) or the review did.
    assert!(m.contains(&format!("registry {host}")) || m.contains("review deadline"), "{m}");
    drop(hook);
    drop(held);
}

#[test]
fn a_rotated_certificate_is_served_without_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, served) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("served"));
    for d in [&a, &b, &served] {
        std::fs::create_dir(d).unwrap();
    }
    let (pki_a, pki_b) = match (TestPki::create(&a), TestPki::create(&b)) {
        (Ok(x), Ok(y)) => (x, y),
        (Err(reason), _) | (_, Err(reason)) => {
            plimsoll_test_support::require(&format!("no test PKI: {reason}"));
            return;
        }
    };
    let (cert, key) = (served.join("tls.crt"), served.join("tls.key"));
    std::fs::copy(&pki_a.cert_file, &cert).unwrap();
    std::fs::copy(&pki_a.key_file, &key).unwrap();
    let tls = serve::Tls::load(&cert, &key).unwrap();
    let running =
        serve::start("127.0.0.1:0".parse().unwrap(), tls, Arc::new(Admission::new(policy("  mode: warn\n")))).unwrap();
    let url = format!("https://127.0.0.1:{}/healthz", running.addr.port());
    let (trusts_a, trusts_b) = (agent_trusting(&pki_a.ca_file), agent_trusting(&pki_b.ca_file));
    assert!(trusts_a.get(&url).call().is_ok());
    assert!(trusts_b.get(&url).call().is_err());

    // cert-manager writes the new pair in place; the server picks it up at its next poll.
    std::fs::copy(&pki_b.key_file, &key).unwrap();
    std::fs::copy(&pki_b.cert_file, &cert).unwrap();
    let mut rotated = false;
    for _ in 0..120 {
        if trusts_b.get(&url).call().is_ok() {
            rotated = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(rotated, "the new certificate was not served within 30 s");
    // A new connection (a fresh agent: the old one keeps its pooled connection) gets the new
    // certificate, which a client trusting only the old CA refuses.
    assert!(agent_trusting(&pki_a.ca_file).get(&url).call().is_err());
}

#[test]
fn generated_certificates_serve_the_service_name() {
    use std::io::Read;
    let tmp = tempfile::tempdir().unwrap();
    let files = plimsoll_admission::certs::write_certs("plimsoll-admission", "plimsoll-system", tmp.path()).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&files.key).unwrap().permissions().mode() & 0o777, 0o600);
    let bundle = std::fs::read_to_string(&files.ca_bundle).unwrap();
    let ca_pem = base64::engine::general_purpose::STANDARD.decode(bundle.trim()).unwrap();
    assert_eq!(ca_pem, std::fs::read(&files.ca).unwrap());

    let tls = serve::Tls::load(&files.cert, &files.key).unwrap();
    let running =
        serve::start("127.0.0.1:0".parse().unwrap(), tls, Arc::new(Admission::new(policy("  mode: warn\n")))).unwrap();
    // As the API server calls it: by the Service's DNS name, trusting only the caBundle CA.
    let get = |ca: &std::path::Path, name: &str| -> Result<String, String> {
        let mut roots = rustls::RootCertStore::empty();
        for c in CertificateDer::pem_file_iter(ca).unwrap() {
            roots.add(c.unwrap()).unwrap();
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let conn = rustls::ClientConnection::new(Arc::new(config), name.to_owned().try_into().unwrap()).unwrap();
        let sock = TcpStream::connect(running.addr).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut s = rustls::StreamOwned::new(conn, sock);
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: webhook\r\nConnection: close\r\n\r\n")
            .map_err(|e| e.to_string())?;
        let mut body = String::new();
        s.read_to_string(&mut body).map_err(|e| e.to_string())?;
        Ok(body)
    };
    let body = get(&files.ca, "plimsoll-admission.plimsoll-system.svc").unwrap();
    assert!(body.starts_with("HTTP/1.1 200") && body.ends_with("ok"), "{body}");
    // Another name is refused by the client's verification.
    assert!(get(&files.ca, "other.plimsoll-system.svc").is_err());
}
