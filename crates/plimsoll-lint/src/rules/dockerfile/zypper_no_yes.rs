use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `zypper install` without `-n`/`--non-interactive` (or `-y`).
    ///
    /// ## Why it matters
    /// zypper prompts for confirmation; without a non-interactive flag the build fails or hangs.
    ///
    /// ## How to fix
    /// Use `zypper --non-interactive install ...` (`zypper -n in ...`).
    code: "PL-DF-042",
    title: "zypper install without non-interactive flag",
    severity: Low,
    references: ["DL3034"],
    bad: "FROM opensuse/leap:15.5\nRUN zypper install httpd=2.4.51 && zypper clean\n",
    good: "FROM opensuse/leap:15.5\nRUN zypper -n install httpd=2.4.51 && zypper clean\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        let mut occ = super::Occurrences::default();
        for c in script.find("zypper") {
            let nth = occ.next(c);
            let ops = c.operands(&["--root", "-R", "--reposd-dir", "-D", "--cache-dir", "-C", "--config", "-c"]);
            if matches!(
                ops.first(),
                Some(&"install" | &"in" | &"remove" | &"rm" | &"source-install" | &"si" | &"patch")
            ) && !c.has_any_flag(&["n", "non-interactive", "y", "no-confirm"])
            {
                out.push(ctx.hit_on_command(inst, c.base(), nth, "zypper without --non-interactive"));
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
        assert_fires(&RULE, "RUN zypper install httpd=2.4.24 && zypper clean\n");
        assert_quiet(&RULE, "RUN zypper install -y httpd=2.4.24 && zypper clean\n");
        assert_quiet(&RULE, "RUN zypper --non-interactive in x\n");
    }
}
