use super::helpers;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `insecure-registries` in `daemon.json` (or `--insecure-registry`).
    ///
    /// ## Why it matters
    /// Docker talks to an insecure registry over plain HTTP or unverified TLS: anyone on the path can serve a different image than the one asked for.
    ///
    /// ## How to fix
    /// Remove `insecure-registries`; give the registry a certificate (add a private CA under `/etc/docker/certs.d/HOST/ca.crt`).
    code: "PL-HOST-002",
    title: "Docker: insecure registries",
    severity: High,
    references: ["CIS-Docker-2.5"],
    bad: "==> /etc/docker/daemon.json <==\n{\"insecure-registries\": [\"registry.internal:5000\"]}\n",
    good: "==> /etc/docker/daemon.json <==\n{\"registry-mirrors\": [\"https://mirror.internal\"]}\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::docker_setting(input, "insecure-registries", out, |s| {
        let regs: Vec<&str> = s.map(|s| s.values.iter().map(String::as_str).collect()).unwrap_or_default();
        (!regs.is_empty()).then(|| format!("insecure registries: {}", regs.join(", ")))
    });
}
