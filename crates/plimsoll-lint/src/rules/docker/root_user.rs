use crate::docker::ContainerInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags containers whose process runs as root: `Config.User` empty (and the image sets none), `root`, `0` or `0:<group>`.
    ///
    /// ## Why it matters
    /// Root in a container is root on the host's kernel: every kernel or runtime escape (CVE-2019-5736, CVE-2024-21626) starts from there, and files on mounted volumes are written as root.
    ///
    /// ## How to fix
    /// Set a non-root user in the image (`USER 10001`) or at run time (`--user 10001:10001`).
    code: "PL-DOCKER-009",
    title: "Container runs as root",
    severity: Medium,
    references: ["CIS-Docker-4.1"],
    bad: "{\"Name\": \"/app\", \"Config\": {\"User\": \"\"}}",
    good: "{\"Name\": \"/app\", \"Config\": {\"User\": \"10001:10001\"}}",
    check: DockerContainer(check),
}

fn check(c: &ContainerInput, out: &mut Vec<Hit>) {
    let user = c.config("User").as_str().unwrap_or_default().trim();
    let name = user.split(':').next().unwrap_or_default();
    if matches!(name, "" | "root" | "0") {
        let shown = if user.is_empty() { "no user set" } else { user };
        out.push(c.hit(format!("the container runs as root ({shown})")));
    }
}
