use super::helpers;
use crate::host::Component;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags an etcd static pod with `--auto-tls=true` (CIS 2.3) or `--peer-auto-tls=true` (CIS 2.6).
    ///
    /// ## Why it matters
    /// Automatic TLS uses self-signed certificates that clients cannot verify, so the connection can be intercepted.
    ///
    /// ## How to fix
    /// Remove `--auto-tls` and `--peer-auto-tls`; use certificates from the cluster's etcd CA.
    code: "PL-HOST-027",
    title: "etcd: self-signed automatic TLS",
    severity: Medium,
    references: ["CIS-K8s-2.3", "CIS-K8s-2.6"],
    bad: "==> /etc/kubernetes/manifests/etcd.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: etcd, namespace: kube-system}\nspec:\n  containers:\n  - name: etcd\n    image: registry.k8s.io/etcd:v1.30.0\n    command:\n    - etcd\n    - --auto-tls=true\n",
    good: "==> /etc/kubernetes/manifests/etcd.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: etcd, namespace: kube-system}\nspec:\n  containers:\n  - name: etcd\n    image: registry.k8s.io/etcd:v1.30.0\n    command:\n    - etcd\n    - --cert-file=/etc/kubernetes/pki/etcd/server.crt\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    for (flag, cis) in [("auto-tls", "2.3"), ("peer-auto-tls", "2.6")] {
        helpers::pod_flag(input, Component::Etcd, flag, out, |v| match v {
            Some(v) if helpers::is_true(v) => Some(format!("--{flag}=true: self-signed certificates (CIS {cis})")),
            _ => None,
        });
    }
}
