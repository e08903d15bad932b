use crate::docker::DaemonInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a daemon whose default bridge lets every container talk to every other (`icc` not set to false), judged from the `bridge` network's `com.docker.network.bridge.enable_icc` option or `daemon.json`. A daemon without a default bridge (`--bridge=none`) is not flagged.
    ///
    /// ## Why it matters
    /// On the default bridge any compromised container can reach every other container's ports, even those never published.
    ///
    /// ## How to fix
    /// Set `"icc": false` in `/etc/docker/daemon.json` and link or network explicitly the containers that must talk (user-defined networks).
    code: "PL-DOCKER-103",
    title: "Inter-container communication on the default bridge",
    severity: Medium,
    references: ["CIS-Docker-2.2"],
    bad: "{\"BridgeNetwork\": {\"Name\": \"bridge\", \"Options\": {\"com.docker.network.bridge.enable_icc\": \"true\"}}}",
    good: "{\"BridgeNetwork\": {\"Name\": \"bridge\", \"Options\": {\"com.docker.network.bridge.enable_icc\": \"false\"}}}",
    check: DockerDaemon(check),
}

fn check(d: &DaemonInput, out: &mut Vec<Hit>) {
    if d.setting("icc").and_then(serde_json::Value::as_bool) == Some(false) {
        return;
    }
    let Some(bridge) = &d.bridge_network else { return };
    let icc = bridge
        .get("Options")
        .and_then(|o| o.get("com.docker.network.bridge.enable_icc"))
        .and_then(serde_json::Value::as_str);
    // Docker's default is enabled; only an explicit "false" turns it off.
    if icc != Some("false") {
        out.push(d.hit("containers on the default bridge can all reach each other (icc is not false)"));
    }
}
