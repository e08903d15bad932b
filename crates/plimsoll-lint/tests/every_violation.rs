//! Every violation, on its line (issue 12): a rule that checks several fields reports each one,
//! and a finding points at the offending key's own line (or at the object's line when the
//! violation is an absence), for Kubernetes, compose and Dockerfiles alike.

use plimsoll_lint::{lint_file, LintConfig};

/// (rule, line) of every finding of `code`.
fn lines(path: &str, src: &str, code: &str) -> Vec<u32> {
    let f = lint_file(path, src.as_bytes(), &LintConfig::default()).unwrap();
    f.iter().filter(|m| m.rule_id == code).map(|m| m.line).collect()
}

/// The 1-based line of the first line of `src` containing `needle`.
fn line_of(src: &str, needle: &str) -> u32 {
    src.lines().position(|l| l.contains(needle)).map(|i| i as u32 + 1).unwrap_or_else(|| panic!("{needle}"))
}

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  hostNetwork: true
  hostPID: true
  hostIPC: true
  containers:
  - name: a
    image: registry.example.com/a:1.0
    securityContext:
      runAsUser: 1000
      privileged: true
      seLinuxOptions:
        type: spc_t
        user: root
  - name: b
    image: registry.example.com/b:1.0
    securityContext: {privileged: true, capabilities: {add: [SYS_ADMIN, NET_ADMIN]}}
    ports:
    - containerPort: 80
      hostPort: 80
    - containerPort: 443
      hostPort: 443
";

#[test]
fn host_namespaces_each_reported_on_its_key() {
    // Was: hostNetwork only; fixing it revealed hostPID on the next run (issue 12 defect 4).
    let want: Vec<u32> = ["hostNetwork", "hostPID", "hostIPC"].iter().map(|k| line_of(POD, k)).collect();
    assert_eq!(lines("pod.yaml", POD, "PL-K8S-002"), want);
}

#[test]
fn privileged_points_at_privileged_true() {
    // Was: the container's first line (issue 12 defect 5); both containers are reported.
    assert_eq!(lines("pod.yaml", POD, "PL-K8S-003"), vec![14, 20]);
    assert!(POD.lines().nth(13).unwrap().trim() == "privileged: true");
}

#[test]
fn several_values_of_one_control_each_reported() {
    // Two non-default capabilities of one container: one result each (flow style: same line).
    assert_eq!(lines("pod.yaml", POD, "PL-K8S-004"), vec![20, 20]);
    // Two host ports.
    assert_eq!(lines("pod.yaml", POD, "PL-K8S-006"), vec![line_of(POD, "hostPort: 80"), line_of(POD, "hostPort: 443")]);
    // seLinuxOptions: the bad type and the user, each on its own key.
    assert_eq!(lines("pod.yaml", POD, "PL-K8S-009"), vec![line_of(POD, "type: spc_t"), line_of(POD, "user: root")]);
}

#[test]
fn absence_points_at_the_object_and_presence_at_the_key() {
    // No automountServiceAccountToken: the pod itself (was: an unrelated key of the spec).
    assert_eq!(lines("pod.yaml", POD, "PL-K8S-023"), vec![1]);
    let on = POD.replace("  hostNetwork: true\n", "  automountServiceAccountToken: true\n");
    assert_eq!(lines("pod.yaml", &on, "PL-K8S-023"), vec![line_of(&on, "automountServiceAccountToken")]);
    // Restricted: container `a` lacks allowPrivilegeEscalation (absence: the container's line).
    let f = lint_file("pod.yaml", POD.as_bytes(), &LintConfig::default()).unwrap();
    let pe: Vec<u32> = f.iter().filter(|m| m.rule_id == "PL-K8S-014").map(|m| m.line).collect();
    assert_eq!(pe, vec![line_of(POD, "- name: a"), line_of(POD, "- name: b")]);
}

#[test]
fn rbac_wildcards_one_result_per_field() {
    let role = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- apiGroups: ['*']\n  resources:\n  - '*'\n  verbs: ['*']\n";
    let code = plimsoll_lint::rules().iter().find(|r| r.name == "rbac_wildcard").unwrap().code;
    assert_eq!(lines("role.yaml", role, code), vec![5, 6, 8]);
}

#[test]
fn compose_fields_and_absences() {
    let c = "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n    pid: host\n    ipc: host\n  db:\n    image: postgres:16\n    read_only: false\n";
    let code = |name: &str| {
        plimsoll_lint::rules().iter().find(|r| r.name == name && r.code.starts_with("PL-COMPOSE")).unwrap().code
    };
    assert_eq!(lines("compose.yaml", c, code("privileged")), vec![4]);
    assert_eq!(lines("compose.yaml", c, code("host_namespaces")), vec![5, 6]);
    // read_only absent on web: the service's name line; `read_only: false` on db: that key.
    assert_eq!(lines("compose.yaml", c, code("no_read_only")), vec![2, 9]);
}

#[test]
fn dockerfile_lists_every_unsuitable_command() {
    let d = "FROM debian:12\nRUN ssh host && vim x && ssh other\n";
    let f = lint_file("Dockerfile", d.as_bytes(), &LintConfig::default()).unwrap();
    let code = plimsoll_lint::rules().iter().find(|r| r.name == "unsuitable_commands").unwrap().code;
    let hits: Vec<_> = f.iter().filter(|m| m.rule_id == code).collect();
    assert_eq!(hits.len(), 1);
    assert!(hits[0].message.starts_with("ssh, vim make"), "{}", hits[0].message);
    assert_eq!(hits[0].line, 2);
}

#[test]
fn dockerfile_findings_on_the_offending_line_of_a_multi_line_instruction() {
    let d = "FROM debian:12\nRUN apt-get update && \\\n    apt-get install -y --no-install-recommends curl && \\\n    echo ok && \\\n    apt-get install -y --no-install-recommends wget\nENV A=1 \\\n    API_TOKEN=s3cr3t-v4lue-123\n";
    let code = |name: &str| plimsoll_lint::rules().iter().find(|r| r.name == name).unwrap().code;
    // Two unpinned installs in one RUN: one result each, on its own line.
    assert_eq!(lines("Dockerfile", d, code("apt_unpinned")), vec![3, 5]);
    assert_eq!(lines("Dockerfile", d, code("secret_in_env_arg")), vec![7]);
    let p = "FROM python:3.12\nRUN echo pip && \\\n    pip install --no-cache-dir flask && \\\n    yum install -y x-1.0 && \\\n    pip install --no-cache-dir requests\n";
    assert_eq!(lines("Dockerfile", p, code("pip_unpinned")), vec![3, 5]);
}
