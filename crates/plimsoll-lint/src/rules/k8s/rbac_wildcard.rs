use crate::k8s::{hit, K8sSet};
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that use `*` in `apiGroups`, `resources` or `verbs`.
    ///
    /// ## Why it matters
    /// Wildcards grant everything that exists now and everything added later (new resources,
    /// CRDs, subresources such as `pods/exec`), which defeats least privilege (CIS Kubernetes
    /// Benchmark 5.1.3).
    ///
    /// ## How to fix
    /// List the API groups, resources and verbs the subject actually needs.
    code: "PL-K8S-027",
    title: "RBAC rule with wildcards",
    severity: High,
    references: ["CKV_K8S_49", "CIS-K8s-5.1.3"],
    bad: "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: app}\nrules:\n- apiGroups: [\"\"]\n  resources: [\"*\"]\n  verbs: [\"get\", \"list\"]\n",
    good: "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: app}\nrules:\n- apiGroups: [\"\"]\n  resources: [\"configmaps\"]\n  verbs: [\"get\", \"list\"]\n",
    check: Kubernetes(check),
}

/// The `rules` of Roles and ClusterRoles.
pub(crate) fn role_rules(set: &K8sSet) -> impl Iterator<Item = (&crate::k8s::K8sObject, &Node)> {
    set.objects
        .iter()
        .filter(|o| matches!(o.kind.as_str(), "Role" | "ClusterRole"))
        .flat_map(|o| o.node.get("rules").map(Node::items).unwrap_or(&[]).iter().map(move |r| (o, r)))
}

pub(crate) fn strings<'a>(rule: &'a Node, key: &str) -> Vec<&'a str> {
    rule.get(key).map(Node::items).unwrap_or(&[]).iter().filter_map(Node::as_str).collect()
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    // One hit per field with a wildcard, on that field's line.
    for (obj, rule) in role_rules(set) {
        for k in ["apiGroups", "resources", "verbs"] {
            if strings(rule, k).contains(&"*") {
                out.push(hit(obj, rule.entry(k).map_or(rule, |(key, _)| key), format!("wildcard in {k}")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::assert_fires;

    #[test]
    fn wildcard_verbs() {
        assert_fires(&RULE, "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- apiGroups: [apps]\n  resources: [deployments]\n  verbs: ['*']\n");
    }
}
