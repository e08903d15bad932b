use crate::dockerfile::{Args, Command, DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `CMD` and `ENTRYPOINT` written in shell form (`CMD node app.js`).
    ///
    /// ## Why it matters
    /// Shell form runs the command under `/bin/sh -c`: the application is not PID 1, does not
    /// receive `SIGTERM` on `docker stop`, and is killed after the grace period without a chance
    /// to shut down cleanly.
    ///
    /// ## How to fix
    /// Use the JSON (exec) form: `CMD ["node", "app.js"]`.
    code: "PL-DF-030",
    title: "CMD or ENTRYPOINT in shell form",
    severity: Low,
    references: ["DL3025"],
    bad: "FROM node:20-slim\nCMD node app.js\n",
    good: "FROM node:20-slim\nCMD [\"node\", \"app.js\"]\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for kw in [Keyword::Cmd, Keyword::Entrypoint] {
        for (_, _, inst) in super::each(ctx, kw) {
            if let Args::Command(Command::Shell(_)) = &inst.args {
                out.push(Hit::at(inst, format!("use the JSON form for {}", kw.as_str())));
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
        assert_fires(&RULE, "FROM node as foo\nENTRYPOINT something\n");
        assert_quiet(&RULE, "CMD [ \"/bin/sh\", \"-c\", \\\n      \"echo foo && \\\n       echo bar\" \\\n    ]\n");
    }
}
