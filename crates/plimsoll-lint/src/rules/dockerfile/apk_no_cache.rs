use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `apk add` without `--no-cache` (unless the `RUN` removes `/var/cache/apk` or mounts
    /// it as a cache).
    ///
    /// ## Why it matters
    /// The package index stays in the layer, growing the image for nothing.
    ///
    /// ## How to fix
    /// Use `apk add --no-cache ...`, which also makes `apk update` unnecessary.
    code: "PL-DF-015",
    title: "apk add without --no-cache",
    severity: Low,
    references: ["DL3019"],
    bad: "FROM alpine:3.19\nRUN apk update && apk add curl=8.5.0-r0\n",
    good: "FROM alpine:3.19\nRUN apk add --no-cache curl=8.5.0-r0\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        let cleaned = script.cmds.iter().any(|c| c.is("rm") && c.args.iter().any(|a| a.starts_with("/var/cache/apk")))
            || super::mounts(inst.effective())
                .iter()
                .any(|(t, d)| (t == "cache" || t == "tmpfs") && d.starts_with("/var/cache/apk"));
        for (nth, c) in script.find("apk").enumerate() {
            if c.operands(&["-t", "--virtual", "-X", "--repository", "-p", "--root"]).first() == Some(&"add")
                && !c.has_flag("no-cache")
                && !cleaned
            {
                out.push(ctx.hit_on_command(inst, "apk", nth, "apk add without --no-cache"));
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
        assert_fires(&RULE, "RUN apk add curl\n");
        assert_fires(&RULE, "RUN apk --update add curl\n");
        assert_quiet(&RULE, "RUN apk add --no-cache curl\n");
        assert_quiet(&RULE, "RUN apk add curl && rm -rf /var/cache/apk/*\n");
    }
}
