use crate::dockerfile::{DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a stage with more than one `HEALTHCHECK`.
    ///
    /// ## Why it matters
    /// Only the last one applies; the others mislead readers.
    ///
    /// ## How to fix
    /// Keep one `HEALTHCHECK` per stage.
    code: "PL-DF-047",
    title: "Multiple HEALTHCHECK instructions in one stage",
    severity: Low,
    references: ["DL3012"],
    bad: "FROM nginx:1.25-alpine\nHEALTHCHECK CMD wget -qO- http://localhost/\nHEALTHCHECK CMD wget -qO- http://localhost/health\n",
    good: "FROM nginx:1.25-alpine\nHEALTHCHECK CMD wget -qO- http://localhost/health\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for s in &ctx.stages {
        let all: Vec<_> = ctx.stage_instructions(s).filter(|(_, i)| i.keyword == Keyword::Healthcheck).collect();
        for (_, inst) in all.iter().skip(1) {
            out.push(Hit::at(inst, "only the last HEALTHCHECK of a stage takes effect"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "FROM scratch\nHEALTHCHECK CMD /a\nHEALTHCHECK CMD /b\n");
        assert_quiet(&RULE, "FROM scratch\nHEALTHCHECK CMD /a\nFROM scratch\nHEALTHCHECK CMD /b\n");
    }
}
