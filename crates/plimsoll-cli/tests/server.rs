//! `plimsoll server` end to end: the real binary on SQLite in a temp dir, the shared debian-app
//! image uploaded by `plimsoll image --server`, advisory databases built by `plimsoll db build`
//! from OSV JSON, a loopback webhook receiver checking the HMAC independently, and every route
//! of `openapi.yaml` called against the running server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use rustls_pki_types::pem::PemObject;
use serde_json::{json, Value};
use sha2::Sha256;

mod common;
use common::{agent, call, start_server_with, Server, BIN};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

const LODASH: &str = r#"{"schema_version":"1.4.0","id":"GHSA-p6mc-m468-83gw","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2020-8203"],"summary":"Prototype Pollution in lodash","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H"}],"affected":[{"package":{"ecosystem":"npm","name":"lodash"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"4.17.19"}]}]}]}"#;
const URLLIB3: &str = r#"{"schema_version":"1.4.0","id":"GHSA-mh33-7rrq-662w","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2020-7212"],"summary":"Denial of service in urllib3","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],"affected":[{"package":{"ecosystem":"PyPI","name":"urllib3"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1.24"},{"fixed":"1.25.8"}]}]}]}"#;

/// Builds an advisory database at `out` from OSV JSON documents.
fn build_db(dir: &Path, name: &str, docs: &[&str]) -> PathBuf {
    let src = dir.join(format!("{name}-osv"));
    std::fs::create_dir_all(&src).unwrap();
    for (i, d) in docs.iter().enumerate() {
        std::fs::write(src.join(format!("{i}.json")), d).unwrap();
    }
    let out = dir.join(name);
    let st = Command::new(BIN).args(["db", "build", "--from"]).arg(&src).arg("--output").arg(&out).output().unwrap();
    assert!(st.status.success(), "db build: {}", String::from_utf8_lossy(&st.stderr));
    out
}

/// Replaces `target` as `db build --output` and `db update` do: a new file renamed over it.
fn replace(src: &Path, target: &Path) {
    let tmp = target.with_extension("tmp");
    std::fs::copy(src, &tmp).unwrap();
    std::fs::rename(&tmp, target).unwrap();
}

fn start_server(data: &Path, db: &Path, config: Option<&Path>) -> (Server, String) {
    start_server_with(data, db, config, &[])
}

/// A loopback webhook receiver: records (signature header, body) of every POST.
/// The (X-Plimsoll-Signature, body) of each webhook call received.
type Calls = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

fn receiver() -> (String, Calls) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&got);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let (mut len, mut sig) = (0usize, String::new());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                if lower.starts_with("x-plimsoll-signature:") {
                    sig = line.split_once(':').unwrap().1.trim().to_owned();
                }
            }
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            seen.lock().unwrap().push((sig, body));
            let _ = conn.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
        }
    });
    (url, got)
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    // A generous bound only so a broken server fails the test instead of hanging it.
    let deadline = Instant::now() + Duration::from_secs(120);
    while !f() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn openapi() -> Value {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../plimsoll-server/openapi.yaml")).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

/// Every (path, method, role, operation) of the OpenAPI file.
fn operations(spec: &Value) -> Vec<(String, String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((path.clone(), method.to_uppercase(), op["x-role"].as_str().unwrap().to_owned(), op.clone()));
        }
    }
    out
}

#[test]
fn every_route_refuses_a_missing_token_and_a_too_low_role() {
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path(), "adv.db", &[LODASH]);
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    // A read token made offline by the CLI, next to the bootstrap admin token.
    let out =
        Command::new(BIN).args(["server", "token", "create", "--role", "read", "--data"]).arg(&data).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let read = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(read.starts_with("plm_") && read.len() == 68, "{read}");
    let (server, admin) = start_server(&data, &db, None);
    let (_, made) = call(
        &format!("{}/api/v1/tokens", server.url),
        Some(&admin),
        "POST",
        Some(&json!({"role": "write", "name": "ci"})),
    );
    let write = made["token"].as_str().unwrap().to_owned();
    let spec = openapi();
    let ops = operations(&spec);
    assert!(ops.len() >= 13, "{ops:?}");
    for (path, method, role, _) in &ops {
        let url = format!(
            "{}{}",
            server.url,
            path.replace("{digest}", &format!("sha256:{}", "0".repeat(64))).replace("{id}", "CVE-2020-8203")
        );
        let body = (method == "POST").then(|| json!({}));
        let (status, v) = call(&url, None, method, body.as_ref());
        assert_eq!(status, 401, "{method} {path} without a token: {v}");
        let (status, _) = call(&url, Some("plm_not-a-token"), method, body.as_ref());
        assert_eq!(status, 401, "{method} {path} with an unknown token");
        let lower: &[&str] = match role.as_str() {
            "read" => &[],
            "write" => &[&read],
            "admin" => &[&read, &write],
            other => panic!("unknown x-role {other}"),
        };
        for t in lower {
            let (status, v) = call(&url, Some(t), method, body.as_ref());
            assert_eq!(status, 403, "{method} {path} with a lower role: {v}");
        }
        // The token store is checked, not the token's shape: the right role gets past auth.
        let (status, _) = call(&url, Some(&admin), method, body.as_ref());
        assert!(status != 401 && status != 403, "{method} {path} with admin: {status}");
    }
    // Token changes are audited.
    let (_, audit) = call(&format!("{}/api/v1/audit", server.url), Some(&admin), "GET", None);
    let actions: Vec<&str> =
        audit["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "token.create").count(), 2, "{actions:?}");
    assert!(actions.contains(&"token.bootstrap"), "{actions:?}");
    // The page is served without a token (it asks for one).
    let page = agent().get(&format!("{}/", server.url)).call().unwrap();
    assert_eq!(page.status(), 200);
    // `image --server` without a token stops before scanning.
    let out = Command::new(BIN)
        .args(["image", "oci-archive:/nonexistent.tar", "--server", &server.url])
        .env_remove("PLIMSOLL_SERVER_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--server needs a token"));
}

#[test]
fn uploads_rematches_on_advisory_change_and_answers_as_documented() {
    let image = shared().join("images/debian-app.oci.tar");
    if !image.is_file() {
        plimsoll_test_support::require(&format!("{} is absent", image.display()));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db1 = build_db(dir.path(), "db1", &[LODASH]);
    let db2 = build_db(dir.path(), "db2", &[LODASH, URLLIB3]);
    let adv = dir.path().join("advisories.db");
    replace(&db1, &adv);
    let (hook, got) = receiver();
    let config = dir.path().join("server.toml");
    std::fs::write(
        &config,
        format!("stale_days = 30\n[notify]\nmin_severity = \"HIGH\"\n[[notify.webhooks]]\nurl = \"{hook}\"\nsecret = \"s3cret\"\n"),
    )
    .unwrap();
    let data = dir.path().join("data");
    let (server, admin) = start_server(&data, &adv, Some(&config));
    let api = |p: &str| format!("{}/api/v1/{p}", server.url);

    // Upload by the CLI, as CI would.
    let report = dir.path().join("report.json");
    let out = Command::new(BIN)
        .arg("image")
        .arg(format!("oci-archive:{}", image.display()))
        .args(["--server", &server.url, "--db"])
        .arg(&adv)
        .args(["--no-cache", "-q", "-f", "json", "-o"])
        .arg(&report)
        .env("PLIMSOLL_SERVER_TOKEN", &admin)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let uploaded: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let digest = uploaded["artifact"]["manifest_digest"].as_str().unwrap().to_owned();

    // By the advisory's id and by its alias.
    for id in ["GHSA-p6mc-m468-83gw", "CVE-2020-8203"] {
        let (status, v) = call(&api(&format!("vulnerabilities/{id}/images")), Some(&admin), "GET", None);
        assert_eq!(status, 200, "{v}");
        let images = v["images"].as_array().unwrap();
        assert_eq!(images.len(), 1, "{v}");
        assert_eq!(images[0]["digest"], digest.as_str());
        assert_eq!(images[0]["package"]["name"], "lodash");
        assert_eq!(images[0]["package"]["version"], "4.17.15");
        assert_eq!(images[0]["fixed_version"], "4.17.19");
        assert_eq!(v["severity"], "HIGH");
    }
    // Search by either id answers the stored finding's id, marked exact (the web page lands on it).
    for q in ["cve-2020-8203", "GHSA-p6mc-m468-83gw"] {
        let (status, v) = call(&api(&format!("search?q={q}")), Some(&admin), "GET", None);
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["vulnerabilities"], json!([{"exact": true, "id": "CVE-2020-8203", "severity": "HIGH"}]), "{q}");
    }
    let (_, v) = call(&api("search?q=CVE-2020"), Some(&admin), "GET", None);
    assert_eq!(v["vulnerabilities"][0]["exact"], false, "a prefix is not exact: {v}");
    // `worst=`: the image's worst open finding, `NONE` for none.
    let (status, v) = call(&api("images?worst=HIGH"), Some(&admin), "GET", None);
    assert_eq!((status, v["total"].as_u64()), (200, Some(1)), "{v}");
    let (_, v) = call(&api("images?worst=CRITICAL,NONE"), Some(&admin), "GET", None);
    assert_eq!(v["total"], 0, "{v}");
    let (status, _) = call(&api("images?worst=SEVERE"), Some(&admin), "GET", None);
    assert_eq!(status, 400);
    let (status, _) = call(&api("vulnerabilities/CVE-1999-0001/images"), Some(&admin), "GET", None);
    assert_eq!(status, 404);
    let (status, _) = call(&api("vulnerabilities/GHSA-mh33-7rrq-662w/images"), Some(&admin), "GET", None);
    assert_eq!(status, 404, "not in the first database");

    // The per-layer inventory: every package comes back with its layer and Dockerfile step.
    let (_, stored) = call(&api(&format!("images/{digest}")), Some(&admin), "GET", None);
    assert_eq!(stored["packages"].as_array().unwrap().len(), uploaded["packages"].as_array().unwrap().len());
    let dpkg = stored["packages"].as_array().unwrap().iter().filter(|p| p["kind"] == "dpkg").count();
    assert_eq!(dpkg, 96);
    let lodash = stored["packages"].as_array().unwrap().iter().find(|p| p["name"] == "lodash").unwrap();
    assert_eq!(lodash["layer"]["index"], 1);
    assert_eq!(lodash["layer"]["created_by"], uploaded["layers"][1]["created_by"]);

    // Where it runs (what the admission webhook reports).
    let w = json!({"digest": digest, "cluster": "prod", "namespace": "shop", "kind": "Deployment", "name": "web"});
    let (status, _) = call(&api("workloads"), Some(&admin), "POST", Some(&w));
    assert_eq!(status, 201);

    // A new advisory database with one more advisory: re-matched without a rescan.
    assert!(got.lock().unwrap().is_empty(), "the first upload is not news");
    replace(&db2, &adv);
    let mut found = Value::Null;
    wait_for("the urllib3 advisory to match", || {
        let (status, v) = call(&api("vulnerabilities/CVE-2020-7212/images"), Some(&admin), "GET", None);
        found = v;
        status == 200 && !found["images"].as_array().unwrap().is_empty()
    });
    let hit = &found["images"][0];
    assert_eq!(hit["digest"], digest.as_str());
    assert_eq!(hit["package"]["name"], "urllib3");
    assert!(hit["first_seen"].as_str().unwrap().ends_with('Z'), "{hit}");
    assert_eq!(hit["workloads"][0]["name"], "web");
    wait_for("the webhook", || !got.lock().unwrap().is_empty());
    {
        let calls = got.lock().unwrap();
        assert_eq!(calls.len(), 1);
        let (sig, body) = &calls[0];
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(body);
        assert_eq!(sig, &format!("sha256={}", hex::encode(mac.finalize().into_bytes())));
        let v: Value = serde_json::from_slice(body).unwrap();
        let ids: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
        assert!(ids.iter().all(|i| i.contains("2020-7212") || i.contains("mh33")), "only the new finding: {ids:?}");
        assert!(!ids.is_empty());
    }
    let (_, overview) = call(&api("overview"), Some(&admin), "GET", None);
    let news: Vec<&str> =
        overview["new_findings"].as_array().unwrap().iter().map(|f| f["package"].as_str().unwrap()).collect();
    assert!(news.contains(&"urllib3") && !news.contains(&"lodash"), "{news:?}");
    // A forced re-match finds nothing new and sends nothing.
    let (status, stats) = call(&api("rematch"), Some(&admin), "POST", None);
    assert_eq!(status, 200);
    assert_eq!(stats["images"], 1);
    assert_eq!(stats["new_findings"], 0);
    assert_eq!(got.lock().unwrap().len(), 1);

    // Every documented route answers with its documented status and keys.
    check_openapi(&server.url, &admin, &digest, &uploaded);

    // Back to the first database: the urllib3 finding is fixed, with `fixed_at`.
    replace(&db1, &adv);
    wait_for("the urllib3 finding to be fixed", || {
        let (_, v) = call(&api("vulnerabilities/CVE-2020-7212/images"), Some(&admin), "GET", None);
        v["images"].as_array().is_some_and(|a| a.is_empty())
    });
    let (_, stored) = call(&api(&format!("images/{digest}")), Some(&admin), "GET", None);
    let h = stored["history"].as_array().unwrap().iter().find(|f| f["package"] == "urllib3").unwrap();
    assert!(h["fixed_at"].is_string(), "{h}");
    let (_, audit) = call(&api("audit"), Some(&admin), "GET", None);
    let actions: Vec<&str> =
        audit["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["image.upload", "workload.report", "rematch"] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
}

/// Calls every operation of `openapi.yaml` with an admin token and checks the documented
/// success status and the `required` keys of its response (and of the first array item).
fn check_openapi(base: &str, admin: &str, digest: &str, report: &Value) {
    let spec = openapi();
    for (path, method, _, op) in operations(&spec) {
        let mut url = format!("{base}{}", path.replace("{digest}", digest).replace("{id}", "CVE-2020-8203"));
        let mut query = Vec::new();
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().unwrap();
            if p["in"] == "path" {
                continue;
            }
            let value = match (name, &p["example"]) {
                ("from" | "to", _) => digest.to_owned(),
                (_, Value::String(s)) => s.clone(),
                (_, Value::Number(n)) => n.to_string(),
                _ if p["required"] == true => panic!("{path}: required parameter {name} has no example"),
                _ => continue,
            };
            query.push(format!("{name}={}", value.replace(',', "%2C")));
        }
        if !query.is_empty() {
            url = format!("{url}?{}", query.join("&"));
        }
        let body = match (method.as_str(), path.as_str()) {
            ("POST", "/api/v1/images") => Some(report.clone()),
            ("POST", "/api/v1/workloads") => {
                Some(json!({"digest": digest, "cluster": "c", "namespace": "n", "kind": "Pod", "name": "p"}))
            }
            ("POST", "/api/v1/tokens") => Some(json!({"role": "read", "name": "openapi"})),
            _ => None,
        };
        let (status, v) = call(&url, Some(admin), &method, body.as_ref());
        let responses = op["responses"].as_object().unwrap();
        let (code, doc) = responses.iter().find(|(c, _)| c.starts_with('2')).unwrap();
        assert_eq!(status.to_string(), *code, "{method} {path}: {v}");
        let schema = &doc["content"]["application/json"]["schema"];
        check_keys(&spec, &format!("{method} {path}"), schema, &v);
    }
}

fn check_keys(spec: &Value, at: &str, schema: &Value, v: &Value) {
    let schema = match schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => &spec["components"]["schemas"][name],
        None => schema,
    };
    for k in schema["required"].as_array().into_iter().flatten() {
        let k = k.as_str().unwrap();
        assert!(v.get(k).is_some(), "{at}: `{k}` missing in {v}");
    }
    for (k, prop) in schema["properties"].as_object().into_iter().flatten() {
        let Some(val) = v.get(k) else { continue };
        if let (Some(items), Some(first)) = (prop.get("items"), val.as_array().and_then(|a| a.first())) {
            check_keys(spec, &format!("{at} {k}[0]"), items, first);
        } else if prop.get("required").is_some() || prop.get("$ref").is_some() {
            check_keys(spec, &format!("{at} {k}"), prop, val);
        }
    }
}

#[test]
fn serves_https_with_tls_cert_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    // A throwaway self-signed certificate for localhost, made independently by openssl.
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
        ])
        .args(["-addext", "extendedKeyUsage=serverAuth", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    match made {
        Ok(o) if o.status.success() => {}
        _ => {
            plimsoll_test_support::require("openssl is needed to make a test certificate");
            return;
        }
    }
    let db = build_db(dir.path(), "adv.db", &[LODASH]);
    let data = dir.path().join("data");
    let (server, admin) = start_server_with(
        &data,
        &db,
        None,
        &["--tls-cert".as_ref(), cert.as_os_str(), "--tls-key".as_ref(), key.as_os_str()],
    );
    assert!(server.url.starts_with("https://127.0.0.1:"), "{}", server.url);
    let url = server.url.replace("127.0.0.1", "localhost");
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pki_types::CertificateDer::pem_file_iter(&cert).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let client = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tls = ureq::AgentBuilder::new().tls_config(Arc::new(client)).timeout(Duration::from_secs(30)).build();
    let r = tls.get(&format!("{url}/api/v1/overview")).set("Authorization", &format!("Bearer {admin}")).call().unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
    assert_eq!(v["images"], 0);
    // Plain HTTP on the TLS port gets no answer.
    assert!(agent().get(&format!("{}/healthz", url.replace("https", "http"))).call().is_err());
}
