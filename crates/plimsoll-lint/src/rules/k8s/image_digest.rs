use crate::image_ref::ImageRef;
use crate::k8s::{container_name, hit, K8sSet};
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags container images referenced without a digest (`@sha256:...`).
    ///
    /// ## Why it matters
    /// Tags are mutable; only a digest guarantees that the nodes run the exact image that was
    /// built, reviewed and scanned, and protects against a registry or tag being tampered with.
    ///
    /// ## How to fix
    /// Reference images as `name:tag@sha256:<digest>` (tools such as kustomize, Renovate or an
    /// admission controller can resolve digests).
    code: "PL-K8S-025",
    title: "Image not pinned by digest",
    severity: Low,
    references: ["CKV_K8S_43"],
    bad: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: nginx:1.25.4\n",
    good: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  - name: app\n    image: nginx:1.25.4@sha256:6db391d1c0cfb30588ba0bf72ea999404f2764febf0f1f196acd5867ac7efa7e\n",
    check: Kubernetes(check),
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    for (obj, pod) in set.pods() {
        for (_, c) in pod.containers() {
            let Some(img) = c.get("image").and_then(Node::as_str) else { continue };
            if ImageRef::parse(img).is_some_and(|r| r.digest.is_none()) {
                out.push(hit(
                    obj,
                    c.entry("image").map_or(c, |(k, _)| k),
                    format!("container {} image {img} has no digest", container_name(c)),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::assert_fires;

    #[test]
    fn init_containers_count() {
        assert_fires(&RULE, "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  initContainers: [{name: i, image: 'busybox:1'}]\n  containers: []\n");
    }
}
