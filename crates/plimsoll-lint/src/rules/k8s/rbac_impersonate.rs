use crate::k8s::{hit, K8sSet};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags Roles and ClusterRoles that grant `impersonate` (directly or through `*`) on
    /// users, groups, service accounts or user extras.
    ///
    /// ## Why it matters
    /// Impersonation lets the subject act as another identity, including more privileged ones:
    /// `kubectl --as=system:admin`.
    ///
    /// ## How to fix
    /// Remove `impersonate`, or restrict it with `resourceNames` to specific identities.
    code: "PL-K8S-029",
    title: "RBAC grants impersonation",
    severity: High,
    references: ["CIS-K8s-5.1.8"],
    bad: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- apiGroups: [\"\"]\n  resources: [users, groups]\n  verbs: [impersonate]\n",
    good: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- apiGroups: [\"\"]\n  resources: [users]\n  verbs: [get]\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    use super::rbac_wildcard::{role_rules, strings};
    for (obj, rule) in role_rules(set) {
        let resources = strings(rule, "resources");
        let verbs = strings(rule, "verbs");
        let targets = resources.iter().any(|r| {
            matches!(*r, "users" | "groups" | "serviceaccounts" | "userextras" | "uids" | "*")
                || r.starts_with("userextras/")
        });
        let impersonates = verbs.iter().any(|v| matches!(*v, "impersonate" | "*"));
        let limited = !strings(rule, "resourceNames").is_empty();
        if targets
            && impersonates
            && !limited
            && (verbs.contains(&"impersonate") || resources.iter().any(|r| matches!(*r, "users" | "groups" | "*")))
        {
            out.push(hit(
                obj,
                rule.entry("verbs").map_or(rule, |(k, _)| k),
                "grants impersonation of users, groups or service accounts",
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
        assert_fires(&RULE, "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n- apiGroups: ['']\n  resources: [serviceaccounts]\n  verbs: [impersonate]\n");
        assert_quiet(&RULE, "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n- apiGroups: ['']\n  resources: [serviceaccounts]\n  verbs: [impersonate]\n  resourceNames: [builder]\n");
    }
}
