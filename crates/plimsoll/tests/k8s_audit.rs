//! `plimsoll k8s` end to end against a loopback HTTPS API server: pods built from Kubernetes'
//! own Pod Security Standards fixtures (../shared) and RBAC objects written here, served as the
//! API serves them (List JSON, items without `kind`, pages of 2 with `continue` tokens, a bearer
//! token checked, one resource type answering 403), node versions matched against Go
//! vulnerability database advisories. The findings per namespace are asserted exactly.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use plimsoll::k8s::{audit_cluster, K8sAudit, K8sOptions, CLUSTER_ROW};
use plimsoll::policy::Policy;
use plimsoll::ScanOptions;
use plimsoll_kube::testing::{ApiServer, FakeCluster};
use plimsoll_model::DiagnosticLevel;
use serde_json::{json, Value};

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// A PSS fixture pod as the API returns it: its JSON, with namespace, uid and owner set.
fn fixture_pod(rel: &str, name: &str, ns: &str, owner: Option<(&str, &str, &str)>) -> Value {
    let path = shared().join("configs/pod-security-admission/testdata").join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut pod: Value = serde_saphyr::from_str(&text).unwrap();
    let obj = pod.as_object_mut().unwrap();
    // The API's list items carry neither.
    obj.remove("kind");
    obj.remove("apiVersion");
    obj.insert("metadata".into(), meta(name, Some(ns), owner));
    pod
}

fn meta(name: &str, ns: Option<&str>, owner: Option<(&str, &str, &str)>) -> Value {
    let mut m = json!({"name": name, "uid": format!("uid-{name}"), "managedFields": [{"manager": "kubectl"}]});
    if let Some(ns) = ns {
        m["namespace"] = json!(ns);
    }
    if let Some((kind, owner_name, api_version)) = owner {
        m["ownerReferences"] = json!([{
            "apiVersion": api_version, "kind": kind, "name": owner_name,
            "uid": format!("uid-{owner_name}"), "controller": true
        }]);
    }
    m
}

/// A workload whose pod template is a PSS fixture pod.
fn workload(pod: &Value, name: &str, ns: &str, owner: Option<(&str, &str, &str)>) -> Value {
    let labels = json!({"app": name});
    json!({
        "metadata": meta(name, Some(ns), owner),
        "spec": {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": pod["spec"]}}
    })
}

fn cluster() -> FakeCluster {
    let mut c = FakeCluster { token: "audit-token".into(), page_size: 2, ..FakeCluster::default() };
    let mut add = |path: &str, v: Value| c.collections.entry(path.to_owned()).or_default().push(v);
    let ns = |n: &str| json!({"metadata": meta(n, None, None)});
    for n in ["shop", "legacy", "kube-system", "empty"] {
        add("/api/v1/namespaces", ns(n));
    }

    // shop: a Deployment passing the restricted profile (pods through its ReplicaSet), pinned
    // by digest, selected by a default-deny policy; a bare privileged debug pod with a Secret
    // in its environment.
    let restricted = fixture_pod("restricted/v1.35/pass/base_linux.yaml", "x", "shop", None);
    let mut web = workload(&restricted, "web", "shop", None);
    for list in ["containers", "initContainers"] {
        for c in web["spec"]["template"]["spec"][list].as_array_mut().unwrap() {
            c["image"] =
                json!("registry.k8s.io/pause@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097");
            c["resources"] =
                json!({"limits": {"cpu": "100m", "memory": "64Mi"}, "requests": {"cpu": "10m", "memory": "16Mi"}});
            c["securityContext"]["readOnlyRootFilesystem"] = json!(true);
        }
    }
    web["spec"]["template"]["spec"]["automountServiceAccountToken"] = json!(false);
    add("/apis/apps/v1/deployments", web.clone());
    let mut rs = web.clone();
    rs["metadata"] = meta("web-5d8f", Some("shop"), Some(("Deployment", "web", "apps/v1")));
    add("/apis/apps/v1/replicasets", rs);
    for i in 0..3 {
        let mut p = json!({"spec": web["spec"]["template"]["spec"]});
        p["metadata"] = meta(&format!("web-5d8f-{i}"), Some("shop"), Some(("ReplicaSet", "web-5d8f", "apps/v1")));
        p["metadata"]["labels"] = json!({"app": "web"});
        add("/api/v1/pods", p);
    }
    let mut debug = fixture_pod("baseline/v1.35/fail/privileged0.yaml", "debug", "shop", None);
    debug["spec"]["containers"][0]["env"] =
        json!([{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]);
    add("/api/v1/pods", debug);
    add(
        "/apis/networking.k8s.io/v1/networkpolicies",
        json!({"metadata": meta("default-deny", Some("shop"), None), "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}),
    );
    add(
        "/apis/rbac.authorization.k8s.io/v1/roles",
        json!({"metadata": meta("shop-admin", Some("shop"), None),
               "rules": [{"apiGroups": ["apps"], "resources": ["*"], "verbs": ["get", "list"]}]}),
    );

    // legacy: a bare pod sharing the host's IPC namespace, no NetworkPolicy at all.
    add("/api/v1/pods", fixture_pod("baseline/v1.35/fail/hostnamespaces0.yaml", "old-app", "legacy", None));

    // RBAC: cluster-admin to a person, a Secret reader bound cluster-wide, a view for
    // unauthenticated users, and Kubernetes' own public-info binding (not a finding).
    let crb = |name: &str, role: &str, subjects: Value| {
        json!({"metadata": meta(name, None, None),
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
               "subjects": subjects})
    };
    add(
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        json!({"metadata": meta("secret-reader", None, None),
               "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]}]}),
    );
    add(
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        json!({"metadata": meta("view", None, None),
               "rules": [{"apiGroups": [""], "resources": ["pods", "services"], "verbs": ["get", "list"]}]}),
    );
    add(
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        crb("ops-admin", "cluster-admin", json!([{"kind": "User", "name": "alice"}])),
    );
    add(
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        crb("ci-secrets", "secret-reader", json!([{"kind": "ServiceAccount", "name": "ci", "namespace": "build"}])),
    );
    add(
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        crb("open-view", "view", json!([{"kind": "Group", "name": "system:unauthenticated"}])),
    );
    add(
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        crb(
            "system:public-info-viewer",
            "system:public-info-viewer",
            json!([{"kind": "Group", "name": "system:unauthenticated"}]),
        ),
    );
    add(
        "/apis/rbac.authorization.k8s.io/v1/rolebindings",
        json!({
        "metadata": meta("shop-admins", Some("shop"), None),
        "roleRef": {"kind": "Role", "name": "shop-admin"}, "subjects": [{"kind": "User", "name": "bob"}]}),
    );

    // Nodes: one with a vulnerable kubelet and containerd, one patched.
    let node = |name: &str, kubelet: &str, runtime: &str| {
        json!({"metadata": meta(name, None, None),
               "status": {"nodeInfo": {"kubeletVersion": kubelet, "containerRuntimeVersion": runtime, "kubeProxyVersion": kubelet}}})
    };
    add("/api/v1/nodes", node("node-1", "v1.27.1", "containerd://1.6.15"));
    add("/api/v1/nodes", node("node-2", "v1.27.3", "containerd://1.6.18"));
    for p in ["statefulsets", "daemonsets"] {
        c.collections.entry(format!("/apis/apps/v1/{p}")).or_default();
    }
    c.collections.entry("/apis/batch/v1/jobs".into()).or_default();
    // The audit's credentials may not list CronJobs.
    c.forbidden.insert("/apis/batch/v1/cronjobs".into());
    c
}

/// A database of three Go advisories: kubelet < 1.27.3, containerd < 1.6.18, and a runc one
/// that no node has.
fn database(dir: &Path) -> Arc<plimsoll::db::Database> {
    let src = dir.join("osv");
    std::fs::create_dir_all(&src).unwrap();
    for id in ["GO-2023-1891", "GO-2023-1573", "GO-2024-2491"] {
        let from = shared().join(format!("advisories/go-vulndb/osv/{id}.json"));
        std::fs::copy(&from, src.join(format!("{id}.json"))).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    }
    let db = dir.join("advisories.db");
    plimsoll::db::Database::build(&[src], &db).unwrap();
    Arc::new(plimsoll::db::Database::open(&db).unwrap())
}

struct Run {
    audit: K8sAudit,
    log: Vec<String>,
}

fn run(token: &str, allow_forbidden: bool) -> Option<Result<Run, plimsoll::Error>> {
    run_in(token, allow_forbidden, None)
}

fn run_in(token: &str, allow_forbidden: bool, namespace: Option<&str>) -> Option<Result<Run, plimsoll::Error>> {
    if !shared().is_dir() {
        plimsoll_test_support::require(&format!("{} is absent", shared().display()));
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let c = cluster();
    let c2 = c.clone();
    let server = ApiServer::start(move |r| c2.handle(r)).unwrap();
    let kubeconfig = dir.path().join("config");
    std::fs::write(&kubeconfig, server.kubeconfig(token)).unwrap();
    let scan = ScanOptions { advisories: Some(database(dir.path())), ..ScanOptions::default() };
    let opts = K8sOptions {
        kubeconfig: Some(kubeconfig),
        allow_forbidden,
        namespace: namespace.map(str::to_owned),
        ..K8sOptions::default()
    };
    let out = audit_cluster(&opts, &scan, &Policy::default());
    let log = c.log.lock().unwrap().clone();
    Some(out.map(|audit| Run { audit, log }))
}

/// namespace -> {(rule, object)}
fn findings(a: &K8sAudit) -> BTreeMap<String, BTreeSet<(String, String)>> {
    let mut m: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for f in &a.scanned.report.misconfigurations {
        let ns = match f.file.split('/').collect::<Vec<_>>().as_slice() {
            [_, ns, _] => ns.to_string(),
            ["Namespace", ns] => ns.to_string(),
            _ => CLUSTER_ROW.to_string(),
        };
        m.entry(ns).or_default().insert((f.rule_id.clone(), f.file.clone()));
    }
    m
}

fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn audit_reports_each_namespace_exactly() {
    let Some(r) = run("audit-token", false) else { return };
    let Run { audit, log } = r.unwrap();
    let got = findings(&audit);
    let debug = "Pod/shop/debug";
    let old = "Pod/legacy/old-app";
    let mut want: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    want.insert(
        "shop".into(),
        set(&[
            // The privileged debug pod: PSS baseline and restricted, hardening, Secret in env.
            ("PL-K8S-003", debug),
            ("PL-K8S-014", debug),
            ("PL-K8S-015", debug),
            ("PL-K8S-017", debug),
            ("PL-K8S-018", debug),
            ("PL-K8S-020", debug),
            ("PL-K8S-021", debug),
            ("PL-K8S-022", debug),
            ("PL-K8S-023", debug),
            ("PL-K8S-024", debug),
            ("PL-K8S-025", debug),
            ("PL-K8S-052", debug),
            // A wildcard Role. The Deployment `web` is clean; its ReplicaSet and pods are not
            // reported separately.
            ("PL-K8S-027", "Role/shop/shop-admin"),
        ]),
    );
    want.insert(
        "legacy".into(),
        set(&[
            ("PL-K8S-002", old),
            ("PL-K8S-014", old),
            ("PL-K8S-015", old),
            ("PL-K8S-017", old),
            ("PL-K8S-018", old),
            ("PL-K8S-020", old),
            ("PL-K8S-021", old),
            ("PL-K8S-022", old),
            ("PL-K8S-023", old),
            ("PL-K8S-024", old),
            ("PL-K8S-025", old),
            // No NetworkPolicy in the namespace: the pod, and the namespace itself.
            ("PL-K8S-032", old),
            ("PL-K8S-033", "Namespace/legacy"),
        ]),
    );
    want.insert(
        CLUSTER_ROW.into(),
        set(&[
            ("PL-K8S-030", "ClusterRole/secret-reader"),
            ("PL-K8S-031", "ClusterRoleBinding/ops-admin"),
            ("PL-K8S-050", "ClusterRoleBinding/open-view"),
            ("PL-K8S-051", "ClusterRoleBinding/ci-secrets"),
        ]),
    );
    assert_eq!(got, want, "findings per namespace");

    // Messages read as on manifests, and name the subjects.
    let msg = |code: &str| {
        audit.scanned.report.misconfigurations.iter().find(|m| m.rule_id == code).map(|m| m.message.clone()).unwrap()
    };
    assert_eq!(
        msg("PL-K8S-051"),
        "ServiceAccount/build/ci can read Secrets in kube-system (through ClusterRole secret-reader)"
    );
    assert_eq!(msg("PL-K8S-052"), "container container1 sets DB_PASSWORD from Secret db");

    // The summary: workloads counted once, pods all, policy coverage.
    let row = |n: &str| audit.namespaces.iter().find(|s| s.namespace == n).cloned().unwrap();
    let shop = row("shop");
    assert_eq!((shop.workloads, shop.pods, shop.network_policies), (2, 4, 1));
    assert!(!shop.no_network_policy());
    assert!(row("legacy").no_network_policy());
    assert!(!row("empty").no_network_policy());
    // Every finding on a shop object (several per rule where both containers fail) counted.
    let in_shop =
        audit.scanned.report.misconfigurations.iter().filter(|m| m.file.split('/').nth(1) == Some("shop")).count();
    assert_eq!(shop.high + shop.medium + shop.low + shop.critical + shop.unknown, in_shop);
    assert!(in_shop > want["shop"].len());

    // Node versions: the vulnerable kubelet and containerd, not the patched node, not runc.
    let mut vulns: Vec<(String, String, String)> = audit
        .scanned
        .report
        .vulnerabilities
        .iter()
        .map(|v| (v.package_name.clone(), v.package_version.clone(), v.id.clone()))
        .collect();
    vulns.sort();
    let ids: Vec<String> = vulns.iter().map(|v| format!("{} {} {}", v.0, v.1, v.2)).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids[0].starts_with("github.com/containerd/containerd v1.6.15 "), "{ids:?}");
    assert!(ids[1].starts_with("k8s.io/kubernetes v1.27.1 "), "{ids:?}");
    assert_eq!(audit.scanned.report.packages.len(), 4);

    // The 403 on CronJobs is in the report, fails the gate closed, and the rest ran.
    assert_eq!(audit.forbidden, ["cronjobs.batch"]);
    let d: Vec<_> = audit
        .scanned
        .report
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("forbidden (403) to list cronjobs.batch"))
        .collect();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].level, DiagnosticLevel::Error);
    assert!(audit.scanned.verdict.incomplete);

    // Pages of 2: five pods in three pages, each asked for with the previous page's token.
    let pods: Vec<&String> = log.iter().filter(|l| l.starts_with("/api/v1/pods?")).collect();
    assert_eq!(
        pods,
        ["/api/v1/pods?limit=500", "/api/v1/pods?limit=500&continue=tok:2", "/api/v1/pods?limit=500&continue=tok:4"]
    );
}

#[test]
fn allow_forbidden_keeps_the_gate_complete() {
    let Some(r) = run("audit-token", true) else { return };
    let audit = r.unwrap().audit;
    assert!(!audit.scanned.verdict.incomplete);
    let d = audit.scanned.report.diagnostics.iter().find(|d| d.message.contains("cronjobs.batch")).unwrap();
    assert_eq!(d.level, DiagnosticLevel::Warning);
}

#[test]
fn wrong_token_is_a_clear_error() {
    let Some(r) = run("expired", false) else { return };
    let e = r.err().expect("a 401 fails the audit");
    let chain = format!("{e}: {}", std::error::Error::source(&e).map(|s| s.to_string()).unwrap_or_default());
    assert!(chain.contains("cannot audit the Kubernetes cluster"), "{chain}");
    assert!(chain.contains("401 Unauthorized"), "{chain}");
}

#[test]
fn one_namespace_reads_its_collections_and_the_cluster_scoped_ones() {
    let Some(r) = run_in("audit-token", true, Some("legacy")) else { return };
    let Run { audit, log } = r.unwrap();
    let got = findings(&audit);
    let namespaces: Vec<&String> = got.keys().collect();
    // The shop namespace is not read; cluster-wide bindings still apply to legacy.
    assert_eq!(namespaces, [CLUSTER_ROW, "legacy"]);
    assert!(log.iter().any(|l| l.starts_with("/api/v1/namespaces/legacy/pods?")), "{log:?}");
    assert!(log.iter().any(|l| l.starts_with("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?")), "{log:?}");
    assert!(!log.iter().any(|l| l.starts_with("/api/v1/pods?") || l.starts_with("/api/v1/namespaces?")), "{log:?}");
    // The same findings as in the full audit; without the Namespace object (not listed in this
    // mode) the missing default-deny policy is reported at the namespace's first workload, as
    // for manifests without a Namespace.
    assert_eq!(got["legacy"].len(), 13, "{:?}", got["legacy"]);
    assert!(got["legacy"].contains(&("PL-K8S-033".to_string(), "Pod/legacy/old-app".to_string())));
}
