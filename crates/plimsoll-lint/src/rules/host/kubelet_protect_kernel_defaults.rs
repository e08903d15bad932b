use super::helpers;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a kubelet without `protectKernelDefaults: true` (or `--protect-kernel-defaults`). CIS Kubernetes Benchmark v1.6 numbered it 4.2.6; v1.8 dropped it.
    ///
    /// ## Why it matters
    /// With it the kubelet refuses to run when kernel tunables differ from what it needs, instead of silently changing them; without it, pods relying on sysctls may change node behaviour unnoticed.
    ///
    /// ## How to fix
    /// Set `protectKernelDefaults: true` and the kernel parameters the kubelet expects (`vm.overcommit_memory=1`, `kernel.panic=10`, `kernel.panic_on_oops=1`).
    code: "PL-HOST-032",
    title: "Kubelet: kernel defaults not protected",
    severity: Low,
    references: ["CIS-K8s-v1.6-4.2.6"],
    bad: "==> /var/lib/kubelet/config.yaml <==\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0\n",
    good: "==> /var/lib/kubelet/config.yaml <==\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nprotectKernelDefaults: true\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::kubelet(input, "protect-kernel-defaults", &["protectKernelDefaults"], ("false", "false"), out, |v| {
        (!helpers::is_true(v)).then(|| "protectKernelDefaults is not true".to_string())
    });
}
