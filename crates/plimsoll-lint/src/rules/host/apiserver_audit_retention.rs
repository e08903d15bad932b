use crate::host::Component;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags an audited kube-apiserver whose `--audit-log-maxage` is below 30 days (CIS 1.2.18), `--audit-log-maxbackup` below 10 files (CIS 1.2.19) or `--audit-log-maxsize` below 100 MB (CIS 1.2.20), or not set.
    ///
    /// ## Why it matters
    /// Audit logs rotated away too soon are gone before an intrusion is noticed.
    ///
    /// ## How to fix
    /// Set `--audit-log-maxage=30`, `--audit-log-maxbackup=10` and `--audit-log-maxsize=100` (or more).
    code: "PL-HOST-017",
    title: "API server: audit log retention too short",
    severity: Low,
    references: ["CIS-K8s-1.2.18", "CIS-K8s-1.2.19", "CIS-K8s-1.2.20"],
    bad: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --audit-log-path=/var/log/kubernetes/audit.log\n    - --audit-log-maxage=7\n",
    good: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --audit-log-path=/var/log/kubernetes/audit.log\n    - --audit-log-maxage=30\n    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    let Some(pod) = input.pod(Component::ApiServer) else { return };
    if pod.arg("audit-log-path").is_none() {
        return; // PL-HOST-016 says so; retention of no log means nothing
    }
    for (flag, min, cis) in [
        ("audit-log-maxage", 30, "1.2.18"),
        ("audit-log-maxbackup", 10, "1.2.19"),
        ("audit-log-maxsize", 100, "1.2.20"),
    ] {
        let arg = pod.arg(flag);
        match arg.and_then(|a| a.value.as_deref()).map(|v| (v, v.parse::<u64>())) {
            Some((_, Ok(n))) if n >= min => {}
            Some((v, _)) => out.push(pod.hit(arg, format!("--{flag}={v}, below {min} (CIS {cis})"))),
            None => out.push(pod.hit(None, format!("--{flag} is not set; CIS {cis} asks for {min} or more"))),
        }
    }
}
