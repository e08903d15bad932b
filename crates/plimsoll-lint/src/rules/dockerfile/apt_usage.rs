use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags the `apt` command in a `RUN`.
    ///
    /// ## Why it matters
    /// `apt` is meant for interactive use and warns that its command-line interface is not
    /// stable; scripts should use `apt-get` and `apt-cache`.
    ///
    /// ## How to fix
    /// Replace `apt` with `apt-get` (or `apt-cache` for queries).
    code: "PL-DF-044",
    title: "apt used instead of apt-get",
    severity: Low,
    references: ["DL3027", "CKV_DOCKER_9"],
    bad: "FROM ubuntu:24.04\nRUN apt update && apt install -y curl\n",
    good: "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        if script.any("apt") {
            out.push(Hit::at(inst, "use apt-get or apt-cache instead of apt"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "FROM ubuntu\nRUN apt install python\n");
        assert_quiet(&RULE, "FROM ubuntu\nRUN apt-get install python && apt-cache policy x\n");
    }
}
