use crate::dockerfile::{DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `COPY --from=<name>` where `<name>` is the stage the instruction is in.
    ///
    /// ## Why it matters
    /// A stage cannot copy from itself; the build fails or, with an image of the same name,
    /// silently copies from a registry image instead.
    ///
    /// ## How to fix
    /// Refer to an earlier stage or an image.
    code: "PL-DF-031",
    title: "COPY --from refers to the current stage",
    severity: Medium,
    references: ["DL3023"],
    bad: "FROM node:20-slim AS build\nCOPY --from=build /app /app\n",
    good: "FROM node:20-slim AS build\nRUN npm ci\nFROM node:20-slim\nCOPY --from=build /app /app\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (idx, _, inst) in super::each(ctx, Keyword::Copy) {
        let (Some(from), Some(stage)) = (inst.flag_value("from"), ctx.stage_of(idx)) else { continue };
        let from = from.to_ascii_lowercase();
        if stage.name.as_deref() == Some(from.as_str()) || from == stage.index.to_string() && stage.from.is_some() {
            out.push(Hit::at(inst, format!("COPY --from={from} refers to its own stage")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "FROM node as foo\nCOPY --from=foo bar .\n");
        assert_quiet(&RULE, "FROM scratch as build\nRUN foo\nFROM node as run\nCOPY --from=build foo .\n");
    }
}
