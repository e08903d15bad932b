use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `apt-get install` without `--no-install-recommends`.
    ///
    /// ## Why it matters
    /// Recommended packages are not needed to run the requested ones; they enlarge the image and
    /// the attack surface (CIS Docker Benchmark 4.3).
    ///
    /// ## How to fix
    /// Add `--no-install-recommends` (or `-o APT::Install-Recommends=false`).
    code: "PL-DF-012",
    title: "apt-get install without --no-install-recommends",
    severity: Low,
    references: ["DL3015", "CIS-Docker-4.3"],
    bad: "FROM debian:12-slim\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
    good: "FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        for (nth, c) in script.find("apt-get").enumerate() {
            if c.operands(&["-o", "-t", "-c"]).first() == Some(&"install")
                && !c.has_flag("no-install-recommends")
                && !c.args.iter().any(|a| a.contains("APT::Install-Recommends=false"))
            {
                out.push(ctx.hit_on_command(inst, "apt-get", nth, "apt-get install without --no-install-recommends"));
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
        assert_fires(&RULE, "RUN apt-get -y install python\n");
        assert_quiet(&RULE, "RUN apt-get install --no-install-recommends python\n");
        assert_quiet(&RULE, "RUN apt-get -o APT::Install-Recommends=false install python\n");
    }
}
