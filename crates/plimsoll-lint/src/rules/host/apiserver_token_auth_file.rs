use super::helpers;
use crate::host::Component;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `--token-auth-file` on the kube-apiserver.
    ///
    /// ## Why it matters
    /// Static tokens sit in clear text on the node, never expire and can only be changed by restarting the API server.
    ///
    /// ## How to fix
    /// Remove `--token-auth-file`; use client certificates, OIDC or service-account tokens.
    code: "PL-HOST-011",
    title: "API server: static token file",
    severity: High,
    references: ["CIS-K8s-1.2.2"],
    bad: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --token-auth-file=/etc/kubernetes/tokens.csv\n",
    good: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --anonymous-auth=false\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::pod_flag(input, Component::ApiServer, "token-auth-file", out, |v| {
        v.map(|v| format!("--token-auth-file={v}: static bearer tokens in a file"))
    });
}
