use crate::docker::ContainerInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags restart policies without a bound: `always`, `unless-stopped`, or `on-failure` with no or more than 5 retries.
    ///
    /// ## Why it matters
    /// A container that crashes in a loop (or is crashed on purpose) is restarted forever, which hides the failure and can exhaust the host.
    ///
    /// ## How to fix
    /// Use `--restart on-failure:5`, and let an orchestrator or monitoring decide beyond that.
    code: "PL-DOCKER-013",
    title: "Unbounded restart policy",
    severity: Low,
    references: ["CIS-Docker-5.15"],
    bad: "{\"Name\": \"/app\", \"HostConfig\": {\"RestartPolicy\": {\"Name\": \"always\", \"MaximumRetryCount\": 0}}}",
    good: "{\"Name\": \"/app\", \"HostConfig\": {\"RestartPolicy\": {\"Name\": \"on-failure\", \"MaximumRetryCount\": 5}}}",
    check: DockerContainer(check),
}

fn check(c: &ContainerInput, out: &mut Vec<Hit>) {
    let policy = c.host("RestartPolicy");
    let name = policy.get("Name").and_then(serde_json::Value::as_str).unwrap_or_default();
    let retries = int(policy.get("MaximumRetryCount").unwrap_or(&serde_json::Value::Null));
    let unbounded = match name {
        "always" | "unless-stopped" => true,
        "on-failure" => retries <= 0 || retries > 5,
        _ => false,
    };
    if unbounded {
        let shown = if name == "on-failure" { format!("on-failure:{retries}") } else { name.to_owned() };
        out.push(c.hit(format!("restart policy {shown} has no bound of at most 5 retries")));
    }
}
