use super::helpers;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a Docker daemon without `"no-new-privileges": true`.
    ///
    /// ## Why it matters
    /// Without it, a process in a container can gain privileges through setuid binaries or file capabilities unless every `docker run` remembers `--security-opt no-new-privileges`.
    ///
    /// ## How to fix
    /// Set `"no-new-privileges": true` in `daemon.json`.
    code: "PL-HOST-009",
    title: "Docker: containers may gain new privileges",
    severity: Medium,
    references: ["CIS-Docker-2.14"],
    bad: "==> /etc/docker/daemon.json <==\n{\"icc\": false}\n",
    good: "==> /etc/docker/daemon.json <==\n{\"no-new-privileges\": true}\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::docker_setting(input, "no-new-privileges", out, |s| match helpers::last(s) {
        Some(v) if helpers::is_true(v) => None,
        _ => Some("no-new-privileges is not set: containers may gain privileges through setuid binaries".into()),
    });
}
