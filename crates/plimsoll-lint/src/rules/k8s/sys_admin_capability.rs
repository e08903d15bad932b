use crate::k8s::{container_name, hit, K8sSet};
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags containers that add `SYS_ADMIN` (or `ALL`) capabilities.
    ///
    /// ## Why it matters
    /// `CAP_SYS_ADMIN` is "the new root": it allows mounting filesystems, many namespace and
    /// BPF operations, and several known container escapes.
    ///
    /// ## How to fix
    /// Remove it; find the narrower capability or the device plugin the workload really needs.
    code: "PL-K8S-037",
    title: "SYS_ADMIN capability added",
    severity: High,
    references: ["CKV_K8S_39"],
    bad: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: app:1.0\n    securityContext:\n      capabilities: {add: [SYS_ADMIN]}\n",
    good: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: app:1.0\n    securityContext:\n      capabilities: {drop: [ALL]}\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    for (obj, pod) in set.pods() {
        for (_, c) in pod.containers() {
            for cap in c.path(&["securityContext", "capabilities", "add"]).map(Node::items).unwrap_or(&[]) {
                let name = cap.as_str().unwrap_or("").trim_start_matches("CAP_").to_ascii_uppercase();
                if name == "SYS_ADMIN" || name == "ALL" {
                    out.push(hit(obj, cap, format!("container {} adds {name}", container_name(c))));
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
    fn cap_prefix() {
        assert_fires(&RULE, "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: a, securityContext: {capabilities: {add: [CAP_SYS_ADMIN]}}}]\n");
    }
}
