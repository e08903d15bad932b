use super::helpers;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a Docker daemon whose `userland-proxy` is not `false`.
    ///
    /// ## Why it matters
    /// The userland proxy (`docker-proxy`) is an extra process per published port and extra attack surface; hairpin NAT in iptables does the same job.
    ///
    /// ## How to fix
    /// Set `"userland-proxy": false` in `daemon.json`.
    code: "PL-HOST-007",
    title: "Docker: userland proxy enabled",
    severity: Low,
    references: ["CIS-Docker-2.16"],
    bad: "==> /etc/docker/daemon.json <==\n{\"userland-proxy\": true}\n",
    good: "==> /etc/docker/daemon.json <==\n{\"userland-proxy\": false}\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::docker_setting(input, "userland-proxy", out, |s| match helpers::last(s) {
        Some(v) if helpers::is_false(v) => None,
        _ => Some("userland-proxy is enabled".into()),
    });
}
