use crate::dockerfile::{Args, DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a build stage whose last `USER` instruction switches to `root` (or UID 0).
    ///
    /// ## Why it matters
    /// A container that runs as root turns any code-execution bug into root inside the container,
    /// one kernel or runtime flaw away from root on the host (CIS Docker Benchmark 4.1). Switching
    /// to root for installation steps is fine; ending the stage as root is not.
    ///
    /// ## How to fix
    /// Create an unprivileged user and make it the last `USER` of the stage.
    code: "PL-DF-001",
    title: "Last USER is root",
    severity: High,
    references: ["DL3002", "CIS-Docker-4.1", "CKV_DOCKER_8"],
    bad: "FROM debian:12\nUSER root\nRUN apt-get update\n",
    good: "FROM debian:12\nUSER root\nRUN apt-get update\nUSER 10001\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for s in &ctx.stages {
        let last = ctx.stage_instructions(s).filter(|(_, i)| i.keyword == Keyword::User).last();
        if let Some((idx, inst)) = last {
            if let Args::Text(u) = &inst.args {
                let e = ctx.expand_at(idx, u);
                if !e.unresolved && super::is_root_user(&e.value) {
                    out.push(Hit::at(inst, format!("stage {} ends as user {:?}", s.index, e.value)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn root_forms() {
        for u in ["root", "0", "root:root", "0:0"] {
            assert_fires(&RULE, &format!("FROM scratch\nUSER {u}\n"));
        }
        assert_fires(&RULE, "ARG U=root\nFROM x\nARG U\nUSER $U\n");
    }

    #[test]
    fn non_root_last() {
        assert_quiet(&RULE, "FROM scratch\nUSER root\nRUN x\nUSER foo\n");
        assert_quiet(&RULE, "FROM scratch\nUSER rooty\n");
        assert_quiet(&RULE, "FROM scratch\nUSER $UNKNOWN\n");
    }
}
