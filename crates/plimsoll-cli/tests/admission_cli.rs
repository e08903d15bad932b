//! `plimsoll admission check`: the webhook's decision for manifests on disk, its messages and
//! exit codes (0 allowed, 1 a denial, 2 an unusable policy or manifest).

use std::path::Path;
use std::process::{Command, Output};

fn plimsoll(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run plimsoll")
}

const POLICY: &str = "apiVersion: plimsoll.dev/v1alpha1
kind: AdmissionPolicy
spec:
  allowedRegistries: [\"registry.example.com/team/\"]
  podSecurity: {level: baseline}
  namespaces: {exclude: [kube-system]}
";

const MANIFESTS: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: registry.example.com/team/web:1.2
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup, namespace: ops}
spec:
  schedule: \"0 3 * * *\"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: backup
              image: busybox
              securityContext: {privileged: true}
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: kube-system}
spec:
  hostNetwork: true
  containers: [{name: sh, image: busybox}]
";

#[test]
fn check_reports_each_object_and_exits_1_on_a_denial() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("policy.yaml"), POLICY).unwrap();
    std::fs::write(dir.join("app.yaml"), MANIFESTS).unwrap();
    let out = plimsoll(dir, &["admission", "check", "--policy", "policy.yaml", "app.yaml"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("ALLOWED app.yaml: Deployment/default/web"), "{stdout}");
    assert!(stdout.contains("DENIED  app.yaml: CronJob/ops/backup"), "{stdout}");
    assert!(
        stdout.contains(
            "containers[backup] image busybox: docker.io/library/busybox:latest is not from an allowed registry"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("violates PodSecurity \"baseline:v1.") && stdout.contains("privileged"), "{stdout}");
    // kube-system is excluded by the policy.
    assert!(stdout.contains("ALLOWED app.yaml: Pod/kube-system/debug"), "{stdout}");

    // Only the allowed Deployment: exit 0.
    std::fs::write(dir.join("web.yaml"), MANIFESTS.split("---").next().unwrap()).unwrap();
    let out = plimsoll(dir, &["admission", "check", "--policy", "policy.yaml", "web.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn unusable_policy_exits_2_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("policy.yaml"), POLICY.replace("podSecurity", "podSecurty")).unwrap();
    std::fs::write(dir.join("app.yaml"), MANIFESTS).unwrap();
    let out = plimsoll(dir, &["admission", "check", "--policy", "policy.yaml", "app.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("policy.yaml is not a valid AdmissionPolicy") && stderr.contains("podSecurty"), "{stderr}");
}

#[test]
fn deploy_manifests_pass_plimsoll_config_and_the_admission_policy_in_them_loads() {
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/kubernetes");
    let tmp = tempfile::tempdir().unwrap();
    let out = plimsoll(tmp.path(), &["config", deploy.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["misconfigurations"], serde_json::json!([]), "{:#}", report["misconfigurations"]);
    assert_eq!(report["secrets"], serde_json::json!([]));

    // The policy in the ConfigMap is a valid AdmissionPolicy, and the webhook's own Deployment,
    // decided by it, is allowed with no warning.
    let text = std::fs::read_to_string(deploy.join("deployment.yaml")).unwrap();
    let policy = text.split("policy.yaml: |\n").nth(1).unwrap();
    let policy: String = policy.lines().map(|l| l.strip_prefix("    ").unwrap_or(l)).collect::<Vec<_>>().join("\n");
    std::fs::write(tmp.path().join("policy.yaml"), policy).unwrap();
    let out = plimsoll(
        tmp.path(),
        &["admission", "check", "--policy", "policy.yaml", deploy.join("deployment.yaml").to_str().unwrap()],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("ALLOWED") && stdout.contains("Deployment/plimsoll-system/plimsoll-admission"), "{stdout}");
    assert!(!stdout.contains("warning"), "{stdout}");
}
