use crate::docker::DaemonInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a daemon whose default logging driver keeps logs only on the host (`json-file`, `local`) or drops them (`none`).
    ///
    /// ## Why it matters
    /// Logs kept only on the host are lost with it and can be erased by whoever compromises it; without logs an incident cannot be investigated.
    ///
    /// ## How to fix
    /// Set a remote `log-driver` (`syslog`, `journald` forwarded off the host, `fluentd`, `gelf`, `awslogs` ...) in `daemon.json`.
    code: "PL-DOCKER-106",
    title: "No remote logging",
    severity: Low,
    references: ["CIS-Docker-2.13"],
    bad: "{\"Info\": {\"LoggingDriver\": \"json-file\"}}",
    good: "{\"Info\": {\"LoggingDriver\": \"syslog\"}}",
    check: DockerDaemon(check),
}

fn check(d: &DaemonInput, out: &mut Vec<Hit>) {
    let driver = d.info.get("LoggingDriver").and_then(serde_json::Value::as_str).unwrap_or_default();
    match driver {
        "none" => out.push(d.hit("the default logging driver is none: container logs are discarded")),
        "json-file" | "local" => {
            out.push(d.hit(format!("the default logging driver {driver} keeps logs only on this host")))
        }
        _ => {}
    }
}
