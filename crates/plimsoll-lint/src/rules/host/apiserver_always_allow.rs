use super::helpers;
use crate::host::Component;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a kube-apiserver whose `--authorization-mode` includes `AlwaysAllow` or is not set (the default is `AlwaysAllow`).
    ///
    /// ## Why it matters
    /// With `AlwaysAllow` every authenticated request is authorized: any user or service account is cluster-admin.
    ///
    /// ## How to fix
    /// Set `--authorization-mode=Node,RBAC`.
    code: "PL-HOST-013",
    title: "API server: AlwaysAllow authorization",
    severity: Critical,
    references: ["CIS-K8s-1.2.6"],
    bad: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --authorization-mode=AlwaysAllow\n",
    good: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --authorization-mode=Node,RBAC\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::pod_flag(input, Component::ApiServer, "authorization-mode", out, |v| match v {
        Some(v) if !v.split(',').any(|m| m.trim() == "AlwaysAllow") => None,
        Some(v) => Some(format!("--authorization-mode={v}: every request is authorized")),
        None => Some("--authorization-mode is not set (default AlwaysAllow): every request is authorized".into()),
    });
}
