use crate::compose::{hit, ComposeFile};
use crate::rule::{declare_rule, Hit};
#[allow(unused_imports)]
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags `network_mode: host`.
    ///
    /// ## Why it matters
    /// The container shares the host's network stack: it can bind any host port, reach services listening on localhost and sniff traffic (CIS Docker Benchmark 5.10).
    ///
    /// ## How to fix
    /// Use the default bridge or a user-defined network and publish the needed ports.
    code: "PL-COMPOSE-003",
    title: "Host network mode",
    severity: High,
    references: ["CIS-Docker-5.10"],
    bad: "services:\n  app:\n    image: app:1.0\n    network_mode: host\n",
    good: "services:\n  app:\n    image: app:1.0\n    ports: [\"8080:8080\"]\n",
    check: Compose(check),
}

fn check(c: &ComposeFile, out: &mut Vec<Hit>) {
    for (name, svc) in c.services() {
        if let Some(n) = crate::compose::field(svc, "network_mode", |n| n.as_str() == Some("host")) {
            out.push(hit(name, svc, Some(n), "network_mode: host"));
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
