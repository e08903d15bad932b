use crate::k8s::{hit, K8sSet};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags Roles and ClusterRoles that grant `escalate` or `bind` (directly or through `*`)
    /// on `roles`/`clusterroles` of the RBAC API group.
    ///
    /// ## Why it matters
    /// RBAC normally prevents a user from granting permissions they do not hold. `escalate`
    /// lets the subject edit roles to add any permission; `bind` lets it bind any existing role,
    /// such as `cluster-admin`, to itself. Either is a path to cluster admin.
    ///
    /// ## How to fix
    /// Remove these verbs; reserve them for cluster administrators.
    code: "PL-K8S-028",
    title: "RBAC grants escalate or bind on roles",
    severity: High,
    references: ["CKV_K8S_157", "CKV_K8S_158", "CIS-K8s-5.1.8"],
    bad: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [get, escalate]\n",
    good: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [get, list]\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    use super::rbac_wildcard::{role_rules, strings};
    for (obj, rule) in role_rules(set) {
        let groups = strings(rule, "apiGroups");
        let resources = strings(rule, "resources");
        let verbs = strings(rule, "verbs");
        let rbac_group = groups.iter().any(|g| *g == "rbac.authorization.k8s.io" || *g == "*");
        let roles = resources.iter().any(|r| matches!(*r, "roles" | "clusterroles" | "*"));
        let bad: Vec<&str> = verbs.iter().copied().filter(|v| matches!(*v, "escalate" | "bind" | "*")).collect();
        if rbac_group && roles && !bad.is_empty() {
            out.push(hit(
                obj,
                rule.entry("verbs").map_or(rule, |(k, _)| k),
                format!("grants {} on roles", bad.join("/")),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n- apiGroups: [rbac.authorization.k8s.io]\n  resources: [rolebindings, roles]\n  verbs: ['*']\n");
        assert_quiet(&RULE, "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n- apiGroups: ['', rbac.authorization.k8s.io, apps]\n  resources: [pods, serviceaccounts]\n  verbs: ['*']\n");
    }
}
