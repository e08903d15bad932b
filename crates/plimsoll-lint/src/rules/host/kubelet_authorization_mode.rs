use super::helpers;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a kubelet whose `authorization.mode` (or `--authorization-mode`) is `AlwaysAllow`; the config file defaults to `Webhook`, the bare flag to `AlwaysAllow`.
    ///
    /// ## Why it matters
    /// With `AlwaysAllow` every authenticated caller may exec into any pod on the node.
    ///
    /// ## How to fix
    /// Set `authorization: {mode: Webhook}` in `/var/lib/kubelet/config.yaml`.
    code: "PL-HOST-029",
    title: "Kubelet: AlwaysAllow authorization",
    severity: High,
    references: ["CIS-K8s-4.2.2"],
    bad: "==> /var/lib/kubelet/config.yaml <==\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthorization:\n  mode: AlwaysAllow\n",
    good: "==> /var/lib/kubelet/config.yaml <==\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthorization:\n  mode: Webhook\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::kubelet(input, "authorization-mode", &["authorization", "mode"], ("Webhook", "AlwaysAllow"), out, |v| {
        (v == "AlwaysAllow").then(|| "kubelet authorization mode is AlwaysAllow".to_string())
    });
}
