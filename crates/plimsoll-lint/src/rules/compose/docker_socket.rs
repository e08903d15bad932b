use crate::compose::{hit, ComposeFile};
use crate::rule::{declare_rule, Hit};
#[allow(unused_imports)]
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags volumes that mount the Docker (or containerd/CRI-O) socket into a service.
    ///
    /// ## Why it matters
    /// Access to the socket is root on the host: the service can start a privileged container mounting `/` (CIS Docker Benchmark 5.32).
    ///
    /// ## How to fix
    /// Do not mount the socket. If a tool truly needs the Docker API, put a filtering proxy in front with read-only endpoints.
    code: "PL-COMPOSE-005",
    title: "Container runtime socket mounted",
    severity: Critical,
    references: ["CIS-Docker-5.32"],
    bad: "services:\n  app:\n    image: app:1.0\n    volumes:\n    - /var/run/docker.sock:/var/run/docker.sock\n",
    good: "services:\n  app:\n    image: app:1.0\n    volumes:\n    - data:/data\nvolumes:\n  data: {}\n",
    check: Compose(check),
}

fn check(c: &ComposeFile, out: &mut Vec<Hit>) {
    for (name, svc) in c.services() {
        for v in svc.get("volumes").map(Node::items).unwrap_or(&[]) {
            let source = match v.as_str() {
                Some(s) => s.split(':').next().unwrap_or(""),
                None => v.get("source").and_then(Node::as_str).unwrap_or(""),
            };
            if crate::rules::k8s::docker_socket::is_socket_path(source) {
                let at = v.entry("source").map_or(v, |(k, _)| k);
                out.push(hit(name, svc, Some(at), format!("mounts {source}")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, hits};

    #[test]
    fn points_at_the_service() {
        assert_fires(&RULE, RULE.bad);
        let h = hits(&RULE, RULE.bad);
        assert_eq!(h[0].resource.as_deref(), Some("service/app"));
        assert!(h[0].line >= 2);
    }
}
