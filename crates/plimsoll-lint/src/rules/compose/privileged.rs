use crate::compose::{hit, ComposeFile};
use crate::rule::{declare_rule, Hit};
#[allow(unused_imports)]
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags services with `privileged: true`.
    ///
    /// ## Why it matters
    /// A privileged container has all capabilities and every host device: escaping to the host is trivial (CIS Docker Benchmark 5.5).
    ///
    /// ## How to fix
    /// Remove `privileged`; add only the capability or device the service needs (`cap_add`, `devices`).
    code: "PL-COMPOSE-001",
    title: "Privileged service",
    severity: Critical,
    references: ["CIS-Docker-5.5"],
    bad: "services:\n  app:\n    image: app:1.0\n    privileged: true\n",
    good: "services:\n  app:\n    image: app:1.0\n",
    check: Compose(check),
}

fn check(c: &ComposeFile, out: &mut Vec<Hit>) {
    for (name, svc) in c.services() {
        if let Some(n) = crate::compose::field(svc, "privileged", Node::is_true) {
            out.push(hit(name, svc, Some(n), "privileged: true"));
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
