use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `apt-get install` without `-y` (`--yes`, `--assume-yes`, or quiet level 2 which
    /// implies it).
    ///
    /// ## Why it matters
    /// apt-get asks for confirmation and the build aborts without an answer.
    ///
    /// ## How to fix
    /// Add `-y`.
    code: "PL-DF-035",
    title: "apt-get install without -y",
    severity: Low,
    references: ["DL3014"],
    bad: "FROM debian:12-slim\nRUN apt-get install --no-install-recommends curl=7.88.1-10+deb12u5\n",
    good: "FROM debian:12-slim\nRUN apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        for (nth, c) in script.find("apt-get").enumerate() {
            if c.operands(&["-o", "-t", "-c", "--target-release"]).first() != Some(&"install") {
                continue;
            }
            let yes = c.has_any_flag(&["y", "yes", "assume-yes", "force-yes"]);
            // Quiet level 2 (`-qq`, `-q -q`, `-q=2`, `--quiet --quiet`) implies -y.
            let quiet: usize = c
                .args
                .iter()
                .map(|a| {
                    if a == "-q=2" || a == "--quiet=2" {
                        2
                    } else if a == "--quiet" {
                        1
                    } else if let Some(s) = a.strip_prefix('-').filter(|s| !s.starts_with('-')) {
                        s.matches('q').count()
                    } else {
                        0
                    }
                })
                .sum();
            if !yes && quiet < 2 {
                out.push(ctx.hit_on_command(inst, "apt-get", nth, "apt-get install without -y"));
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
        assert_fires(&RULE, "RUN apt-get install -q python\n");
        for ok in ["-yq", "--assume-yes", "-qq", "-q -q", "-q=2", "--quiet --quiet"] {
            assert_quiet(&RULE, &format!("RUN apt-get install {ok} python\n"));
        }
    }
}
