//! `plimsoll k8s`: a live cluster audited through its API with the rules `plimsoll config` runs
//! on manifests, so a finding on a live pod reads as the one on its manifest.
//!
//! Flow: the kubeconfig context gives a [`plimsoll_kube::Client`]; every collection of
//! [`RESOURCES`] is listed (paginated); a 403 on one is a diagnostic and the rest still runs
//! (the gate then fails closed, unless [`K8sOptions::allow_forbidden`]). Workloads, RBAC objects
//! and NetworkPolicies become one Kubernetes set for `plimsoll-lint` (each object a "file"
//! named `Kind/namespace/name`), with pods and ReplicaSets/Jobs owned by a listed controller
//! left out, so each finding is reported once, at the controller. Node kubelet and
//! container-runtime versions (`status.nodeInfo`) become Go-module packages matched against
//! the advisory database. The report gets the policy like every target, plus a per-namespace
//! [`NamespaceSummary`]. With [`K8sOptions::images`], every image the workloads run is pulled
//! and scanned once ([`ImageScan`], see [`running_images`]).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::PathBuf;

use plimsoll_kube::{Client, KubeError};
use plimsoll_lint::{FileKind, Linter};
use plimsoll_model::{ArtifactKind, Diagnostic, DiagnosticLevel, Package, PackageKind, Severity};
use serde::Serialize;
use serde_json::Value;

use plimsoll_image::OpenOptions;
pub use plimsoll_kube::Limits as KubeLimits;

use crate::policy::{self, Policy};
use crate::{empty_report, Error, ScanOptions, Scanned};

/// A collection the audit lists.
#[derive(Debug, Clone, Copy)]
pub struct Resource {
    pub kind: &'static str,
    pub api_version: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
}

impl Resource {
    const fn new(kind: &'static str, api_version: &'static str, plural: &'static str, namespaced: bool) -> Self {
        Resource { kind, api_version, plural, namespaced }
    }

    /// `pods`, `deployments.apps`: the name kubectl and RBAC messages use.
    pub fn name(&self) -> String {
        match self.api_version.split_once('/') {
            Some((group, _)) => format!("{}.{group}", self.plural),
            None => self.plural.to_owned(),
        }
    }

    /// The list path, cluster-wide or in `namespace`.
    pub fn path(&self, namespace: Option<&str>) -> String {
        let prefix = match self.api_version {
            "v1" => "/api/v1".to_owned(),
            gv => format!("/apis/{gv}"),
        };
        match namespace.filter(|_| self.namespaced) {
            Some(ns) => format!("{prefix}/namespaces/{ns}/{}", self.plural),
            None => format!("{prefix}/{}", self.plural),
        }
    }
}

/// Everything the audit reads.
pub const RESOURCES: &[Resource] = &[
    Resource::new("Namespace", "v1", "namespaces", false),
    Resource::new("Node", "v1", "nodes", false),
    Resource::new("Pod", "v1", "pods", true),
    Resource::new("Deployment", "apps/v1", "deployments", true),
    Resource::new("ReplicaSet", "apps/v1", "replicasets", true),
    Resource::new("StatefulSet", "apps/v1", "statefulsets", true),
    Resource::new("DaemonSet", "apps/v1", "daemonsets", true),
    Resource::new("Job", "batch/v1", "jobs", true),
    Resource::new("CronJob", "batch/v1", "cronjobs", true),
    Resource::new("Role", "rbac.authorization.k8s.io/v1", "roles", true),
    Resource::new("RoleBinding", "rbac.authorization.k8s.io/v1", "rolebindings", true),
    Resource::new("ClusterRole", "rbac.authorization.k8s.io/v1", "clusterroles", false),
    Resource::new("ClusterRoleBinding", "rbac.authorization.k8s.io/v1", "clusterrolebindings", false),
    Resource::new("NetworkPolicy", "networking.k8s.io/v1", "networkpolicies", true),
];

/// Where to connect and what to allow.
#[derive(Debug, Clone, Default)]
pub struct K8sOptions {
    /// Default: `KUBECONFIG`, else `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// Default: the kubeconfig's `current-context`.
    pub context: Option<String>,
    /// Audit one namespace (cluster-scoped objects, such as ClusterRoleBindings, are still
    /// read: they apply to it). Default: every namespace.
    pub namespace: Option<String>,
    /// A resource type the credentials may not list (403) is a warning instead of making the
    /// audit incomplete (exit code 3 with `--exit-code`).
    pub allow_forbidden: bool,
    pub limits: KubeLimits,
    /// Scan the images the workloads run, pulled with these options (`--scan-images`).
    pub images: Option<OpenOptions>,
}

/// One image the cluster runs, scanned once however many workloads run it.
#[derive(Debug, Clone, Serialize)]
pub struct ImageScan {
    /// What was pulled: the pod status `imageID` (`repo@sha256:...`) when the kubelet reported
    /// one, else the image as the spec names it.
    pub reference: String,
    /// The images as the specs name them (`nginx:1.27`), sorted.
    pub spec_images: Vec<String>,
    /// The workloads running it, as the findings name them (`Deployment/shop/web`), sorted.
    pub workloads: Vec<String>,
    /// Packages found in it (when it was scanned).
    pub packages: usize,
    /// Its vulnerabilities, after the policy. Also in the cluster report.
    pub vulnerabilities: Vec<plimsoll_model::vuln::Vulnerability>,
    /// Why it was not scanned (the audit is then incomplete).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One namespace's row of the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamespaceSummary {
    /// A namespace name, or `(cluster)` for cluster-scoped objects and nodes.
    pub namespace: String,
    /// Workloads reported (controllers, and pods no listed controller owns).
    pub workloads: usize,
    /// Pods running or not, owned or not.
    pub pods: usize,
    pub network_policies: usize,
    /// Findings after the policy: misconfigurations (and, for `(cluster)`, node
    /// vulnerabilities), by severity.
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub unknown: usize,
}

impl NamespaceSummary {
    /// Pods run here and no NetworkPolicy exists: every pod accepts any traffic.
    pub fn no_network_policy(&self) -> bool {
        self.pods + self.workloads > 0 && self.network_policies == 0 && self.namespace != CLUSTER_ROW
    }

    fn count(&mut self, s: Severity) {
        match s {
            Severity::Critical => self.critical += 1,
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
            Severity::Unknown => self.unknown += 1,
        }
    }
}

/// The summary row of cluster-scoped findings and node vulnerabilities.
pub const CLUSTER_ROW: &str = "(cluster)";

/// The outcome of [`audit_cluster`].
#[derive(Debug, Clone)]
pub struct K8sAudit {
    pub scanned: Scanned,
    pub context: String,
    pub server: String,
    /// Sorted by namespace, [`CLUSTER_ROW`] first.
    pub namespaces: Vec<NamespaceSummary>,
    /// Resources the credentials may not list (`pods`, `clusterroles.rbac.authorization.k8s.io`).
    pub forbidden: Vec<String>,
    /// Said loudly by the door: an unverified server certificate, plain HTTP.
    pub warnings: Vec<String>,
    /// With [`K8sOptions::images`]: one entry per image scanned, sorted by reference.
    pub images: Vec<ImageScan>,
}

/// Connects with the kubeconfig and audits the cluster (see the module docs).
pub fn audit_cluster(opts: &K8sOptions, scan: &ScanOptions, policy: &Policy) -> Result<K8sAudit, Error> {
    let cfg = plimsoll_kube::kubeconfig::load(opts.kubeconfig.as_deref(), opts.context.as_deref())
        .map_err(|source| Error::Cluster { source })?;
    let client = Client::new(&cfg, opts.limits.clone()).map_err(|source| Error::Cluster { source })?;
    let mut audit = audit_with_client(&client, &cfg.context, opts, scan, policy)?;
    // In the report too, so that every format says the server was not verified.
    audit.scanned.report.diagnostics.extend(cfg.warnings.iter().map(|w| Diagnostic {
        level: DiagnosticLevel::Warning,
        message: w.clone(),
        layer: None,
        path: None,
    }));
    audit.warnings.splice(0..0, cfg.warnings);
    Ok(audit)
}

/// [`audit_cluster`] over a client already set up.
pub fn audit_with_client(
    client: &Client,
    context: &str,
    opts: &K8sOptions,
    scan: &ScanOptions,
    policy: &Policy,
) -> Result<K8sAudit, Error> {
    let ns = opts.namespace.as_deref();
    let mut diagnostics = Vec::new();
    let mut forbidden = Vec::new();
    // (resource, object) with `kind` and `apiVersion` set (list items carry neither).
    let mut objects: Vec<(&Resource, Value)> = Vec::new();
    for r in RESOURCES {
        if r.kind == "Namespace" && ns.is_some() {
            continue;
        }
        match client.list(&r.path(ns), &r.name()) {
            Ok(items) => objects.extend(items.into_iter().map(|o| (r, with_kind(o, r)))),
            Err(KubeError::Forbidden { resource, message }) => {
                forbidden.push((resource, message));
            }
            Err(KubeError::NotFound { resource, url }) => diagnostics.push(Diagnostic {
                level: DiagnosticLevel::Warning,
                message: format!("{resource} not served by this API server (404 on {url}); not audited"),
                layer: None,
                path: None,
            }),
            Err(source) => return Err(Error::Cluster { source }),
        }
    }

    // Objects a listed controller owns are judged at the controller (its pod template).
    let listed: HashSet<&str> =
        objects.iter().filter_map(|(_, o)| o.pointer("/metadata/uid").and_then(Value::as_str)).collect();
    let owned = |o: &Value| {
        o.pointer("/metadata/ownerReferences").and_then(Value::as_array).is_some_and(|refs| {
            refs.iter().any(|r| {
                r.get("controller").and_then(Value::as_bool) == Some(true)
                    && r.get("uid").and_then(Value::as_str).is_some_and(|u| listed.contains(u))
            })
        })
    };

    let mut rows: BTreeMap<String, NamespaceSummary> = BTreeMap::new();
    row(&mut rows, CLUSTER_ROW);
    let cfg = scan.misconfig.clone().unwrap_or_default();
    let mut linter = Linter::new(cfg);
    // File name -> summary row.
    let mut file_row: BTreeMap<String, String> = BTreeMap::new();
    let mut node_info: Vec<(String, Value)> = Vec::new();
    let mut with_workloads: BTreeSet<String> = BTreeSet::new();
    let mut namespaces: Vec<Value> = Vec::new();
    let mut feed: Vec<(String, String, Value)> = Vec::new();
    for (r, o) in &objects {
        let name = o.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("").to_owned();
        let obj_ns = o.pointer("/metadata/namespace").and_then(Value::as_str).map(str::to_owned);
        match r.kind {
            "Node" => {
                node_info.push((name, o.pointer("/status/nodeInfo").cloned().unwrap_or(Value::Null)));
                continue;
            }
            "Namespace" => {
                row(&mut rows, &name);
                namespaces.push(o.clone());
                continue;
            }
            _ => {}
        }
        let row_name = obj_ns.clone().unwrap_or_else(|| CLUSTER_ROW.to_owned());
        let summary = row(&mut rows, &row_name);
        match r.kind {
            "Pod" => summary.pods += 1,
            "NetworkPolicy" => summary.network_policies += 1,
            _ => {}
        }
        let workload =
            matches!(r.kind, "Pod" | "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob");
        if workload {
            with_workloads.insert(row_name.clone());
            if owned(o) {
                continue;
            }
            summary.workloads += 1;
        }
        let file = match &obj_ns {
            Some(n) => format!("{}/{n}/{name}", r.kind),
            None => format!("{}/{name}", r.kind),
        };
        feed.push((file, row_name, o.clone()));
    }
    // Namespaces where something runs are judged too (default-deny NetworkPolicy).
    for n in namespaces {
        let name = n.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("").to_owned();
        if with_workloads.contains(&name) {
            feed.push((format!("Namespace/{name}"), name, n));
        }
    }
    for (file, row_name, o) in feed {
        // One line of JSON per object: findings point at the object, line 1.
        let text = serde_json::to_vec(&o).unwrap_or_default();
        if let Err(e) = linter.add_as(&file, &text, FileKind::Kubernetes) {
            diagnostics.push(Diagnostic {
                level: DiagnosticLevel::Error,
                message: format!("object not checked: {e}"),
                layer: None,
                path: Some(file.clone()),
            });
        }
        file_row.insert(file, row_name);
    }
    let (misconfigurations, skipped) = linter.finish_with_diagnostics();
    diagnostics.extend(skipped.iter().map(|d| crate::layer_lint::limit_diagnostic(d, None)));

    let packages = node_packages(&node_info, &mut diagnostics);
    let mut report = empty_report(&format!("kubernetes:{context}"), ArtifactKind::Filesystem);
    report.vulnerabilities = crate::match_vulnerabilities(scan, None, &packages, &mut diagnostics)
        .map_err(|source| Error::Scan { target: report.artifact.name.clone(), source })?;
    report.vulnerability_scan = crate::scan::vulnerability_coverage(scan, None, &packages)
        .map_err(|source| Error::Scan { target: report.artifact.name.clone(), source })?;
    report.packages = packages;
    report.misconfigurations = misconfigurations;
    report.diagnostics = diagnostics;
    let mut verdict = policy::apply(&mut report, policy);

    // After the policy, so its skipped-files statement does not count them: a 403 is not a
    // file skipped at a limit, and the statement of it is this one.
    for (resource, message) in &forbidden {
        let d = Diagnostic {
            level: if opts.allow_forbidden { DiagnosticLevel::Warning } else { DiagnosticLevel::Error },
            message: format!(
                "forbidden (403) to list {resource}, not audited: {message}{}",
                if opts.allow_forbidden { "" } else { " (--allow-forbidden accepts this)" }
            ),
            layer: None,
            path: None,
        };
        report.diagnostics.push(d.clone());
        verdict.coverage.push(d);
    }
    verdict.incomplete |= !forbidden.is_empty() && !opts.allow_forbidden;

    let mut images = Vec::new();
    if let Some(open) = &opts.images {
        for (reference, (spec_images, workloads)) in running_images(&objects) {
            let mut entry = ImageScan {
                reference: reference.clone(),
                spec_images: spec_images.into_iter().collect(),
                workloads: workloads.into_iter().collect(),
                packages: 0,
                vulnerabilities: Vec::new(),
                error: None,
            };
            // Each image judged by the policy on its own (its coverage, its filters); the
            // cluster verdict is the sum.
            match crate::scan_image_ref(&reference, open, scan, policy) {
                Ok(s) => {
                    entry.packages = s.report.packages.len();
                    entry.vulnerabilities = s.report.vulnerabilities;
                    verdict.failed |= s.verdict.failed;
                    verdict.incomplete |= s.verdict.incomplete;
                    verdict.filtered += s.verdict.filtered;
                    for mut d in s.verdict.coverage {
                        d.path = Some(reference.clone());
                        report.diagnostics.push(d.clone());
                        verdict.coverage.push(d);
                    }
                    report.vulnerabilities.extend(entry.vulnerabilities.iter().cloned());
                    report.suppressed.extend(s.report.suppressed);
                }
                Err(e) => {
                    // Never a silent pass: an image that cannot be pulled leaves the gate open.
                    let d = Diagnostic {
                        level: DiagnosticLevel::Error,
                        message: format!("image not scanned (run by {}): {e}", entry.workloads.join(", ")),
                        layer: None,
                        path: Some(reference.clone()),
                    };
                    report.diagnostics.push(d.clone());
                    verdict.coverage.push(d);
                    verdict.incomplete = true;
                    entry.error = Some(e.to_string());
                }
            }
            images.push(entry);
        }
    }

    for m in &report.misconfigurations {
        let name = file_row.get(&m.file).map_or(CLUSTER_ROW, String::as_str);
        row(&mut rows, name).count(m.severity);
    }
    let image_vulns: usize = images.iter().map(|i| i.vulnerabilities.len()).sum();
    for v in &report.vulnerabilities[..report.vulnerabilities.len() - image_vulns] {
        row(&mut rows, CLUSTER_ROW).count(v.severity);
    }
    // An image's vulnerabilities count in each namespace that runs it.
    for i in &images {
        let namespaces: BTreeSet<&str> = i.workloads.iter().map(|w| workload_namespace(w)).collect();
        for n in namespaces {
            for v in &i.vulnerabilities {
                row(&mut rows, n).count(v.severity);
            }
        }
    }
    let mut namespaces: Vec<NamespaceSummary> = rows.into_values().collect();
    // `(` sorts before letters, so the cluster row is first.
    namespaces.sort_by(|a, b| a.namespace.cmp(&b.namespace));
    Ok(K8sAudit {
        scanned: Scanned { report, verdict },
        context: context.to_owned(),
        server: client.server().to_owned(),
        namespaces,
        forbidden: forbidden.into_iter().map(|(r, _)| r).collect(),
        warnings: Vec::new(),
        images,
    })
}

/// `Kind/ns/name` -> `ns`; `Kind/name` -> the cluster row.
fn workload_namespace(file: &str) -> &str {
    let mut parts = file.splitn(3, '/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(_), Some(ns), Some(_)) => ns,
        _ => CLUSTER_ROW,
    }
}

/// Spec images and workloads, by the reference to pull.
type Running = BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)>;

/// The images the listed workloads run, keyed by what to pull, so each digest is scanned once:
/// a pod's containers, init and ephemeral containers, by the `imageID` digest its status
/// reports (what actually runs, whatever the tag now points at), else by the spec image; and
/// the pod template of a controller none of whose pods were listed (scaled to zero, or pods
/// not readable). Each is tied to the top listed controller of the pod (`Deployment/ns/web`,
/// not its ReplicaSet or pod), as the findings name workloads.
fn running_images(objects: &[(&Resource, Value)]) -> Running {
    let str_at = |o: &Value, p: &str| o.pointer(p).and_then(Value::as_str).unwrap_or("").to_owned();
    let file = |r: &Resource, o: &Value| match o.pointer("/metadata/namespace").and_then(Value::as_str) {
        Some(n) => format!("{}/{n}/{}", r.kind, str_at(o, "/metadata/name")),
        None => format!("{}/{}", r.kind, str_at(o, "/metadata/name")),
    };
    // uid -> (file, controller uid)
    let mut by_uid: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
    for (r, o) in objects {
        let controller = o.pointer("/metadata/ownerReferences").and_then(Value::as_array).and_then(|refs| {
            refs.iter()
                .find(|x| x.get("controller").and_then(Value::as_bool) == Some(true))
                .and_then(|x| x.get("uid").and_then(Value::as_str))
                .map(str::to_owned)
        });
        by_uid.insert(str_at(o, "/metadata/uid"), (file(r, o), controller));
    }
    // The top listed controller; bounded, as ownership chains from a hostile server may loop.
    let top = |uid: &str, own: String| {
        let (mut uid, mut name) = (uid.to_owned(), own);
        for _ in 0..8 {
            match by_uid.get(&uid).and_then(|(_, c)| c.clone()).and_then(|c| by_uid.get(&c).map(|(f, _)| (c, f))) {
                Some((c, f)) => {
                    uid = c;
                    name = f.clone();
                }
                None => break,
            }
        }
        name
    };
    let mut out = Running::new();
    let mut with_pods: BTreeSet<String> = BTreeSet::new();
    let kinds = ["containers", "initContainers", "ephemeralContainers"];
    for (r, o) in objects.iter().filter(|(r, _)| r.kind == "Pod") {
        let workload = top(&str_at(o, "/metadata/uid"), file(r, o));
        with_pods.insert(workload.clone());
        // container name -> imageID digest reference
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        for k in ["containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"] {
            for s in o.pointer(&format!("/status/{k}")).and_then(Value::as_array).into_iter().flatten() {
                if let Some(id) = image_id_reference(&str_at(s, "/imageID")) {
                    ids.insert(str_at(s, "/name"), id);
                }
            }
        }
        for k in kinds {
            for c in o.pointer(&format!("/spec/{k}")).and_then(Value::as_array).into_iter().flatten() {
                let image = str_at(c, "/image");
                if image.is_empty() {
                    continue;
                }
                let key = ids.get(&str_at(c, "/name")).cloned().unwrap_or_else(|| image.clone());
                let e = out.entry(key).or_default();
                e.0.insert(image);
                e.1.insert(workload.clone());
            }
        }
    }
    for (r, o) in objects.iter().filter(|(r, _)| r.kind != "Pod") {
        let spec = match r.kind {
            "CronJob" => o.pointer("/spec/jobTemplate/spec/template/spec"),
            "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job" => o.pointer("/spec/template/spec"),
            _ => None,
        };
        let Some(spec) = spec else { continue };
        let workload = top(&str_at(o, "/metadata/uid"), file(r, o));
        if with_pods.contains(&workload) {
            continue;
        }
        for k in kinds {
            for c in spec.get(k).and_then(Value::as_array).into_iter().flatten() {
                let image = str_at(c, "/image");
                if !image.is_empty() {
                    let e = out.entry(image.clone()).or_default();
                    e.0.insert(image);
                    e.1.insert(workload.clone());
                }
            }
        }
    }
    out
}

/// A pullable `repo@sha256:...` from a container status `imageID`: containerd reports
/// `docker.io/library/nginx@sha256:...`, dockershim `docker-pullable://nginx@sha256:...`; a
/// bare `sha256:...` (an image ID, the config digest) cannot be pulled and gives `None`.
fn image_id_reference(id: &str) -> Option<String> {
    let id = id.strip_prefix("docker-pullable://").or_else(|| id.strip_prefix("docker://")).unwrap_or(id);
    let (repo, digest) = id.split_once('@')?;
    (!repo.is_empty() && digest.starts_with("sha256:") && digest.len() == 71).then(|| id.to_owned())
}

/// The summary row of a namespace, created on first use.
fn row<'a>(rows: &'a mut BTreeMap<String, NamespaceSummary>, name: &str) -> &'a mut NamespaceSummary {
    rows.entry(name.to_owned()).or_insert_with(|| NamespaceSummary { namespace: name.to_owned(), ..Default::default() })
}

/// An API list item with its `kind` and `apiVersion` (a list's items carry neither), minus
/// `managedFields` (field ownership bookkeeping, often the largest part of an object).
fn with_kind(mut o: Value, r: &Resource) -> Value {
    if let Some(m) = o.as_object_mut() {
        m.insert("kind".into(), Value::String(r.kind.into()));
        m.insert("apiVersion".into(), Value::String(r.api_version.into()));
        if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("managedFields");
        }
    }
    o
}

/// Go modules of the node components, one package per module and version, naming the nodes.
/// `containerRuntimeVersion` is `scheme://version` (`containerd://1.7.2`, `cri-o://1.28.1`,
/// `docker://24.0.7`).
fn node_packages(nodes: &[(String, Value)], diagnostics: &mut Vec<Diagnostic>) -> Vec<Package> {
    let mut by: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut warned: BTreeSet<String> = BTreeSet::new();
    for (node, info) in nodes {
        let s = |k: &str| info.get(k).and_then(Value::as_str).unwrap_or("");
        let mut add = |module: &str, raw: &str, what: &str| {
            let Some((version, vendor)) = go_version(raw) else { return };
            if vendor && warned.insert(raw.to_owned()) {
                diagnostics.push(Diagnostic {
                    level: DiagnosticLevel::Warning,
                    message: format!(
                        "{what} {raw} is a vendor build; matched as upstream {version}, fixes the vendor \
                         backported are not known to plimsoll"
                    ),
                    layer: None,
                    path: Some(format!("Node/{node}")),
                });
            }
            by.entry((module.to_owned(), version)).or_default().push(format!("{node} ({what})"));
        };
        add("k8s.io/kubernetes", s("kubeletVersion"), "kubelet");
        let runtime = s("containerRuntimeVersion");
        let (scheme, version) = runtime.split_once("://").unwrap_or(("", runtime));
        let major2 = version.trim_start_matches('v').starts_with("2.");
        match scheme {
            "containerd" if major2 => add("github.com/containerd/containerd/v2", version, "containerd"),
            "containerd" => add("github.com/containerd/containerd", version, "containerd"),
            "cri-o" => add("github.com/cri-o/cri-o", version, "cri-o"),
            // Docker Engine releases are `+incompatible` Go module versions.
            "docker" => add("github.com/docker/docker", &format!("{version}+incompatible"), "docker"),
            "" => {}
            other => {
                if warned.insert(other.to_owned()) {
                    diagnostics.push(Diagnostic {
                        level: DiagnosticLevel::Warning,
                        message: format!("container runtime `{runtime}` is not matched against advisories"),
                        layer: None,
                        path: Some(format!("Node/{node}")),
                    });
                }
            }
        }
    }
    by.into_iter()
        .map(|((module, version), nodes)| {
            let shown: Vec<&str> = nodes.iter().take(5).map(String::as_str).collect();
            let more = if nodes.len() > 5 { format!(" and {} more", nodes.len() - 5) } else { String::new() };
            let mut p = Package::new(PackageKind::Go, module, version, format!("nodes: {}{more}", shown.join(", ")));
            p.purl = plimsoll_model::purl::for_package(&p, None);
            p
        })
        .collect()
}

/// A node component's version as a Go module version: `v` + semver. Vendor suffixes
/// (`v1.27.3-eks-a5565ad`, `v1.28.2+k3s1`, `-gke.1200`) are cut, and said so (`true`); a
/// pre-release of the project itself (`-rc.1`, `-beta.0`, `-alpha.2`) and Docker's
/// `+incompatible` are kept.
fn go_version(raw: &str) -> Option<(String, bool)> {
    let v = raw.trim().trim_start_matches('v');
    if v.is_empty() || !v.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let (base, incompatible) = match v.strip_suffix("+incompatible") {
        Some(b) => (b, true),
        None => (v, false),
    };
    let (core, rest) = match base.find(['-', '+']) {
        Some(i) => (&base[..i], &base[i..]),
        None => (base, ""),
    };
    let pre = rest.strip_prefix('-').filter(|p| {
        let p = p.split('+').next().unwrap_or("");
        ["alpha", "beta", "rc"].iter().any(|t| p.starts_with(t)) && !p.contains(['-', '+'])
    });
    let vendor = !rest.is_empty() && pre.is_none();
    let mut out = format!("v{core}");
    if let Some(p) = pre {
        out.push('-');
        out.push_str(p);
    }
    if incompatible {
        out.push_str("+incompatible");
    }
    Some((out, vendor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_versions_as_go_modules() {
        assert_eq!(go_version("v1.28.2"), Some(("v1.28.2".into(), false)));
        assert_eq!(go_version("v1.27.3-eks-a5565ad"), Some(("v1.27.3".into(), true)));
        assert_eq!(go_version("v1.28.2+k3s1"), Some(("v1.28.2".into(), true)));
        assert_eq!(go_version("v1.30.0-rc.1"), Some(("v1.30.0-rc.1".into(), false)));
        assert_eq!(go_version("24.0.7+incompatible"), Some(("v24.0.7+incompatible".into(), false)));
        assert_eq!(go_version(""), None);
    }

    #[test]
    fn image_ids() {
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            image_id_reference(&format!("docker.io/library/nginx@{d}")),
            Some(format!("docker.io/library/nginx@{d}"))
        );
        assert_eq!(image_id_reference(&format!("docker-pullable://nginx@{d}")), Some(format!("nginx@{d}")));
        assert_eq!(image_id_reference(&d), None);
        assert_eq!(image_id_reference(""), None);
    }

    #[test]
    fn running_images_by_digest_tied_to_the_top_controller() {
        let r = |k: &str| RESOURCES.iter().find(|r| r.kind == k).unwrap();
        let d = format!("reg.example/web@sha256:{}", "b".repeat(64));
        let owner = |uid: &str| serde_json::json!([{"uid": uid, "controller": true}]);
        let tpl =
            |image: &str| serde_json::json!({"template": {"spec": {"containers": [{"name": "c", "image": image}]}}});
        let objects = vec![
            (
                r("Deployment"),
                serde_json::json!({"metadata": {"name": "web", "namespace": "shop", "uid": "d"}, "spec": tpl("web:1")}),
            ),
            (
                r("ReplicaSet"),
                serde_json::json!({"metadata": {"name": "web-1", "namespace": "shop", "uid": "rs", "ownerReferences": owner("d")}, "spec": tpl("web:1")}),
            ),
            (
                r("Pod"),
                serde_json::json!({
                "metadata": {"name": "web-1-a", "namespace": "shop", "uid": "p", "ownerReferences": owner("rs")},
                "spec": {"containers": [{"name": "c", "image": "web:1"}], "initContainers": [{"name": "i", "image": "busybox:1"}]},
                "status": {"containerStatuses": [{"name": "c", "imageID": format!("docker-pullable://{d}")}]}}),
            ),
            // Scaled to zero: its template is what it runs.
            (
                r("Deployment"),
                serde_json::json!({"metadata": {"name": "idle", "namespace": "ops", "uid": "e"}, "spec": tpl("idle:2")}),
            ),
            (
                r("CronJob"),
                serde_json::json!({"metadata": {"name": "nightly", "namespace": "ops", "uid": "c"},
                "spec": {"jobTemplate": {"spec": tpl("web:1")}}}),
            ),
        ];
        let got: Vec<(String, Vec<String>, Vec<String>)> = running_images(&objects)
            .into_iter()
            .map(|(k, (specs, workloads))| (k, specs.into_iter().collect(), workloads.into_iter().collect()))
            .collect();
        let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            got,
            vec![
                ("busybox:1".to_owned(), v(&["busybox:1"]), v(&["Deployment/shop/web"])),
                ("idle:2".to_owned(), v(&["idle:2"]), v(&["Deployment/ops/idle"])),
                (d.clone(), v(&["web:1"]), v(&["Deployment/shop/web"])),
                ("web:1".to_owned(), v(&["web:1"]), v(&["CronJob/ops/nightly"])),
            ]
        );
    }

    #[test]
    fn paths_and_names() {
        let d = RESOURCES.iter().find(|r| r.kind == "Deployment").unwrap();
        assert_eq!(d.path(Some("shop")), "/apis/apps/v1/namespaces/shop/deployments");
        assert_eq!(d.name(), "deployments.apps");
        let n = RESOURCES.iter().find(|r| r.kind == "Node").unwrap();
        assert_eq!(n.path(Some("shop")), "/api/v1/nodes");
    }
}
