use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `apt-get install` of packages without a version (`pkg=version`).
    ///
    /// ## Why it matters
    /// Unpinned installs take whatever the mirror serves on build day: builds are not
    /// reproducible and an update can break the image or change its vulnerability profile
    /// without any change to the Dockerfile.
    ///
    /// ## How to fix
    /// Pin versions (`curl=7.88.1-10+deb12u5`), or pin the base image digest and accept the
    /// distribution's versions consciously (then disable this rule).
    code: "PL-DF-020",
    title: "apt-get install without pinned versions",
    severity: Low,
    references: ["DL3008"],
    bad: "FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
    good: "FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 && rm -rf /var/lib/apt/lists/*\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        for (nth, c) in script.find("apt-get").enumerate() {
            let ops = c.operands(&["-t", "--target-release", "-o", "-c"]);
            if ops.first() != Some(&"install") {
                continue;
            }
            let unpinned: Vec<&str> = ops[1..]
                .iter()
                .copied()
                .filter(|p| !p.contains('=') && !p.ends_with(".deb") && !p.starts_with('$'))
                .collect();
            if !unpinned.is_empty() {
                out.push(ctx.hit_on_command(inst, "apt-get", nth, format!("pin versions of: {}", unpinned.join(", "))));
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
        assert_fires(&RULE, "RUN apt-get update && apt-get install python\n");
        assert_quiet(&RULE, "RUN apt-get install -y --no-install-recommends -t jessie-backports openjdk-8-jdk=8u131\n");
        assert_quiet(&RULE, "RUN apt-get install ./wkhtmltox_0.12.5-1.bionic_amd64.deb\n");
    }
}
