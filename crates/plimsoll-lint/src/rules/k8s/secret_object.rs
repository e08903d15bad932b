use crate::k8s::{hit, K8sSet};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `Secret` manifests that carry values (`data` or `stringData`). Service-account
    /// token Secrets without data are not flagged. (Whether the values are real credentials is
    /// the secret scanner's job.)
    ///
    /// ## Why it matters
    /// `data` is only base64, not encryption: a Secret committed to a repository is readable by
    /// everyone with access to the repository and its history.
    ///
    /// ## How to fix
    /// Keep secret values out of manifests: use Sealed Secrets, SOPS, the External Secrets
    /// Operator or your CI's secret store to create the Secret at deploy time.
    code: "PL-K8S-034",
    title: "Secret manifest with values",
    severity: Medium,
    references: ["CIS-K8s-5.4.1"],
    bad: "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ntype: Opaque\ndata:\n  password: aHVudGVyMg==\n",
    good: "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {name: db}\nspec:\n  secretStoreRef: {name: vault, kind: ClusterSecretStore}\n  target: {name: db}\n  data:\n  - secretKey: password\n    remoteRef: {key: db/password}\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    for o in set.objects.iter().filter(|o| o.kind == "Secret") {
        for key in ["data", "stringData"] {
            if let Some((at, d)) = o.node.entry(key).filter(|(_, d)| d.entries().next().is_some()) {
                let keys: Vec<&str> = d.entries().map(|(k, _)| k).collect();
                out.push(hit(o, at, format!("Secret {} stores {} in {key}", o.name, keys.join(", "))));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {token: abc}\n");
        assert_quiet(&RULE, "apiVersion: v1\nkind: Secret\nmetadata: {name: s, annotations: {kubernetes.io/service-account.name: x}}\ntype: kubernetes.io/service-account-token\n");
    }
}
