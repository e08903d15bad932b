use crate::k8s::{container_name, hit, K8sSet, CONTAINER_LISTS};
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags containers without `securityContext.readOnlyRootFilesystem: true`.
    ///
    /// ## Why it matters
    /// A writable root filesystem lets an attacker who gets code execution drop tools, modify
    /// binaries or persist across process restarts (CIS Kubernetes / Docker 5.12).
    ///
    /// ## How to fix
    /// Set `readOnlyRootFilesystem: true` and mount `emptyDir` volumes for the paths the
    /// application must write (`/tmp`, caches).
    code: "PL-K8S-022",
    title: "Root filesystem is writable",
    severity: Low,
    references: ["CKV_K8S_22", "CIS-Docker-5.13"],
    bad: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: app:1.0\n",
    good: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: app:1.0\n    securityContext: {readOnlyRootFilesystem: true}\n    volumeMounts: [{name: tmp, mountPath: /tmp}]\n  volumes: [{name: tmp, emptyDir: {}}]\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    for (obj, pod) in set.pods() {
        for l in &CONTAINER_LISTS[..2] {
            for c in pod.spec.get(l).map(Node::items).unwrap_or(&[]) {
                let ro = c.get("securityContext").and_then(|s| s.entry("readOnlyRootFilesystem"));
                if !ro.is_some_and(|(_, v)| v.is_true()) {
                    out.push(hit(
                        obj,
                        ro.map_or(c, |(k, _)| k),
                        format!("container {} has a writable root filesystem", container_name(c)),
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
    fn explicit_false() {
        assert_fires(&RULE, "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    securityContext: {readOnlyRootFilesystem: false}\n");
    }
}
