use super::helpers;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a Docker daemon listening on a TCP socket (`hosts` / `-H tcp://...`) without `tlsverify`.
    ///
    /// ## Why it matters
    /// The Docker API is root on the host. On TCP without TLS client-certificate verification anyone who can reach the port can start a privileged container and own the node.
    ///
    /// ## How to fix
    /// Keep the daemon on the Unix socket, or set `"tlsverify": true` with `tlscacert`, `tlscert` and `tlskey`, and issue client certificates.
    code: "PL-HOST-003",
    title: "Docker: API on TCP without TLS client verification",
    severity: Critical,
    references: ["CIS-Docker-2.7"],
    bad: "==> /etc/docker/daemon.json <==\n{\"hosts\": [\"unix:///var/run/docker.sock\", \"tcp://0.0.0.0:2375\"]}\n",
    good: "==> /etc/docker/daemon.json <==\n{\"hosts\": [\"unix:///var/run/docker.sock\", \"tcp://0.0.0.0:2376\"], \"tlsverify\": true, \"tlscacert\": \"/etc/docker/ca.pem\", \"tlscert\": \"/etc/docker/cert.pem\", \"tlskey\": \"/etc/docker/key.pem\"}\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    let Some(d) = input.docker.as_ref().filter(|d| !d.unread) else { return };
    let Some(hosts) = d.setting("hosts") else { return };
    let tcp: Vec<&str> = hosts.values.iter().map(String::as_str).filter(|h| h.starts_with("tcp://")).collect();
    let verified = d.setting("tlsverify").is_some_and(|s| s.values.last().is_some_and(|v| helpers::is_true(v)));
    if !tcp.is_empty() && !verified {
        out.push(d.hit(Some(&hosts), format!("the API listens on {} without tlsverify", tcp.join(", "))));
    }
}
