use crate::k8s::{hit, K8sSet};
use crate::rule::{declare_rule, Hit};
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags hostPath volumes that mount a container runtime socket (`/var/run/docker.sock`,
    /// containerd, CRI-O) or the directory holding it.
    ///
    /// ## Why it matters
    /// Whoever can talk to the runtime socket can start a privileged container on the node:
    /// full node compromise, whatever the pod's own security context says (CIS Docker 5.32).
    ///
    /// ## How to fix
    /// Do not mount the socket; build images with a daemonless builder (BuildKit rootless,
    /// kaniko) and read node metrics through the kubelet or an agent with narrow permissions.
    code: "PL-K8S-036",
    title: "Container runtime socket mounted",
    severity: Critical,
    references: ["CKV_K8S_27", "CIS-Docker-5.32"],
    bad: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers: [{name: app, image: 'app:1.0'}]\n  volumes:\n  - name: docker\n    hostPath: {path: /var/run/docker.sock}\n",
    good: "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers: [{name: app, image: 'app:1.0'}]\n  volumes:\n  - name: cache\n    emptyDir: {}\n",
    check: Kubernetes(check),
}

pub(crate) const SOCKETS: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/run/cri-dockerd.sock",
];

pub(crate) fn is_socket_path(p: &str) -> bool {
    let p = p.trim_end_matches('/');
    SOCKETS.iter().any(|s| *s == p || s.rsplit_once('/').is_some_and(|(dir, _)| dir == p))
        || p == "/var/run"
        || p == "/run"
}

fn check(set: &K8sSet, out: &mut Vec<Hit>) {
    for (obj, pod) in set.pods() {
        for v in pod.spec.get("volumes").map(Node::items).unwrap_or(&[]) {
            let Some((k, p)) = v.get("hostPath").and_then(|h| h.entry("path")) else { continue };
            if let Some(p) = p.as_str().filter(|p| is_socket_path(p)) {
                out.push(hit(obj, k, format!("hostPath {p} exposes the container runtime socket")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::assert_fires;

    #[test]
    fn directory_mount() {
        assert_fires(&RULE, "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: []\n  volumes: [{name: r, hostPath: {path: /var/run/}}]\n");
    }
}
