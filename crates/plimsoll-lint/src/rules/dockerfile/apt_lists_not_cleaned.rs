use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a `RUN` that runs `apt-get update` (or `apt`/`aptitude`) and installs packages but
    /// does not remove `/var/lib/apt/lists/*` in the same step, in a stage that ends up in the
    /// final image. Cache mounts for the apt directories (`RUN --mount=type=cache,...`) count as
    /// cleanup.
    ///
    /// ## Why it matters
    /// The package lists (tens of MiB) stay in the layer forever, and a stale cache can make a
    /// later `apt-get install` in a derived image use outdated package versions.
    ///
    /// ## How to fix
    /// End the same `RUN` with `&& rm -rf /var/lib/apt/lists/*`, or mount the apt directories as
    /// cache.
    code: "PL-DF-013",
    title: "apt lists not removed after install",
    severity: Low,
    references: ["DL3009"],
    bad: "FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
    good: "FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
    check: Dockerfile(check),
}

const APT: &[&str] = &["apt-get", "apt", "aptitude"];

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    let chain = ctx.in_final_chain();
    for (idx, inst, script) in ctx.runs() {
        // ONBUILD triggers run in whatever image builds FROM this one: always in a final image.
        let onbuild = inst.keyword == crate::dockerfile::Keyword::Onbuild;
        if !onbuild && !ctx.stage_of(idx).is_some_and(|s| chain[s.index]) {
            continue;
        }
        let updates = script.cmds.iter().any(|c| APT.iter().any(|n| c.is(n)) && c.operands(&[]).contains(&"update"));
        if !updates {
            continue;
        }
        // `apt-get dist-clean` (apt 2.7+) removes the lists too.
        let cleaned = script.cmds.iter().any(|c| {
            (c.is("rm") && c.args.iter().any(|a| a.starts_with("/var/lib/apt/lists")))
                || ((c.is("apt-get") || c.is("apt")) && c.operands(&[]).first() == Some(&"dist-clean"))
        });
        let m = super::mounts(inst.effective());
        let mounted = |t: &str| m.iter().any(|(typ, target)| (typ == "cache" || typ == "tmpfs") && target == t);
        let cached = mounted("/var/lib/apt/lists") || (mounted("/var/lib/apt") && mounted("/var/cache/apt"));
        if !cleaned && !cached {
            out.push(Hit::at(inst, "apt lists are left in the layer: add `&& rm -rf /var/lib/apt/lists/*`"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "FROM scratch\nRUN apt-get update && apt-get install python\n");
        assert_fires(&RULE, "FROM ubuntu as foo\nRUN apt-get update && apt-get install python\nFROM foo\nRUN hey\n");
        assert_quiet(
            &RULE,
            "FROM ubuntu as foo\nRUN apt-get update && apt-get install python\nFROM scratch\nRUN hey\n",
        );
        assert_quiet(&RULE, "FROM scratch\nRUN apt update && apt install python && rm -rf /var/lib/apt/lists/*\n");
        assert_quiet(
            &RULE,
            "RUN --mount=type=cache,target=/var/lib/apt --mount=type=cache,target=/var/cache/apt apt-get update\n",
        );
        assert_fires(&RULE, "RUN --mount=type=cache,target=/var/cache/apt apt-get update && apt-get install x\n");
    }
}
