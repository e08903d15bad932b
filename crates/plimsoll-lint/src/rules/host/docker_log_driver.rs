use super::helpers;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a Docker daemon whose `log-driver` keeps container logs only on the node (`json-file`, `local`, unset) or drops them (`none`).
    ///
    /// ## Why it matters
    /// Logs that stay on the node are lost with it and can be altered by whoever compromised it; central logging keeps an independent record.
    ///
    /// ## How to fix
    /// Set `log-driver` to a remote or system driver (`journald` forwarded, `syslog`, `fluentd`, `gelf`, `awslogs`, `splunk`, ...).
    code: "PL-HOST-005",
    title: "Docker: logs kept only on the host",
    severity: Low,
    references: ["CIS-Docker-2.13"],
    bad: "==> /etc/docker/daemon.json <==\n{\"log-driver\": \"json-file\"}\n",
    good: "==> /etc/docker/daemon.json <==\n{\"log-driver\": \"syslog\", \"log-opts\": {\"syslog-address\": \"tcp://logs.internal:514\"}}\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    helpers::docker_setting(input, "log-driver", out, |s| match helpers::last(s) {
        Some("json-file" | "local" | "none") | None => Some(format!(
            "log-driver is {}: container logs are not sent off the node",
            helpers::last(s).unwrap_or("json-file (default)")
        )),
        Some(_) => None,
    });
}
