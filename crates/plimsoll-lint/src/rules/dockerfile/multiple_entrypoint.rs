use crate::dockerfile::{DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a build stage with more than one `ENTRYPOINT`.
    ///
    /// ## Why it matters
    /// Only the last `ENTRYPOINT` of a stage takes effect; the earlier ones are dead code that
    /// misleads readers about what the container runs.
    ///
    /// ## How to fix
    /// Keep a single `ENTRYPOINT` per stage.
    code: "PL-DF-029",
    title: "Multiple ENTRYPOINT instructions in one stage",
    severity: Low,
    references: ["DL4004"],
    bad: "FROM debian:12-slim\nENTRYPOINT [\"a\"]\nENTRYPOINT [\"b\"]\n",
    good: "FROM debian:12-slim\nENTRYPOINT [\"b\"]\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for s in &ctx.stages {
        let all: Vec<_> = ctx.stage_instructions(s).filter(|(_, i)| i.keyword == Keyword::Entrypoint).collect();
        for (_, inst) in all.iter().skip(1) {
            out.push(Hit::at(inst, "only the last ENTRYPOINT of a stage takes effect"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(
            &RULE,
            "FROM debian as a\nENTRYPOINT bash\nRUN foo\nENTRYPOINT another\nFROM debian as b\nENTRYPOINT x\n",
        );
        assert_quiet(&RULE, "FROM debian as a\nENTRYPOINT bash\nRUN foo\nFROM debian as b\nENTRYPOINT another\n");
        assert_quiet(&RULE, "ENTRYPOINT /bin/true\n");
    }
}
