use crate::docker::ContainerInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags containers whose root filesystem is writable (no `--read-only`).
    ///
    /// ## Why it matters
    /// A writable root filesystem lets an intruder drop tools and change the application's binaries and configuration, and makes the container drift from its image.
    ///
    /// ## How to fix
    /// Run with `--read-only` and mount writable `--tmpfs` or volumes only where the application writes.
    code: "PL-DOCKER-008",
    title: "Root filesystem writable",
    severity: Medium,
    references: ["CIS-Docker-5.13"],
    bad: "{\"Name\": \"/app\", \"HostConfig\": {\"ReadonlyRootfs\": false}}",
    good: "{\"Name\": \"/app\", \"HostConfig\": {\"ReadonlyRootfs\": true}}",
    check: DockerContainer(check),
}

fn check(c: &ContainerInput, out: &mut Vec<Hit>) {
    if c.host("ReadonlyRootfs").as_bool() != Some(true) {
        out.push(c.hit("the root filesystem is writable (no --read-only)"));
    }
}
