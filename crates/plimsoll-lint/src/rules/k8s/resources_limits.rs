use crate::k8s::{container_name, hit, K8sSet, CONTAINER_LISTS};
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags containers (and init containers) without CPU and memory limits.
    ///
    /// ## Why it matters
    /// A container without limits can starve every other pod on its node (a noisy neighbour or
    /// a denial of service); memory without a limit is only reclaimed by the node's OOM killer.
    ///
    /// ## How to fix
    /// Set `resources.limits.cpu` and `resources.limits.memory`.
    code: "PL-K8S-020",
    title: "Container without CPU or memory limits",
    severity: Medium,
    references: ["CKV_K8S_11", "CKV_K8S_13"],
    bad: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: app:1.0\n    resources:\n      requests: {cpu: 100m, memory: 128Mi}\n",
    good: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: app:1.0\n    resources:\n      requests: {cpu: 100m, memory: 128Mi}\n      limits: {cpu: 500m, memory: 256Mi}\n",
    check: Kubernetes(check),
}

/// Where a missing resource setting is reported: the `limits`/`requests` key when the section
/// exists but lacks a value, else `resources`, else the container.
pub(crate) fn section_at<'a>(c: &'a Node, section: &str) -> &'a Node {
    let res = c.entry("resources");
    res.and_then(|(_, r)| r.entry(section)).or(res).map_or(c, |(k, _)| k)
}

pub(crate) fn missing(c: &Node, section: &str) -> Vec<&'static str> {
    let s = c.path(&["resources", section]);
    ["cpu", "memory"].into_iter().filter(|k| s.and_then(|s| s.get(k)).is_none_or(Node::is_null)).collect()
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    for (obj, pod) in set.pods() {
        for l in &CONTAINER_LISTS[..2] {
            for c in pod.spec.get(l).map(Node::items).unwrap_or(&[]) {
                let m = missing(c, "limits");
                if !m.is_empty() {
                    out.push(hit(
                        obj,
                        section_at(c, "limits"),
                        format!("container {} has no {} limit", container_name(c), m.join("/")),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: a\n            resources: {limits: {cpu: 1}}\n");
        assert_quiet(&RULE, "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {}\n");
    }
}
