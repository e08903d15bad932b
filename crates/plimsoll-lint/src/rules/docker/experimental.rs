use crate::docker::DaemonInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a daemon running with experimental features (`ExperimentalBuild`).
    ///
    /// ## Why it matters
    /// Experimental features are not covered by Docker's stability and security guarantees.
    ///
    /// ## How to fix
    /// Remove `"experimental": true` from `daemon.json` (or `--experimental`) on production hosts.
    code: "PL-DOCKER-104",
    title: "Experimental features enabled",
    severity: Low,
    references: ["CIS-Docker-2.18"],
    bad: "{\"Info\": {\"ExperimentalBuild\": true}}",
    good: "{\"Info\": {\"ExperimentalBuild\": false}}",
    check: DockerDaemon(check),
}

fn check(d: &DaemonInput, out: &mut Vec<Hit>) {
    let on = d.info.get("ExperimentalBuild").and_then(serde_json::Value::as_bool) == Some(true)
        || d.setting("experimental").and_then(serde_json::Value::as_bool) == Some(true);
    if on {
        out.push(d.hit("experimental features are enabled"));
    }
}
