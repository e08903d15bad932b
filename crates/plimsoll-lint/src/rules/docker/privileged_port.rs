use crate::docker::ContainerInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags host ports below 1024 published on every interface (`-p 80:8080` without a host address, or `0.0.0.0`/`::`).
    ///
    /// ## Why it matters
    /// Privileged host ports are meant for the host's own services; published on every interface they are reachable from every network the host is on, not just the one the service is meant for.
    ///
    /// ## How to fix
    /// Publish on a port above 1023 behind a proxy, and bind it to one address (`-p 10.0.0.5:8080:8080`).
    code: "PL-DOCKER-012",
    title: "Privileged port published on all interfaces",
    severity: Medium,
    references: ["CIS-Docker-5.8", "CIS-Docker-5.14"],
    bad: "{\"Name\": \"/app\", \"HostConfig\": {\"PortBindings\": {\"8080/tcp\": [{\"HostIp\": \"\", \"HostPort\": \"80\"}]}}}",
    good: "{\"Name\": \"/app\", \"HostConfig\": {\"PortBindings\": {\"8080/tcp\": [{\"HostIp\": \"127.0.0.1\", \"HostPort\": \"8080\"}]}}}",
    check: DockerContainer(check),
}

fn check(c: &ContainerInput, out: &mut Vec<Hit>) {
    let Some(bindings) = c.host("PortBindings").as_object() else { return };
    for (port, list) in bindings {
        for b in list.as_array().into_iter().flatten() {
            let ip = b.get("HostIp").and_then(serde_json::Value::as_str).unwrap_or_default();
            let host_port = int(b.get("HostPort").unwrap_or(&serde_json::Value::Null));
            if (1..1024).contains(&host_port) && matches!(ip, "" | "0.0.0.0" | "::") {
                out.push(c.hit(format!("host port {host_port} is published on all interfaces (to {port})")));
            }
        }
    }
}
