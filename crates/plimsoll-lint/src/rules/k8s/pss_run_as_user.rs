use crate::k8s::pss::Control;
use crate::k8s::K8sSet;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Pod Security Standards, restricted profile: the *runAsUser set to 0* control, checked on every pod template (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate) at the latest policy version (or `LintConfig::pss_version`).
    ///
    /// Restricted fields and allowed values: spec.securityContext.runAsUser and spec.{containers,...}[*].securityContext.runAsUser: undefined or non-zero.
    ///
    /// ## Why it matters
    /// `runAsUser: 0` runs the container as root, overriding the image. Enforced from 1.23; pods in a user namespace are exempt from 1.35.
    ///
    /// ## How to fix
    /// Use a non-zero UID (for example 10001).
    code: "PL-K8S-016",
    title: "runAsUser set to 0",
    severity: Medium,
    references: ["PSS:restricted/runAsUser"],
    bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n  - name: app\n    image: registry.example.com/app:1.4.2\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop: [ALL]\n      runAsUser: 0\n",
    good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n  - name: app\n    image: registry.example.com/app:1.4.2\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop: [ALL]\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    super::pss_control(Control::RunAsUser, set, out);
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
