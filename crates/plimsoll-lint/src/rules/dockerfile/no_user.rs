use crate::dockerfile::{DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a Dockerfile whose final image never sets a `USER` (in its last stage or in the
    /// stages it builds on), so the container runs as the base image's user, usually root.
    ///
    /// ## Why it matters
    /// CIS Docker Benchmark 4.1: create a user for the container. Without one every process in the
    /// container runs as root.
    ///
    /// ## How to fix
    /// Add a non-root user and a `USER` instruction. Images built `FROM scratch` with a static
    /// binary can use a numeric UID without creating an account.
    code: "PL-DF-002",
    title: "No USER instruction: the container runs as root",
    severity: Medium,
    references: ["CIS-Docker-4.1", "CKV_DOCKER_3"],
    bad: "FROM node:20-slim\nCOPY . /app\nCMD [\"node\", \"/app/index.js\"]\n",
    good: "FROM node:20-slim\nCOPY . /app\nUSER node\nCMD [\"node\", \"/app/index.js\"]\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    let chain = ctx.final_chain();
    let has_user = chain
        .iter()
        .filter_map(|&i| ctx.stages.get(i))
        .any(|s| ctx.stage_instructions(s).any(|(_, i)| i.keyword == Keyword::User));
    if has_user || chain.is_empty() {
        return;
    }
    if let Some(s) = ctx.last_stage() {
        let line = s.from.and_then(|i| ctx.instructions().get(i)).map_or(1, |i| i.line);
        out.push(Hit::new(
            line,
            line,
            "the final stage sets no USER, so the container runs as the base image's user (usually root)",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "FROM alpine:3.19\nRUN echo\n");
        assert_fires(&RULE, "FROM alpine:3.19 AS b\nUSER app\nFROM alpine:3.19\nCOPY --from=b /x /x\n");
        assert_quiet(&RULE, "FROM alpine:3.19 AS b\nUSER app\nFROM b\nRUN x\n");
        assert_quiet(&RULE, "FROM alpine:3.19\nUSER 1000\n");
    }
}
