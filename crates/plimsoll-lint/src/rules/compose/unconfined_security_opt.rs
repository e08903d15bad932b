use crate::compose::{hit, ComposeFile};
use crate::rule::{declare_rule, Hit};
#[allow(unused_imports)]
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags `security_opt` entries `seccomp:unconfined`, `apparmor:unconfined` or `label:disable`.
    ///
    /// ## Why it matters
    /// These remove the kernel-level confinement Docker applies by default (CIS Docker Benchmark 5.2, 5.22).
    ///
    /// ## How to fix
    /// Remove the option, or point it at a custom profile that allows only what is needed.
    code: "PL-COMPOSE-009",
    title: "Seccomp or AppArmor disabled",
    severity: High,
    references: ["CIS-Docker-5.2", "CIS-Docker-5.22"],
    bad: "services:\n  app:\n    image: app:1.0\n    security_opt: [\"seccomp:unconfined\"]\n",
    good: "services:\n  app:\n    image: app:1.0\n    security_opt: [\"no-new-privileges:true\"]\n",
    check: Compose(check),
}

fn check(c: &ComposeFile, out: &mut Vec<Hit>) {
    for (name, svc) in c.services() {
        for o in svc.get("security_opt").map(Node::items).unwrap_or(&[]) {
            let s = o.as_str().unwrap_or("").replace('=', ":");
            if matches!(s.as_str(), "seccomp:unconfined" | "apparmor:unconfined" | "label:disable" | "label:type:spc_t")
            {
                out.push(hit(name, svc, Some(o), format!("security_opt {s}")));
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
