use crate::docker::DaemonInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a daemon without `live-restore` (not in Swarm mode, which does not support it).
    ///
    /// ## Why it matters
    /// Without it, restarting or upgrading the daemon stops every container: security updates of the engine get postponed to avoid the outage.
    ///
    /// ## How to fix
    /// Set `"live-restore": true` in `/etc/docker/daemon.json` and reload the daemon.
    code: "PL-DOCKER-102",
    title: "live-restore disabled",
    severity: Low,
    references: ["CIS-Docker-2.15"],
    bad: "{\"Info\": {\"LiveRestoreEnabled\": false}}",
    good: "{\"Info\": {\"LiveRestoreEnabled\": true}}",
    check: DockerDaemon(check),
}

fn check(d: &DaemonInput, out: &mut Vec<Hit>) {
    let swarm =
        d.info.get("Swarm").and_then(|s| s.get("LocalNodeState")).and_then(serde_json::Value::as_str) == Some("active");
    let on = d.info.get("LiveRestoreEnabled").and_then(serde_json::Value::as_bool) == Some(true)
        || d.setting("live-restore").and_then(serde_json::Value::as_bool) == Some(true);
    if !on && !swarm {
        out.push(d.hit("live-restore is disabled: a daemon restart stops every container"));
    }
}
