use super::helpers;
use crate::host::Component;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a kube-controller-manager without `--terminated-pod-gc-threshold`.
    ///
    /// ## Why it matters
    /// The default keeps 12500 terminated pods, which can exhaust etcd and slow the control plane.
    ///
    /// ## How to fix
    /// Set `--terminated-pod-gc-threshold` (e.g. 10 to 1000 for the cluster size).
    code: "PL-HOST-023",
    title: "Controller manager: no terminated-pod GC threshold",
    severity: Low,
    references: ["CIS-K8s-1.3.1"],
    bad: "==> /etc/kubernetes/manifests/kube-controller-manager.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-controller-manager, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-controller-manager\n    image: registry.k8s.io/kube-controller-manager:v1.30.0\n    command:\n    - kube-controller-manager\n    - --profiling=false\n",
    good: "==> /etc/kubernetes/manifests/kube-controller-manager.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-controller-manager, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-controller-manager\n    image: registry.k8s.io/kube-controller-manager:v1.30.0\n    command:\n    - kube-controller-manager\n    - --terminated-pod-gc-threshold=100\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::pod_flag(input, Component::ControllerManager, "terminated-pod-gc-threshold", out, |v| {
        v.is_none().then(|| "--terminated-pod-gc-threshold is not set".into())
    });
}
