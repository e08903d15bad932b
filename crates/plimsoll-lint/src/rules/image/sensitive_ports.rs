use crate::image::ImageConfigInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags images that expose remote-administration ports: 22 (SSH), 23 (telnet), 3389
    /// (RDP), 5900 (VNC), 2375/2376 (Docker daemon).
    ///
    /// ## Why it matters
    /// CIS Docker Benchmark 4.3/5.7: such services do not belong in an application container,
    /// and a published admin port is a direct way in.
    ///
    /// ## How to fix
    /// Remove the service and the `EXPOSE`; use `docker exec` / `kubectl exec` for
    /// administration.
    code: "PL-IMG-006",
    title: "Image exposes a remote administration port",
    severity: Medium,
    references: ["CIS-Docker-5.7"],
    bad: "ExposedPorts: 22/tcp\nExposedPorts: 8080/tcp\n",
    good: "ExposedPorts: 8080/tcp\n",
    check: ImageConfig(check),
}

const SENSITIVE: &[(u32, &str)] =
    &[(22, "SSH"), (23, "telnet"), (3389, "RDP"), (5900, "VNC"), (2375, "Docker daemon"), (2376, "Docker daemon")];

fn check(c: &ImageConfigInput, out: &mut Vec<Hit>) {
    for p in &c.exposed_ports {
        let Some((lo, hi)) = crate::rules::dockerfile::expose_ssh::ports(p) else { continue };
        for (port, what) in SENSITIVE.iter().filter(|(n, _)| (lo..=hi).contains(n)) {
            out.push(Hit::new(0, 0, format!("port {port} ({what}) is exposed")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::assert_fires;

    #[test]
    fn docker_daemon() {
        assert_fires(&RULE, "ExposedPorts: 2375\n");
    }
}
