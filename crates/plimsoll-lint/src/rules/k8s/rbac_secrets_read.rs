use crate::k8s::{hit, K8sSet};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags Roles and ClusterRoles that allow `get`, `list` or `watch` (or `*`) on `secrets`
    /// in the core API group, without restricting them to named secrets.
    ///
    /// ## Why it matters
    /// Reading Secrets exposes every credential in the namespace (or cluster, for a
    /// ClusterRole), including service account tokens of more privileged workloads. `list` and
    /// `watch` return the secret contents too (CIS Kubernetes Benchmark 5.1.2).
    ///
    /// ## How to fix
    /// Use `resourceNames` to name the specific secrets, or mount the secret into the pod
    /// instead of reading it through the API.
    code: "PL-K8S-030",
    title: "RBAC allows reading Secrets",
    severity: Medium,
    references: ["CIS-K8s-5.1.2"],
    bad: "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: app}\nrules:\n- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get, list]\n",
    good: "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: app}\nrules:\n- apiGroups: [\"\"]\n  resources: [secrets]\n  resourceNames: [app-tls]\n  verbs: [get]\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    use super::rbac_wildcard::{role_rules, strings};
    for (obj, rule) in role_rules(set) {
        let core = strings(rule, "apiGroups").iter().any(|g| g.is_empty() || *g == "*");
        let secrets = strings(rule, "resources").iter().any(|r| matches!(*r, "secrets" | "*"));
        let read: Vec<&str> =
            strings(rule, "verbs").into_iter().filter(|v| matches!(*v, "get" | "list" | "watch" | "*")).collect();
        let named = !strings(rule, "resourceNames").is_empty();
        if core && secrets && !read.is_empty() && !named {
            out.push(hit(
                obj,
                rule.entry("verbs").map_or(rule, |(k, _)| k),
                format!("allows {} on secrets", read.join("/")),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::assert_quiet;

    #[test]
    fn other_groups() {
        assert_quiet(&RULE, "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n- apiGroups: [apps]\n  resources: [deployments]\n  verbs: ['*']\n");
    }
}
