use crate::docker::DaemonInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a daemon that neither remaps container users into a user namespace (`userns-remap`) nor runs rootless.
    ///
    /// ## Why it matters
    /// Without remapping, uid 0 in a container is uid 0 on the host: any escape (runtime bug, mounted socket, writable host path) is an escape as root.
    ///
    /// ## How to fix
    /// Set `"userns-remap": "default"` in `/etc/docker/daemon.json` and restart the daemon, or run Docker rootless.
    code: "PL-DOCKER-101",
    title: "User namespace remapping off",
    severity: Medium,
    references: ["CIS-Docker-2.9"],
    bad: "{\"Info\": {\"SecurityOptions\": [\"name=seccomp,profile=default\"]}}",
    good: "{\"Info\": {\"SecurityOptions\": [\"name=seccomp,profile=default\", \"name=userns\"]}}",
    check: DockerDaemon(check),
}

fn check(d: &DaemonInput, out: &mut Vec<Hit>) {
    let remapped = d.security_options().any(|n| n == "userns" || n == "rootless")
        || d.setting("userns-remap").and_then(serde_json::Value::as_str).is_some_and(|s| !s.is_empty());
    if !remapped {
        out.push(d.hit("containers' root is the host's root: no userns-remap and not rootless"));
    }
}
