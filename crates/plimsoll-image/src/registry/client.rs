//! A blocking OCI distribution client: ping, auth challenges, manifests, blobs, uploads, tags
//! and catalog.
//!
//! A registry is untrusted: every manifest fetched is hashed here (the `Docker-Content-Digest`
//! header is ignored by GETs) and checked when it was asked for by digest; blob streams are
//! checked by their readers (`LayerStream`, `Store::read_blob`). Only [`Client::head_manifest`]
//! reads that header, as the registry's word on what a tag points to, never as a check. Requests
//! (token requests included) are retried with backoff on 429, 5xx and connection failures, a
//! bounded number of times. The `Authorization` header is sent only to the registry's own origin
//! (never to a redirect target or a foreign upload URL).

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use plimsoll_model::Digest;
use plimsoll_net::{AgentConfig, RetryPolicy, TlsOptions};
use serde::Deserialize;

use super::auth::{self, Challenge, Credentials};
use super::name::api_host;
use crate::error::ImageError;
use crate::oci::{DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST};
use crate::stream::{read_limited, Hasher};

/// How to reach registries.
#[derive(Clone, Debug, Default)]
pub struct RegistryOptions {
    /// Allow plain HTTP (tried when HTTPS fails) and TLS without certificate verification.
    pub insecure: bool,
    /// Extra PEM CA certificates trusted besides the system roots.
    pub ca_files: Vec<PathBuf>,
    /// Explicit credentials (flags, environment); else the docker config is consulted.
    pub credentials: Option<Credentials>,
    /// Skip `~/.docker/config.json` and credential helpers.
    pub no_docker_config: bool,
    /// Directory of a local blob cache keyed by digest (`DIR/blobs/sha256/<hex>`); blobs are
    /// written there only after their digest checked out.
    pub blob_cache: Option<PathBuf>,
    /// Connect, per-read and whole-request timeouts (see [`AgentConfig`]). `https_only` is set
    /// by the client itself (on unless `insecure`).
    pub net: AgentConfig,
    /// No request may run past this (`--timeout`): each one's deadline is cut to what is left.
    pub deadline: Option<Instant>,
    /// Send credentials to a Bearer token realm on a host unrelated to the registry's. Off by
    /// default: a registry could otherwise collect the user's password for another host.
    pub trust_token_realm: bool,
}

/// Manifest media types asked for, in order of preference.
pub const MANIFEST_ACCEPT: [&str; 4] = [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST];

/// A manifest as fetched: its bytes, media type and the digest computed from the bytes.
#[derive(Clone, Debug)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub media_type: String,
    pub digest: Digest,
}

/// How many times a request is sent at most when it meets 429, 5xx or a connection failure.
pub const ATTEMPTS: u32 = RetryPolicy::DEFAULT.attempts;
/// Error bodies, token responses, tag lists: small JSON.
const SMALL_BODY: u64 = 4 << 20;
const MAX_PAGES: usize = 10_000;

/// A client for one registry. `Send + Sync`: layers are fetched from several threads at once,
/// sharing the connection pool and the tokens.
pub struct Client {
    registry: String,
    base: String,
    agent: ureq::Agent,
    insecure: bool,
    net: AgentConfig,
    deadline: Option<Instant>,
    trust_token_realm: bool,
    creds: Option<Credentials>,
    /// `Authorization` values by scope; `""` holds a Basic header good for every scope.
    auth: Mutex<HashMap<String, String>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).finish_non_exhaustive()
    }
}

/// Scope for reading a repository.
pub fn pull_scope(repo: &str) -> String {
    format!("repository:{repo}:pull")
}

/// Scope for writing a repository.
pub fn push_scope(repo: &str) -> String {
    format!("repository:{repo}:pull,push")
}

impl Client {
    /// Connects to `registry` (`host[:port]`, `docker.io`): builds the TLS setup, picks the
    /// scheme (HTTPS; plain HTTP only with `insecure` and only when HTTPS fails) and checks the
    /// `/v2/` endpoint, authenticating if it asks to.
    pub fn connect(registry: &str, opts: &RegistryOptions) -> Result<Client, ImageError> {
        let err = |reason: String| ImageError::Registry { registry: registry.to_owned(), reason };
        let tls = TlsOptions { insecure: opts.insecure, ca_files: opts.ca_files.clone() };
        // Never from HTTPS to plain HTTP (a redirect to http:// fails) unless plain HTTP was asked for.
        let net = AgentConfig { https_only: !opts.insecure, ..opts.net.clone() };
        let agent = plimsoll_net::agent(&tls, &net).map_err(|e| err(e.to_string()))?;
        let creds = match &opts.credentials {
            Some(c) => Some(c.clone()),
            None if opts.no_docker_config => None,
            None => match auth::docker_config_path() {
                Some(path) => auth::from_docker_config(&path, registry).map_err(err)?,
                None => None,
            },
        };
        let host = api_host(registry);
        let mut client = Client {
            registry: registry.to_owned(),
            base: format!("https://{host}"),
            agent,
            insecure: opts.insecure,
            net,
            deadline: opts.deadline,
            trust_token_realm: opts.trust_token_realm,
            creds,
            auth: Mutex::new(HashMap::new()),
        };
        if opts.insecure {
            // Plain HTTP only when HTTPS cannot be spoken at all: an HTTPS registry that answers
            // with an error status, or whose token service fails, is reported as such.
            let probe = client.timeout(client.net.request_timeout)?;
            if let Err(ureq::Error::Transport(_)) =
                client.agent.get(&format!("{}/v2/", client.base)).timeout(probe).call()
            {
                client.base = format!("http://{host}");
            }
        }
        // The ping is retried like every other request (a 503 from a busy registry is not fatal).
        let ping = client.send("GET", "/v2/", "", &[], None, ATTEMPTS)?;
        match ping.status() {
            200..=299 => Ok(client),
            401 | 403 => Err(client.denied(ping.status())),
            404 => Err(err("it has no /v2/ API, so it is not an OCI distribution registry".into())),
            s => Err(err(format!("GET /v2/ answered HTTP {s}{}", error_detail(ping)))),
        }
    }

    /// The registry as named in the reference.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// `https://host[:port]` (or `http://` in insecure mode).
    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub(crate) fn err(&self, reason: String) -> ImageError {
        ImageError::Registry { registry: self.registry.clone(), reason }
    }

    fn denied(&self, status: u16) -> ImageError {
        let reason = match &self.creds {
            Some(c) => format!(
                "HTTP {status} with the credentials of user `{}`: check the username and password (--username, \
                 PLIMSOLL_USERNAME/PLIMSOLL_PASSWORD or docker login) and the user's permissions",
                c.username
            ),
            None => format!(
                "HTTP {status}: the registry requires credentials; pass --username (and PLIMSOLL_PASSWORD) or log in \
                 with `docker login {}`",
                self.registry
            ),
        };
        ImageError::RegistryAuth { registry: self.registry.clone(), reason }
    }

    fn auth_header(&self, scope: &str) -> Option<String> {
        let map = self.auth.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(scope).or_else(|| map.get("")).cloned()
    }

    /// Sends a request to `path` (relative to the registry, or an absolute URL the registry
    /// handed out). Any HTTP status is returned as a response; 401 triggers one authentication
    /// round, 429/5xx and connection failures are retried up to `attempts` times.
    pub(crate) fn send(
        &self,
        method: &str,
        path: &str,
        scope: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        attempts: u32,
    ) -> Result<ureq::Response, ImageError> {
        let timeout = match body {
            Some(b) if b.len() > 1 << 20 => self.net.download_timeout(Some(b.len() as u64)),
            _ => self.net.request_timeout,
        };
        self.send_timed(method, path, scope, headers, body, attempts, timeout)
    }

    /// The whole-request deadline of a request that may take `wanted`: cut to what is left of
    /// the overall deadline, an error once that has passed.
    fn timeout(&self, wanted: Duration) -> Result<Duration, ImageError> {
        match self.deadline {
            None => Ok(wanted),
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => Ok(wanted.min(left)),
                _ => Err(ImageError::Timeout { registry: self.registry.clone() }),
            },
        }
    }

    /// A transport failure in words, with the `--ca-file`/`--insecure` hint where it may help.
    fn transport_error(&self, method: &str, url: &str, t: &ureq::Transport) -> ImageError {
        if let Some(why) = plimsoll_net::explain_transport(t) {
            return self.err(format!("{method} {url} failed: {why}"));
        }
        let hint = if !self.insecure && url.starts_with("https://") {
            " (for a registry with a private CA pass --ca-file; for plain HTTP or an unverified certificate, \
             --insecure)"
        } else {
            ""
        };
        self.err(format!("{method} {url} failed: {t}{hint}"))
    }

    #[allow(clippy::too_many_arguments)]
    fn send_timed(
        &self,
        method: &str,
        path: &str,
        scope: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        attempts: u32,
        timeout: Duration,
    ) -> Result<ureq::Response, ImageError> {
        let url = if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let own_origin = url.starts_with(&format!("{}/", self.base));
        let retry = RetryPolicy { attempts, ..RetryPolicy::DEFAULT };
        let mut authenticated = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = self.agent.request(method, &url).timeout(self.timeout(timeout)?);
            for (k, v) in headers {
                req = req.set(k, v);
            }
            if own_origin {
                if let Some(a) = self.auth_header(scope) {
                    req = req.set("Authorization", &a);
                }
            }
            let result = match body {
                Some(b) => req.send_bytes(b),
                None => req.call(),
            };
            match result {
                Ok(resp) => return Ok(resp),
                Err(ureq::Error::Status(401, resp)) if own_origin && !authenticated => {
                    authenticated = true;
                    attempt -= 1;
                    let challenge = resp.header("WWW-Authenticate").map(str::to_owned);
                    // Drain the small error body so the connection can be reused.
                    let _ = read_limited(resp.into_reader(), SMALL_BODY, "error", |e| self.err(e.to_string()));
                    self.authenticate(challenge.as_deref(), scope)?;
                }
                Err(e) => match (retry.wait_after(attempt, &e), e) {
                    (Some(wait), _) => std::thread::sleep(wait),
                    (None, ureq::Error::Status(_, resp)) => return Ok(resp),
                    (None, ureq::Error::Transport(t)) => return Err(self.transport_error(method, &url, &t)),
                },
            }
        }
    }

    /// Answers a 401 challenge: Basic -> the credentials; Bearer -> a token from the realm for
    /// the scope (with the credentials if we have them, anonymously otherwise).
    fn authenticate(&self, header: Option<&str>, scope: &str) -> Result<(), ImageError> {
        let challenge = header.and_then(auth::parse_challenge).ok_or_else(|| {
            self.err(format!(
                "it answered HTTP 401 with an unsupported challenge `{}`",
                header.unwrap_or("(none)").chars().take(200).collect::<String>()
            ))
        })?;
        let value = match challenge {
            Challenge::Basic => match &self.creds {
                Some(c) => {
                    let h = c.basic_header();
                    self.auth.lock().unwrap_or_else(PoisonError::into_inner).insert(String::new(), h);
                    return Ok(());
                }
                None => return Err(self.denied(401)),
            },
            Challenge::Bearer { realm, service, scope: wanted } => {
                if !(realm.starts_with("https://") || (realm.starts_with("http://") && self.insecure)) {
                    return Err(self.err(format!(
                        "its token realm `{realm}` is not an HTTPS URL (use --insecure to allow plain HTTP)"
                    )));
                }
                if !self.trust_token_realm && self.creds.is_some() && !related_host(&realm, &self.base) {
                    return Err(ImageError::RegistryAuth {
                        registry: self.registry.clone(),
                        reason: format!(
                            "its token service `{}` is on another host than the registry; plimsoll sends your \
                             credentials there only with --trust-token-realm",
                            host_of(&realm)
                        ),
                    });
                }
                let scope_param = if scope.is_empty() { wanted.unwrap_or_default() } else { scope.to_owned() };
                // A busy token service (429, 5xx, a dropped connection) is retried like the
                // registry itself: the token is as necessary as the request waiting for it.
                let retry = RetryPolicy { attempts: ATTEMPTS, ..RetryPolicy::DEFAULT };
                let mut attempt = 0;
                let resp = loop {
                    attempt += 1;
                    let mut req = self.agent.get(&realm).timeout(self.timeout(self.net.request_timeout)?);
                    if let Some(s) = &service {
                        req = req.query("service", s);
                    }
                    if !scope_param.is_empty() {
                        req = req.query("scope", &scope_param);
                    }
                    if let Some(c) = &self.creds {
                        req = req.set("Authorization", &c.basic_header());
                    }
                    match req.call() {
                        Ok(r) => break r,
                        Err(e) => match (retry.wait_after(attempt, &e), e) {
                            (Some(wait), _) => std::thread::sleep(wait),
                            (None, ureq::Error::Status(401 | 403, r)) => return Err(self.denied(r.status())),
                            (None, ureq::Error::Status(s, r)) => {
                                return Err(self.err(format!("its token service answered HTTP {s}{}", error_detail(r))))
                            }
                            (None, ureq::Error::Transport(t)) => {
                                let why = plimsoll_net::explain_transport(&t).unwrap_or_else(|| t.to_string());
                                return Err(self.err(format!("cannot reach its token service: {why}")));
                            }
                        },
                    }
                };
                #[derive(Deserialize)]
                struct Token {
                    #[serde(default)]
                    token: Option<String>,
                    #[serde(default)]
                    access_token: Option<String>,
                }
                let body = read_limited(resp.into_reader(), SMALL_BODY, "token response", |e| {
                    self.err(format!("cannot read its token response: {e}"))
                })?;
                let t: Token = serde_json::from_slice(&body)
                    .map_err(|e| self.err(format!("its token service returned invalid JSON: {e}")))?;
                let token = t
                    .token
                    .or(t.access_token)
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| self.err("its token service returned no token".into()))?;
                format!("Bearer {token}")
            }
        };
        self.auth.lock().unwrap_or_else(PoisonError::into_inner).insert(scope.to_owned(), value);
        Ok(())
    }

    /// Fails on a non-success status, with the registry's error message.
    pub(crate) fn check(&self, resp: ureq::Response, what: &str) -> Result<ureq::Response, ImageError> {
        match resp.status() {
            200..=299 => Ok(resp),
            401 | 403 => Err(self.denied(resp.status())),
            404 => Err(ImageError::NotFound { registry: self.registry.clone(), what: what.to_owned() }),
            s => Err(self.err(format!("{what}: HTTP {s}{}", error_detail(resp)))),
        }
    }

    /// Sends `method` (GET or HEAD) for a manifest with the media types we read. `None` on 404;
    /// else the successful response, and `manifest REPO:TAG` (or `@DIGEST`) for messages.
    fn manifest_request(
        &self,
        method: &str,
        repo: &str,
        reference: &str,
    ) -> Result<Option<(ureq::Response, String)>, ImageError> {
        let sep = if reference.contains(':') { '@' } else { ':' };
        let what = format!("manifest {repo}{sep}{reference}");
        let accept = MANIFEST_ACCEPT.join(", ");
        let path = format!("/v2/{repo}/manifests/{reference}");
        let resp = self.send(method, &path, &pull_scope(repo), &[("Accept", &accept)], None, ATTEMPTS)?;
        if resp.status() == 404 {
            return Ok(None);
        }
        Ok(Some((self.check(resp, &what)?, what)))
    }

    /// Fetches a manifest by tag or digest. `None` if the registry does not have it. When
    /// `reference` is a digest the bytes must hash to it.
    pub fn get_manifest(&self, repo: &str, reference: &str, limit: u64) -> Result<Option<Fetched>, ImageError> {
        let Some((resp, what)) = self.manifest_request("GET", repo, reference)? else { return Ok(None) };
        if content_length(&resp).is_some_and(|n| n > limit) {
            return Err(ImageError::TooLarge { what, limit });
        }
        let content_type = resp.header("Content-Type").map(media_type_of);
        let bytes = read_limited(resp.into_reader(), limit, &what, |e| self.err(format!("reading {what}: {e}")))?;
        let expected: Option<Digest> = reference.parse().ok();
        let mut h = match &expected {
            Some(d) => Hasher::for_digest(d),
            None => Hasher::for_digest(&crate::stream::sha256(b"")),
        };
        h.update(&bytes);
        let digest = h.finish();
        if let Some(exp) = expected {
            if exp != digest {
                return Err(ImageError::DigestMismatch { what, expected: exp, actual: digest });
            }
        }
        // The body's own mediaType wins over a generic Content-Type (some registries send
        // application/json).
        #[derive(Deserialize)]
        struct Mt {
            #[serde(rename = "mediaType", default)]
            media_type: Option<String>,
        }
        let body_type = serde_json::from_slice::<Mt>(&bytes).ok().and_then(|m| m.media_type).filter(|m| !m.is_empty());
        let media_type = body_type.or(content_type).unwrap_or_default();
        Ok(Some(Fetched { bytes, media_type, digest }))
    }

    /// Asks what a tag or digest points to without downloading the manifest: a HEAD with the
    /// same `Accept` as [`Client::get_manifest`], answered with the registry's
    /// `Docker-Content-Digest`, `Content-Type` (`""` when absent) and `Content-Length`. `None` if
    /// the registry does not have it. Docker Hub does not count HEAD requests against its pull
    /// rate limit, which is why crane, skopeo and Trivy resolve tags this way.
    ///
    /// Nothing here is verified (there are no bytes to hash): the digest is the registry's word,
    /// exactly as a tag's target is when a GET by tag is hashed. Fetch by the digest returned,
    /// with [`Client::get_manifest`], to get bytes checked against it. A missing or malformed
    /// digest or length header is an error (callers may fall back to a GET), and so is a
    /// digest that differs from the one `reference` names.
    pub fn head_manifest(&self, repo: &str, reference: &str) -> Result<Option<(Digest, String, u64)>, ImageError> {
        let Some((resp, what)) = self.manifest_request("HEAD", repo, reference)? else { return Ok(None) };
        let header = |name: &str| resp.header(name).map(str::trim);
        let digest: Digest = match header("Docker-Content-Digest") {
            None => return Err(self.err(format!("HEAD {what}: no Docker-Content-Digest in the answer"))),
            Some(h) => h.parse().map_err(|e| {
                let shown: String = h.chars().take(100).collect();
                self.err(format!("HEAD {what}: bad Docker-Content-Digest `{}`: {e}", shown.escape_debug()))
            })?,
        };
        let size = content_length(&resp)
            .ok_or_else(|| self.err(format!("HEAD {what}: no valid Content-Length in the answer")))?;
        let media_type = header("Content-Type").map(media_type_of).unwrap_or_default();
        if let Ok(asked) = reference.parse::<Digest>() {
            if asked != digest {
                return Err(self.err(format!("HEAD {what}: the registry answered with digest {digest}")));
            }
        }
        // A HEAD answer has no body; reading its (empty) end hands the connection back to the pool.
        let _ = read_limited(resp.into_reader(), SMALL_BODY, &what, |e| self.err(e.to_string()));
        Ok(Some((digest, media_type, size)))
    }

    /// Streams a blob. `None` if the registry does not have it. The caller verifies the digest.
    pub fn get_blob(&self, repo: &str, digest: &Digest) -> Result<Option<Box<dyn Read + Send>>, ImageError> {
        self.get_blob_sized(repo, digest, None)
    }

    /// [`Client::get_blob`] for a blob whose size the descriptor states: the download's deadline
    /// scales with it ([`AgentConfig::download_timeout`]).
    pub fn get_blob_sized(
        &self,
        repo: &str,
        digest: &Digest,
        size: Option<u64>,
    ) -> Result<Option<Box<dyn Read + Send>>, ImageError> {
        let timeout = self.net.download_timeout(size);
        let path = format!("/v2/{repo}/blobs/{digest}");
        let resp = self.send_timed("GET", &path, &pull_scope(repo), &[], None, ATTEMPTS, timeout)?;
        if resp.status() == 404 {
            return Ok(None);
        }
        let resp = self.check(resp, &format!("blob {digest}"))?;
        // A TLS stream hands out a record or less per read; decompressing such small pieces
        // costs a fifth more than the large reads a file gives, so reads are filled up first
        // (straight into the caller's buffer: no second copy through a BufReader).
        Ok(Some(Box::new(FillReader { inner: resp.into_reader(), pending: None })))
    }

    /// Reads a whole small blob and verifies it.
    pub fn get_blob_bytes(&self, repo: &str, digest: &Digest, limit: u64) -> Result<Vec<u8>, ImageError> {
        let what = format!("blob {digest} of {repo}");
        let r = self
            .get_blob(repo, digest)?
            .ok_or_else(|| ImageError::NotFound { registry: self.registry.clone(), what: what.clone() })?;
        let data = read_limited(r, limit, &what, |e| self.err(format!("reading {what}: {e}")))?;
        crate::stream::verify_bytes(&what, &data, digest, None)?;
        Ok(data)
    }

    pub fn blob_exists(&self, repo: &str, digest: &Digest, scope: &str) -> Result<bool, ImageError> {
        let resp = self.send("HEAD", &format!("/v2/{repo}/blobs/{digest}"), scope, &[], None, ATTEMPTS)?;
        match resp.status() {
            200..=299 => Ok(true),
            404 => Ok(false),
            _ => self.check(resp, &format!("blob {digest}")).map(|_| false),
        }
    }

    /// Uploads a blob (monolithic POST + PUT) unless the registry already has it.
    pub fn put_blob(&self, repo: &str, data: &[u8]) -> Result<Digest, ImageError> {
        let digest = crate::stream::sha256(data);
        let scope = push_scope(repo);
        if self.blob_exists(repo, &digest, &scope)? {
            return Ok(digest);
        }
        let what = format!("upload of blob {digest} to {repo}");
        let resp = self.send("POST", &format!("/v2/{repo}/blobs/uploads/"), &scope, &[], Some(&[]), ATTEMPTS)?;
        // Status first: a refused upload is an auth error, not a missing `Location`.
        let resp = self.check(resp, &what)?;
        let location = resp
            .header("Location")
            .map(str::to_owned)
            .ok_or_else(|| self.err(format!("{what}: no Location in the answer (HTTP {})", resp.status())))?;
        let sep = if location.contains('?') { '&' } else { '?' };
        let url = format!("{location}{sep}digest={digest}");
        let headers = [("Content-Type", "application/octet-stream")];
        let resp = self.send("PUT", &url, &scope, &headers, Some(data), ATTEMPTS)?;
        self.check(resp, &what)?;
        Ok(digest)
    }

    /// Uploads a manifest under a tag or its digest; returns its digest.
    pub fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<Digest, ImageError> {
        let what = format!("upload of manifest {repo}:{reference}");
        let resp = self.send(
            "PUT",
            &format!("/v2/{repo}/manifests/{reference}"),
            &push_scope(repo),
            &[("Content-Type", media_type)],
            Some(bytes),
            ATTEMPTS,
        )?;
        self.check(resp, &what)?;
        Ok(crate::stream::sha256(bytes))
    }

    /// Every tag of a repository (following `Link` pagination).
    pub fn tags(&self, repo: &str) -> Result<Vec<String>, ImageError> {
        #[derive(Deserialize)]
        struct Tags {
            #[serde(default)]
            tags: Option<Vec<String>>,
        }
        self.paginate(&format!("/v2/{repo}/tags/list?n=1000"), &pull_scope(repo), |b| {
            serde_json::from_slice::<Tags>(b).map(|t| t.tags.unwrap_or_default())
        })
    }

    /// Every repository of the registry (`/v2/_catalog`, which some registries disable).
    pub fn catalog(&self) -> Result<Vec<String>, ImageError> {
        #[derive(Deserialize)]
        struct Catalog {
            #[serde(default)]
            repositories: Vec<String>,
        }
        self.paginate("/v2/_catalog?n=1000", "registry:catalog:*", |b| {
            serde_json::from_slice::<Catalog>(b).map(|c| c.repositories)
        })
    }

    fn paginate(
        &self,
        first: &str,
        scope: &str,
        parse: impl Fn(&[u8]) -> Result<Vec<String>, serde_json::Error>,
    ) -> Result<Vec<String>, ImageError> {
        let mut out = Vec::new();
        let mut next = Some(first.to_owned());
        let mut pages = 0;
        while let Some(path) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(self.err(format!("{first}: more than {MAX_PAGES} pages")));
            }
            let resp = self.send("GET", &path, scope, &[], None, ATTEMPTS)?;
            let resp = self.check(resp, first)?;
            next = resp.header("Link").and_then(next_link);
            let body = read_limited(resp.into_reader(), SMALL_BODY, first, |e| self.err(e.to_string()))?;
            let items = parse(&body)
                .map_err(|source| ImageError::Json { what: format!("{} {first}", self.registry), source })?;
            if items.is_empty() {
                break;
            }
            out.extend(items);
        }
        Ok(out)
    }
}

/// Fills each read buffer completely (short only at the end of the stream).
struct FillReader<R> {
    inner: R,
    /// An error met after some bytes were read: handed out by the next read.
    pending: Option<std::io::Error>,
}

impl<R: Read> Read for FillReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        match crate::stream::fill(&mut self.inner, buf) {
            (0, Some(e)) => Err(e),
            (n, e) => {
                self.pending = e;
                Ok(n)
            }
        }
    }
}

/// `<...>; rel="next"` -> the path (only same-origin relative paths are followed).
pub(crate) fn next_link(h: &str) -> Option<String> {
    let (url, params) = h.split_once(';')?;
    if !params.contains("rel=\"next\"") && !params.contains("rel=next") {
        return None;
    }
    let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
    url.starts_with('/').then(|| url.to_owned())
}

fn media_type_of(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or("").trim().to_owned()
}

/// `host[:port]` of an absolute URL.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    authority.rsplit_once('@').map_or(authority, |(_, h)| h)
}

/// Whether a token realm belongs to the registry's site: the same host, or within the domain
/// one label above the registry host (`registry-1.docker.io` and `auth.docker.io`,
/// `registry.gitlab.com` and `gitlab.com`). That domain must keep two labels, so `a.com` and
/// `b.com` are unrelated. Not a public-suffix check: `x.co.uk` and `y.co.uk` count as related.
fn related_host(realm: &str, base: &str) -> bool {
    let strip_port = |h: &str| -> String {
        let h = if h.starts_with('[') {
            h.split_inclusive(']').next().unwrap_or(h)
        } else {
            h.split(':').next().unwrap_or(h)
        };
        h.to_ascii_lowercase()
    };
    let (realm, registry) = (strip_port(host_of(realm)), strip_port(host_of(base)));
    if realm == registry {
        return true;
    }
    let within = |h: &str, domain: &str| h == domain || h.ends_with(&format!(".{domain}"));
    match registry.split_once('.') {
        Some((_, parent)) if parent.contains('.') => within(&realm, parent),
        _ => within(&realm, &registry),
    }
}

fn content_length(resp: &ureq::Response) -> Option<u64> {
    resp.header("Content-Length").and_then(|v| v.trim().parse().ok())
}

/// The registry's `{"errors":[{"code","message"}]}`, shortened, for messages.
fn error_detail(resp: ureq::Response) -> String {
    #[derive(Deserialize)]
    struct Errors {
        errors: Vec<E>,
    }
    #[derive(Deserialize)]
    struct E {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    let mut body = Vec::new();
    if resp.into_reader().take(64 << 10).read_to_end(&mut body).is_err() {
        return String::new();
    }
    match serde_json::from_slice::<Errors>(&body) {
        Ok(e) if !e.errors.is_empty() => {
            let parts: Vec<String> = e
                .errors
                .iter()
                .take(3)
                .map(|x| format!("{} {}", x.code, x.message).chars().take(200).collect())
                .collect();
            format!(" ({})", parts.join("; "))
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header() {
        assert_eq!(next_link(r#"</v2/_catalog?last=b&n=2>; rel="next""#).as_deref(), Some("/v2/_catalog?last=b&n=2"));
        assert_eq!(next_link(r#"<https://evil.example/x>; rel="next""#), None);
        assert_eq!(next_link(r#"</v2/x>; rel="prev""#), None);
    }

    #[test]
    fn fill_reader_fills_buffers_and_keeps_a_late_error() {
        /// Three bytes per read, then an error.
        struct Trickle(Vec<u8>);
        impl Read for Trickle {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() {
                    return Err(std::io::Error::other("connection reset"));
                }
                let n = buf.len().min(3).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0.drain(..n);
                Ok(n)
            }
        }
        let mut r = FillReader { inner: Trickle((0..20).collect()), pending: None };
        let mut buf = [0u8; 8];
        assert_eq!(r.read(&mut buf).unwrap(), 8);
        assert_eq!(buf, [0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(r.read(&mut buf).unwrap(), 8);
        assert_eq!(r.read(&mut buf).unwrap(), 4, "the bytes before the error");
        assert_eq!(r.read(&mut buf).unwrap_err().to_string(), "connection reset");
    }
}
