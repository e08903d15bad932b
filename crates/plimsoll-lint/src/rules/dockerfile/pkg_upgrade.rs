use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags full distribution upgrades in a `RUN`: `apt-get upgrade`, `apt-get dist-upgrade`,
    /// `apt full-upgrade`, `apk upgrade`, `yum`/`dnf upgrade` or `update` without package names.
    ///
    /// ## Why it matters
    /// The image content then depends on the day of the build instead of the base image tag:
    /// builds are not reproducible, and packages the base image maintainers have not tested
    /// together may break the image. Security updates belong in a newer base image.
    ///
    /// ## How to fix
    /// Rebuild on a newer base image (or pin its digest and let a bot bump it); upgrade only the
    /// specific packages that need it.
    code: "PL-DF-014",
    title: "Full distribution upgrade in the build",
    severity: Low,
    references: ["DL3005", "DL3035"],
    bad: "FROM debian:12-slim\nRUN apt-get update && apt-get -y upgrade\n",
    good: "FROM debian:12.5-slim\nRUN apt-get update && apt-get install -y --no-install-recommends --only-upgrade openssl && rm -rf /var/lib/apt/lists/*\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        let mut occ = super::Occurrences::default();
        for c in &script.cmds {
            let nth = occ.next(c);
            let ops = c.operands(&["-o", "-c", "-t"]);
            let sub = ops.first().copied().unwrap_or("");
            let hit = ((c.is("apt-get") || c.is("apt")) && matches!(sub, "upgrade" | "dist-upgrade" | "full-upgrade"))
                || (c.is("apk") && sub == "upgrade")
                || ((c.is("yum") || c.is("dnf") || c.is("microdnf"))
                    && matches!(sub, "upgrade" | "update" | "distro-sync")
                    && ops.len() == 1)
                || (c.is("zypper") && matches!(sub, "up" | "update" | "dup" | "dist-upgrade") && ops.len() == 1);
            if hit {
                out.push(ctx.hit_on_command(
                    inst,
                    c.base(),
                    nth,
                    format!("{} {sub} upgrades the whole distribution during the build", c.base()),
                ));
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
        assert_fires(&RULE, "RUN apt-get dist-upgrade -y\n");
        assert_fires(&RULE, "RUN apk upgrade --no-cache\n");
        assert_fires(&RULE, "RUN yum -y update && yum clean all\n");
        assert_quiet(&RULE, "RUN yum -y update openssl && yum clean all\n");
        assert_quiet(&RULE, "RUN apt-get update\n");
    }
}
