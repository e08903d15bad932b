use crate::k8s::{hit, K8sSet};
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags an API server `EncryptionConfiguration` whose first provider for a resource is
    /// `identity` (no encryption), or which lists no provider at all.
    ///
    /// ## Why it matters
    /// The first provider encrypts new writes. With `identity` first, Secrets are stored in
    /// etcd in plain text, readable from etcd backups and disk (CIS Kubernetes Benchmark 1.2.29).
    ///
    /// ## How to fix
    /// Put `kms` (v2), `aescbc` or `secretbox` first; keep `identity` last only while
    /// migrating existing data.
    code: "PL-K8S-035",
    title: "EncryptionConfiguration without encryption",
    severity: High,
    references: ["CIS-K8s-1.2.29"],
    bad: "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - identity: {}\n  - aescbc:\n      keys: [{name: key1, secret: c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ/Cg==}]\n",
    good: "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - kms:\n      apiVersion: v2\n      name: vault\n      endpoint: unix:///var/run/kms.sock\n  - identity: {}\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    for o in set.objects.iter().filter(|o| o.kind == "EncryptionConfiguration") {
        for r in o.node.get("resources").map(Node::items).unwrap_or(&[]) {
            let what: Vec<&str> =
                r.get("resources").map(Node::items).unwrap_or(&[]).iter().filter_map(Node::as_str).collect();
            let first = r.get("providers").map(Node::items).unwrap_or(&[]).first();
            match first.and_then(|p| p.entries().next()).map(|(k, _)| k) {
                Some("identity") => out.push(hit(
                    o,
                    first.and_then(|p| p.entry("identity")).map_or(r, |(k, _)| k),
                    format!("{} are written unencrypted (identity is the first provider)", what.join(", ")),
                )),
                None => out.push(hit(o, r, format!("no encryption provider for {}", what.join(", ")))),
                Some(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::assert_fires;

    #[test]
    fn no_providers() {
        assert_fires(&RULE, "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n");
    }
}
