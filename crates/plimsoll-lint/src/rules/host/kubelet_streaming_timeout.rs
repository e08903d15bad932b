use super::helpers;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a kubelet whose `streamingConnectionIdleTimeout` (or `--streaming-connection-idle-timeout`) is 0.
    ///
    /// ## Why it matters
    /// Idle `exec` and `port-forward` sessions that never time out keep doors open and can exhaust the node.
    ///
    /// ## How to fix
    /// Set `streamingConnectionIdleTimeout: 5m` (or another non-zero duration).
    code: "PL-HOST-031",
    title: "Kubelet: streaming connections never time out",
    severity: Low,
    references: ["CIS-K8s-4.2.5"],
    bad: "==> /var/lib/kubelet/config.yaml <==\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstreamingConnectionIdleTimeout: 0s\n",
    good: "==> /var/lib/kubelet/config.yaml <==\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstreamingConnectionIdleTimeout: 5m0s\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::kubelet(
        input,
        "streaming-connection-idle-timeout",
        &["streamingConnectionIdleTimeout"],
        ("4h0m0s", "4h0m0s"),
        out,
        |v| {
            // A Go duration is zero when every number in it is zero (`0`, `0s`, `0h0m0s`).
            let zero = !v.is_empty() && v.chars().filter(char::is_ascii_digit).all(|c| c == '0');
            zero.then(|| format!("streaming connections never time out ({v})"))
        },
    );
}
