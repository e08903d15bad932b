use crate::compose::{hit, ComposeFile};
use crate::rule::{declare_rule, Hit};
#[allow(unused_imports)]
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags `user: root` or `user: 0` (explicitly running as root).
    ///
    /// ## Why it matters
    /// Processes in the container run as root; a compromise gets root inside the container and a head start on escaping (CIS Docker Benchmark 4.1).
    ///
    /// ## How to fix
    /// Set a non-root `user:` (e.g. `"10001:10001"`) or remove the override if the image has a non-root `USER`.
    code: "PL-COMPOSE-006",
    title: "Service runs as root",
    severity: Medium,
    references: ["CIS-Docker-4.1"],
    bad: "services:\n  app:\n    image: app:1.0\n    user: root\n",
    good: "services:\n  app:\n    image: app:1.0\n    user: \"10001:10001\"\n",
    check: Compose(check),
}

fn check(c: &ComposeFile, out: &mut Vec<Hit>) {
    for (name, svc) in c.services() {
        let is_root =
            |n: &Node| n.as_i64() == Some(0) || n.as_str().is_some_and(crate::rules::dockerfile::is_root_user);
        if let Some(n) = crate::compose::field(svc, "user", is_root) {
            out.push(hit(name, svc, Some(n), "runs as root"));
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
