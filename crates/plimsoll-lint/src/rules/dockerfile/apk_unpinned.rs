use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `apk add` of packages without a version constraint (`pkg=1.2.3-r0`, `pkg~1.2`).
    ///
    /// ## Why it matters
    /// Unpinned installs make builds non-reproducible: the image changes whenever the Alpine
    /// repository does.
    ///
    /// ## How to fix
    /// Pin versions (`curl=8.5.0-r0`) or constrain them (`curl~8.5`).
    code: "PL-DF-021",
    title: "apk add without pinned versions",
    severity: Low,
    references: ["DL3018"],
    bad: "FROM alpine:3.19\nRUN apk add --no-cache curl\n",
    good: "FROM alpine:3.19\nRUN apk add --no-cache curl=8.5.0-r0\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        for (nth, c) in script.find("apk").enumerate() {
            let ops = c.operands(&[
                "-t",
                "--virtual",
                "-X",
                "--repository",
                "-p",
                "--root",
                "--arch",
                "--cache-dir",
                "--keys-dir",
            ]);
            if ops.first() != Some(&"add") {
                continue;
            }
            let unpinned: Vec<&str> = ops[1..]
                .iter()
                .copied()
                .filter(|p| !p.contains(['=', '~', '<', '>']) && !p.ends_with(".apk") && !p.starts_with('$'))
                .collect();
            if !unpinned.is_empty() {
                out.push(ctx.hit_on_command(inst, "apk", nth, format!("pin versions of: {}", unpinned.join(", "))));
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
        assert_fires(&RULE, "RUN apk add --no-cache \\\nflex=2.6.4-r1 \\\nlibffi\n");
        assert_quiet(&RULE, "RUN apk add --virtual build-dependencies python-dev=1.1.1 git~2.52\n");
        assert_quiet(&RULE, "RUN apk add --no-cache -X https://x/edge/testing flow=0.78.0-r0 mypackage-1.1.1.apk\n");
    }
}
