use crate::k8s::pss::Control;
use crate::k8s::K8sSet;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Pod Security Standards, baseline profile: the *Unmasked /proc mount* control, checked on every pod template (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate) at the latest policy version (or `LintConfig::pss_version`).
    ///
    /// Restricted fields and allowed values: spec.{containers,initContainers,ephemeralContainers}[*].securityContext.procMount: undefined or Default.
    ///
    /// ## Why it matters
    /// The default /proc masks hide kernel interfaces from the container; `procMount: Unmasked` exposes them. Since policy version 1.35 baseline allows it for pods in a user namespace (`hostUsers: false`).
    ///
    /// ## How to fix
    /// Remove `procMount` or set it to `Default`.
    code: "PL-K8S-010",
    title: "Unmasked /proc mount",
    severity: High,
    references: ["PSS:baseline/procMount"],
    bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n  - name: app\n    image: registry.example.com/app:1.4.2\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop: [ALL]\n      procMount: Unmasked\n",
    good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n  - name: app\n    image: registry.example.com/app:1.4.2\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop: [ALL]\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    super::pss_control(Control::ProcMount, set, out);
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
