//! The routes: the JSON API under `/api/v1` (see `openapi.yaml`; every route needs a bearer
//! token of at least the role it names) and the web page at `/` (no token: the page asks for
//! one). Handlers run the store and the matcher on tokio's blocking pool.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use crate::auth::{self, Role};
use crate::store::{self, severity_name, FindingRow, StoreError, TokenRow, Workload};
use crate::App;

/// Largest request body: an uploaded report of a large image is a few MiB.
pub const MAX_BODY: usize = 64 << 20;
/// Time a client gets to send the body.
const BODY_TIMEOUT: Duration = Duration::from_secs(60);

const INDEX_HTML: &str = include_str!("../web/index.html");
const APP_JS: &str = include_str!("../web/app.js");
const APP_CSS: &str = include_str!("../web/app.css");

/// An error answer: status and a message, as `{"error": "..."}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(m: impl Into<String>) -> Self {
        ApiError { status: StatusCode::BAD_REQUEST, message: m.into() }
    }
    fn not_found(m: impl Into<String>) -> Self {
        ApiError { status: StatusCode::NOT_FOUND, message: m.into() }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, message: e.to_string() }
    }
}

impl From<crate::matcher::MatchError> for ApiError {
    fn from(e: crate::matcher::MatchError) -> Self {
        ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, message: e.to_string() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, json_body(&json!({ "error": self.message }))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        r
    }
}

fn json_body(v: &Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], serde_json::to_vec(v).unwrap_or_default()).into_response()
}

type Answer = Result<(StatusCode, Value), ApiError>;

/// The routes over a shared [`App`].
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(|| async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], INDEX_HTML) }))
        .route("/assets/app.js", get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], APP_JS) }))
        .route("/assets/app.css", get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], APP_CSS) }))
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/v1/openapi.yaml", get(|| async { ([(header::CONTENT_TYPE, "application/yaml")], crate::OPENAPI) }))
        .route("/api/v1/overview", get(overview))
        .route("/api/v1/images", get(images).post(upload))
        .route("/api/v1/images/{digest}", get(image))
        .route("/api/v1/vulnerabilities/{id}/images", get(vulnerability_images))
        .route("/api/v1/packages", get(packages))
        .route("/api/v1/diff", get(diff))
        .route("/api/v1/search", get(search))
        .route("/api/v1/stats/history", get(history))
        .route("/api/v1/workloads", post(workloads))
        .route("/api/v1/rematch", post(rematch))
        .route("/api/v1/audit", get(audit))
        .route("/api/v1/tokens", post(tokens))
        .with_state(app)
}

/// Checks the bearer token alone (for routes that must refuse before reading a body).
async fn authorize(app: Arc<App>, headers: &HeaderMap, min: Role) -> Result<(), ApiError> {
    let bearer = bearer(headers);
    tokio::task::spawn_blocking(move || check_token(&app, bearer, min).map(|_| ())).await.unwrap_or_else(|_| {
        Err(ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, message: "the request failed".into() })
    })
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|t| t.trim().to_owned())
}

fn check_token(app: &App, bearer: Option<String>, min: Role) -> Result<TokenRow, ApiError> {
    let Some(token) = bearer.filter(|t| !t.is_empty()) else {
        return Err(ApiError { status: StatusCode::UNAUTHORIZED, message: "a bearer token is required".into() });
    };
    let Some(row) = app.store.token_by_hash(&auth::hash(&token))? else {
        return Err(ApiError { status: StatusCode::UNAUTHORIZED, message: "unknown token".into() });
    };
    if row.role < min {
        return Err(ApiError {
            status: StatusCode::FORBIDDEN,
            message: format!("this route needs the {} role; the token has {}", min.as_str(), row.role.as_str()),
        });
    }
    Ok(row)
}

/// Checks the bearer token (401 without a known one, 403 below `min`), then runs `f` on the
/// blocking pool.
async fn run<F>(app: Arc<App>, headers: HeaderMap, min: Role, f: F) -> Response
where
    F: FnOnce(&App, &TokenRow) -> Answer + Send + 'static,
{
    let bearer = bearer(&headers);
    let job = tokio::task::spawn_blocking(move || -> Answer {
        let row = check_token(&app, bearer, min)?;
        f(&app, &row)
    });
    match job.await {
        Ok(Ok((status, v))) => (status, json_body(&v)).into_response(),
        Ok(Err(e)) => e.into_response(),
        Err(_) => {
            ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, message: "the request failed".into() }.into_response()
        }
    }
}

fn query(uri: &Uri) -> HashMap<String, String> {
    uri.query().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default()
}

fn ok(v: Value) -> Answer {
    Ok((StatusCode::OK, v))
}

fn finding_json(f: &FindingRow, reference: Option<&str>) -> Value {
    json!({
        "digest": f.digest, "reference": reference, "id": f.id, "severity": severity_name(f.severity),
        "package": f.package, "version": f.version, "purl": f.purl, "fixed_version": f.fixed_version,
        "first_seen": f.first_seen, "fixed_at": f.fixed_at,
    })
}

fn first_reference(app: &App, digest: &str) -> Result<Option<String>, StoreError> {
    Ok(app.store.references(digest)?.first().map(store::Reference::display))
}

async fn overview(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    run(app, headers, Role::Read, |app, _| {
        let images = app.store.image_summaries()?;
        let mut by_worst: BTreeMap<&str, u64> = store::SEVERITIES.iter().map(|s| (*s, 0)).collect();
        by_worst.insert("NONE", 0);
        for i in &images {
            *by_worst.entry(i.worst_severity).or_default() += 1;
        }
        let loaded = app.advisories.current();
        let since = app.store.meta(crate::META_DB_CHANGED)?.unwrap_or_default();
        let mut new_findings = Vec::new();
        let mut refs: HashMap<String, Option<String>> = HashMap::new();
        for f in app.store.new_findings_since(&since, 100)? {
            if !refs.contains_key(&f.digest) {
                refs.insert(f.digest.clone(), first_reference(app, &f.digest)?);
            }
            new_findings.push(finding_json(&f, refs[&f.digest].as_deref()));
        }
        let cutoff = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
            .saturating_sub(app.config.stale_days * 86_400);
        let cutoff = plimsoll_model::time::rfc3339_utc(cutoff as i64);
        let stale: Vec<Value> = images
            .iter()
            .filter(|i| i.last_scanned < cutoff)
            .map(|i| json!({"digest": i.digest, "reference": i.references.first(), "last_scanned": i.last_scanned}))
            .collect();
        ok(json!({
            "images": images.len(),
            "by_worst_severity": by_worst,
            "advisory_db": {
                "built": loaded.as_ref().and_then(|l| l.info.as_ref()).map(|i| i.built_at.clone()),
                "advisories": loaded.as_ref().and_then(|l| l.info.as_ref()).map_or(0, |i| i.advisories),
                "loaded_at": loaded.as_ref().map(|l| l.loaded_at.clone()),
            },
            "new_findings": new_findings,
            "stale_images": stale,
        }))
    })
    .await
}

async fn images(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Response {
    let q = query(&uri);
    run(app, headers, Role::Read, move |app, _| {
        let limit: usize = q.get("limit").and_then(|v| v.parse().ok()).unwrap_or(100).min(1000);
        let offset: usize = q.get("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
        let severities: Vec<&str> = q.get("severity").map(|s| s.split(',').collect()).unwrap_or_default();
        for s in &severities {
            if store::parse_severity(s).is_none() {
                return Err(ApiError::bad_request(format!("unknown severity `{s}`")));
            }
        }
        // `worst=` is what the page's overview links mean: the image's worst open finding is one
        // of these (`NONE`: no open finding), unlike `severity=` (any open finding of them).
        let worst: Vec<String> =
            q.get("worst").map(|s| s.split(',').map(|w| w.trim().to_ascii_uppercase()).collect()).unwrap_or_default();
        for w in &worst {
            if w != "NONE" && store::parse_severity(w).is_none() {
                return Err(ApiError::bad_request(format!("unknown worst severity `{w}`")));
            }
        }
        let fixable = match q.get("fixable").map(String::as_str) {
            None | Some("") => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(o) => return Err(ApiError::bad_request(format!("fixable must be true or false, not `{o}`"))),
        };
        let by_ref: Option<HashSet<String>> = if ["registry", "repository", "tag"].iter().any(|k| q.contains_key(*k)) {
            let mut set = HashSet::new();
            for i in app.store.image_summaries()?.iter() {
                let refs = app.store.references(&i.digest)?;
                let hit = refs.iter().any(|r| {
                    q.get("registry").is_none_or(|v| &r.registry == v)
                        && q.get("repository").is_none_or(|v| &r.repository == v)
                        && q.get("tag").is_none_or(|v| &r.tag == v)
                });
                if hit {
                    set.insert(i.digest.clone());
                }
            }
            Some(set)
        } else {
            None
        };
        let text = q.get("q").map(|s| s.to_lowercase());
        let all: Vec<_> = app
            .store
            .image_summaries()?
            .into_iter()
            .filter(|i| q.get("digest").is_none_or(|d| &i.digest == d))
            .filter(|i| by_ref.as_ref().is_none_or(|s| s.contains(&i.digest)))
            .filter(|i| {
                text.as_ref().is_none_or(|t| {
                    i.digest.contains(t.as_str()) || i.references.iter().any(|r| r.to_lowercase().contains(t.as_str()))
                })
            })
            .filter(|i| {
                severities.is_empty() || severities.iter().any(|s| i.counts[s.to_ascii_uppercase().as_str()] > 0)
            })
            .filter(|i| worst.is_empty() || worst.iter().any(|w| w == i.worst_severity))
            .filter(|i| fixable.is_none_or(|f| (i.fixable > 0) == f))
            .collect();
        let total = all.len();
        let page: Vec<_> = all.into_iter().skip(offset).take(limit).collect();
        ok(json!({"total": total, "images": page}))
    })
    .await
}

async fn image(State(app): State<Arc<App>>, headers: HeaderMap, Path(digest): Path<String>) -> Response {
    run(app, headers, Role::Read, move |app, _| {
        let Some(stored) = app.store.image(&digest)? else {
            return Err(ApiError::not_found(format!("no image {digest}")));
        };
        let mut report: Value = serde_json::from_str(&stored.report_json)
            .map_err(|e| ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, message: e.to_string() })?;
        let open: Vec<_> = stored.findings.iter().filter(|(f, _)| f.fixed_at.is_none()).map(|(_, v)| v).collect();
        let history: Vec<Value> = stored.findings.iter().map(|(f, _)| finding_json(f, None)).collect();
        report["packages"] = json!(stored.packages);
        report["vulnerabilities"] = json!(open);
        report["history"] = json!(history);
        report["references"] =
            json!(app.store.references(&digest)?.iter().map(store::Reference::display).collect::<Vec<_>>());
        ok(report)
    })
    .await
}

async fn upload(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    // Only a writer may make the server buffer a large body.
    if let Err(e) = authorize(Arc::clone(&app), &headers, Role::Write).await {
        return e.into_response();
    }
    let bytes = match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY)).await {
        Err(_) => {
            return ApiError { status: StatusCode::REQUEST_TIMEOUT, message: "the body did not arrive in time".into() }
                .into_response()
        }
        Ok(Err(_)) => {
            return ApiError {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                message: format!("the body is over {MAX_BODY} bytes or was cut off"),
            }
            .into_response()
        }
        Ok(Ok(b)) => b,
    };
    run(app, headers, Role::Write, move |app, tok| {
        let report: plimsoll_model::ScanReport = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::bad_request(format!("the body is not a plimsoll JSON report: {e}")))?;
        let name = report.artifact.name.clone();
        let digest = app.ingest(report)?;
        app.store.audit(Some(tok.id), "image.upload", &format!("{digest} {name}"), &crate::now_rfc3339())?;
        Ok((StatusCode::CREATED, json!({"digest": digest})))
    })
    .await
}

async fn vulnerability_images(State(app): State<Arc<App>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    // Every id `id` stands for: itself, the advisories the database knows under it (their ids
    // and aliases) and the stored findings it is an alias of.
    run(app, headers, Role::Read, move |app, _| {
        let mut ids: Vec<String> = vec![id.clone()];
        let mut aliases: Vec<String> = Vec::new();
        let mut summary: Option<String> = None;
        let mut severity: Option<plimsoll_model::Severity> = None;
        let mut known = false;
        if let Some(l) = app.advisories.current() {
            let advisories =
                l.db.get(&id)
                    .map_err(|e| ApiError { status: StatusCode::INTERNAL_SERVER_ERROR, message: e.to_string() })?;
            for a in advisories {
                known = true;
                summary = summary.or(a.summary.clone());
                severity = severity.or(a.severity_label);
                ids.push(a.id.clone());
                aliases.extend(a.aliases.iter().cloned());
            }
        }
        for v in app.store.vuln_ids_for(&id)? {
            known = true;
            ids.push(v);
        }
        let mut seen = HashSet::new();
        ids.retain(|i| seen.insert(i.clone()));
        if !known {
            return Err(ApiError::not_found(format!("no advisory has the id or alias {id}")));
        }
        if let Some(v) = app.store.any_vulnerability(&ids)? {
            summary = summary.or(v.title.clone());
            severity = Some(severity.map_or(v.severity, |s| s.max(v.severity)));
            aliases.extend(v.aliases);
        }
        aliases.extend(ids.iter().cloned());
        aliases.retain(|a| a != &id);
        aliases.sort();
        aliases.dedup();
        let images = app.store.affected_images(&ids)?;
        let images: Vec<Value> = images
            .iter()
            .map(|i| {
                json!({
                    "digest": i.digest, "references": i.references, "package": i.package,
                    "fixed_version": i.fixed_version, "severity": severity_name(i.severity),
                    "first_seen": i.first_seen, "workloads": i.workloads,
                })
            })
            .collect();
        ok(json!({
            "id": id, "aliases": aliases, "summary": summary,
            "severity": severity_name(severity.unwrap_or(plimsoll_model::Severity::Unknown)),
            "images": images,
        }))
    })
    .await
}

async fn packages(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Response {
    let q = query(&uri);
    run(app, headers, Role::Read, move |app, _| {
        let Some(purl) = q.get("purl").filter(|p| p.starts_with("pkg:")) else {
            return Err(ApiError::bad_request("purl=pkg:TYPE/NAMESPACE/NAME is required"));
        };
        let purl = purl.split('@').next().unwrap_or(purl);
        let range = match q.get("version").filter(|v| !v.is_empty()) {
            Some(v) => Some(VersionRange::parse(v).map_err(ApiError::bad_request)?),
            None => None,
        };
        let out: Vec<Value> = app
            .store
            .packages_by_purl(purl)?
            .into_iter()
            .filter(|(_, _, v, _)| range.as_ref().is_none_or(|r| r.contains(v)))
            .map(|(purl, name, version, images)| json!({"purl": purl, "name": name, "version": version, "images": images}))
            .collect();
        ok(json!({"packages": out}))
    })
    .await
}

/// `version=` of the packages route: comma-separated constraints (`>=1.2`, `<2`, `=1.4.1`, or a
/// bare version for equality), compared by dotted numeric segments, then text. Precise per
/// ecosystem ordering is the advisory matcher's business; this filter is for people.
struct VersionRange(Vec<(std::cmp::Ordering, bool, String)>);

impl VersionRange {
    fn parse(s: &str) -> Result<VersionRange, String> {
        use std::cmp::Ordering::*;
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (ord, eq, v) = if let Some(v) = part.strip_prefix(">=") {
                (Greater, true, v)
            } else if let Some(v) = part.strip_prefix("<=") {
                (Less, true, v)
            } else if let Some(v) = part.strip_prefix('>') {
                (Greater, false, v)
            } else if let Some(v) = part.strip_prefix('<') {
                (Less, false, v)
            } else if let Some(v) = part.strip_prefix('=') {
                (Equal, true, v.trim_start_matches('='))
            } else {
                (Equal, true, part)
            };
            if v.trim().is_empty() {
                return Err(format!("empty version in the constraint `{part}`"));
            }
            out.push((ord, eq, v.trim().to_owned()));
        }
        Ok(VersionRange(out))
    }

    fn contains(&self, v: &str) -> bool {
        self.0.iter().all(|(ord, eq, bound)| {
            let c = compare_versions(v, bound);
            c == *ord || (*eq && c == std::cmp::Ordering::Equal)
        })
    }
}

fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let seg = |s: &str| -> Vec<(u64, String)> {
        s.split(['.', '-', '+', '~', ':'])
            .map(|p| {
                let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
                (digits.parse().unwrap_or(0), p[digits.len()..].to_owned())
            })
            .collect()
    };
    seg(a).cmp(&seg(b))
}

async fn diff(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Response {
    let q = query(&uri);
    run(app, headers, Role::Read, move |app, _| {
        let (Some(from), Some(to)) = (q.get("from"), q.get("to")) else {
            return Err(ApiError::bad_request("from=DIGEST and to=DIGEST are required"));
        };
        for d in [from, to] {
            if !app.store.image_exists(d)? {
                return Err(ApiError::not_found(format!("no image {d}")));
            }
        }
        let key = |f: &FindingRow| (f.id.clone(), f.package.clone());
        let a = app.store.open_findings(from)?;
        let b = app.store.open_findings(to)?;
        let ak: HashSet<_> = a.iter().map(key).collect();
        let bk: HashSet<_> = b.iter().map(key).collect();
        let fixed: Vec<Value> = a.iter().filter(|f| !bk.contains(&key(f))).map(|f| finding_json(f, None)).collect();
        let new: Vec<Value> = b.iter().filter(|f| !ak.contains(&key(f))).map(|f| finding_json(f, None)).collect();
        let unchanged: Vec<Value> = b.iter().filter(|f| ak.contains(&key(f))).map(|f| finding_json(f, None)).collect();
        ok(json!({"from": from, "to": to, "fixed": fixed, "new": new, "unchanged": unchanged}))
    })
    .await
}

async fn search(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Response {
    let q = query(&uri);
    run(app, headers, Role::Read, move |app, _| {
        let text = q.get("q").map(|s| s.trim().to_owned()).unwrap_or_default();
        if text.is_empty() {
            return Err(ApiError::bad_request("q=TEXT is required"));
        }
        let images: Vec<Value> = app
            .store
            .search_images(&text, 50)?
            .into_iter()
            .map(|(d, r)| json!({"digest": d, "references": r}))
            .collect();
        // `exact`: the text is this advisory's id or one of its aliases (a CVE id typed into the
        // page's search box lands on the advisory stored under its GHSA or distro id).
        let mut exact: HashSet<String> = app.store.vuln_ids_for(&text)?.into_iter().collect();
        exact.extend(app.store.vuln_ids_for(&text.to_ascii_uppercase())?);
        let vulns: Vec<Value> = app
            .store
            .search_vulnerabilities(&text, 50)?
            .into_iter()
            .map(|(id, s)| json!({"exact": exact.contains(&id) || id.eq_ignore_ascii_case(&text), "id": id, "severity": severity_name(s)}))
            .collect();
        let packages: Vec<Value> =
            app.store.search_packages(&text, 50)?.into_iter().map(|(n, p)| json!({"name": n, "purl": p})).collect();
        ok(json!({"images": images, "vulnerabilities": vulns, "packages": packages}))
    })
    .await
}

async fn history(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Response {
    let q = query(&uri);
    run(app, headers, Role::Read, move |app, _| {
        let days: u64 = match q.get("days") {
            Some(d) => d
                .parse()
                .ok()
                .filter(|d| (1..=3650).contains(d))
                .ok_or_else(|| ApiError::bad_request("days must be 1 to 3650"))?,
            None => 30,
        };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let since = plimsoll_model::time::rfc3339_utc(now.saturating_sub(days * 86_400) as i64)[..10].to_owned();
        app.store.snapshot_counts(&crate::now_rfc3339()[..10])?;
        let points: Vec<Value> = app
            .store
            .history(&since)?
            .into_iter()
            .map(|(date, counts)| {
                let mut p = json!({"date": date});
                for (k, v) in counts {
                    p[k] = json!(v);
                }
                p
            })
            .collect();
        ok(json!({"points": points}))
    })
    .await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkloadReport {
    digest: String,
    cluster: String,
    namespace: String,
    kind: String,
    name: String,
}

async fn small_body(body: Body) -> Result<axum::body::Bytes, ApiError> {
    match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, 1 << 20)).await {
        Ok(Ok(b)) => Ok(b),
        _ => Err(ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: "the body is over 1 MiB, late or cut off".into(),
        }),
    }
}

async fn workloads(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let bytes = match small_body(body).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    run(app, headers, Role::Write, move |app, tok| {
        let w: WorkloadReport = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::bad_request(format!("expected {{digest, cluster, namespace, kind, name}}: {e}")))?;
        if !valid_digest(&w.digest) {
            return Err(ApiError::bad_request(format!("`{}` is not a sha256:<64 hex> digest", w.digest)));
        }
        let now = crate::now_rfc3339();
        let wl = Workload { cluster: w.cluster, namespace: w.namespace, kind: w.kind, name: w.name };
        app.store.put_workload(&w.digest, &wl, &now)?;
        let detail = format!("{} {}/{}/{}/{}", w.digest, wl.cluster, wl.namespace, wl.kind, wl.name);
        app.store.audit(Some(tok.id), "workload.report", &detail, &now)?;
        Ok((StatusCode::CREATED, json!({"digest": w.digest})))
    })
    .await
}

fn valid_digest(d: &str) -> bool {
    d.strip_prefix("sha256:").is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

async fn rematch(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    run(app, headers, Role::Admin, |app, tok| {
        let stats = app.rematch(true)?;
        let detail = serde_json::to_string(&stats).unwrap_or_default();
        app.store.audit(Some(tok.id), "rematch", &detail, &crate::now_rfc3339())?;
        ok(json!(stats))
    })
    .await
}

async fn audit(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Response {
    let q = query(&uri);
    run(app, headers, Role::Admin, move |app, _| {
        let limit = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(100usize).min(10_000);
        ok(json!({"entries": app.store.audit_log(limit)?}))
    })
    .await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    role: String,
    #[serde(default)]
    name: String,
}

async fn tokens(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let bytes = match small_body(body).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    run(app, headers, Role::Admin, move |app, tok| {
        let req: TokenRequest = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::bad_request(format!("expected {{role, name}}: {e}")))?;
        let role: Role = req.role.parse().map_err(ApiError::bad_request)?;
        let token = crate::create_token(app.store.as_ref(), role, &req.name, Some(tok.id))?;
        Ok((StatusCode::CREATED, json!({"token": token, "role": role.as_str(), "name": req.name})))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::VersionRange;

    #[test]
    fn version_ranges() {
        let r = VersionRange::parse(">=4.17.0,<4.17.21").unwrap();
        assert!(r.contains("4.17.15") && r.contains("4.17.0"));
        assert!(!r.contains("4.17.21") && !r.contains("4.9.0") && !r.contains("5.0.0"));
        assert!(VersionRange::parse("1.2.3").unwrap().contains("1.2.3"));
        assert!(!VersionRange::parse("=1.2.3").unwrap().contains("1.2.4"));
        assert!(VersionRange::parse(">=").is_err());
    }
}
