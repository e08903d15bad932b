use crate::docker::ContainerInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags bind mounts of the host's `/`, `/boot`, `/dev`, `/etc`, `/lib`, `/proc`, `/sys` or `/usr` (or a path below them).
    ///
    /// ## Why it matters
    /// Writable, these let the container change the host's configuration, binaries or kernel settings; even read-only they expose secrets (`/etc/shadow`) and host details.
    ///
    /// ## How to fix
    /// Mount only the application's own data directories, read-only where possible (`:ro`).
    code: "PL-DOCKER-006",
    title: "Sensitive host directory mounted",
    severity: High,
    references: ["CIS-Docker-5.6"],
    bad: "{\"Name\": \"/app\", \"Mounts\": [{\"Type\": \"bind\", \"Source\": \"/etc\", \"Destination\": \"/host-etc\", \"RW\": true}]}",
    good: "{\"Name\": \"/app\", \"Mounts\": [{\"Type\": \"bind\", \"Source\": \"/srv/app/data\", \"Destination\": \"/data\", \"RW\": true}]}",
    check: DockerContainer(check),
}

fn check(c: &ContainerInput, out: &mut Vec<Hit>) {
    const DIRS: &[&str] = &["/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr"];
    for (src, dst) in c.host_mounts() {
        let under = |d: &str| src == d || src.strip_prefix(d).is_some_and(|rest| rest.starts_with('/'));
        if src.trim_end_matches('/').is_empty() || DIRS.iter().any(|d| under(d)) {
            out.push(c.hit(format!("the host's {src} is mounted into the container at {dst}")));
        }
    }
}
