use crate::k8s::{container_name, hit, K8sSet, CONTAINER_LISTS};
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags containers (and init containers) without CPU and memory requests.
    ///
    /// ## Why it matters
    /// Without requests the scheduler cannot place the pod sensibly and the pod gets the
    /// `BestEffort` QoS class: it is the first evicted under pressure.
    ///
    /// ## How to fix
    /// Set `resources.requests.cpu` and `resources.requests.memory`.
    code: "PL-K8S-021",
    title: "Container without CPU or memory requests",
    severity: Low,
    references: ["CKV_K8S_10", "CKV_K8S_12"],
    bad: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: app:1.0\n",
    good: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: app:1.0\n    resources:\n      requests: {cpu: 100m, memory: 128Mi}\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    for (obj, pod) in set.pods() {
        for l in &CONTAINER_LISTS[..2] {
            for c in pod.spec.get(l).map(Node::items).unwrap_or(&[]) {
                let m = super::resources_limits::missing(c, "requests");
                if !m.is_empty() {
                    out.push(hit(
                        obj,
                        super::resources_limits::section_at(c, "requests"),
                        format!("container {} has no {} request", container_name(c), m.join("/")),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::assert_fires;

    #[test]
    fn partial_requests() {
        assert_fires(&RULE, "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    resources: {requests: {cpu: 1}}\n");
    }
}
