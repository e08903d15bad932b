use crate::k8s::pss::Control;
use crate::k8s::K8sSet;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Pod Security Standards, restricted profile: the *Volume type not allowed by the restricted profile* control, checked on every pod template (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate) at the latest policy version (or `LintConfig::pss_version`).
    ///
    /// Restricted fields and allowed values: spec.volumes[*]: only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret.
    ///
    /// ## Why it matters
    /// The restricted profile allows only volume types that do not give access to node resources or network storage directly: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret.
    ///
    /// ## How to fix
    /// Use a PersistentVolumeClaim for storage, or one of the allowed types.
    code: "PL-K8S-013",
    title: "Volume type not allowed by the restricted profile",
    severity: Medium,
    references: ["PSS:restricted/volumeTypes"],
    bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  volumes:\n  - name: data\n    nfs:\n      server: nfs.example.com\n      path: /export\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n  - name: app\n    image: registry.example.com/app:1.4.2\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop: [ALL]\n",
    good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n  - name: app\n    image: registry.example.com/app:1.4.2\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop: [ALL]\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    super::pss_control(Control::VolumeTypes, set, out);
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
