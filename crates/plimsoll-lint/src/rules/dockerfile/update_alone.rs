use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a `RUN` that refreshes the package index (`apt-get update`, `apk update`,
    /// `yum makecache`...) without installing or upgrading anything in the same step.
    ///
    /// ## Why it matters
    /// The refreshed index is cached in its own layer; a later `RUN ... install` reuses that
    /// stale layer from the build cache and installs outdated packages, or fails.
    ///
    /// ## How to fix
    /// Combine update and install in one `RUN`: `apt-get update && apt-get install -y ...`.
    code: "PL-DF-046",
    title: "Package index update in its own RUN",
    severity: Low,
    references: ["CKV_DOCKER_5"],
    bad: "FROM debian:12-slim\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl\n",
    good: "FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
    check: Dockerfile(check),
}

const MANAGERS: &[&str] = &["apt-get", "apt", "aptitude", "apk", "yum", "dnf", "zypper"];

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        let mut updates = false;
        let mut installs = false;
        for c in script.cmds.iter().filter(|c| MANAGERS.iter().any(|m| c.is(m))) {
            let ops = c.operands(&["-o", "-t", "-X", "--repository"]);
            match ops.first().copied() {
                Some("update" | "makecache" | "refresh" | "ref") => {
                    let yum_update_all = (c.is("yum") || c.is("dnf")) && ops.first() == Some(&"update");
                    if yum_update_all {
                        installs = true;
                    } else {
                        updates = true;
                    }
                }
                Some(
                    "install" | "add" | "upgrade" | "dist-upgrade" | "full-upgrade" | "in" | "groupinstall"
                    | "reinstall",
                ) => installs = true,
                _ => {}
            }
        }
        if updates && !installs {
            out.push(Hit::at(inst, "package index update without an install in the same RUN"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "FROM base\nRUN apk update\n");
        assert_quiet(
            &RULE,
            "FROM base\nRUN apk update --no-cache && apk upgrade --no-cache\nRUN apk --update add moo\n",
        );
    }
}
