use super::helpers;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a kubelet whose `authentication.anonymous.enabled` (or `--anonymous-auth`) is true. Without either, the config file's default (false) applies, or the flag's (true) when the kubelet has no config file.
    ///
    /// ## Why it matters
    /// The kubelet API runs commands in pods and reads their logs; anonymous access to it is remote code execution on the node.
    ///
    /// ## How to fix
    /// Set `authentication: {anonymous: {enabled: false}}` in `/var/lib/kubelet/config.yaml`.
    code: "PL-HOST-028",
    title: "Kubelet: anonymous requests allowed",
    severity: High,
    references: ["CIS-K8s-4.2.1"],
    bad: "==> /var/lib/kubelet/config.yaml <==\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: true\n",
    good: "==> /var/lib/kubelet/config.yaml <==\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::kubelet(
        input,
        "anonymous-auth",
        &["authentication", "anonymous", "enabled"],
        ("false", "true"),
        out,
        |v| (!helpers::is_false(v)).then(|| format!("anonymous requests to the kubelet are allowed ({v})")),
    );
}
