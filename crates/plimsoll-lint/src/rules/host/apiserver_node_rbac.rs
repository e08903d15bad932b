use super::helpers;
use crate::host::Component;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a kube-apiserver whose `--authorization-mode` lacks `Node` (CIS 1.2.7) or `RBAC` (CIS 1.2.8).
    ///
    /// ## Why it matters
    /// Without `Node` a kubelet can read every Secret in the cluster, not just those of its own pods; without `RBAC` the roles and bindings the cluster defines are not enforced.
    ///
    /// ## How to fix
    /// Set `--authorization-mode=Node,RBAC`.
    code: "PL-HOST-014",
    title: "API server: authorization without Node or RBAC",
    severity: Medium,
    references: ["CIS-K8s-1.2.7", "CIS-K8s-1.2.8"],
    bad: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --authorization-mode=RBAC\n",
    good: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --authorization-mode=Node,RBAC\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::pod_flag(input, Component::ApiServer, "authorization-mode", out, |v| {
        let modes: Vec<&str> = v.unwrap_or("AlwaysAllow").split(',').map(str::trim).collect();
        let missing: Vec<&str> = [("Node", "Node (CIS 1.2.7)"), ("RBAC", "RBAC (CIS 1.2.8)")]
            .iter()
            .filter(|(m, _)| !modes.contains(m))
            .map(|(_, label)| *label)
            .collect();
        (!missing.is_empty())
            .then(|| format!("--authorization-mode={} lacks {}", modes.join(","), missing.join(" and ")))
    });
}
