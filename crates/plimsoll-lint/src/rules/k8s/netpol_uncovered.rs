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
    set_wide: true,
    check: Kubernetes(check),
}

/// Does a label selector (`matchLabels` + `matchExpressions`) select these labels?
/// An empty selector selects everything.
#[cfg(test)]
fn selects(selector: &Node, labels: &[(&str, &str)]) -> bool {
    selects_by(selector, |k| labels.iter().find(|(lk, _)| *lk == k).map(|(_, v)| *v))
}

/// Does a label selector (`matchLabels` + `matchExpressions`) select the labels `get` looks up?
/// (A map built once per pod keeps matching linear.) An empty selector selects everything.
fn selects_by<'l>(selector: &Node, get: impl Fn(&str) -> Option<&'l str>) -> bool {
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
/// policy (linear time, issue 17): a policy selecting all pods sets `all`; one requiring a label
/// pair (`matchLabels`, or `In` with its values) is filed under that pair, one requiring a key
/// (`Exists`) under the key, so a pod only tries the policies its own labels can satisfy; the
/// rest (only `NotIn`/`DoesNotExist`) are tried on every pod.
#[derive(Default)]
struct NamespacePolicies<'a> {
    all: bool,
    by_pair: HashMap<(&'a str, &'a str), Vec<&'a Node>>,
    by_key: HashMap<&'a str, Vec<&'a Node>>,
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
        let exprs = sel.get("matchExpressions").map(Node::items).unwrap_or(&[]);
        let labels = sel.get("matchLabels").map(|m| m.entries().collect::<Vec<_>>()).unwrap_or_default();
        if exprs.is_empty() && labels.is_empty() {
            // An empty selector selects every pod of the namespace.
            e.all = true;
        } else if let Some((k, v)) = labels.iter().find_map(|(k, v)| v.as_str().map(|v| (*k, v))) {
            e.by_pair.entry((k, v)).or_default().push(sel);
        } else if let Some((key, values)) = exprs.iter().find_map(|x| {
            let key = x.get("key").and_then(Node::as_str)?;
            match x.get("operator").and_then(Node::as_str)? {
                "In" => Some((key, Some(x.get("values").map(Node::items).unwrap_or(&[])))),
                "Exists" => Some((key, None)),
                _ => None,
            }
        }) {
            match values {
                // `In` with no values selects nothing.
                Some(values) => {
                    for v in values.iter().filter_map(Node::as_str) {
                        e.by_pair.entry((key, v)).or_default().push(sel);
                    }
                }
                None => e.by_key.entry(key).or_default().push(sel),
            }
        } else {
            e.general.push(sel);
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
        let mut by_key: HashMap<&str, &str> = HashMap::with_capacity(labels.len());
        for (k, v) in &labels {
            // The first of duplicate keys, as `selects` reads them.
            by_key.entry(k).or_insert(v);
        }
        let sel = |s: &&Node| selects_by(s, |k| by_key.get(k).copied());
        let covered = index.get(obj.namespace()).is_some_and(|ns| {
            ns.all
                || labels.iter().any(|pair| ns.by_pair.get(pair).is_some_and(|v| v.iter().any(sel)))
                || labels.iter().any(|(k, _)| ns.by_key.get(k).is_some_and(|v| v.iter().any(sel)))
                || ns.general.iter().any(sel)
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
