use super::helpers;
use crate::host::Component;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags an etcd static pod without `--peer-client-cert-auth=true`.
    ///
    /// ## Why it matters
    /// Without it any host that reaches the peer port can join or talk to the etcd cluster as a member.
    ///
    /// ## How to fix
    /// Add `--peer-client-cert-auth=true` with `--peer-trusted-ca-file`.
    code: "PL-HOST-026",
    title: "etcd: peer certificates not required",
    severity: Medium,
    references: ["CIS-K8s-2.5"],
    bad: "==> /etc/kubernetes/manifests/etcd.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: etcd, namespace: kube-system}\nspec:\n  containers:\n  - name: etcd\n    image: registry.k8s.io/etcd:v1.30.0\n    command:\n    - etcd\n    - --client-cert-auth=true\n",
    good: "==> /etc/kubernetes/manifests/etcd.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: etcd, namespace: kube-system}\nspec:\n  containers:\n  - name: etcd\n    image: registry.k8s.io/etcd:v1.30.0\n    command:\n    - etcd\n    - --peer-client-cert-auth=true\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::pod_flag(input, Component::Etcd, "peer-client-cert-auth", out, |v| match v {
        Some(v) if helpers::is_true(v) => None,
        _ => Some("--peer-client-cert-auth is not true: peers are not authenticated".into()),
    });
}
