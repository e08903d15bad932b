use super::helpers;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a Docker daemon without `"live-restore": true`.
    ///
    /// ## Why it matters
    /// Without live restore, restarting or upgrading the daemon stops every container, which pushes operators to postpone security updates of Docker itself.
    ///
    /// ## How to fix
    /// Set `"live-restore": true` in `daemon.json`.
    code: "PL-HOST-006",
    title: "Docker: live restore disabled",
    severity: Low,
    references: ["CIS-Docker-2.15"],
    bad: "==> /etc/docker/daemon.json <==\n{\"live-restore\": false}\n",
    good: "==> /etc/docker/daemon.json <==\n{\"live-restore\": true}\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::docker_setting(input, "live-restore", out, |s| match helpers::last(s) {
        Some(v) if helpers::is_true(v) => None,
        _ => Some("live-restore is not enabled: a daemon restart stops every container".into()),
    });
}
