use crate::compose::{hit, ComposeFile};
use crate::rule::{declare_rule, Hit};
#[allow(unused_imports)]
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags services with neither a memory limit nor a CPU limit (`deploy.resources.limits`, or the legacy `mem_limit`/`cpus`).
    ///
    /// ## Why it matters
    /// One runaway or compromised service can exhaust the host's memory or CPU and take down every other container (CIS Docker Benchmark 5.11, 5.12).
    ///
    /// ## How to fix
    /// Set `deploy.resources.limits.memory` and `.cpus` (honoured by `docker compose up`).
    code: "PL-COMPOSE-008",
    title: "No memory or CPU limit",
    severity: Low,
    references: ["CIS-Docker-5.11", "CIS-Docker-5.12"],
    bad: "services:\n  app:\n    image: app:1.0\n",
    good: "services:\n  app:\n    image: app:1.0\n    deploy:\n      resources:\n        limits: {cpus: \"0.5\", memory: 256M}\n",
    check: Compose(check),
}

fn check(c: &ComposeFile, out: &mut Vec<Hit>) {
    for (name, key, svc) in c.service_keys() {
        let limits = svc.path(&["deploy", "resources", "limits"]);
        let mem = limits.and_then(|l| l.get("memory")).is_some() || svc.get("mem_limit").is_some();
        let cpu =
            limits.and_then(|l| l.get("cpus")).is_some() || svc.get("cpus").is_some() || svc.get("cpu_quota").is_some();
        if !mem || !cpu {
            let what = match (mem, cpu) {
                (false, false) => "memory and CPU",
                (false, true) => "memory",
                _ => "CPU",
            };
            // Absent: point at the service (its name's line), or at `limits` when that exists.
            let at = svc
                .get("deploy")
                .and_then(|d| d.get("resources"))
                .and_then(|r| r.entry("limits"))
                .map_or(key, |(k, _)| k);
            out.push(hit(name, svc, Some(at), format!("no {what} limit")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, hits};

    #[test]
    fn points_at_the_service() {
        assert_fires(&RULE, RULE.bad);
        let h = hits(&RULE, RULE.bad);
        assert_eq!(h[0].resource.as_deref(), Some("service/app"));
        assert!(h[0].line >= 2);
    }
}
