use crate::dockerfile::{DockerfileCtx, Instruction};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a build stage that uses both `curl` and `wget`.
    ///
    /// ## Why it matters
    /// Two download tools where one suffices: more packages (and their vulnerabilities) in the
    /// image, and two sets of TLS and redirect behaviours to reason about.
    ///
    /// ## How to fix
    /// Pick one tool for the stage.
    code: "PL-DF-051",
    title: "Both wget and curl used",
    severity: Low,
    references: ["DL4001"],
    bad: "FROM debian:12-slim\nRUN wget -q https://example.com/a.tgz\nRUN curl -fsSLO https://example.com/b.tgz\n",
    good: "FROM debian:12-slim\nRUN curl -fsSLO https://example.com/a.tgz\nRUN curl -fsSLO https://example.com/b.tgz\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    // One pass over the RUNs: the first curl and the first wget of each stage.
    let mut first: Vec<(Option<&Instruction>, Option<&Instruction>)> = vec![(None, None); ctx.stages.len()];
    for (idx, inst, script) in ctx.runs() {
        let Some(slot) = ctx.stage_of(idx).and_then(|s| first.get_mut(s.index)) else { continue };
        if slot.0.is_none() && script.any("curl") {
            slot.0 = Some(inst);
        }
        if slot.1.is_none() && script.any("wget") {
            slot.1 = Some(inst);
        }
    }
    for (a, b) in first {
        if let (Some(a), Some(b)) = (a, b) {
            let later = if a.line >= b.line { a } else { b };
            out.push(Hit::at(later, "the stage uses both curl and wget; use one"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "FROM node as foo\nRUN wget my.xyz && curl localhost\n");
        assert_quiet(&RULE, "FROM node as foo\nRUN wget my.xyz\nFROM scratch\nRUN curl localhost\n");
    }
}
