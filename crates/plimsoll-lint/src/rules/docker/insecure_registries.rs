use crate::docker::DaemonInput;
#[allow(unused_imports)]
use crate::docker::{int, strings};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags registries the daemon reaches without TLS verification (`insecure-registries`), other than loopback addresses, which Docker always treats as insecure.
    ///
    /// ## Why it matters
    /// Images pulled from an insecure registry can be replaced in transit: a man in the middle chooses what runs.
    ///
    /// ## How to fix
    /// Give the registry a certificate (a private CA in `/etc/docker/certs.d/HOST/ca.crt` is enough) and remove it from `insecure-registries`.
    code: "PL-DOCKER-105",
    title: "Insecure registries allowed",
    severity: High,
    references: ["CIS-Docker-2.5"],
    bad: "{\"Info\": {\"RegistryConfig\": {\"InsecureRegistryCIDRs\": [\"127.0.0.0/8\", \"10.0.0.0/8\"], \"IndexConfigs\": {\"registry.internal:5000\": {\"Name\": \"registry.internal:5000\", \"Secure\": false}}}}}",
    good: "{\"Info\": {\"RegistryConfig\": {\"InsecureRegistryCIDRs\": [\"127.0.0.0/8\", \"::1/128\"], \"IndexConfigs\": {\"docker.io\": {\"Name\": \"docker.io\", \"Secure\": true}}}}}",
    check: DockerDaemon(check),
}

fn check(d: &DaemonInput, out: &mut Vec<Hit>) {
    let loopback =
        |s: &str| s.starts_with("127.") || s.starts_with("::1") || s.starts_with("localhost") || s.starts_with("[::1]");
    let rc = d.info.get("RegistryConfig").unwrap_or(&serde_json::Value::Null);
    let mut found: Vec<String> = Vec::new();
    for cidr in strings(rc.get("InsecureRegistryCIDRs").unwrap_or(&serde_json::Value::Null)) {
        if !loopback(cidr) {
            found.push(cidr.to_owned());
        }
    }
    if let Some(index) = rc.get("IndexConfigs").and_then(serde_json::Value::as_object) {
        for (name, cfg) in index {
            if cfg.get("Secure").and_then(serde_json::Value::as_bool) == Some(false) && !loopback(name) {
                found.push(name.clone());
            }
        }
    }
    for r in strings(d.setting("insecure-registries").unwrap_or(&serde_json::Value::Null)) {
        if !loopback(r) && !found.iter().any(|f| f == r) {
            found.push(r.to_owned());
        }
    }
    if !found.is_empty() {
        out.push(d.hit(format!("insecure registries: {}", found.join(", "))));
    }
}
