use super::helpers;
use crate::host::Component;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a kube-apiserver without `--kubelet-certificate-authority`.
    ///
    /// ## Why it matters
    /// Without it the API server does not verify the kubelet's serving certificate when it proxies `exec`, `logs` and `port-forward`: a man in the middle sees and alters those streams.
    ///
    /// ## How to fix
    /// Set `--kubelet-certificate-authority` to the CA that signs kubelet serving certificates (with `serverTLSBootstrap: true` on the kubelets).
    code: "PL-HOST-012",
    title: "API server: kubelet certificates not verified",
    severity: Medium,
    references: ["CIS-K8s-1.2.5"],
    bad: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --anonymous-auth=false\n",
    good: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::pod_flag(input, Component::ApiServer, "kubelet-certificate-authority", out, |v| {
        v.is_none()
            .then(|| "--kubelet-certificate-authority is not set: kubelet serving certificates are not verified".into())
    });
}
