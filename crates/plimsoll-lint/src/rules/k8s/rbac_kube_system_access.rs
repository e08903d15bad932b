use std::collections::HashMap;

use crate::k8s::{hit, K8sObject, K8sSet};
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Names who can read Secrets or create pods in `kube-system`: for every RoleBinding in
    /// `kube-system` and every ClusterRoleBinding, it looks up the bound Role or ClusterRole in
    /// the same set of objects and flags the binding when the role allows `get`/`list`/`watch`
    /// on `secrets` or `create` on `pods` (wildcards included). Kubernetes' own bindings and
    /// subjects (names starting with `system:`) and `cluster-admin` bindings (PL-K8S-031) are
    /// left out; a binding whose role is not in the set is not judged.
    ///
    /// ## Why it matters
    /// `kube-system` holds the control plane's credentials: the service account tokens of
    /// controllers that can do anything, bootstrap tokens, cloud keys. Reading its Secrets, or
    /// creating a pod there that mounts one, is a direct path to cluster-admin (CIS Kubernetes
    /// Benchmark 5.1.2 and 5.1.4).
    ///
    /// ## How to fix
    /// Bind such roles only in the namespaces that need them (a RoleBinding outside
    /// `kube-system` instead of a ClusterRoleBinding), or narrow the role with `resourceNames`.
    code: "PL-K8S-051",
    title: "Subject can read Secrets or create pods in kube-system",
    severity: High,
    references: ["CIS-K8s-5.1.2", "CIS-K8s-5.1.4"],
    bad: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: secret-reader}\nrules:\n- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get, list]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ci-secrets}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}\nsubjects:\n- {kind: ServiceAccount, name: ci, namespace: build}\n",
    good: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: secret-reader}\nrules:\n- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get, list]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: ci-secrets, namespace: build}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}\nsubjects:\n- {kind: ServiceAccount, name: ci, namespace: build}\n",
    check: Kubernetes(check),
}

/// What a role allows that matters here: (read secrets, create pods).
fn grants(role: &K8sObject) -> (bool, bool) {
    use super::rbac_wildcard::strings;
    let (mut secrets, mut pods) = (false, false);
    for rule in role.node.get("rules").map(Node::items).unwrap_or(&[]) {
        let core = strings(rule, "apiGroups").iter().any(|g| g.is_empty() || *g == "*");
        // Restricted to named objects: not "the Secrets" (nor a pod yet to be named).
        if !core || !strings(rule, "resourceNames").is_empty() {
            continue;
        }
        let res = strings(rule, "resources");
        let verbs = strings(rule, "verbs");
        let has = |r: &str| res.iter().any(|x| *x == r || *x == "*");
        secrets |= has("secrets") && verbs.iter().any(|v| matches!(*v, "get" | "list" | "watch" | "*"));
        pods |= has("pods") && verbs.iter().any(|v| matches!(*v, "create" | "*"));
    }
    (secrets, pods)
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    let mut cluster_roles: HashMap<&str, &K8sObject> = HashMap::new();
    let mut roles: HashMap<&str, &K8sObject> = HashMap::new();
    for o in &set.objects {
        match o.kind.as_str() {
            "ClusterRole" => {
                cluster_roles.insert(&o.name, o);
            }
            "Role" if o.namespace() == "kube-system" => {
                roles.insert(&o.name, o);
            }
            _ => {}
        }
    }
    for b in &set.objects {
        let applies = match b.kind.as_str() {
            "ClusterRoleBinding" => true,
            "RoleBinding" => b.namespace() == "kube-system",
            _ => false,
        };
        if !applies || b.name.starts_with("system:") {
            continue;
        }
        let Some(role_ref) = b.node.get("roleRef") else { continue };
        let role_name = role_ref.get("name").and_then(Node::as_str).unwrap_or("");
        let role = match role_ref.get("kind").and_then(Node::as_str) {
            Some("ClusterRole") if role_name != "cluster-admin" => cluster_roles.get(role_name),
            Some("Role") => roles.get(role_name),
            _ => None,
        };
        let Some(role) = role else { continue };
        let what = match grants(role) {
            (true, true) => "read Secrets and create pods",
            (true, false) => "read Secrets",
            (false, true) => "create pods",
            (false, false) => continue,
        };
        let who: Vec<String> = b
            .node
            .get("subjects")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter_map(|s| {
                let name = s.get("name").and_then(Node::as_str)?;
                if name.starts_with("system:") {
                    return None;
                }
                let kind = s.get("kind").and_then(Node::as_str).unwrap_or("?");
                Some(match s.get("namespace").and_then(Node::as_str) {
                    Some(ns) if kind == "ServiceAccount" => format!("{kind}/{ns}/{name}"),
                    _ => format!("{kind}/{name}"),
                })
            })
            .collect();
        if !who.is_empty() {
            out.push(hit(
                b,
                role_ref,
                format!("{} can {what} in kube-system (through {} {role_name})", who.join(", "), role.kind),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_quiet, hits};

    #[test]
    fn role_in_kube_system_and_wildcards() {
        let src = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: pods, namespace: kube-system}\nrules: [{apiGroups: ['*'], resources: ['*'], verbs: [create]}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: kube-system}\nroleRef: {kind: Role, name: pods}\nsubjects: [{kind: User, name: alice}, {kind: Group, name: 'system:masters'}]\n";
        let h = hits(&RULE, src);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].message, "User/alice can create pods in kube-system (through Role pods)");
        // The same Role bound elsewhere does not reach kube-system.
        assert_quiet(&RULE, &src.replace("name: b, namespace: kube-system", "name: b, namespace: apps"));
        // Named secrets only.
        assert_quiet(&RULE, "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules: [{apiGroups: [''], resources: [secrets], resourceNames: [tls], verbs: [get]}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole, name: r}\nsubjects: [{kind: User, name: alice}]\n");
    }
}
