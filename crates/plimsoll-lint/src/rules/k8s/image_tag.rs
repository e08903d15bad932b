use crate::image_ref::ImageRef;
use crate::k8s::{container_name, hit, K8sSet};
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags container images with the `latest` tag or no tag at all (and no digest).
    ///
    /// ## Why it matters
    /// The image a node runs then depends on when it pulled: replicas of one Deployment can run
    /// different code, rollbacks do not roll back, and a scan of the image tells nothing about
    /// what runs.
    ///
    /// ## How to fix
    /// Use an immutable version tag, ideally with the digest.
    code: "PL-K8S-024",
    title: "Image tag latest or missing",
    severity: Medium,
    references: ["CKV_K8S_14"],
    bad: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: nginx:latest\n",
    good: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: nginx:1.25.4\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    for (obj, pod) in set.pods() {
        for (_, c) in pod.containers() {
            let Some(img) = c.get("image").and_then(Node::as_str) else { continue };
            let Some(r) = ImageRef::parse(img) else { continue };
            if r.digest.is_none() && matches!(r.tag.as_deref(), None | Some("latest")) {
                out.push(hit(
                    obj,
                    c.entry("image").map_or(c, |(k, _)| k),
                    format!("container {} uses {img} (latest or no tag)", container_name(c)),
                ));
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
        assert_fires(&RULE, "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  initContainers: [{name: i, image: busybox}]\n  containers: [{name: a, image: 'a:1'}]\n");
        assert_quiet(&RULE, "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: a, image: 'nginx@sha256:abc'}, {name: b, image: 'registry:5000/b:2'}]\n");
    }
}
