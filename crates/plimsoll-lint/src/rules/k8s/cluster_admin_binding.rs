use crate::k8s::{hit, K8sSet};
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags RoleBindings and ClusterRoleBindings whose `roleRef` is the `cluster-admin`
    /// ClusterRole, unless the only subject is the `system:masters` group.
    ///
    /// ## Why it matters
    /// `cluster-admin` is superuser on the whole cluster (or the namespace, through a
    /// RoleBinding). Workloads and most people should never hold it (CIS Kubernetes Benchmark
    /// 5.1.1).
    ///
    /// ## How to fix
    /// Bind a role with only the permissions needed.
    code: "PL-K8S-031",
    title: "Binding to cluster-admin",
    severity: High,
    references: ["CIS-K8s-5.1.1"],
    bad: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ci}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects:\n- {kind: ServiceAccount, name: ci, namespace: build}\n",
    good: "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: ci, namespace: build}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}\nsubjects:\n- {kind: ServiceAccount, name: ci, namespace: build}\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    for o in set.objects.iter().filter(|o| matches!(o.kind.as_str(), "RoleBinding" | "ClusterRoleBinding")) {
        let Some(role_ref) = o.node.get("roleRef") else { continue };
        if role_ref.get("kind").and_then(Node::as_str) != Some("ClusterRole")
            || role_ref.get("name").and_then(Node::as_str) != Some("cluster-admin")
        {
            continue;
        }
        let subjects = o.node.get("subjects").map(Node::items).unwrap_or(&[]);
        let only_masters = !subjects.is_empty()
            && subjects.iter().all(|s| s.get("name").and_then(Node::as_str) == Some("system:masters"));
        if !only_masters {
            let who: Vec<String> = subjects
                .iter()
                .map(|s| {
                    format!(
                        "{}/{}",
                        s.get("kind").and_then(Node::as_str).unwrap_or("?"),
                        s.get("name").and_then(Node::as_str).unwrap_or("?")
                    )
                })
                .collect();
            let at = role_ref.entry("name").map_or(role_ref, |(k, _)| k);
            out.push(hit(o, at, format!("binds cluster-admin to {}", who.join(", "))));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::assert_quiet;

    #[test]
    fn masters_is_fine() {
        assert_quiet(&RULE, "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: x}\nroleRef: {kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: Group, name: 'system:masters'}]\n");
    }
}
