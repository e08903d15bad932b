use super::helpers;
use crate::host::Component;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a kube-apiserver without `--encryption-provider-config`.
    ///
    /// ## Why it matters
    /// Without an encryption configuration, Secrets are stored in etcd as base64 only: anyone with an etcd backup, the etcd data directory or etcd client access reads every password and token of the cluster.
    ///
    /// ## How to fix
    /// Write an `EncryptionConfiguration` (apiserver.config.k8s.io/v1) with `kms` (v2), `aescbc`, `aesgcm` or `secretbox` first for `secrets`, pass it with `--encryption-provider-config`, mount it into the pod, and rewrite existing Secrets (`kubectl get secrets -A -o json | kubectl replace -f -`).
    code: "PL-HOST-019",
    title: "API server: Secrets not encrypted at rest",
    severity: High,
    references: ["CIS-K8s-1.2.28"],
    bad: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --anonymous-auth=false\n",
    good: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --encryption-provider-config=/etc/kubernetes/enc/config.yaml\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::pod_flag(input, Component::ApiServer, "encryption-provider-config", out, |v| {
        v.is_none().then(|| "--encryption-provider-config is not set: Secrets are stored unencrypted in etcd".into())
    });
}
