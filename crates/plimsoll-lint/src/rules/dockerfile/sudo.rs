use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `sudo` in a `RUN`.
    ///
    /// ## Why it matters
    /// Build steps already run as the current `USER`; `sudo` adds an unpredictable TTY and
    /// signal-forwarding layer, and its presence in the image lets any process that can use it
    /// become root.
    ///
    /// ## How to fix
    /// Switch with `USER root` for the privileged steps and back to the unprivileged user after;
    /// use `gosu` or `su-exec` if an entrypoint must drop privileges.
    code: "PL-DF-016",
    title: "sudo in RUN",
    severity: Medium,
    references: ["DL3004"],
    bad: "FROM debian:12-slim\nUSER app\nRUN sudo apt-get update\n",
    good: "FROM debian:12-slim\nUSER root\nRUN apt-get update\nUSER app\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        if script.any("sudo") {
            out.push(ctx.hit_on_command(inst, "sudo", 0, "do not use sudo in RUN; switch USER instead"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "RUN apt-get update && sudo apt-get install\n");
        assert_quiet(&RULE, "RUN apt-get install sudo\n");
    }
}
