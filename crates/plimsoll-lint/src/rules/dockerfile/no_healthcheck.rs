use crate::dockerfile::{Args, DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a Dockerfile whose final image defines no `HEALTHCHECK` (in its last stage or the
    /// stages it builds on), or disables it with `HEALTHCHECK NONE`.
    ///
    /// ## Why it matters
    /// Without a health check the engine cannot tell a hung container from a working one, so it
    /// is neither restarted nor taken out of rotation (CIS Docker Benchmark 4.6). Orchestrators
    /// with their own probes (Kubernetes) ignore `HEALTHCHECK`: disable this rule there.
    ///
    /// ## How to fix
    /// Add `HEALTHCHECK CMD <command that fails when the service is unhealthy>`.
    code: "PL-DF-018",
    title: "No HEALTHCHECK",
    severity: Low,
    references: ["CIS-Docker-4.6", "CKV_DOCKER_2"],
    bad: "FROM nginx:1.25-alpine\nCOPY site /usr/share/nginx/html\n",
    good: "FROM nginx:1.25-alpine\nCOPY site /usr/share/nginx/html\nHEALTHCHECK --interval=30s CMD wget -qO- http://localhost/ || exit 1\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    let chain = ctx.final_chain();
    // The nearest HEALTHCHECK wins: walk from the last stage towards its ancestors.
    for &i in &chain {
        let Some(s) = ctx.stages.get(i) else { continue };
        if let Some((_, inst)) = ctx.stage_instructions(s).filter(|(_, x)| x.keyword == Keyword::Healthcheck).last() {
            if inst.args == Args::Healthcheck(None) {
                out.push(Hit::at(inst, "HEALTHCHECK NONE disables health checking"));
            }
            return;
        }
    }
    if let Some(s) = ctx.last_stage() {
        let line = s.from.and_then(|i| ctx.instructions().get(i)).map_or(1, |i| i.line);
        out.push(Hit::new(line, line, "the final image defines no HEALTHCHECK"));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "FROM x\nRUN y\n");
        assert_fires(&RULE, "FROM x\nHEALTHCHECK NONE\n");
        assert_quiet(&RULE, "FROM x AS b\nHEALTHCHECK CMD true\nFROM b\n");
    }
}
