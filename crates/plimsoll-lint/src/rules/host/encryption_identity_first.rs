use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Reads the `EncryptionConfiguration` that `--encryption-provider-config` names (the path mapped to the host through the pod's hostPath mounts) and flags it when `secrets` are not covered, or when their first provider is `identity` or missing.
    ///
    /// ## Why it matters
    /// The first provider encrypts every write. With `identity` first, Secrets are written in plain text to etcd even though an encryption configuration exists.
    ///
    /// ## How to fix
    /// Put `kms` (v2), `aescbc`, `aesgcm` or `secretbox` first for `secrets`; keep `identity` last only while migrating existing data.
    code: "PL-HOST-020",
    title: "API server: EncryptionConfiguration does not encrypt Secrets",
    severity: High,
    references: ["CIS-K8s-1.2.29"],
    bad: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --encryption-provider-config=/etc/kubernetes/enc/config.yaml\n==> /etc/kubernetes/enc/config.yaml <==\napiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - identity: {}\n  - aescbc:\n      keys: [{name: key1, secret: c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ/Cg==}]\n",
    good: "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\napiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.0\n    command:\n    - kube-apiserver\n    - --encryption-provider-config=/etc/kubernetes/enc/config.yaml\n==> /etc/kubernetes/enc/config.yaml <==\napiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - secretbox:\n      keys: [{name: key1, secret: YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY=}]\n  - identity: {}\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    let Some((file, doc)) = &input.encryption else { return };
    let at = |n: &Node, message: String| Hit {
        file: Some(*file),
        resource: Some("EncryptionConfiguration".into()),
        ..Hit::new(n.line, n.line, message)
    };
    // The entry that covers Secrets: `secrets`, or a wildcard (`*.` is every core resource).
    let covers = |r: &Node| {
        r.get("resources")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::as_str)
            .any(|s| matches!(s, "secrets" | "*." | "*.*"))
    };
    let Some(entry) = doc.get("resources").map(Node::items).unwrap_or(&[]).iter().find(|r| covers(r)) else {
        out.push(at(doc, "no entry for secrets: Secrets are stored unencrypted in etcd".into()));
        return;
    };
    let first = entry.get("providers").map(Node::items).unwrap_or(&[]).first();
    match first.and_then(|p| p.entries().next()) {
        Some(("aescbc" | "aesgcm" | "secretbox" | "kms", _)) => {}
        Some(("identity", _)) => out.push(at(
            first.unwrap_or(entry),
            "identity is the first provider for secrets: Secrets are written unencrypted".into(),
        )),
        Some((other, _)) => {
            out.push(at(first.unwrap_or(entry), format!("unknown first provider `{other}` for secrets")))
        }
        None => out.push(at(entry, "no provider for secrets: Secrets are stored unencrypted in etcd".into())),
    }
}
