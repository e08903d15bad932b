use super::helpers;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a Docker daemon without `userns-remap`.
    ///
    /// ## Why it matters
    /// Without user namespaces, root in a container is root on the host: a container escape lands with full privileges.
    ///
    /// ## How to fix
    /// Set `"userns-remap": "default"` (Docker creates the `dockremap` user and subordinate id ranges), or run Docker rootless.
    code: "PL-HOST-004",
    title: "Docker: no user namespace remapping",
    severity: Medium,
    references: ["CIS-Docker-2.9"],
    bad: "==> /etc/docker/daemon.json <==\n{\"log-driver\": \"journald\"}\n",
    good: "==> /etc/docker/daemon.json <==\n{\"userns-remap\": \"default\"}\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::docker_setting(input, "userns-remap", out, |s| match helpers::last(s) {
        Some(v) if !v.is_empty() => None,
        _ => Some("userns-remap is not set: root in a container is root on the host".into()),
    });
}
