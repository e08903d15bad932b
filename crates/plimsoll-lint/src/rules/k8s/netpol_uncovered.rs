use crate::k8s::{hit, K8sSet};
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags workloads whose pods no NetworkPolicy in their namespace selects, looking at all
    /// files of the run together (policies usually live in a different file than the
    /// Deployment).
    ///
    /// ## Why it matters
    /// Pods that no policy selects accept traffic from, and send traffic to, any pod in the
    /// cluster: one compromised pod can reach them all (CIS Kubernetes Benchmark 5.3.2).
    ///
    /// ## How to fix
    /// Add a NetworkPolicy whose `podSelector` matches the workload's pod labels (or a
    /// namespace-wide default-deny policy with `podSelector: {}`) and allow only the traffic
    /// it needs.
    code: "PL-K8S-032",
    title: "Workload not covered by any NetworkPolicy",
    severity: Medium,
    references: ["CIS-K8s-5.3.2"],
    bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers: [{name: api, image: 'api:1.0'}]\n",
    good: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers: [{name: api, image: 'api:1.0'}]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: api, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  policyTypes: [Ingress]\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n",
    set_wide: true,
    check: Kubernetes(check),
}

/// Does a label selector (`matchLabels` + `matchExpressions`) select these labels?
/// An empty selector selects everything.
pub(crate) fn selects(selector: &Node, labels: &[(&str, &str)]) -> bool {
    let get = |k: &str| labels.iter().find(|(lk, _)| *lk == k).map(|(_, v)| *v);
    let ml = selector.get("matchLabels").map(|m| m.entries().all(|(k, v)| get(k) == v.as_str())).unwrap_or(true);
    let me = selector.get("matchExpressions").map(Node::items).unwrap_or(&[]).iter().all(|e| {
        let key = e.get("key").and_then(Node::as_str).unwrap_or("");
        let values: Vec<&str> =
            e.get("values").map(Node::items).unwrap_or(&[]).iter().filter_map(Node::as_str).collect();
        match (e.get("operator").and_then(Node::as_str), get(key)) {
            (Some("In"), Some(v)) => values.contains(&v),
            (Some("NotIn"), Some(v)) => !values.contains(&v),
            (Some("NotIn"), None) => true,
            (Some("Exists"), v) => v.is_some(),
            (Some("DoesNotExist"), v) => v.is_none(),
            _ => false,
        }
    });
    ml && me
}

pub(crate) fn policies<'a>(set: &'a K8sSet, ns: &'a str) -> impl Iterator<Item = &'a crate::k8s::K8sObject> + 'a {
    set.objects.iter().filter(move |o| o.kind == "NetworkPolicy" && o.namespace() == ns)
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    for (obj, pod) in set.pods() {
        // Pods of templates a controller creates; skip the PodTemplate kind (not a workload).
        if obj.kind == "PodTemplate" {
            continue;
        }
        let labels = pod.labels();
        let covered = policies(set, obj.namespace())
            .any(|p| p.node.path(&["spec", "podSelector"]).is_none_or(|s| selects(s, &labels)));
        if !covered {
            out.push(hit(
                obj,
                &obj.node,
                format!("no NetworkPolicy in namespace {} selects these pods", obj.namespace()),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testutil::{assert_fires, assert_quiet};
    use crate::yaml::parse_documents;

    #[test]
    fn selectors() {
        let s = &parse_documents("matchLabels: {app: a}\nmatchExpressions:\n- {key: tier, operator: In, values: [web, api]}\n- {key: canary, operator: DoesNotExist}\n").unwrap()[0];
        assert!(selects(s, &[("app", "a"), ("tier", "api")]));
        assert!(!selects(s, &[("app", "a"), ("tier", "db")]));
        assert!(!selects(s, &[("app", "a"), ("tier", "web"), ("canary", "1")]));
        assert!(selects(&parse_documents("{}").unwrap()[0], &[]));
    }

    #[test]
    fn other_namespace_does_not_count() {
        let policy_elsewhere = RULE.good.replace(
            "metadata: {name: api, namespace: shop}\nspec:\n  podSelector",
            "metadata: {name: api, namespace: other}\nspec:\n  podSelector",
        );
        assert_fires(&RULE, &policy_elsewhere);
        assert_quiet(&RULE, &(RULE.bad.to_string() + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec: {podSelector: {}}\n"));
    }
}
