//! `plimsoll host` end to end: a node tree written here, the real binary, its outputs and exit
//! codes. The rules themselves are tested against fixture trees in `crates/plimsoll/tests/host.rs`.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn plimsoll(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plimsoll")).args(args).env("NO_COLOR", "1").output().expect("run plimsoll")
}

fn write(root: &Path, path: &str, content: &str, mode: u32) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, content).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
}

const APISERVER: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.2\n    command:\n    - kube-apiserver\n    - --anonymous-auth=false\n    - --authorization-mode=Node,RBAC\n    - --kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt\n    - --profiling=false\n    - --audit-log-path=/var/log/audit.log\n    - --audit-log-maxage=30\n    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n    - --tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n";

#[test]
fn host_reports_in_every_format_and_gates() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let m = std::fs::metadata(root).unwrap();
    let owner = format!("{}:{}", m.uid(), m.gid());
    let root_s = root.to_str().unwrap();
    // Everything hardened but encryption at rest.
    write(root, "etc/kubernetes/manifests/kube-apiserver.yaml", APISERVER, 0o600);
    let out = plimsoll(&["host", "--root", root_s, "--root-owner", &owner, "-f", "json", "--exit-code", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(&str, &str)> = report["misconfigurations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["rule_id"].as_str().unwrap(), m["file"].as_str().unwrap()))
        .collect();
    assert_eq!(found, [("PL-HOST-019", "/etc/kubernetes/manifests/kube-apiserver.yaml")]);
    // SARIF carries the rule and the host path.
    let out = plimsoll(&["host", "--root", root_s, "--root-owner", &owner, "-f", "sarif"]);
    assert_eq!(out.status.code(), Some(0));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "PL-HOST-019");
    // The table names the rule and its message.
    let out = plimsoll(&["host", "--root", root_s, "--root-owner", &owner]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("PL-HOST-019") && table.contains("Secrets are stored unencrypted"), "{table}");
    // Skipping the rule passes the gate.
    let out =
        plimsoll(&["host", "--root", root_s, "--root-owner", &owner, "--skip-rule", "PL-HOST-019", "--exit-code", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // An unreadable manifest makes the scan incomplete: exit 3 with --exit-code, and said on stderr.
    write(root, "etc/kubernetes/manifests/kube-scheduler.yaml", "spec: [\n", 0o600);
    let out =
        plimsoll(&["host", "--root", root_s, "--root-owner", &owner, "--skip-rule", "PL-HOST-019", "--exit-code", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("kube-scheduler.yaml: not checked: malformed YAML"), "{stderr}");
}

#[test]
fn host_rule_docs_and_argument_errors() {
    let out = plimsoll(&["rule", "PL-HOST-020"]);
    let doc = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && doc.contains("CIS-K8s-1.2.29") && doc.contains("identity"), "{doc}");
    let out = plimsoll(&["host", "--root", "/nonexistent/plimsoll-root"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/plimsoll-root does not exist"));
    let out = plimsoll(&["host", "--root", "/", "--root-owner", "root"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--root-owner takes UID:GID"));
}
