use crate::docker::ContainerInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags containers started without `--security-opt no-new-privileges`.
    ///
    /// ## Why it matters
    /// Without it a process in the container can gain privileges through setuid or setcap binaries (`su`, `sudo`, `ping` with file capabilities), the first step of many escalations.
    ///
    /// ## How to fix
    /// Run with `--security-opt no-new-privileges` (or set `"no-new-privileges": true` in `daemon.json` for every container).
    code: "PL-DOCKER-010",
    title: "no-new-privileges not set",
    severity: Medium,
    references: ["CIS-Docker-5.26"],
    bad: "{\"Name\": \"/app\", \"HostConfig\": {\"SecurityOpt\": null}}",
    good: "{\"Name\": \"/app\", \"HostConfig\": {\"SecurityOpt\": [\"no-new-privileges\"]}}",
    check: DockerContainer(check),
}

fn check(c: &ContainerInput, out: &mut Vec<Hit>) {
    let set = c.security_opts().any(|(k, v)| k == "no-new-privileges" && matches!(v, "" | "true"));
    if !set {
        out.push(c.hit("no-new-privileges is not set (--security-opt no-new-privileges)"));
    }
}
