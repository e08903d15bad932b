use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `cd` in a `RUN` instruction.
    ///
    /// ## Why it matters
    /// The directory change does not persist to later instructions, which makes Dockerfiles
    /// harder to read and easy to get wrong; `WORKDIR` states the directory explicitly.
    ///
    /// ## How to fix
    /// Use `WORKDIR /path` before the `RUN`.
    code: "PL-DF-026",
    title: "cd in RUN instead of WORKDIR",
    severity: Low,
    references: ["DL3003"],
    bad: "FROM alpine:3.19\nRUN cd /app && make\n",
    good: "FROM alpine:3.19\nWORKDIR /app\nRUN make\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        if script.any("cd") {
            out.push(ctx.hit_on_command(inst, "cd", 0, "use WORKDIR instead of cd"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "RUN cd /opt\n");
        assert_quiet(&RULE, "WORKDIR /opt\nRUN echo cd\n");
    }
}
