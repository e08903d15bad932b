use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `dnf install` without `-y`/`--assumeyes`.
    ///
    /// ## Why it matters
    /// Without it the build waits for an answer that never comes and fails (or depends on the
    /// tool's defaults for non-interactive use).
    ///
    /// ## How to fix
    /// Add `-y`.
    code: "PL-DF-041",
    title: "dnf install without -y",
    severity: Low,
    references: ["DL3038"],
    bad: "FROM rockylinux:9\nRUN dnf install httpd-2.4.57 && dnf clean all\n",
    good: "FROM rockylinux:9\nRUN dnf install -y httpd-2.4.57 && dnf clean all\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        let mut occ = super::Occurrences::default();
        for c in script.cmds.iter().filter(|c| ["dnf", "microdnf"].iter().any(|t| c.is(t))) {
            let nth = occ.next(c);
            let ops = c.operands(&["--setopt", "-c", "--config", "--installroot", "--releasever"]);
            if matches!(ops.first(), Some(&"install" | &"groupinstall" | &"localinstall" | &"reinstall"))
                && !c.has_any_flag(&["y", "assumeyes"])
            {
                out.push(ctx.hit_on_command(inst, c.base(), nth, format!("{} install without -y", c.base())));
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
        assert_fires(&RULE, "RUN dnf install httpd-2.4.24 && dnf clean all\n");
        assert_quiet(&RULE, "RUN dnf install -y httpd-2.4.24 && dnf clean all\n");
        assert_quiet(&RULE, "RUN dnf --assumeyes install x\n");
    }
}
