use crate::docker::ContainerInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags containers with capabilities added beyond Docker's default set (`--cap-add`, `HostConfig.CapAdd`).
    ///
    /// ## Why it matters
    /// Capabilities such as `SYS_ADMIN`, `NET_ADMIN` or `SYS_PTRACE` break the isolation between container and host; `ALL` is as bad as `--privileged`.
    ///
    /// ## How to fix
    /// Drop the `--cap-add`; better, start from `--cap-drop ALL` and add back only what the process is shown to need.
    code: "PL-DOCKER-002",
    title: "Capabilities added",
    severity: High,
    references: ["CIS-Docker-5.4"],
    bad: "{\"Name\": \"/app\", \"HostConfig\": {\"CapAdd\": [\"SYS_ADMIN\", \"NET_ADMIN\"]}}",
    good: "{\"Name\": \"/app\", \"HostConfig\": {\"CapAdd\": null, \"CapDrop\": [\"ALL\"]}}",
    check: DockerContainer(check),
}

fn check(c: &ContainerInput, out: &mut Vec<Hit>) {
    let added: Vec<&str> = strings(c.host("CapAdd")).collect();
    if !added.is_empty() {
        out.push(c.hit(format!("capabilities added: {}", added.join(", "))));
    }
}
