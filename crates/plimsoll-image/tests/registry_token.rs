//! The OCI distribution bearer-token flow against a real registry (Debian's docker-registry in
//! token mode, trusting JWTs from the in-process `TokenServer`), with images pushed by skopeo
//! and by plimsoll; and retries on 429/5xx against an in-process mock registry. The real-registry
//! tests skip with a reason when the tools are absent.
#![allow(clippy::print_stderr)]

mod common;
use common::{push, read_layer, sample};

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use plimsoll_image::registry::client::ATTEMPTS;
use plimsoll_image::registry::testing::{
    AuthMode, Authorization, HttpRequest, HttpResponse, HttpServer, LocalRegistry, TestPki, TokenRequest, PASSWORD,
    TOKEN_SERVICE, USER,
};
use plimsoll_image::registry::{Client, Credentials, RegistryOptions};
use plimsoll_image::testing::BuiltImage;
use plimsoll_image::{open, Image, ImageError, ImageRef, OpenOptions};

macro_rules! token_registry_or_skip {
    () => {
        match LocalRegistry::start_with(AuthMode::Token) {
            Ok(r) => r,
            Err(reason) => {
                plimsoll_test_support::require(&format!("no loopback registry in token mode: {reason}"));
                return;
            }
        }
    };
}

fn with(registry: RegistryOptions) -> OpenOptions {
    OpenOptions { registry, ..OpenOptions::default() }
}

fn anonymous(reg: &LocalRegistry) -> RegistryOptions {
    RegistryOptions { credentials: None, ..reg.options() }
}

/// The image is the one built: manifest and config digests, and every layer's bytes.
fn assert_same(image: &Image, built: &BuiltImage) {
    assert_eq!(image.manifest_digest, built.manifest_digest);
    assert_eq!(image.config_digest, built.config_digest);
    assert_eq!(image.layers.len(), built.layers.len());
    for (i, l) in built.layers.iter().enumerate() {
        assert_eq!(image.layers[i].diff_id, l.diff_id, "layer {i}");
        assert_eq!(read_layer(image, i).unwrap(), l.tar, "layer {i}");
    }
}

fn image_ref(host: &str, repo_tag: &str) -> ImageRef {
    ImageRef::parse(&format!("{host}/{repo_tag}")).unwrap()
}

#[test]
fn pull_with_credentials_through_the_token_flow() {
    let reg = token_registry_or_skip!();
    let ts = reg.token_server().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let built = push(&reg, &sample("one"), &tmp.path().join("l"), "team/app:v1");
    let pushed = ts.requests();
    assert!(
        pushed.iter().any(|r| r.basic_user.as_deref() == Some(USER)
            && r.status == 200
            && r.granted.iter().any(|g| g == "repository:team/app:pull,push")),
        "skopeo got a push token: {pushed:#?}"
    );

    let before = pushed.len();
    let image = open(&image_ref(&reg.host, "team/app:v1"), &with(reg.options())).unwrap();
    assert_same(&image, &built);
    let ours: Vec<TokenRequest> = ts.requests().split_off(before);
    let pulls: Vec<&TokenRequest> =
        ours.iter().filter(|r| r.scopes.iter().any(|s| s == "repository:team/app:pull")).collect();
    // One token for the repository, reused for the manifest, the config and both layers.
    assert_eq!(pulls.len(), 1, "{ours:#?}");
    let pull = pulls[0];
    assert_eq!(pull.service.as_deref(), Some(TOKEN_SERVICE));
    assert_eq!((pull.method.as_str(), pull.status), ("GET", 200));
    assert_eq!(pull.granted, vec!["repository:team/app:pull".to_owned()]);
    // The ping got its own token, for no scope.
    assert!(ours.iter().any(|r| r.scopes.is_empty() && r.status == 200), "{ours:#?}");
    // The token server saw our credentials and never a token.
    assert!(ours.iter().all(|r| r.basic_user.as_deref() == Some(USER) && !r.bearer), "{ours:#?}");

    // Listing: a repository scope and the registry-wide catalog scope.
    let client = Client::connect(&reg.host, &reg.options()).unwrap();
    assert_eq!(client.tags("team/app").unwrap(), vec!["v1".to_owned()]);
    assert_eq!(client.catalog().unwrap(), vec!["team/app".to_owned()]);
    assert!(ts.requests().iter().any(|r| r.granted == ["registry:catalog:*"]));
}

#[test]
fn a_wrong_password_is_refused_without_showing_it() {
    let reg = token_registry_or_skip!();
    let ts = reg.token_server().unwrap();
    let wrong = RegistryOptions {
        credentials: Some(Credentials { username: USER.into(), password: "not-the-password".into() }),
        ..reg.options()
    };
    let check = |e: ImageError| {
        let msg = e.to_string();
        assert!(matches!(e, ImageError::RegistryAuth { .. }), "{msg}");
        assert!(msg.contains(&format!("user `{USER}`")) && !msg.contains("not-the-password"), "{msg}");
    };
    check(Client::connect(&reg.host, &wrong).unwrap_err());
    check(open(&image_ref(&reg.host, "team/app:v1"), &with(wrong)).unwrap_err());
    let seen = ts.requests();
    assert!(seen.iter().all(|r| r.basic_user.as_deref() == Some(USER) && r.status == 401), "{seen:#?}");
    assert!(!seen.is_empty());
}

#[test]
fn anonymous_clients_pull_only_public_repositories() {
    let reg = token_registry_or_skip!();
    let ts = reg.token_server().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let public = push(&reg, &sample("public"), &tmp.path().join("a"), "public/tool:v1");
    push(&reg, &sample("private"), &tmp.path().join("b"), "private/app:v1");
    let before = ts.requests().len();

    let image = open(&image_ref(&reg.host, "public/tool:v1"), &with(anonymous(&reg))).unwrap();
    assert_same(&image, &public);

    let e = open(&image_ref(&reg.host, "private/app:v1"), &with(anonymous(&reg))).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, ImageError::RegistryAuth { .. }) && msg.contains("requires credentials"), "{msg}");

    let ours: Vec<TokenRequest> = ts.requests().split_off(before);
    assert!(ours.iter().all(|r| r.basic_user.is_none() && !r.bearer), "anonymous all along: {ours:#?}");
    let granted = |scope: &str| {
        ours.iter().find(|r| r.scopes.iter().any(|s| s == scope)).map(|r| r.granted.clone()).unwrap_or_else(|| {
            panic!("no token request for {scope}: {ours:#?}");
        })
    };
    assert_eq!(granted("repository:public/tool:pull"), vec!["repository:public/tool:pull".to_owned()]);
    assert!(granted("repository:private/app:pull").is_empty());

    // Pushing needs more than the anonymous `pull` grant, even on a public repository.
    let client = Client::connect(&reg.host, &anonymous(&reg)).unwrap();
    let e = client.put_blob("public/tool", b"not allowed").unwrap_err();
    assert!(matches!(e, ImageError::RegistryAuth { .. }), "{e}");
}

#[test]
fn push_through_the_token_flow() {
    let reg = token_registry_or_skip!();
    let ts = reg.token_server().unwrap();
    let built = sample("pushed by plimsoll").build().unwrap();
    let client = Client::connect(&reg.host, &reg.options()).unwrap();
    let repo = "pushed/app";
    assert_eq!(client.put_blob(repo, &built.blobs[&built.config_digest]).unwrap(), built.config_digest);
    for l in &built.layers {
        assert_eq!(client.put_blob(repo, &l.blob).unwrap(), l.digest);
    }
    // Already there: no second upload (and no error).
    assert_eq!(client.put_blob(repo, &built.layers[0].blob).unwrap(), built.layers[0].digest);
    let manifest = &built.blobs[&built.manifest_digest];
    let d = client.put_manifest(repo, "v1", &built.manifest_media_type, manifest).unwrap();
    assert_eq!(d, built.manifest_digest);

    let seen = ts.requests();
    let push_tokens: Vec<&TokenRequest> =
        seen.iter().filter(|r| r.scopes.iter().any(|s| s == "repository:pushed/app:pull,push")).collect();
    assert_eq!(push_tokens.len(), 1, "one push token, reused for every upload: {seen:#?}");
    assert_eq!(push_tokens[0].granted, vec!["repository:pushed/app:pull,push".to_owned()]);
    assert_eq!(push_tokens[0].basic_user.as_deref(), Some(USER));

    // What was pushed pulls back intact, by tag and by digest.
    let image = open(&image_ref(&reg.host, "pushed/app:v1"), &with(reg.options())).unwrap();
    assert_same(&image, &built);
    let pinned = image_ref(&reg.host, &format!("pushed/app@{}", built.manifest_digest));
    assert_eq!(open(&pinned, &with(reg.options())).unwrap().config_digest, built.config_digest);
    assert!(ts.requests().iter().all(|r| !r.bearer));
}

// ---------------------------------------------------------------------------------------------
// An in-process mock registry: plain HTTP (or TLS with the test CA), serving one image, failing
// requests as told, optionally asking for bearer tokens from its own `/token`.

const REPO: &str = "mock/app";

/// `(method and path, how many times it was asked before)` -> a status to answer instead.
type Failures = Box<dyn Fn(&str, usize) -> Option<u16> + Send + Sync>;

#[derive(Clone, Debug)]
struct Seen {
    key: String,
    query: Vec<(String, String)>,
    auth: Authorization,
    status: u16,
}

struct Mock {
    server: HttpServer,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Mock {
    fn start(image: &BuiltImage, fail: Failures, bearer: bool, tls: Option<Arc<rustls::ServerConfig>>) -> Mock {
        let seen = Arc::new(Mutex::new(Vec::<Seen>::new()));
        let seen2 = seen.clone();
        let image = image.clone();
        let counts = Mutex::new(HashMap::<String, usize>::new());
        // Issued token -> the scope it grants.
        let tokens = Mutex::new(HashMap::<String, String>::new());
        let server = HttpServer::start(tls, move |req| {
            let key = format!("{} {}", req.method, req.path());
            let n = {
                let mut c = counts.lock().unwrap();
                let n = c.entry(key.clone()).or_default();
                *n += 1;
                *n - 1
            };
            let resp = match fail(&key, n) {
                Some(429) => HttpResponse::new(429).header("Retry-After", "0"),
                Some(status) => HttpResponse::json(
                    status,
                    &serde_json::json!({"errors": [{"code": "UNAVAILABLE", "message": "try again later"}]}),
                ),
                None if bearer && req.path() == "/token" => issue_mock_token(req, &tokens),
                None => match bearer_challenge(req, bearer, &tokens) {
                    Some(challenge) => challenge,
                    None => serve(req, &image),
                },
            };
            seen2.lock().unwrap().push(Seen {
                key,
                query: req.query(),
                auth: req.authorization(),
                status: resp.status,
            });
            resp
        })
        .unwrap();
        Mock { server, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The statuses answered to `key`, in order.
    fn statuses(&self, key: &str) -> Vec<u16> {
        self.seen().into_iter().filter(|s| s.key == key).map(|s| s.status).collect()
    }

    fn image_ref(&self) -> ImageRef {
        image_ref(&self.server.host(), &format!("{REPO}:v1"))
    }
}

fn issue_mock_token(req: &HttpRequest, tokens: &Mutex<HashMap<String, String>>) -> HttpResponse {
    match req.authorization() {
        Authorization::Basic { user, password } if user == USER && password == PASSWORD => {
            let scope = req.query_all("scope").join(" ");
            let mut t = tokens.lock().unwrap();
            let token = format!("mock-token-{}", t.len());
            t.insert(token.clone(), scope);
            HttpResponse::json(200, &serde_json::json!({ "token": token }))
        }
        _ => HttpResponse::new(401),
    }
}

/// In bearer mode, a 401 with a challenge unless the request holds a token good for it: any
/// issued token for `/v2/`, one for the repository's pull scope elsewhere.
fn bearer_challenge(req: &HttpRequest, bearer: bool, tokens: &Mutex<HashMap<String, String>>) -> Option<HttpResponse> {
    if !bearer {
        return None;
    }
    let needed = (req.path() != "/v2/").then(|| format!("repository:{REPO}:pull"));
    let granted = match req.authorization() {
        Authorization::Bearer(t) => tokens.lock().unwrap().get(&t).cloned(),
        _ => None,
    };
    match (&needed, granted) {
        (None, Some(_)) => return None,
        (Some(n), Some(g)) if g.split(' ').any(|s| s == n) => return None,
        _ => {}
    }
    let host = req.header("host").unwrap_or_default();
    let mut challenge = format!("Bearer realm=\"http://{host}/token\",service=\"mock\"");
    if let Some(n) = needed {
        challenge.push_str(&format!(",scope=\"{n}\""));
    }
    Some(HttpResponse::new(401).header("WWW-Authenticate", &challenge))
}

fn serve(req: &HttpRequest, image: &BuiltImage) -> HttpResponse {
    if req.method != "GET" && req.method != "HEAD" {
        return HttpResponse::new(405);
    }
    let path = req.path();
    if path == "/v2/" {
        return HttpResponse::json(200, &serde_json::json!({}));
    }
    let Some(rest) = path.strip_prefix(&format!("/v2/{REPO}/")) else { return HttpResponse::new(404) };
    if let Some(reference) = rest.strip_prefix("manifests/") {
        if reference == "v1" || reference == image.manifest_digest.to_string() {
            return HttpResponse::new(200)
                .header("Content-Type", &image.manifest_media_type)
                .body(image.blobs[&image.manifest_digest].clone());
        }
    } else if let Some(digest) = rest.strip_prefix("blobs/") {
        if let Some(blob) = digest.parse().ok().and_then(|d| image.blobs.get(&d)) {
            return HttpResponse::new(200).header("Content-Type", "application/octet-stream").body(blob.clone());
        }
    }
    HttpResponse::new(404)
}

fn insecure_anonymous() -> OpenOptions {
    with(RegistryOptions { insecure: true, no_docker_config: true, ..RegistryOptions::default() })
}

/// Every GET a pull of `image` makes.
fn pull_keys(image: &BuiltImage) -> Vec<String> {
    let mut keys = vec!["GET /v2/".to_owned(), format!("GET /v2/{REPO}/manifests/v1")];
    keys.push(format!("GET /v2/{REPO}/blobs/{}", image.config_digest));
    keys.extend(image.layers.iter().map(|l| format!("GET /v2/{REPO}/blobs/{}", l.digest)));
    keys
}

#[test]
fn throttled_and_failing_requests_are_retried() {
    let built = sample("retry").build().unwrap();
    // Every request first meets a 429 (Retry-After: 0), then a 503, then is served.
    let mock = Mock::start(&built, Box::new(|_, n| [429, 503].get(n).copied()), false, None);
    let image = open(&mock.image_ref(), &insecure_anonymous()).unwrap();
    assert_same(&image, &built);
    for key in pull_keys(&built) {
        assert_eq!(mock.statuses(&key), vec![429, 503, 200], "{key}");
    }
    // Nothing else was asked for.
    let seen = mock.seen();
    assert!(seen.iter().all(|s| pull_keys(&built).contains(&s.key)), "{seen:#?}");
}

#[test]
fn a_permanent_503_fails_after_bounded_attempts() {
    let built = sample("down").build().unwrap();
    let manifest = format!("GET /v2/{REPO}/manifests/v1");
    let key = manifest.clone();
    let mock = Mock::start(&built, Box::new(move |k, _| (k == key).then_some(503)), false, None);
    let e = open(&mock.image_ref(), &insecure_anonymous()).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, ImageError::Registry { .. }), "{msg}");
    assert!(msg.contains("HTTP 503") && msg.contains("try again later"), "{msg}");
    assert_eq!(mock.statuses(&manifest), vec![503; ATTEMPTS as usize]);
}

#[test]
fn the_https_ping_is_retried_too() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = match TestPki::create(tmp.path()) {
        Ok(p) => p,
        Err(reason) => {
            plimsoll_test_support::require(&format!("no test CA: {reason}"));
            return;
        }
    };
    let built = sample("tls").build().unwrap();
    let fail: Failures = Box::new(|k, n| (k == "GET /v2/" && n < 2).then_some(503));
    let mock = Mock::start(&built, fail, false, Some(pki.server_config().unwrap()));
    let opts = RegistryOptions { ca_files: vec![pki.ca_file.clone()], no_docker_config: true, ..Default::default() };
    let image = open(&mock.image_ref(), &with(opts)).unwrap();
    assert_same(&image, &built);
    assert_eq!(mock.statuses("GET /v2/"), vec![503, 503, 200]);
}

#[test]
fn credentials_go_only_to_the_token_service_and_tokens_only_to_the_registry() {
    let built = sample("bearer").build().unwrap();
    // One blob also fails once (it is asked for with the cached token): the retry keeps the token.
    let layer = format!("GET /v2/{REPO}/blobs/{}", built.layers[1].digest);
    let fail: Failures = Box::new(move |k, n| (k == layer && n == 0).then_some(503));
    let mock = Mock::start(&built, fail, true, None);
    let opts = RegistryOptions {
        insecure: true,
        no_docker_config: true,
        credentials: Some(Credentials { username: USER.into(), password: PASSWORD.into() }),
        ..Default::default()
    };
    let image = open(&mock.image_ref(), &with(opts)).unwrap();
    assert_same(&image, &built);

    let seen = mock.seen();
    let (token_reqs, registry_reqs): (Vec<&Seen>, Vec<&Seen>) = seen.iter().partition(|s| s.key == "GET /token");
    for t in &token_reqs {
        assert!(matches!(&t.auth, Authorization::Basic { user, .. } if user == USER), "{t:?}");
        assert!(t.query.contains(&("service".to_owned(), "mock".to_owned())), "{t:?}");
    }
    for r in &registry_reqs {
        assert!(matches!(r.auth, Authorization::None | Authorization::Bearer(_)), "credentials leaked: {r:?}");
    }
    assert!(registry_reqs.iter().any(|r| matches!(r.auth, Authorization::Bearer(_)) && r.status == 200));
    // A token for the ping and one for the repository, reused for every blob.
    let scopes: Vec<Vec<String>> = token_reqs
        .iter()
        .map(|t| t.query.iter().filter(|(k, _)| k == "scope").map(|(_, v)| v.clone()).collect())
        .collect();
    assert_eq!(scopes, vec![vec![], vec![format!("repository:{REPO}:pull")]], "{seen:#?}");
    let blobs: HashSet<&str> =
        registry_reqs.iter().filter(|r| r.key.contains("/blobs/")).map(|r| r.key.as_str()).collect();
    assert_eq!(blobs.len(), 1 + built.layers.len());
}

fn with_credentials() -> OpenOptions {
    with(RegistryOptions {
        insecure: true,
        no_docker_config: true,
        credentials: Some(Credentials { username: USER.into(), password: PASSWORD.into() }),
        ..Default::default()
    })
}

#[test]
fn a_busy_token_service_is_retried() {
    let built = sample("busy token service").build().unwrap();
    // The first token request meets a 503, as a token service behind a busy load balancer would.
    let fail: Failures = Box::new(|k, n| (k == "GET /token" && n == 0).then_some(503));
    let mock = Mock::start(&built, fail, true, None);
    let image = open(&mock.image_ref(), &with_credentials()).unwrap();
    assert_same(&image, &built);
    // The ping's token after one retry, then the repository's token at once.
    assert_eq!(mock.statuses("GET /token"), vec![503, 200, 200]);
    let scopes: Vec<Vec<(String, String)>> = mock
        .seen()
        .into_iter()
        .filter(|s| s.key == "GET /token")
        .map(|s| s.query.into_iter().filter(|(k, _)| k == "scope").collect())
        .collect();
    let pull = vec![("scope".to_owned(), format!("repository:{REPO}:pull"))];
    assert_eq!(scopes, vec![vec![], vec![], pull], "the retry asks for the same scope");

    // Throttled (429 with Retry-After) and then failing: retried within the bound.
    let fail: Failures = Box::new(|k, n| (k == "GET /token").then(|| [429, 502].get(n).copied()).flatten());
    let mock = Mock::start(&built, fail, true, None);
    assert_same(&open(&mock.image_ref(), &with_credentials()).unwrap(), &built);
    assert_eq!(mock.statuses("GET /token"), vec![429, 502, 200, 200]);
}

#[test]
fn a_token_service_that_stays_down_fails_after_bounded_attempts() {
    let built = sample("token service down").build().unwrap();
    let mock = Mock::start(&built, Box::new(|k, _| (k == "GET /token").then_some(503)), true, None);
    let e = open(&mock.image_ref(), &with_credentials()).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, ImageError::Registry { .. }), "{msg}");
    assert!(msg.contains("token service answered HTTP 503") && msg.contains("try again later"), "{msg}");
    assert_eq!(mock.statuses("GET /token"), vec![503; ATTEMPTS as usize]);
    // A refused login is final: not retried.
    let mock = Mock::start(&built, Box::new(|k, _| (k == "GET /token").then_some(401)), true, None);
    let e = open(&mock.image_ref(), &with_credentials()).unwrap_err();
    assert!(matches!(e, ImageError::RegistryAuth { .. }), "{e}");
    assert_eq!(mock.statuses("GET /token"), vec![401]);
}

#[test]
fn head_without_a_digest_header_is_an_error_not_a_guess() {
    // The mock answers HEAD like GET, without `Docker-Content-Digest`.
    let built = sample("no digest header").build().unwrap();
    let mock = Mock::start(&built, Box::new(|_, _| None), false, None);
    let client = Client::connect(&mock.server.host(), &insecure_anonymous().registry).unwrap();
    let e = client.head_manifest(REPO, "v1").unwrap_err();
    assert!(e.to_string().contains("no Docker-Content-Digest"), "{e}");
    assert_eq!(client.head_manifest(REPO, "nope").unwrap(), None);
    assert_eq!(mock.statuses(&format!("HEAD /v2/{REPO}/manifests/v1")), vec![200]);
}

#[test]
fn one_client_opens_many_images_with_one_token_per_repository() {
    let reg = token_registry_or_skip!();
    let ts = reg.token_server().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let images: Vec<BuiltImage> = (0..3)
        .map(|i| {
            push(&reg, &sample(&format!("image {i}")), &tmp.path().join(format!("l{i}")), &format!("team/app:v{i}"))
        })
        .collect();
    let other = push(&reg, &sample("other"), &tmp.path().join("o"), "team/other:v1");
    let before = ts.requests().len();

    let client = Arc::new(Client::connect(&reg.host, &reg.options()).unwrap());
    for (i, built) in images.iter().enumerate() {
        let r = reg.reference(&format!("team/app:v{i}"));
        assert_same(&plimsoll_image::open_with_client(&r, client.clone(), &with(reg.options())).unwrap(), built);
    }
    let r = reg.reference(&format!("team/other@{}", other.manifest_digest));
    let image = plimsoll_image::open_with_client(&r, client.clone(), &with(reg.options())).unwrap();
    assert_same(&image, &other);
    assert_eq!(image.reference, format!("{}/team/other@{}", reg.host, other.manifest_digest));

    let ours: Vec<TokenRequest> = ts.requests().split_off(before);
    let count = |scope: &str| ours.iter().filter(|r| r.scopes.iter().any(|s| s == scope)).count();
    assert_eq!(count("repository:team/app:pull"), 1, "one token for three images: {ours:#?}");
    assert_eq!(count("repository:team/other:pull"), 1, "{ours:#?}");
    assert_eq!(ours.len(), 3, "and the ping's: {ours:#?}");

    // A client is for one registry.
    let foreign = plimsoll_image::registry::RegistryRef::parse("registry.example/team/app:v1").unwrap();
    let e = plimsoll_image::open_with_client(&foreign, client, &with(reg.options())).unwrap_err();
    assert!(e.to_string().contains("another registry"), "{e}");
}
