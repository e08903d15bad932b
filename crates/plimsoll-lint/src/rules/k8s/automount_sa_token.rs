use crate::k8s::{hit, K8sSet};
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags pod templates that do not set `automountServiceAccountToken: false`, unless the
    /// ServiceAccount they use (defined in the same run) disables automounting.
    ///
    /// ## Why it matters
    /// Every pod gets an API token for its service account mounted by default. Most
    /// applications never call the Kubernetes API; for them the token only helps an attacker
    /// move from the pod to the cluster.
    ///
    /// ## How to fix
    /// Set `automountServiceAccountToken: false` in the pod spec (or on the ServiceAccount), and
    /// mount a projected token only where the API is needed.
    code: "PL-K8S-023",
    title: "Service account token mounted automatically",
    severity: Low,
    references: ["CKV_K8S_38"],
    bad: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: app:1.0\n",
    good: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  automountServiceAccountToken: false\n  containers:\n  - name: app\n    image: app:1.0\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    // (namespace, name) of service accounts that turn the token off, found once (linear time).
    let off: std::collections::HashSet<(&str, &str)> = set
        .objects
        .iter()
        .filter(|o| {
            o.kind == "ServiceAccount"
                && o.node.get("automountServiceAccountToken").and_then(Node::as_bool) == Some(false)
        })
        .map(|o| (o.namespace(), o.name.as_str()))
        .collect();
    for (obj, pod) in set.pods() {
        let at = match pod.spec.entry("automountServiceAccountToken") {
            Some((_, v)) if v.as_bool() == Some(false) => continue,
            // Set to true (or to something that is not false): point at the key.
            Some((k, _)) => k,
            None => {
                let sa = pod.spec.get("serviceAccountName").and_then(Node::as_str).unwrap_or("default");
                if off.contains(&(obj.namespace(), sa)) {
                    continue;
                }
                // Absent: the object is what lacks the setting.
                &obj.node
            }
        };
        out.push(hit(obj, at, "the service account token is mounted; set automountServiceAccountToken: false"));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::assert_quiet;

    #[test]
    fn service_account_disables_it() {
        assert_quiet(&RULE, "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app}\nautomountServiceAccountToken: false\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  serviceAccountName: app\n  containers: [{name: a}]\n");
    }
}
