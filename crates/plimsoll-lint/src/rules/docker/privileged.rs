use crate::docker::ContainerInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags containers started (or created) with `--privileged` (`HostConfig.Privileged`).
    ///
    /// ## Why it matters
    /// A privileged container has every capability, every host device and no seccomp or AppArmor confinement: root in it is root on the host.
    ///
    /// ## How to fix
    /// Recreate the container without `--privileged`; add only the capability (`--cap-add`) or device (`--device`) it needs.
    code: "PL-DOCKER-001",
    title: "Privileged container",
    severity: Critical,
    references: ["CIS-Docker-5.5"],
    bad: "{\"Name\": \"/app\", \"HostConfig\": {\"Privileged\": true}}",
    good: "{\"Name\": \"/app\", \"HostConfig\": {\"Privileged\": false}}",
    check: DockerContainer(check),
}

fn check(c: &ContainerInput, out: &mut Vec<Hit>) {
    if c.host("Privileged").as_bool() == Some(true) {
        out.push(c.hit("the container runs privileged (--privileged)"));
    }
}
