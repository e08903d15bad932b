use crate::k8s::{hit, K8sSet};
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags RoleBindings and ClusterRoleBindings with the subject `system:anonymous` (the user
    /// of every request without credentials) or `system:unauthenticated` (its group). Kubernetes'
    /// own `system:public-info-viewer` binding (health and version endpoints) is not flagged.
    ///
    /// ## Why it matters
    /// Whatever the bound role allows, anyone who can reach the API server can do without
    /// logging in: a misread "read-only for everyone" binding has exposed Secrets and let
    /// attackers create pods (CIS Kubernetes Benchmark 5.1.1; kube-bench and Kubescape C-0262).
    ///
    /// ## How to fix
    /// Bind the role to the authenticated users or service accounts that need it, and keep
    /// `--anonymous-auth=false` on the API server where possible.
    code: "PL-K8S-050",
    title: "Binding grants access to unauthenticated users",
    severity: Critical,
    references: ["CIS-K8s-5.1.1", "C-0262"],
    bad: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: open-view}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects:\n- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: 'system:unauthenticated'}\n",
    good: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: team-view}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects:\n- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: team-a}\n",
    check: Kubernetes(check),
}

/// The built-in binding of `system:public-info-viewer` (`/healthz`, `/version`) to everyone.
const DEFAULT_PUBLIC_ROLE: &str = "system:public-info-viewer";

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    for o in set.objects.iter().filter(|o| matches!(o.kind.as_str(), "RoleBinding" | "ClusterRoleBinding")) {
        let role = o.node.path(&["roleRef", "name"]).and_then(Node::as_str).unwrap_or("?");
        if role == DEFAULT_PUBLIC_ROLE {
            continue;
        }
        for s in o.node.get("subjects").map(Node::items).unwrap_or(&[]) {
            let name = s.get("name").and_then(Node::as_str).unwrap_or("");
            if matches!(name, "system:anonymous" | "system:unauthenticated") {
                out.push(hit(o, s, format!("binds {role} to {name}: anyone who can reach the API server holds it")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn anonymous_user_and_default_binding() {
        assert_fires(&RULE, "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: x, namespace: a}\nroleRef: {kind: Role, name: r}\nsubjects: [{kind: User, name: 'system:anonymous'}]\n");
        assert_quiet(&RULE, "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: 'system:public-info-viewer'}\nroleRef: {kind: ClusterRole, name: 'system:public-info-viewer'}\nsubjects: [{kind: Group, name: 'system:authenticated'}, {kind: Group, name: 'system:unauthenticated'}]\n");
    }
}
