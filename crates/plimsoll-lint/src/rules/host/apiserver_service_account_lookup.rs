use super::helpers;
use crate::host::Component;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a kube-apiserver with `--service-account-lookup=false`.
    ///
    /// ## Why it matters
    /// Without the lookup, a token of a deleted service account keeps working until it expires.
    ///
    /// ## How to fix
    /// Remove `--service-account-lookup=false` (the default is true).
    code: "PL-HOST-018",
    title: "API server: service-account tokens not looked up",
    severity: Medium,
    references: ["CIS-K8s-1.2.22"],
    bad: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --service-account-lookup=false\n",
    good: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --service-account-lookup=true\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::pod_flag(input, Component::ApiServer, "service-account-lookup", out, |v| match v {
        Some(v) if helpers::is_false(v) => {
            Some("--service-account-lookup=false: tokens of deleted service accounts stay valid".into())
        }
        _ => None,
    });
}
