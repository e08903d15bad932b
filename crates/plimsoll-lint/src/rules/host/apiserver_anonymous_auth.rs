use super::helpers;
use crate::host::Component;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a kube-apiserver static pod without `--anonymous-auth=false`.
    ///
    /// ## Why it matters
    /// Anonymous requests reach the API as `system:anonymous`; one careless RoleBinding then opens the cluster to anyone who can reach the port.
    ///
    /// ## How to fix
    /// Add `--anonymous-auth=false` to `/etc/kubernetes/manifests/kube-apiserver.yaml` (health checks can use `/livez` with authentication or the kubelet's probes).
    code: "PL-HOST-010",
    title: "API server: anonymous requests allowed",
    severity: High,
    references: ["CIS-K8s-1.2.1"],
    bad: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --authorization-mode=Node,RBAC\n",
    good: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --anonymous-auth=false\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::pod_flag(input, Component::ApiServer, "anonymous-auth", out, |v| match v {
        Some(v) if helpers::is_false(v) => None,
        Some(v) => Some(format!("--anonymous-auth={v}: anonymous requests are accepted")),
        None => Some("--anonymous-auth is not set (default true): anonymous requests are accepted".into()),
    });
}
