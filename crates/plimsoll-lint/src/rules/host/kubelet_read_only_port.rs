use super::helpers;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a kubelet whose `readOnlyPort` (or `--read-only-port`) is not 0; the config file defaults to 0, the bare flag to 10255.
    ///
    /// ## Why it matters
    /// The read-only port serves pod specs and node details without any authentication.
    ///
    /// ## How to fix
    /// Set `readOnlyPort: 0` in `/var/lib/kubelet/config.yaml`.
    code: "PL-HOST-030",
    title: "Kubelet: read-only port open",
    severity: Medium,
    references: ["CIS-K8s-4.2.4"],
    bad: "==> /var/lib/kubelet/config.yaml <==\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 10255\n",
    good: "==> /var/lib/kubelet/config.yaml <==\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::kubelet(input, "read-only-port", &["readOnlyPort"], ("0", "10255"), out, |v| {
        (v.trim() != "0").then(|| format!("the unauthenticated read-only port {v} is open"))
    });
}
