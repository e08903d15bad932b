use crate::k8s::pss::Control;
use crate::k8s::K8sSet;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Pod Security Standards, baseline profile: the *Probe or lifecycle hook targets another host* control, checked on every pod template (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate) at the latest policy version (or `LintConfig::pss_version`).
    ///
    /// Restricted fields and allowed values: spec.{containers,initContainers}[*].{livenessProbe,readinessProbe,startupProbe}.{httpGet,tcpSocket}.host and .lifecycle.{postStart,preStop}.{httpGet,tcpSocket}.host: undefined or empty.
    ///
    /// ## Why it matters
    /// The kubelet runs probes and HTTP/TCP lifecycle hooks from the node. Setting `host` lets a pod author make the kubelet send requests to arbitrary hosts reachable from the node (SSRF), for example cloud metadata endpoints. Enforced from policy version 1.34.
    ///
    /// ## How to fix
    /// Remove the `host` field from `httpGet` and `tcpSocket` in probes and lifecycle handlers; they then target the pod's IP.
    code: "PL-K8S-007",
    title: "Probe or lifecycle hook targets another host",
    severity: Medium,
    references: ["PSS:baseline/hostProbesAndLifecycle"],
    bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n  - name: app\n    image: registry.example.com/app:1.4.2\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop: [ALL]\n    livenessProbe:\n      httpGet:\n        host: 169.254.169.254\n        path: /\n        port: 80\n",
    good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n  - name: app\n    image: registry.example.com/app:1.4.2\n    securityContext:\n      allowPrivilegeEscalation: false\n      capabilities:\n        drop: [ALL]\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    super::pss_control(Control::HostProbesAndLifecycle, set, out);
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
