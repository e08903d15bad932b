use crate::docker::ContainerInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags containers in the host's network namespace (`--network host`).
    ///
    /// ## Why it matters
    /// The container sees every host interface and can bind host ports, reach services listening on localhost and sniff traffic.
    ///
    /// ## How to fix
    /// Use a user-defined bridge network and publish only the ports needed.
    code: "PL-DOCKER-003",
    title: "Host network namespace shared",
    severity: High,
    references: ["CIS-Docker-5.10"],
    bad: "{\"Name\": \"/app\", \"HostConfig\": {\"NetworkMode\": \"host\"}}",
    good: "{\"Name\": \"/app\", \"HostConfig\": {\"NetworkMode\": \"bridge\"}}",
    check: DockerContainer(check),
}

fn check(c: &ContainerInput, out: &mut Vec<Hit>) {
    if c.host("NetworkMode").as_str() == Some("host") {
        out.push(c.hit("the container shares the host's network namespace (--network host)"));
    }
}
