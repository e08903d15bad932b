use crate::compose::{hit, ComposeFile};
use crate::rule::{declare_rule, Hit};
#[allow(unused_imports)]
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags `pid: host`, `ipc: host`, `uts: host` and `userns_mode: host`.
    ///
    /// ## Why it matters
    /// Sharing the host PID namespace lets the container see and signal (or ptrace) every host process; the IPC namespace exposes host shared memory (CIS Docker Benchmark 5.16, 5.17).
    ///
    /// ## How to fix
    /// Remove these settings.
    code: "PL-COMPOSE-004",
    title: "Host PID, IPC or UTS namespace",
    severity: High,
    references: ["CIS-Docker-5.16", "CIS-Docker-5.17", "CIS-Docker-5.21"],
    bad: "services:\n  app:\n    image: app:1.0\n    pid: host\n",
    good: "services:\n  app:\n    image: app:1.0\n",
    check: Compose(check),
}

fn check(c: &ComposeFile, out: &mut Vec<Hit>) {
    for (name, svc) in c.services() {
        for key in ["pid", "ipc", "uts", "userns_mode"] {
            if let Some(n) = crate::compose::field(svc, key, |n| n.as_str() == Some("host")) {
                out.push(hit(name, svc, Some(n), format!("{key}: host")));
            }
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
