//! AdmissionReviews as the API server sends them (`admission.k8s.io/v1`), decided by a policy
//! without signature rules (those need a registry: see `tests/registry.rs`), and the review
//! answered as the API server expects it.

use plimsoll_admission::{Admission, AdmissionPolicy};
use serde_json::{json, Value};

fn admission(spec: &str) -> Admission {
    let text = format!("apiVersion: plimsoll.dev/v1alpha1\nkind: AdmissionPolicy\nspec:\n{spec}");
    Admission::new(AdmissionPolicy::parse(&text, "test policy", None).unwrap())
}

fn review(object: Value, namespace: &str) -> Vec<u8> {
    let kind = object["kind"].as_str().unwrap().to_owned();
    let (group, version, resource) = match kind.as_str() {
        "Pod" => ("", "v1", "pods"),
        "ReplicationController" => ("", "v1", "replicationcontrollers"),
        "Job" => ("batch", "v1", "jobs"),
        "CronJob" => ("batch", "v1", "cronjobs"),
        k => ("apps", "v1", if k == "Deployment" { "deployments" } else { "others" }),
    };
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": resource},
            "requestKind": {"group": group, "version": version, "kind": kind},
            "requestResource": {"group": group, "version": version, "resource": resource},
            "name": object["metadata"]["name"],
            "namespace": namespace,
            "operation": "CREATE",
            "userInfo": {"username": "admin", "uid": "014fbff9a07c", "groups": ["system:authenticated"]},
            "object": object,
            "oldObject": null,
            "dryRun": false,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}
        }
    }))
    .unwrap()
}

fn pod_spec(image: &str, privileged: bool) -> Value {
    json!({
        "containers": [{"name": "app", "image": image, "securityContext": {"privileged": privileged}}],
        "initContainers": [{"name": "init", "image": "127.0.0.1:5000/tools/init:1"}]
    })
}

fn pod(image: &str, privileged: bool) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "team"}, "spec": pod_spec(image, privileged)})
}

/// Every workload kind, each wrapping the same pod template.
fn workloads(image: &str, privileged: bool) -> Vec<Value> {
    let template = json!({"metadata": {"labels": {"app": "web"}}, "spec": pod_spec(image, privileged)});
    let meta = json!({"name": "web", "namespace": "team"});
    let sel = json!({"matchLabels": {"app": "web"}});
    let mut out = vec![pod(image, privileged)];
    for kind in ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"] {
        out.push(json!({"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": {"selector": sel, "template": template}}));
    }
    out.push(json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": {"template": template}}));
    out.push(json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta,
        "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}}}));
    out.push(json!({"apiVersion": "v1", "kind": "ReplicationController", "metadata": meta,
        "spec": {"selector": {"app": "web"}, "template": template}}));
    out
}

fn response(a: &Admission, object: Value, ns: &str) -> Value {
    let r = a.review(&review(object, ns), false).unwrap();
    assert_eq!(r["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(r["kind"], "AdmissionReview");
    assert_eq!(r["response"]["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
    r["response"].clone()
}

#[test]
fn privileged_pod_under_baseline_is_denied_in_every_workload_kind() {
    let a = admission("  podSecurity: {level: baseline}\n");
    for w in workloads("127.0.0.1:5000/app:1", true) {
        let kind = w["kind"].as_str().unwrap().to_owned();
        let r = response(&a, w, "team");
        assert_eq!(r["allowed"], false, "{kind}");
        assert_eq!(r["status"]["code"], 403);
        let msg = r["status"]["message"].as_str().unwrap();
        assert!(msg.contains("baseline") && msg.contains("privileged") && msg.contains("app"), "{kind}: {msg}");
    }
    for w in workloads("127.0.0.1:5000/app:1", false) {
        let kind = w["kind"].as_str().unwrap().to_owned();
        assert_eq!(response(&a, w, "team")["allowed"], true, "{kind}");
    }
}

#[test]
fn restricted_denies_what_baseline_allows() {
    let a = admission("  podSecurity: {level: restricted}\n");
    let r = response(&a, pod("127.0.0.1:5000/app:1", false), "team");
    assert_eq!(r["allowed"], false);
    let msg = r["status"]["message"].as_str().unwrap();
    assert!(msg.contains("restricted") && msg.contains("runAsNonRoot"), "{msg}");
}

#[test]
fn registry_outside_the_allowed_prefixes_is_denied_naming_container_and_image() {
    let a = admission("  allowedRegistries: [\"127.0.0.1:5000/\"]\n");
    for w in workloads("nginx", false) {
        let r = response(&a, w, "team");
        assert_eq!(r["allowed"], false);
        let msg = r["status"]["message"].as_str().unwrap();
        // `nginx` is normalised before the prefix check; the init container's image is allowed.
        assert!(
            msg.contains("containers[app] image nginx: docker.io/library/nginx:latest is not from an allowed registry"),
            "{msg}"
        );
        assert!(!msg.contains("initContainers"), "{msg}");
    }
    // The prefix is on the whole reference: another port of the same host is another registry.
    let r = response(&a, pod("127.0.0.1:50001/app:1", false), "team");
    assert_eq!(r["allowed"], false);
    assert_eq!(
        response(
            &a,
            pod(
                "127.0.0.1:5000/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                false
            ),
            "team"
        )["allowed"],
        true
    );
}

#[test]
fn ephemeral_containers_are_checked() {
    let a = admission("  allowedRegistries: [\"127.0.0.1:5000/\"]\n");
    let mut p = pod("127.0.0.1:5000/app:1", false);
    p["spec"]["ephemeralContainers"] = json!([{"name": "debug", "image": "busybox:1.36"}]);
    let r = response(&a, p, "team");
    assert_eq!(r["allowed"], false);
    let msg = r["status"]["message"].as_str().unwrap();
    assert!(msg.contains("ephemeralContainers[debug] image busybox:1.36"), "{msg}");
}

#[test]
fn namespaces_and_the_exclude_label() {
    let a = admission("  podSecurity: {level: baseline}\n  namespaces: {exclude: [kube-system]}\n");
    assert_eq!(response(&a, pod("x/app:1", true), "kube-system")["allowed"], true);
    assert_eq!(response(&a, pod("x/app:1", true), "team")["allowed"], false);
    let mut labelled = pod("x/app:1", true);
    labelled["metadata"]["labels"] = json!({"plimsoll.dev/exclude": "true"});
    assert_eq!(response(&a, labelled, "team")["allowed"], true);
    let mut not_true = pod("x/app:1", true);
    not_true["metadata"]["labels"] = json!({"plimsoll.dev/exclude": "yes"});
    assert_eq!(response(&a, not_true, "team")["allowed"], false);

    let only = admission("  podSecurity: {level: baseline}\n  namespaces: {include: [prod]}\n");
    assert_eq!(response(&only, pod("x/app:1", true), "team")["allowed"], true);
    assert_eq!(response(&only, pod("x/app:1", true), "prod")["allowed"], false);
}

#[test]
fn warn_mode_allows_with_warnings() {
    let a = admission("  mode: warn\n  podSecurity: {level: baseline}\n  allowedRegistries: [\"127.0.0.1:5000/\"]\n");
    let r = response(&a, pod("nginx", true), "team");
    assert_eq!(r["allowed"], true);
    let warnings: Vec<&str> = r["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert!(warnings.iter().any(|w| w.contains("not from an allowed registry")), "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("privileged")), "{warnings:?}");
}

#[test]
fn registry_down_denies_naming_the_registry() {
    // Port 1 on loopback: nothing listens, so the connection is refused (fail closed).
    let pem = plimsoll::sign::SigningKey::generate().verifying_key().to_pem().unwrap();
    let a = admission(&format!(
        "  insecureRegistries: [\"127.0.0.1:1\"]\n  verifyImages:\n    - images: [\"127.0.0.1:1/*\"]\n      keys: [{}]\n",
        serde_json::to_string(&pem).unwrap()
    ));
    let r = response(&a, pod("127.0.0.1:1/app:1", false), "team");
    assert_eq!(r["allowed"], false);
    let msg = r["status"]["message"].as_str().unwrap();
    assert!(msg.contains("containers[app] image 127.0.0.1:1/app:1: registry 127.0.0.1:1"), "{msg}");
    // Images the rule does not cover are not looked up.
    assert_eq!(response(&a, pod("127.0.0.2:5000/app:1", false), "team")["allowed"], true);
}

#[test]
fn other_kinds_and_operations_are_allowed() {
    let a = admission("  podSecurity: {level: baseline}\n");
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {}});
    assert_eq!(response(&a, cm, "team")["allowed"], true);
    let mut body: Value = serde_json::from_slice(&review(pod("x/a:1", true), "team")).unwrap();
    body["request"]["operation"] = json!("DELETE");
    body["request"]["oldObject"] = body["request"]["object"].take();
    let r = a.review(&serde_json::to_vec(&body).unwrap(), false).unwrap();
    assert_eq!(r["response"]["allowed"], true);
}

#[test]
fn malformed_and_wrong_version_reviews_are_errors() {
    let a = admission("  podSecurity: {level: baseline}\n");
    let e = a.review(b"{not json", false).unwrap_err().to_string();
    assert!(e.contains("not JSON"), "{e}");
    let mut body: Value = serde_json::from_slice(&review(pod("x/a:1", true), "team")).unwrap();
    body["apiVersion"] = json!("admission.k8s.io/v1beta1");
    let e = a.review(&serde_json::to_vec(&body).unwrap(), false).unwrap_err().to_string();
    assert!(e.contains("admission.k8s.io/v1beta1"), "{e}");
    let e = a.review(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#, false).unwrap_err();
    assert!(e.to_string().contains("request"), "{e}");
}

#[test]
fn ten_thousand_containers_are_decided() {
    let a = admission("  allowedRegistries: [\"127.0.0.1:5000/\"]\n");
    let containers: Vec<Value> =
        (0..10_000).map(|i| json!({"name": format!("c{i}"), "image": "127.0.0.1:5000/app:1"})).collect();
    let mut p = pod("127.0.0.1:5000/app:1", false);
    p["spec"]["containers"] = json!(containers);
    assert_eq!(response(&a, p, "team")["allowed"], true);
}
