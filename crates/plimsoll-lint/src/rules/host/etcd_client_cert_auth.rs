use super::helpers;
use crate::host::Component;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags an etcd static pod without `--client-cert-auth=true`.
    ///
    /// ## Why it matters
    /// Without client-certificate authentication anyone who reaches etcd's client port reads and writes the whole cluster state, Secrets included.
    ///
    /// ## How to fix
    /// Add `--client-cert-auth=true` with `--trusted-ca-file`.
    code: "PL-HOST-025",
    title: "etcd: client certificates not required",
    severity: High,
    references: ["CIS-K8s-2.2"],
    bad: "==> /etc/kubernetes/manifests/etcd.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: etcd, namespace: kube-system}\nspec:\n  containers:\n  - name: etcd\n    image: registry.k8s.io/etcd:v1.30.0\n    command:\n    - etcd\n    - --cert-file=/etc/kubernetes/pki/etcd/server.crt\n",
    good: "==> /etc/kubernetes/manifests/etcd.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: etcd, namespace: kube-system}\nspec:\n  containers:\n  - name: etcd\n    image: registry.k8s.io/etcd:v1.30.0\n    command:\n    - etcd\n    - --client-cert-auth=true\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::pod_flag(input, Component::Etcd, "client-cert-auth", out, |v| match v {
        Some(v) if helpers::is_true(v) => None,
        _ => Some("--client-cert-auth is not true: clients are not authenticated".into()),
    });
}
