//! An in-process registry for tests that speaks the part of the distribution API plimsoll uses
//! (blobs, monolithic uploads, manifests by tag and digest) plus the OCI 1.1 referrers API
//! (`GET /v2/<name>/referrers/<digest>`, `artifactType` filter, `OCI-Subject` on pushes of a
//! manifest with a `subject`), which Debian's `docker-registry` (distribution 2.8) lacks. With
//! the API switched off it answers 404 there, as such registries do, so clients fall back to the
//! tag schema.
//!
//! It stores manifest bytes as given (no validation), which tests use on purpose; served over TLS
//! with a [`TestPki`] certificate, no authentication.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use plimsoll_model::Digest;

use super::client::RegistryOptions;
use super::name::RegistryRef;
use super::testing::{HttpRequest, HttpResponse, HttpServer, TestPki};

#[derive(Default)]
struct State {
    /// By digest (shared by all repositories, like a registry's content store).
    blobs: HashMap<String, Vec<u8>>,
    /// (repo, digest) -> (content type, bytes)
    manifests: HashMap<(String, String), (String, Vec<u8>)>,
    /// (repo, tag) -> digest
    tags: HashMap<(String, String), String>,
    /// (repo, subject digest) -> referrer descriptors
    referrers: HashMap<(String, String), Vec<serde_json::Value>>,
    /// Method and path of each request, in order.
    log: Vec<String>,
}

/// The registry; stops when dropped.
pub struct MemoryRegistry {
    server: HttpServer,
    state: Arc<Mutex<State>>,
    _dir: tempfile::TempDir,
    pub ca_file: std::path::PathBuf,
}

impl MemoryRegistry {
    /// Starts a registry; `referrers_api` says whether it implements the referrers endpoint.
    pub fn start(referrers_api: bool) -> Result<MemoryRegistry, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let pki = TestPki::create(dir.path())?;
        let state = Arc::new(Mutex::new(State::default()));
        let s2 = state.clone();
        let server = HttpServer::start(Some(pki.server_config()?), move |req| {
            let mut st = s2.lock().unwrap_or_else(PoisonError::into_inner);
            st.log.push(format!("{} {}", req.method, req.target));
            handle(&mut st, req, referrers_api)
        })?;
        Ok(MemoryRegistry { server, state, ca_file: pki.ca_file, _dir: dir })
    }

    pub fn host(&self) -> String {
        self.server.host()
    }

    /// Options that trust the test CA (no credentials needed).
    pub fn options(&self) -> RegistryOptions {
        RegistryOptions { ca_files: vec![self.ca_file.clone()], no_docker_config: true, ..RegistryOptions::default() }
    }

    /// `127.0.0.1:PORT/repo_and_tag`
    pub fn reference(&self, repo_and_tag: &str) -> RegistryRef {
        let s = format!("{}/{repo_and_tag}", self.host());
        RegistryRef::parse(&s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// Stores `bytes` as the manifest `repo:tag`, whatever they are; returns their digest.
    pub fn put_raw_manifest(&self, repo: &str, tag: &str, content_type: &str, bytes: &[u8]) -> Digest {
        let d = crate::stream::sha256(bytes);
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.manifests.insert((repo.to_owned(), d.to_string()), (content_type.to_owned(), bytes.to_vec()));
        st.tags.insert((repo.to_owned(), tag.to_owned()), d.to_string());
        d
    }

    /// Every request so far (`METHOD target`).
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).log.clone()
    }
}

fn not_found(code: &str) -> HttpResponse {
    HttpResponse::json(404, &serde_json::json!({"errors": [{"code": code, "message": "not found"}]}))
}

fn handle(st: &mut State, req: &HttpRequest, referrers_api: bool) -> HttpResponse {
    let path = req.path().to_owned();
    if path == "/v2/" || path == "/v2" {
        return HttpResponse::new(200).header("Docker-Distribution-API-Version", "registry/2.0");
    }
    let Some(rest) = path.strip_prefix("/v2/") else { return not_found("NAME_UNKNOWN") };
    if let Some((repo, _)) = rest.split_once("/blobs/uploads") {
        return upload(st, req, repo);
    }
    if let Some((_, d)) = rest.rsplit_once("/blobs/") {
        return match st.blobs.get(d) {
            Some(b) if req.method == "GET" || req.method == "HEAD" => {
                HttpResponse::new(200).header("Docker-Content-Digest", d).body(b.clone())
            }
            _ => not_found("BLOB_UNKNOWN"),
        };
    }
    if let Some((repo, reference)) = rest.rsplit_once("/manifests/") {
        return manifest(st, req, repo, reference, referrers_api);
    }
    if let Some((repo, d)) = rest.rsplit_once("/referrers/") {
        if !referrers_api {
            return HttpResponse::new(404);
        }
        let wanted = req.query_all("artifactType").pop();
        let mut list = st.referrers.get(&(repo.to_owned(), d.to_owned())).cloned().unwrap_or_default();
        if let Some(t) = &wanted {
            list.retain(|x| x.get("artifactType").and_then(|a| a.as_str()) == Some(t.as_str()));
        }
        let index = serde_json::json!({
            "schemaVersion": 2, "mediaType": crate::oci::OCI_INDEX, "manifests": list,
        });
        let mut resp = HttpResponse::new(200).header("Content-Type", crate::oci::OCI_INDEX).body(index.to_string());
        if wanted.is_some() {
            resp = resp.header("OCI-Filters-Applied", "artifactType");
        }
        return resp;
    }
    not_found("NAME_UNKNOWN")
}

fn upload(st: &mut State, req: &HttpRequest, repo: &str) -> HttpResponse {
    match req.method.as_str() {
        "POST" => HttpResponse::new(202).header("Location", &format!("/v2/{repo}/blobs/uploads/u1")),
        "PUT" => {
            let Some(d) = req.query_all("digest").pop() else { return HttpResponse::new(400) };
            let actual = crate::stream::sha256(&req.body).to_string();
            if actual != d {
                return HttpResponse::json(400, &serde_json::json!({"errors": [{"code": "DIGEST_INVALID"}]}));
            }
            st.blobs.insert(d.clone(), req.body.clone());
            HttpResponse::new(201).header("Docker-Content-Digest", &d)
        }
        _ => HttpResponse::new(405),
    }
}

fn manifest(st: &mut State, req: &HttpRequest, repo: &str, reference: &str, referrers_api: bool) -> HttpResponse {
    let is_digest = reference.contains(':');
    match req.method.as_str() {
        "GET" | "HEAD" => {
            let digest = if is_digest {
                reference.to_owned()
            } else {
                match st.tags.get(&(repo.to_owned(), reference.to_owned())) {
                    Some(d) => d.clone(),
                    None => return not_found("MANIFEST_UNKNOWN"),
                }
            };
            match st.manifests.get(&(repo.to_owned(), digest.clone())) {
                Some((ct, bytes)) => HttpResponse::new(200)
                    .header("Content-Type", ct)
                    .header("Docker-Content-Digest", &digest)
                    .body(bytes.clone()),
                None => not_found("MANIFEST_UNKNOWN"),
            }
        }
        "PUT" => {
            let digest = crate::stream::sha256(&req.body).to_string();
            if is_digest && reference != digest {
                return HttpResponse::json(400, &serde_json::json!({"errors": [{"code": "DIGEST_INVALID"}]}));
            }
            let ct = req.header("content-type").unwrap_or("").to_owned();
            st.manifests.insert((repo.to_owned(), digest.clone()), (ct.clone(), req.body.clone()));
            if !is_digest {
                st.tags.insert((repo.to_owned(), reference.to_owned()), digest.clone());
            }
            let mut resp = HttpResponse::new(201).header("Docker-Content-Digest", &digest);
            let parsed: Option<serde_json::Value> = serde_json::from_slice(&req.body).ok();
            let subject = parsed.as_ref().and_then(|v| v.pointer("/subject/digest")).and_then(|d| d.as_str());
            if let (Some(v), Some(subject), true) = (&parsed, subject, referrers_api) {
                // The artifact type: the manifest's own, else its config's media type (OCI 1.1).
                let artifact_type = v
                    .get("artifactType")
                    .and_then(|a| a.as_str())
                    .or_else(|| v.pointer("/config/mediaType").and_then(|a| a.as_str()))
                    .unwrap_or("");
                let mut desc = serde_json::json!({
                    "mediaType": ct, "digest": digest, "size": req.body.len(), "artifactType": artifact_type,
                });
                if let Some(a) = v.get("annotations") {
                    desc["annotations"] = a.clone();
                }
                let list = st.referrers.entry((repo.to_owned(), subject.to_owned())).or_default();
                if !list.iter().any(|x| x["digest"] == desc["digest"]) {
                    list.push(desc);
                }
                resp = resp.header("OCI-Subject", subject);
            }
            resp
        }
        _ => HttpResponse::new(405),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Client, ReferrersSource};
    use std::collections::BTreeMap;

    /// Both ways of listing referrers, through the real client, against the in-process registry.
    #[test]
    fn referrers_api_and_tag_schema() {
        for api in [true, false] {
            let reg = match MemoryRegistry::start(api) {
                Ok(r) => r,
                Err(e) => {
                    plimsoll_test_support::require(&e);
                    return;
                }
            };
            let client = Client::connect(&reg.host(), &reg.options()).unwrap();
            let subject = reg.put_raw_manifest("app", "v1", crate::oci::OCI_MANIFEST, br#"{"schemaVersion":2}"#);
            assert!(client.referrers("app", &subject, None).unwrap().descriptors.is_empty());
            let m = format!(
                r#"{{"schemaVersion":2,"mediaType":"{}","artifactType":"x/y","subject":{{"digest":"{subject}","size":19,"mediaType":"{}"}},"config":{{}},"layers":[],"annotations":{{"k":"v"}}}}"#,
                crate::oci::OCI_MANIFEST,
                crate::oci::OCI_MANIFEST
            );
            let ann = BTreeMap::from([("k".to_owned(), "v".to_owned())]);
            let (desc, how) =
                client.put_referrer("app", &subject, crate::oci::OCI_MANIFEST, "x/y", ann, m.as_bytes()).unwrap();
            let want = if api { ReferrersSource::Api } else { ReferrersSource::TagSchema };
            assert_eq!(how, want);
            let got = client.referrers("app", &subject, Some("x/y")).unwrap();
            assert_eq!(got.source, want);
            assert_eq!(got.descriptors.len(), 1);
            assert_eq!(got.descriptors[0].digest, desc.digest);
            assert_eq!(got.descriptors[0].annotations.get("k").map(String::as_str), Some("v"));
            assert!(client.referrers("app", &subject, Some("other/type")).unwrap().descriptors.is_empty());
            let used_api = reg.requests().iter().any(|r| r.starts_with("GET /v2/app/referrers/"));
            assert!(used_api, "the API is always asked first");
            let tag = super::super::referrers::fallback_tag(&subject);
            let used_tag = reg.requests().iter().any(|r| r.contains(&format!("/manifests/{tag}")));
            assert_eq!(used_tag, !api, "the tag schema only without the API");
        }
    }
}
