//! The admission decision: one workload object -> allowed or denied (with reasons), warnings,
//! and the JSONPatch pinning each verified image to its digest; and the `admission.k8s.io/v1`
//! AdmissionReview wire format around it.

use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use plimsoll::admission::{pss_violations, verify_image_attestations, verify_image_signers, PssLevel};
use plimsoll::image::{RegistryOptions, RegistryRef};
use plimsoll_model::{Digest, ScanReport};
use serde_json::{json, Value};

use crate::metrics::{Metrics, Verdict};
use crate::policy::{glob_match, AdmissionPolicy, Mode, VulnerabilityRule};

/// The label that exempts a workload (or, through the webhook's namespace selector, a namespace).
pub const EXCLUDE_LABEL: &str = "plimsoll.dev/exclude";
/// Default time budget of one review, under Kubernetes' 10 s webhook timeout.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(8);
const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];
/// Verified digests kept at most this long and this many (a bounded TTL cache).
const CACHE_TTL: Duration = Duration::from_secs(300);
const CACHE_MAX: usize = 4096;

/// Why a request body is not an AdmissionReview we can answer (the server answers 400).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReviewError {
    #[error("the body is not JSON: {0}")]
    Json(String),
    #[error("not an admission.k8s.io/v1 AdmissionReview: {0}")]
    Version(String),
    #[error("the AdmissionReview has no {0}")]
    Missing(&'static str),
}

/// What the API server asks about (the parts of `request` the decision uses).
#[derive(Debug, Clone)]
pub struct ReviewRequest {
    pub uid: String,
    pub operation: String,
    pub namespace: String,
    pub dry_run: bool,
    pub object: Value,
}

impl ReviewRequest {
    /// The object's kind (`Pod`, `Deployment`, ...), empty when absent.
    pub fn kind(&self) -> &str {
        self.object.get("kind").and_then(Value::as_str).unwrap_or("")
    }

    /// Parses an AdmissionReview body; only `admission.k8s.io/v1` is accepted (the version the
    /// webhook configuration declares in `admissionReviewVersions`).
    pub fn parse(body: &[u8]) -> Result<ReviewRequest, ReviewError> {
        let v: Value = serde_json::from_slice(body).map_err(|e| ReviewError::Json(e.to_string()))?;
        let api = v.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
        if api != "admission.k8s.io/v1" || kind != "AdmissionReview" {
            return Err(ReviewError::Version(format!("apiVersion `{api}`, kind `{kind}`")));
        }
        let req = v.get("request").ok_or(ReviewError::Missing("request"))?;
        let s = |k: &str| req.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
        let uid = s("uid");
        if uid.is_empty() {
            return Err(ReviewError::Missing("request.uid"));
        }
        let operation = s("operation");
        // DELETE carries no `object` (only `oldObject`); it is allowed without one.
        let object = req.get("object").cloned().unwrap_or(Value::Null);
        Ok(ReviewRequest {
            uid,
            operation,
            namespace: s("namespace"),
            dry_run: req.get("dryRun").and_then(Value::as_bool).unwrap_or(false),
            object,
        })
    }
}

/// Why one image or pod is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// `containers[app]`, `initContainers[init]`; `None` for a pod-wide reason.
    pub container: Option<String>,
    pub image: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for Denial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.container, &self.image) {
            (Some(c), Some(i)) => write!(f, "{c} image {i}: {}", self.reason),
            (Some(c), None) => write!(f, "{c}: {}", self.reason),
            _ => write!(f, "{}", self.reason),
        }
    }
}

/// The outcome for one object.
#[derive(Debug, Clone, Default)]
pub struct Decision {
    pub allowed: bool,
    /// What is wrong (in `warn` mode these are also the warnings).
    pub denials: Vec<Denial>,
    pub warnings: Vec<String>,
    /// RFC 6902 operations pinning images to their verified digest.
    pub patch: Vec<Value>,
}

impl Decision {
    fn allow() -> Decision {
        Decision { allowed: true, ..Decision::default() }
    }

    /// The denial message: every reason, `; `-joined.
    pub fn message(&self) -> String {
        self.denials.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    }
}

/// A loaded policy plus the verified-digest cache: what the webhook and `admission check` use.
pub struct Admission {
    policy: AdmissionPolicy,
    /// Deadline of one review; registry requests are cut to what is left of it.
    pub deadline: Duration,
    /// Base options for registry clients (credentials, CA files); `insecure` is set per registry
    /// from the policy's `insecureRegistries`.
    pub registry: RegistryOptions,
    /// (rule index, normalised reference) -> (digest, when verified).
    cache: Mutex<HashMap<(usize, String), (Digest, Instant)>>,
    pub metrics: Metrics,
}

impl Admission {
    pub fn new(policy: AdmissionPolicy) -> Admission {
        Admission {
            policy,
            deadline: DEFAULT_DEADLINE,
            registry: RegistryOptions::default(),
            cache: Mutex::new(HashMap::new()),
            metrics: Metrics::default(),
        }
    }

    pub fn policy(&self) -> &AdmissionPolicy {
        &self.policy
    }

    /// Answers an AdmissionReview body with the AdmissionReview response (`mutate`: with the
    /// digest-pinning patch).
    pub fn review(&self, body: &[u8], mutate: bool) -> Result<Value, ReviewError> {
        Ok(self.answer(&ReviewRequest::parse(body)?, mutate))
    }

    /// Answers a parsed request. `dryRun` requests are decided the same way: the decision
    /// changes no state (the digest cache only remembers what was verified).
    pub fn answer(&self, req: &ReviewRequest, mutate: bool) -> Value {
        let (answer, verdict, took) = self.answer_unrecorded(req, mutate);
        self.metrics.review(req.kind(), verdict, took);
        answer
    }

    /// [`Admission::answer`] without recording it in the metrics: the server records it only
    /// when the answer arrived within the deadline (a late one was already counted as a
    /// timeout).
    pub fn answer_unrecorded(&self, req: &ReviewRequest, mutate: bool) -> (Value, Verdict, Duration) {
        let started = Instant::now();
        let d = if matches!(req.operation.as_str(), "CREATE" | "UPDATE") {
            self.decide(&req.object, &req.namespace)
        } else {
            Decision::allow()
        };
        let mut response = json!({ "uid": req.uid, "allowed": d.allowed });
        if !d.allowed {
            response["status"] =
                json!({ "code": 403, "reason": "Forbidden", "message": format!("plimsoll: {}", d.message()) });
        }
        if !d.warnings.is_empty() {
            response["warnings"] = json!(d.warnings);
        }
        if mutate && d.allowed && !d.patch.is_empty() {
            // Serialising a Vec of JSON values cannot fail.
            let patch = serde_json::to_vec(&d.patch).unwrap_or_default();
            response["patchType"] = json!("JSONPatch");
            response["patch"] = json!(base64::engine::general_purpose::STANDARD.encode(patch));
        }
        let verdict = match (d.allowed, d.warnings.is_empty()) {
            (false, _) => Verdict::Denied,
            (true, true) => Verdict::Allowed,
            (true, false) => Verdict::Warned,
        };
        (review_response(response), verdict, started.elapsed())
    }

    /// The answer when no decision was reached in time: denied in `enforce` mode (fail
    /// closed), allowed with the reason as a warning in `warn` mode.
    pub fn timed_out(&self, uid: &str, kind: &str) -> Value {
        self.metrics.review(kind, Verdict::Timeout, self.deadline);
        let reason = format!("plimsoll: no decision within the {} s review deadline", self.deadline.as_secs_f32());
        let response = match self.policy.mode {
            Mode::Enforce => json!({ "uid": uid, "allowed": false,
                "status": { "code": 403, "reason": "Forbidden", "message": reason } }),
            Mode::Warn => json!({ "uid": uid, "allowed": true, "warnings": [reason] }),
        };
        review_response(response)
    }

    /// Decides one object in `namespace` (empty: the object's own or `default`).
    pub fn decide(&self, object: &Value, namespace: &str) -> Decision {
        let ns = if namespace.is_empty() {
            object.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or("default")
        } else {
            namespace
        };
        if !self.policy.covers_namespace(ns) || excluded(object.get("metadata")) {
            return Decision::allow();
        }
        let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
        let Some(base) = template_path(kind) else { return Decision::allow() };
        let template = if base.is_empty() { Some(object) } else { object.pointer(base) };
        let Some(template) = template else {
            return self.finish(
                vec![Denial { container: None, image: None, reason: format!("{kind} has no pod template") }],
                Vec::new(),
            );
        };
        if excluded(template.get("metadata")) {
            return Decision::allow();
        }
        let mut denials = Vec::new();
        let mut patch = Vec::new();
        let deadline = Instant::now() + self.deadline;
        for list in CONTAINER_LISTS {
            let Some(items) = template.pointer(&format!("/spec/{list}")).and_then(Value::as_array) else { continue };
            for (i, c) in items.iter().enumerate() {
                let name = c.get("name").and_then(Value::as_str).unwrap_or("<unnamed>");
                let container = Some(format!("{list}[{name}]"));
                let Some(image) = c.get("image").and_then(Value::as_str) else {
                    denials.push(Denial { container, image: None, reason: "no image".into() });
                    continue;
                };
                match self.check_image(image, deadline) {
                    Ok(Some(pinned)) if pinned != image => patch.push(json!({
                        "op": "replace",
                        "path": format!("{base}/spec/{list}/{i}/image"),
                        "value": pinned,
                    })),
                    Ok(_) => {}
                    Err(reason) => denials.push(Denial { container, image: Some(image.to_owned()), reason }),
                }
            }
        }
        if let Some((level, version)) = self.policy.pod_security {
            let level_name = if level == PssLevel::Baseline { "baseline" } else { "restricted" };
            match pss_violations(template, level, version) {
                Ok(v) => denials.extend(v.into_iter().map(|v| Denial {
                    container: None,
                    image: None,
                    reason: format!(
                        "violates PodSecurity \"{level_name}:v1.{}\": {} ({})",
                        version.0, v.control, v.detail
                    ),
                })),
                Err(e) => denials.push(Denial { container: None, image: None, reason: e.to_string() }),
            }
        }
        self.finish(denials, patch)
    }

    fn finish(&self, denials: Vec<Denial>, patch: Vec<Value>) -> Decision {
        if denials.is_empty() {
            return Decision { allowed: true, denials, warnings: Vec::new(), patch };
        }
        match self.policy.mode {
            Mode::Enforce => Decision { allowed: false, denials, warnings: Vec::new(), patch: Vec::new() },
            Mode::Warn => {
                let warnings = denials.iter().map(|d| format!("plimsoll: {d}")).collect();
                // A warn-mode allow does not pin what was not verified: no patch.
                Decision { allowed: true, denials, warnings, patch: Vec::new() }
            }
        }
    }

    /// Checks one image: `Ok(Some(pinned))` when signatures were verified (the reference to pin
    /// to), `Ok(None)` when no rule asked for signatures, `Err(reason)` to deny.
    fn check_image(&self, image: &str, deadline: Instant) -> Result<Option<String>, String> {
        let r = RegistryRef::parse(image).map_err(|e| format!("not a valid image reference: {e}"))?;
        let normalised = normalise(&r);
        if let Some(allowed) = &self.policy.allowed_registries {
            if !allowed.iter().any(|p| normalised.starts_with(p.as_str())) {
                return Err(format!("{normalised} is not from an allowed registry (allowed: {})", allowed.join(", ")));
            }
        }
        let mut pinned = None;
        for (ri, rule) in self.policy.verify_images.iter().enumerate() {
            if !rule.images.iter().any(|g| glob_match(g, &normalised) || glob_match(g, &r.name())) {
                continue;
            }
            let digest = match self.cached(ri, &normalised) {
                Some(d) => {
                    self.metrics.cache_hits.fetch_add(1, Relaxed);
                    d
                }
                None => {
                    self.metrics.cache_misses.fetch_add(1, Relaxed);
                    let d = self.verify(&r, ri, deadline)?;
                    self.remember(ri, &normalised, &d);
                    d
                }
            };
            pinned = Some(r.with_digest(digest).to_string());
        }
        if let Some(rule) = &self.policy.vulnerabilities {
            if rule.images.is_empty()
                || rule.images.iter().any(|g| glob_match(g, &normalised) || glob_match(g, &r.name()))
            {
                // The cache slot after every verifyImages rule's.
                let slot = self.policy.verify_images.len();
                let digest = match self.cached(slot, &normalised) {
                    Some(d) => {
                        self.metrics.cache_hits.fetch_add(1, Relaxed);
                        d
                    }
                    None => {
                        self.metrics.cache_misses.fetch_add(1, Relaxed);
                        let d = self.check_vulnerabilities(&r, rule, deadline)?;
                        self.remember(slot, &normalised, &d);
                        d
                    }
                };
                pinned = Some(r.with_digest(digest).to_string());
            }
        }
        Ok(pinned)
    }

    /// The `vulnerabilities` rule: the newest verified plimsoll scan report attested on the
    /// image's digest must be recent enough and show nothing above the allowed severity.
    fn check_vulnerabilities(
        &self,
        r: &RegistryRef,
        rule: &VulnerabilityRule,
        deadline: Instant,
    ) -> Result<Digest, String> {
        let opts = self.registry_options(r, deadline);
        let check = verify_image_attestations(r, &rule.keys, &opts).map_err(|e| {
            self.metrics.registry_errors.fetch_add(1, Relaxed);
            e.to_string()
        })?;
        let digest = check.digest;
        let newest = check
            .statements
            .iter()
            .filter_map(|s| {
                let report: ScanReport = serde_json::from_value(s.get("predicate")?.clone()).ok()?;
                let at = humantime::parse_rfc3339_weak(&report.created_at).ok()?;
                Some((at, report))
            })
            .max_by_key(|(at, _)| *at);
        let Some((at, report)) = newest else {
            let why = if check.failures.is_empty() {
                format!("{} verified attestation(s), none a plimsoll scan report", check.statements.len())
            } else {
                check.failures.join("; ")
            };
            return Err(format!("no verified scan attestation on {digest}: {why}"));
        };
        if let Some(max) = rule.max_age {
            let age = SystemTime::now().duration_since(at).unwrap_or_default();
            if age > max {
                return Err(format!(
                    "the newest scan attestation of {digest} is from {}, older than maxAge {}",
                    report.created_at,
                    humantime::format_duration(max)
                ));
            }
        }
        let above: Vec<String> = report
            .vulnerabilities
            .iter()
            .filter(|v| v.severity > rule.max_severity && !(rule.ignore_unfixed && v.fixed_version.is_none()))
            .map(|v| format!("{} ({:?}, {} {})", v.id, v.severity, v.package_name, v.package_version))
            .collect();
        if !above.is_empty() {
            let shown: Vec<&str> = above.iter().take(5).map(String::as_str).collect();
            return Err(format!(
                "the scan attestation of {digest} ({}) shows {} finding(s) above {:?}: {}{}",
                report.created_at,
                above.len(),
                rule.max_severity,
                shown.join(", "),
                if above.len() > 5 { ", ..." } else { "" }
            ));
        }
        Ok(digest)
    }

    fn registry_options(&self, r: &RegistryRef, deadline: Instant) -> RegistryOptions {
        let mut opts = self.registry.clone();
        opts.insecure |= self.policy.insecure_registries.iter().any(|h| h == &r.registry);
        opts.deadline = Some(opts.deadline.map_or(deadline, |d| d.min(deadline)));
        opts
    }

    fn verify(&self, r: &RegistryRef, ri: usize, deadline: Instant) -> Result<Digest, String> {
        let rule = &self.policy.verify_images[ri];
        let opts = self.registry_options(r, deadline);
        // Fail closed: a registry that cannot be reached, or answers with an error, denies.
        let check = verify_image_signers(r, &rule.keys, &rule.keyless, &rule.trusted_root, &opts).map_err(|e| {
            self.metrics.registry_errors.fetch_add(1, Relaxed);
            e.to_string()
        })?;
        let Some(digest) = check.digest else { return Err(format!("registry {}: no digest", r.registry)) };
        if check.valid_keys < rule.threshold {
            return Err(format!(
                "{} of the required {} signatures verified on {digest}: {}",
                check.valid_keys,
                rule.threshold,
                check.failures.join("; ")
            ));
        }
        Ok(digest)
    }

    fn cached(&self, ri: usize, normalised: &str) -> Option<Digest> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(&(ri, normalised.to_owned())).filter(|(_, at)| at.elapsed() < CACHE_TTL).map(|(d, _)| d.clone())
    }

    fn remember(&self, ri: usize, normalised: &str, d: &Digest) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_MAX {
            cache.retain(|_, (_, at)| at.elapsed() < CACHE_TTL);
            if cache.len() >= CACHE_MAX {
                // Still full of live entries: drop them all rather than grow (a flood of
                // distinct images must not exhaust memory; the next reviews verify again).
                cache.clear();
            }
        }
        cache.insert((ri, normalised.to_owned()), (d.clone(), Instant::now()));
    }
}

fn review_response(response: Value) -> Value {
    json!({ "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response })
}

/// `nginx` -> `docker.io/library/nginx:latest`; a digest-pinned reference keeps its digest.
pub fn normalise(r: &RegistryRef) -> String {
    if r.tag.is_none() && r.digest.is_none() {
        r.with_tag("latest").to_string()
    } else {
        r.to_string()
    }
}

/// Where the pod template of each workload kind lives (JSON pointer; empty for a Pod).
fn template_path(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Pod" => "",
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" | "ReplicationController" => "/spec/template",
        "CronJob" => "/spec/jobTemplate/spec/template",
        _ => return None,
    })
}

fn excluded(meta: Option<&Value>) -> bool {
    meta.and_then(|m| m.pointer("/labels").and_then(|l| l.get(EXCLUDE_LABEL))).and_then(Value::as_str) == Some("true")
}
