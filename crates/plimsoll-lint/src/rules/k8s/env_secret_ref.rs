use crate::k8s::{container_name, hit, K8sSet};
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags containers that take a Secret into environment variables: `env[].valueFrom.secretKeyRef`
    /// or `envFrom[].secretRef`.
    ///
    /// ## Why it matters
    /// Environment variables leak: they are inherited by every child process, printed by crash
    /// reporters and debug endpoints, readable in `/proc/<pid>/environ` by anything running as
    /// the same user, and frozen at start, so a rotated Secret is not picked up (CIS Kubernetes
    /// Benchmark 5.4.1 prefers Secrets as files).
    ///
    /// ## How to fix
    /// Mount the Secret as a volume (read-only) and have the application read the file.
    code: "PL-K8S-052",
    title: "Secret exposed as environment variable",
    severity: Low,
    references: ["CIS-K8s-5.4.1", "CKV_K8S_35"],
    bad: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: app:1.0\n    env:\n    - name: DB_PASSWORD\n      valueFrom:\n        secretKeyRef: {name: db, key: password}\n",
    good: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: app:1.0\n    volumeMounts: [{name: db, mountPath: /run/secrets/db, readOnly: true}]\n  volumes:\n  - name: db\n    secret: {secretName: db}\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    for (obj, pod) in set.pods() {
        for (_, c) in pod.containers() {
            for e in c.get("env").map(Node::items).unwrap_or(&[]) {
                let Some(r) = e.path(&["valueFrom", "secretKeyRef"]) else { continue };
                let var = e.get("name").and_then(Node::as_str).unwrap_or("?");
                let secret = r.get("name").and_then(Node::as_str).unwrap_or("?");
                out.push(hit(obj, e, format!("container {} sets {var} from Secret {secret}", container_name(c))));
            }
            for e in c.get("envFrom").map(Node::items).unwrap_or(&[]) {
                let Some(r) = e.get("secretRef") else { continue };
                let secret = r.get("name").and_then(Node::as_str).unwrap_or("?");
                out.push(hit(
                    obj,
                    e,
                    format!(
                        "container {} takes every key of Secret {secret} as environment variables",
                        container_name(c)
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::hits;

    #[test]
    fn env_from_secret() {
        let h = hits(&RULE, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        envFrom: [{configMapRef: {name: c}}, {secretRef: {name: s}}]\n");
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].message, "container a takes every key of Secret s as environment variables");
    }
}
