//! `plimsoll k8s` as a user runs it, against a loopback HTTPS API server: the namespace summary
//! heads the table, JSON carries the findings and the 403 diagnostic, the exit codes follow the
//! gate (3 for an audit a 403 made incomplete, unless --allow-forbidden), a 401 is a clear error.

use std::process::Command;

use plimsoll::testing::kube::{ApiServer, FakeCluster};
use serde_json::json;

fn server() -> ApiServer {
    let mut c = FakeCluster { token: "t0k3n".into(), page_size: 2, ..FakeCluster::default() };
    c.collections.insert(
        "/api/v1/pods".into(),
        vec![json!({"metadata": {"name": "web", "namespace": "app", "uid": "u1"},
                    "spec": {"hostPID": true, "containers": [{"name": "web", "image": "nginx:1.27"}]}})],
    );
    c.collections.insert("/api/v1/namespaces".into(), vec![json!({"metadata": {"name": "app"}})]);
    for p in [
        "/apis/apps/v1/deployments",
        "/apis/apps/v1/replicasets",
        "/apis/apps/v1/statefulsets",
        "/apis/apps/v1/daemonsets",
        "/apis/batch/v1/jobs",
        "/apis/batch/v1/cronjobs",
        "/apis/rbac.authorization.k8s.io/v1/roles",
        "/apis/rbac.authorization.k8s.io/v1/rolebindings",
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        "/apis/networking.k8s.io/v1/networkpolicies",
    ] {
        c.collections.insert(p.into(), Vec::new());
    }
    c.forbidden.insert("/api/v1/nodes".into());
    ApiServer::start(move |r| c.handle(r)).unwrap()
}

fn plimsoll(kubeconfig: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .arg("k8s")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["--scanners", "misconfig", "--no-cache"])
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn table_json_exit_codes_and_401() {
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("kubeconfig");
    std::fs::write(&cfg, s.kubeconfig("t0k3n")).unwrap();

    let (code, out, _) = plimsoll(&cfg, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Not audited (403 forbidden): nodes"), "{out}");
    let header = out.lines().find(|l| l.starts_with("NAMESPACE")).expect(&out);
    assert!(header.contains("WORKLOADS") && header.contains("NETPOLS"), "{header}");
    let app = out.lines().find(|l| l.starts_with("app ")).expect(&out);
    let cols: Vec<&str> = app.split_whitespace().collect();
    // app: 1 workload, 1 pod, no NetworkPolicy.
    assert_eq!(cols.get(1..4), Some(&["1", "1", "none"][..]), "{app}");
    assert!(out.contains("PL-K8S-002"), "{out}");

    let (code, out, err) = plimsoll(&cfg, &["--format", "json", "--severity", "CRITICAL", "--exit-code", "5"]);
    assert_eq!(code, 3, "incomplete: nodes were forbidden\n{err}");
    assert!(err.contains("forbidden (403) to list nodes"), "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(report["diagnostics"].as_array().unwrap().iter().any(|d| d["message"].as_str().unwrap().contains("nodes")));

    let (code, _, _) =
        plimsoll(&cfg, &["--format", "json", "--severity", "CRITICAL", "--exit-code", "5", "--allow-forbidden"]);
    assert_eq!(code, 0);
    let (code, _, _) = plimsoll(&cfg, &["--format", "sarif", "--exit-code", "5", "--allow-forbidden"]);
    assert_eq!(code, 5, "findings remain");

    // insecure-skip-tls-verify instead of the CA: it connects, and says so loudly everywhere.
    let insecure = s
        .kubeconfig("t0k3n")
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("certificate-authority-data:") {
                "    insecure-skip-tls-verify: true"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&cfg, insecure).unwrap();
    let (code, out, err) = plimsoll(&cfg, &["--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("WARNING: INSECURE: cluster test sets insecure-skip-tls-verify"), "{err}");
    assert!(out.contains("the API server's certificate is NOT verified"), "{out}");

    std::fs::write(&cfg, s.kubeconfig("wrong")).unwrap();
    let (code, _, err) = plimsoll(&cfg, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot audit the Kubernetes cluster") && err.contains("401 Unauthorized"), "{err}");
}
