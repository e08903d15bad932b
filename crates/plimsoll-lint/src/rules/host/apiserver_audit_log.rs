use super::helpers;
use crate::host::Component;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a kube-apiserver without `--audit-log-path`.
    ///
    /// ## Why it matters
    /// Without an audit log there is no record of who read a Secret or changed a RoleBinding, so an intrusion cannot be traced.
    ///
    /// ## How to fix
    /// Set `--audit-log-path` (and `--audit-policy-file`), mounting the log directory from the host.
    code: "PL-HOST-016",
    title: "API server: no audit log",
    severity: Medium,
    references: ["CIS-K8s-1.2.17"],
    bad: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --anonymous-auth=false\n",
    good: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --audit-log-path=/var/log/kubernetes/audit.log\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::pod_flag(input, Component::ApiServer, "audit-log-path", out, |v| {
        v.is_none().then(|| "--audit-log-path is not set: API requests are not audited".into())
    });
}
