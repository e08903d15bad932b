use crate::k8s::pss::Control;
use crate::k8s::K8sSet;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Pod Security Standards, baseline profile: the *AppArmor profile overridden* control, checked on every pod template (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate) at the latest policy version (or `LintConfig::pss_version`).
    ///
    /// Restricted fields and allowed values: spec.securityContext.appArmorProfile.type, spec.{containers,...}[*].securityContext.appArmorProfile.type: undefined, RuntimeDefault or Localhost; metadata.annotations['container.apparmor.security.beta.kubernetes.io/*']: undefined, runtime/default or localhost/*.
    ///
    /// ## Why it matters
    /// On hosts with AppArmor the runtime's default profile is applied; `unconfined` (or an unknown profile type) removes that protection.
    ///
    /// ## How to fix
    /// Leave AppArmor unset, or use `RuntimeDefault` or a `Localhost` profile (`appArmorProfile.type`, or the legacy annotation values `runtime/default` / `localhost/*`).
    code: "PL-K8S-008",
    title: "AppArmor profile overridden",
    severity: High,
    references: ["PSS:baseline/appArmor"],
    bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n    appArmorProfile:\n      type: Unconfined\n  containers:\n  - name: app\n    image: registry.example.com/app:1.4.2\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop: [ALL]\n",
    good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n  - name: app\n    image: registry.example.com/app:1.4.2\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop: [ALL]\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    super::pss_control(Control::AppArmor, set, out);
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
