use crate::k8s::pss::Control;
use crate::k8s::K8sSet;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Pod Security Standards, baseline profile: the *Unsafe sysctl* control, checked on every pod template (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate) at the latest policy version (or `LintConfig::pss_version`).
    ///
    /// Restricted fields and allowed values: spec.securityContext.sysctls[*].name: one of the safe sysctls.
    ///
    /// ## Why it matters
    /// Sysctls outside the namespaced safe set can change kernel behaviour for every pod on the node or disable security mechanisms.
    ///
    /// ## How to fix
    /// Remove the sysctl; only the safe set (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, and with newer versions net.ipv4.ip_local_reserved_ports, tcp_keepalive_*, tcp_fin_timeout, tcp_rmem, tcp_wmem, tcp_slow_start_after_idle, tcp_notsent_lowat) is allowed.
    code: "PL-K8S-012",
    title: "Unsafe sysctl",
    severity: High,
    references: ["PSS:baseline/sysctls"],
    bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n    sysctls:\n    - name: kernel.msgmax\n      value: \"65536\"\n  containers:\n  - name: app\n    image: registry.example.com/app:1.4.2\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop: [ALL]\n",
    good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n  - name: app\n    image: registry.example.com/app:1.4.2\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop: [ALL]\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    super::pss_control(Control::Sysctls, set, out);
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet, in_deployment};

    #[test]
    fn in_a_deployment_template() {
        assert_fires(&RULE, &in_deployment(RULE.bad));
        assert_quiet(&RULE, &in_deployment(RULE.good));
    }
}
