use super::helpers;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a kubelet with `rotateCertificates: false` (or `--rotate-certificates=false`).
    ///
    /// ## Why it matters
    /// Without rotation the kubelet's client certificate expires (the node drops out) or is replaced by hand with long-lived ones.
    ///
    /// ## How to fix
    /// Set `rotateCertificates: true` (kubeadm does).
    code: "PL-HOST-033",
    title: "Kubelet: client certificate rotation disabled",
    severity: Medium,
    references: ["CIS-K8s-4.2.10"],
    bad: "==> /var/lib/kubelet/config.yaml <==\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nrotateCertificates: false\n",
    good: "==> /var/lib/kubelet/config.yaml <==\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nrotateCertificates: true\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::kubelet(input, "rotate-certificates", &["rotateCertificates"], ("true", "true"), out, |v| {
        helpers::is_false(v).then(|| "kubelet client certificate rotation is disabled".to_string())
    });
}
