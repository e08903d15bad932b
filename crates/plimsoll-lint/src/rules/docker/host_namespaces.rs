use crate::docker::ContainerInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags containers sharing the host's process (`--pid host`), IPC (`--ipc host`) or UTS (`--uts host`) namespace, one finding per namespace.
    ///
    /// ## Why it matters
    /// With the host PID namespace a container sees and can signal (or ptrace, with the capability) every host process; the IPC namespace exposes shared memory; the UTS namespace lets it change the host name.
    ///
    /// ## How to fix
    /// Recreate the container without `--pid host`, `--ipc host` and `--uts host`.
    code: "PL-DOCKER-004",
    title: "Host PID, IPC or UTS namespace shared",
    severity: High,
    references: ["CIS-Docker-5.16", "CIS-Docker-5.17", "CIS-Docker-5.21"],
    bad: "{\"Name\": \"/app\", \"HostConfig\": {\"PidMode\": \"host\", \"IpcMode\": \"host\"}}",
    good: "{\"Name\": \"/app\", \"HostConfig\": {\"PidMode\": \"\", \"IpcMode\": \"private\", \"UTSMode\": \"\"}}",
    check: DockerContainer(check),
}

fn check(c: &ContainerInput, out: &mut Vec<Hit>) {
    for (key, flag) in [("PidMode", "--pid"), ("IpcMode", "--ipc"), ("UTSMode", "--uts")] {
        if c.host(key).as_str() == Some("host") {
            out.push(c.hit(format!(
                "the container shares the host's {} namespace ({flag} host)",
                &key[..key.len() - 4].to_uppercase()
            )));
        }
    }
}
