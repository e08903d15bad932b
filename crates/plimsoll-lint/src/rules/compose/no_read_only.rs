use crate::compose::{hit, ComposeFile};
use crate::rule::{declare_rule, Hit};
#[allow(unused_imports)]
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags services without `read_only: true`.
    ///
    /// ## Why it matters
    /// A writable root filesystem lets an attacker modify binaries and persist; a read-only one also documents where the service writes (CIS Docker Benchmark 5.13).
    ///
    /// ## How to fix
    /// Set `read_only: true` and add `tmpfs` or volumes for the paths that must be writable.
    code: "PL-COMPOSE-007",
    title: "Root filesystem is writable",
    severity: Low,
    references: ["CIS-Docker-5.13"],
    bad: "services:\n  app:\n    image: app:1.0\n",
    good: "services:\n  app:\n    image: app:1.0\n    read_only: true\n    tmpfs: [/tmp]\n",
    check: Compose(check),
}

fn check(c: &ComposeFile, out: &mut Vec<Hit>) {
    for (name, key, svc) in c.service_keys() {
        let ro = svc.entry("read_only");
        if !ro.is_some_and(|(_, v)| v.is_true()) {
            // `read_only: false` points at the key; absent, at the service.
            out.push(hit(name, svc, Some(ro.map_or(key, |(k, _)| k)), "read_only is not set"));
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
