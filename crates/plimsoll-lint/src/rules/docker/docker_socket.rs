use crate::docker::ContainerInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags containers with the Docker socket (or containerd's, Podman's, CRI-O's), or the whole `/run` directory holding it, bind-mounted from the host.
    ///
    /// ## Why it matters
    /// Whoever can talk to the engine socket can start a privileged container with the host's root filesystem mounted: it is root on the host.
    ///
    /// ## How to fix
    /// Remove the mount. A tool that needs the engine should use an authorising proxy that allows only the calls it needs.
    code: "PL-DOCKER-005",
    title: "Container engine socket mounted",
    severity: Critical,
    references: ["CIS-Docker-5.32"],
    bad: "{\"Name\": \"/app\", \"Mounts\": [{\"Type\": \"bind\", \"Source\": \"/var/run/docker.sock\", \"Destination\": \"/var/run/docker.sock\", \"RW\": true}]}",
    good: "{\"Name\": \"/app\", \"Mounts\": [{\"Type\": \"volume\", \"Source\": \"/var/lib/docker/volumes/data/_data\", \"Destination\": \"/data\", \"RW\": true}]}",
    check: DockerContainer(check),
}

fn check(c: &ContainerInput, out: &mut Vec<Hit>) {
    const SOCKETS: &[&str] = &["docker.sock", "containerd.sock", "podman.sock", "crio.sock"];
    for (src, dst) in c.host_mounts() {
        let path = src.trim_end_matches('/');
        let socket = SOCKETS.iter().any(|s| path.rsplit('/').next() == Some(s));
        if socket || matches!(path, "/run" | "/var/run" | "/run/containerd" | "/var/run/containerd") {
            out.push(c.hit(format!("{src} is mounted into the container at {dst}")));
        }
    }
}
