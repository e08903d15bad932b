use crate::k8s::{hit, K8sSet};
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;
use std::collections::HashMap;

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

/// The NetworkPolicies of one namespace, indexed so that checking a pod does not visit every
/// policy: a policy selecting all pods sets `all`; one with only `matchLabels` is filed under one
/// of its pairs (a pod lacking that pair cannot match); the rest are tried on every pod.
#[derive(Default)]
struct NamespacePolicies<'a> {
    all: bool,
    by_pair: HashMap<(&'a str, &'a str), Vec<&'a Node>>,
    general: Vec<&'a Node>,
}

fn index(set: &K8sSet) -> HashMap<&str, NamespacePolicies<'_>> {
    let mut m: HashMap<&str, NamespacePolicies<'_>> = HashMap::new();
    for p in set.objects.iter().filter(|o| o.kind == "NetworkPolicy") {
        let e = m.entry(p.namespace()).or_default();
        let Some(sel) = p.node.path(&["spec", "podSelector"]) else {
            e.all = true;
            continue;
        };
        let has_expr = sel.get("matchExpressions").is_some_and(|x| !x.items().is_empty());
        let mut pairs = sel.get("matchLabels").into_iter().flat_map(|m| m.entries());
        match (has_expr, pairs.next()) {
            // An empty selector selects every pod of the namespace.
            (false, None) => e.all = true,
            (false, Some((k, v))) if v.as_str().is_some() => {
                e.by_pair.entry((k, v.as_str().unwrap_or_default())).or_default().push(sel)
            }
            _ => e.general.push(sel),
        }
    }
    m
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    let index = index(set);
    for (obj, pod) in set.pods() {
        // Pods of templates a controller creates; skip the PodTemplate kind (not a workload).
        if obj.kind == "PodTemplate" {
            continue;
        }
        let labels = pod.labels();
        let covered = index.get(obj.namespace()).is_some_and(|ns| {
            ns.all
                || labels.iter().any(|pair| ns.by_pair.get(pair).is_some_and(|v| v.iter().any(|s| selects(s, &labels))))
                || ns.general.iter().any(|s| selects(s, &labels))
        });
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
