use crate::docker::ContainerInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags containers run with `--security-opt seccomp=unconfined` or `apparmor=unconfined` (or whose AppArmor profile is `unconfined` although it is not privileged, which PL-DOCKER-001 reports).
    ///
    /// ## Why it matters
    /// The default seccomp profile blocks about 44 system calls (`keyctl`, `unshare`, `mount` ...) that many kernel escapes need; AppArmor's `docker-default` profile denies writes to `/proc` and `/sys`.
    ///
    /// ## How to fix
    /// Drop the `unconfined` option; if a call is really needed, use a custom profile that allows only it.
    code: "PL-DOCKER-011",
    title: "Seccomp or AppArmor unconfined",
    severity: High,
    references: ["CIS-Docker-5.2", "CIS-Docker-5.22"],
    bad: "{\"Name\": \"/app\", \"HostConfig\": {\"SecurityOpt\": [\"seccomp=unconfined\"]}}",
    good: "{\"Name\": \"/app\", \"AppArmorProfile\": \"docker-default\", \"HostConfig\": {\"SecurityOpt\": [\"no-new-privileges\"]}}",
    check: DockerContainer(check),
}

fn check(c: &ContainerInput, out: &mut Vec<Hit>) {
    let mut seccomp = false;
    let mut apparmor = false;
    for (k, v) in c.security_opts() {
        seccomp |= k == "seccomp" && v == "unconfined";
        apparmor |= k == "apparmor" && v == "unconfined";
    }
    // Privileged containers get the unconfined profile implicitly: PL-DOCKER-001 says so already.
    let privileged = c.host("Privileged").as_bool() == Some(true);
    apparmor |=
        !privileged && c.inspect.get("AppArmorProfile").and_then(serde_json::Value::as_str) == Some("unconfined");
    if seccomp {
        out.push(c.hit("seccomp is disabled (seccomp=unconfined)"));
    }
    if apparmor {
        out.push(c.hit("AppArmor is disabled (apparmor=unconfined)"));
    }
}
