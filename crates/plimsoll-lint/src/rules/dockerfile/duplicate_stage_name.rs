use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a `FROM ... AS name` that reuses the name of an earlier stage.
    ///
    /// ## Why it matters
    /// BuildKit rejects duplicate stage names; older builders silently resolve `--from=name` to
    /// one of them.
    ///
    /// ## How to fix
    /// Give every stage a unique name.
    code: "PL-DF-032",
    title: "Duplicate stage name",
    severity: Medium,
    references: ["DL3024", "CKV_DOCKER_11"],
    bad: "FROM node:20 AS build\nFROM golang:1.22 AS build\n",
    good: "FROM node:20 AS web\nFROM golang:1.22 AS api\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    let mut seen = std::collections::HashSet::new();
    for s in &ctx.stages {
        let Some(name) = &s.name else { continue };
        if !seen.insert(name.as_str()) {
            if let Some(inst) = s.from.and_then(|f| ctx.instructions().get(f)) {
                out.push(Hit::at(inst, format!("stage name {name} is already used")));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "FROM node as foo\nRUN x\nFROM scratch as FOO\n");
        assert_quiet(&RULE, "FROM scratch as build\nFROM node as run\n");
    }
}
