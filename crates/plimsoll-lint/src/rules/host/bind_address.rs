use super::helpers;
use crate::host::Component;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a kube-controller-manager (CIS 1.3.7) or kube-scheduler (CIS 1.4.2) whose `--bind-address` is not `127.0.0.1` (the default is every interface).
    ///
    /// ## Why it matters
    /// Their metrics, health and profiling endpoints need not be reachable from the network.
    ///
    /// ## How to fix
    /// Set `--bind-address=127.0.0.1` (kubeadm does).
    code: "PL-HOST-024",
    title: "Control plane: controller manager or scheduler listens beyond localhost",
    severity: Medium,
    references: ["CIS-K8s-1.3.7", "CIS-K8s-1.4.2"],
    bad: "==> /etc/kubernetes/manifests/kube-controller-manager.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-controller-manager, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-controller-manager\n    image: registry.k8s.io/kube-controller-manager:v1.30.0\n    command:\n    - kube-controller-manager\n    - --bind-address=0.0.0.0\n",
    good: "==> /etc/kubernetes/manifests/kube-controller-manager.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-controller-manager, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-controller-manager\n    image: registry.k8s.io/kube-controller-manager:v1.30.0\n    command:\n    - kube-controller-manager\n    - --bind-address=127.0.0.1\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    for (c, cis) in [(Component::ControllerManager, "1.3.7"), (Component::Scheduler, "1.4.2")] {
        helpers::pod_flag(input, c, "bind-address", out, |v| match v {
            Some("127.0.0.1") => None,
            Some(v) => Some(format!("{}: --bind-address={v}, not 127.0.0.1 (CIS {cis})", c.name())),
            None => Some(format!("{}: --bind-address is not set (default every interface) (CIS {cis})", c.name())),
        });
    }
}
