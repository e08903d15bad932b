use crate::k8s::{container_name, hit, K8sSet};
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags container environment variables with a secret-looking name (`*PASSWORD*`,
    /// `*SECRET*`, `*TOKEN*`, `*API_KEY*`...) whose `value` is written in the manifest.
    ///
    /// ## Why it matters
    /// The secret is then stored in Git, visible to everyone who can read the Deployment
    /// (`kubectl get -o yaml` needs far less privilege than reading Secrets) and in every copy
    /// of the manifest.
    ///
    /// ## How to fix
    /// Put the value in a Secret (ideally managed by an external secret store) and reference it
    /// with `valueFrom.secretKeyRef`, or mount it as a file.
    code: "PL-K8S-026",
    title: "Plaintext secret in environment variable",
    severity: High,
    references: ["CIS-K8s-5.4.1"],
    bad: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: app:1.0\n    env:\n    - name: DB_PASSWORD\n      value: hunter2\n",
    good: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: app:1.0\n    env:\n    - name: DB_PASSWORD\n      valueFrom:\n        secretKeyRef: {name: db, key: password}\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    use crate::rules::dockerfile::secret_in_env_arg::{literal_secret_value, secret_name};
    for (obj, pod) in set.pods() {
        for (_, c) in pod.containers() {
            for e in c.get("env").map(Node::items).unwrap_or(&[]) {
                let (Some(name), Some((k, v))) = (e.get("name").and_then(Node::as_str), e.entry("value")) else {
                    continue;
                };
                if secret_name(name) && v.as_str().is_some_and(literal_secret_value) {
                    out.push(hit(obj, k, format!("container {} sets {name} to a literal value", container_name(c))));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::assert_quiet;

    #[test]
    fn references_are_fine() {
        assert_quiet(&RULE, "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    env: [{name: TOKEN_FILE, value: /var/run/token}, {name: PASSWORD, value: ''}]\n");
    }
}
