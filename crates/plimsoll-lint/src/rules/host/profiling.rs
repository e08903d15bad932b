use super::helpers;
use crate::host::Component;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags the kube-apiserver (CIS 1.2.16), kube-controller-manager (CIS 1.3.2) and kube-scheduler (CIS 1.4.1) without `--profiling=false`.
    ///
    /// ## Why it matters
    /// The pprof endpoints expose internals of the component and let a caller trigger expensive profiles; they are not needed in production.
    ///
    /// ## How to fix
    /// Add `--profiling=false` to each component's static-pod manifest.
    code: "PL-HOST-015",
    title: "Control plane: profiling enabled",
    severity: Low,
    references: ["CIS-K8s-1.2.16", "CIS-K8s-1.3.2", "CIS-K8s-1.4.1"],
    bad: "==> /etc/kubernetes/manifests/kube-scheduler.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-scheduler, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-scheduler\n    image: registry.k8s.io/kube-scheduler:v1.30.0\n    command:\n    - kube-scheduler\n    - --bind-address=127.0.0.1\n",
    good: "==> /etc/kubernetes/manifests/kube-scheduler.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-scheduler, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-scheduler\n    image: registry.k8s.io/kube-scheduler:v1.30.0\n    command:\n    - kube-scheduler\n    - --profiling=false\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    for (c, cis) in
        [(Component::ApiServer, "1.2.16"), (Component::ControllerManager, "1.3.2"), (Component::Scheduler, "1.4.1")]
    {
        helpers::pod_flag(input, c, "profiling", out, |v| match v {
            Some(v) if helpers::is_false(v) => None,
            _ => Some(format!("{}: profiling is enabled (CIS {cis})", c.name())),
        });
    }
}
