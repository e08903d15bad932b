use super::helpers;
use crate::host::Component;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a kube-controller-manager without `--use-service-account-credentials=true`.
    ///
    /// ## Why it matters
    /// Without it every controller runs with the controller manager's own, very broad, credentials instead of a service account with only its controller's permissions.
    ///
    /// ## How to fix
    /// Add `--use-service-account-credentials=true`.
    code: "PL-HOST-022",
    title: "Controller manager: shared service-account credentials",
    severity: Medium,
    references: ["CIS-K8s-1.3.3"],
    bad: "==> /etc/kubernetes/manifests/kube-controller-manager.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-controller-manager, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-controller-manager\n    image: registry.k8s.io/kube-controller-manager:v1.30.0\n    command:\n    - kube-controller-manager\n    - --profiling=false\n",
    good: "==> /etc/kubernetes/manifests/kube-controller-manager.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-controller-manager, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-controller-manager\n    image: registry.k8s.io/kube-controller-manager:v1.30.0\n    command:\n    - kube-controller-manager\n    - --use-service-account-credentials=true\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::pod_flag(input, Component::ControllerManager, "use-service-account-credentials", out, |v| match v {
        Some(v) if helpers::is_true(v) => None,
        _ => Some("--use-service-account-credentials is not true: all controllers share one broad identity".into()),
    });
}
