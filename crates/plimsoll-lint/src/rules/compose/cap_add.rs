use crate::compose::{hit, ComposeFile};
use crate::rule::{declare_rule, Hit};
#[allow(unused_imports)]
use crate::yaml::Node;

declare_rule! {
    /// ## What it does
    /// Flags `cap_add` entries outside Docker's default capability set (`SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE`, `ALL`...).
    ///
    /// ## Why it matters
    /// Extra kernel capabilities widen what a compromised process can do to the host; several (SYS_ADMIN, SYS_MODULE, SYS_PTRACE, DAC_READ_SEARCH) allow container escapes (CIS Docker Benchmark 5.4).
    ///
    /// ## How to fix
    /// Remove the capability, or better drop all (`cap_drop: [ALL]`) and add back only what is needed from the default set.
    code: "PL-COMPOSE-002",
    title: "Dangerous capability added",
    severity: High,
    references: ["CIS-Docker-5.4"],
    bad: "services:\n  app:\n    image: app:1.0\n    cap_add: [SYS_ADMIN]\n",
    good: "services:\n  app:\n    image: app:1.0\n    cap_drop: [ALL]\n    cap_add: [NET_BIND_SERVICE]\n",
    check: Compose(check),
}

fn check(c: &ComposeFile, out: &mut Vec<Hit>) {
    const DEFAULT: [&str; 14] = [
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "NET_RAW",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    ];
    for (name, svc) in c.services() {
        for cap in svc.get("cap_add").map(Node::items).unwrap_or(&[]) {
            let n = cap.as_str().unwrap_or("").trim_start_matches("CAP_").to_ascii_uppercase();
            if !DEFAULT.contains(&n.as_str()) {
                out.push(hit(name, svc, Some(cap), format!("cap_add {n}")));
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
