use crate::k8s::{hit, K8sSet};
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags namespaces (declared as Namespace objects or used by workloads in the run) that
    /// have no default-deny ingress NetworkPolicy: a policy with an empty `podSelector`, the
    /// `Ingress` policy type and no ingress rules.
    ///
    /// ## Why it matters
    /// Without a default deny, every new workload in the namespace is reachable from the whole
    /// cluster until someone remembers to write a policy for it (CIS Kubernetes Benchmark 5.3.2).
    ///
    /// ## How to fix
    /// Add `kind: NetworkPolicy` with `spec: {podSelector: {}, policyTypes: [Ingress]}` (and
    /// `Egress` if egress should be denied too) to each namespace, then allow traffic
    /// explicitly.
    code: "PL-K8S-033",
    title: "Namespace without a default-deny NetworkPolicy",
    severity: Low,
    references: ["CIS-K8s-5.3.2"],
    bad: "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
    good: "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
    set_wide: true,
    check: Kubernetes(check),
}

fn is_default_deny(p: &Node) -> bool {
    let Some(spec) = p.get("spec") else { return false };
    let empty_selector = spec.get("podSelector").is_none_or(|s| {
        s.get("matchLabels").is_none_or(|m| m.entries().next().is_none())
            && s.get("matchExpressions").is_none_or(|m| m.items().is_empty())
    });
    let types: Vec<&str> =
        spec.get("policyTypes").map(Node::items).unwrap_or(&[]).iter().filter_map(Node::as_str).collect();
    // Without policyTypes, Ingress is always implied.
    let ingress_type = types.is_empty() || types.contains(&"Ingress");
    let no_rules = spec.get("ingress").is_none_or(|i| i.items().is_empty());
    empty_selector && ingress_type && no_rules
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    let mut seen = std::collections::HashSet::new();
    let denied: std::collections::HashSet<&str> = set
        .objects
        .iter()
        .filter(|o| o.kind == "NetworkPolicy" && is_default_deny(&o.node))
        .map(|o| o.namespace())
        .collect();
    let namespaces = set
        .objects
        .iter()
        .filter(|o| o.kind == "Namespace")
        .map(|o| (o.name.as_str(), o))
        .chain(set.pods().filter(|(o, _)| o.kind != "PodTemplate").map(|(o, _)| (o.namespace(), o)));
    for (ns, at) in namespaces {
        if ns.is_empty() || !seen.insert(ns) {
            continue;
        }
        if !denied.contains(ns) {
            out.push(hit(at, &at.node, format!("namespace {ns} has no default-deny ingress NetworkPolicy")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a}]}\n";
        assert_fires(&RULE, pod);
        assert_quiet(&RULE, &format!("{pod}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: d}}\nspec: {{podSelector: {{}}}}\n"));
        // A policy that allows ingress from anywhere is not a default deny.
        assert_fires(&RULE, &format!("{pod}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: d}}\nspec: {{podSelector: {{}}, ingress: [{{}}]}}\n"));
    }
}
