use super::helpers;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a Docker daemon with `"experimental": true`.
    ///
    /// ## Why it matters
    /// Experimental features are not covered by Docker's stability and security guarantees.
    ///
    /// ## How to fix
    /// Remove `experimental` (or set it to `false`) on production nodes.
    code: "PL-HOST-008",
    title: "Docker: experimental features enabled",
    severity: Low,
    references: ["CIS-Docker-2.18"],
    bad: "==> /etc/docker/daemon.json <==\n{\"experimental\": true}\n",
    good: "==> /etc/docker/daemon.json <==\n{\"experimental\": false}\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::docker_setting(input, "experimental", out, |s| match helpers::last(s) {
        Some(v) if helpers::is_true(v) => Some("experimental features are enabled".into()),
        _ => None,
    });
}
