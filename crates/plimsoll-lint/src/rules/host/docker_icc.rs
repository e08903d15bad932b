use super::helpers;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a Docker daemon whose `icc` (inter-container communication on the default bridge) is not `false`, in `daemon.json` or as a `dockerd` flag.
    ///
    /// ## Why it matters
    /// With `icc` on (the default), every container on the default bridge can reach every other one on any port: one compromised container can probe and attack the rest.
    ///
    /// ## How to fix
    /// Set `"icc": false` in `/etc/docker/daemon.json` and connect containers that must talk through user-defined networks.
    code: "PL-HOST-001",
    title: "Docker: inter-container communication on the default bridge",
    severity: Medium,
    references: ["CIS-Docker-2.2"],
    bad: "==> /etc/docker/daemon.json <==\n{\"icc\": true}\n",
    good: "==> /etc/docker/daemon.json <==\n{\"icc\": false}\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::docker_setting(input, "icc", out, |s| match helpers::last(s) {
        Some(v) if helpers::is_false(v) => None,
        Some(_) => Some("icc is enabled: containers on the default bridge can reach each other".into()),
        None => Some("icc is not set (default true): containers on the default bridge can reach each other".into()),
    });
}
