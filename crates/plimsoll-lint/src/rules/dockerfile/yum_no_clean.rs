use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `yum install` (also `dnf`, `microdnf`, `zypper install`) not followed by a cache
    /// cleanup (`yum clean all`, `rm -rf /var/cache/yum`) in the same `RUN`.
    ///
    /// ## Why it matters
    /// The package cache stays in the layer and bloats the image.
    ///
    /// ## How to fix
    /// End the `RUN` with `&& yum clean all` (`dnf clean all`, `zypper clean`).
    code: "PL-DF-033",
    title: "yum/dnf/zypper cache not cleaned",
    severity: Low,
    references: ["DL3032", "DL3040", "DL3036"],
    bad: "FROM rockylinux:9-minimal\nRUN yum install -y httpd-2.4.57\n",
    good: "FROM rockylinux:9-minimal\nRUN yum install -y httpd-2.4.57 && yum clean all\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        for (i, c) in script.cmds.iter().enumerate() {
            let mgr = ["yum", "dnf", "microdnf", "zypper"].into_iter().find(|m| c.is(m));
            let Some(mgr) = mgr else { continue };
            let ops = c.operands(&["--setopt", "-c", "--config", "--installroot", "--releasever"]);
            let installs = matches!(
                ops.first(),
                Some(&"install" | &"in" | &"groupinstall" | &"localinstall" | &"reinstall" | &"rei")
            ) || (matches!(mgr, "dnf" | "microdnf")
                && matches!(ops.first(), Some(&"upgrade" | &"update" | &"up" | &"up-min" | &"upgrade-minimal")));
            if !installs {
                continue;
            }
            let later = &script.cmds[i + 1..];
            let cleaned = later.iter().any(|l| {
                (l.is(mgr) && matches!(l.operands(&[]).first(), Some(&"clean" | &"cc")))
                    || (l.is("rm") && l.args.iter().any(|a| a.starts_with("/var/cache/")))
            });
            let cached = super::mounts(inst.effective())
                .iter()
                .any(|(t, d)| (t == "cache" || t == "tmpfs") && d.starts_with("/var/cache/"));
            if !cleaned && !cached {
                out.push(Hit::at(inst, format!("{mgr} install without a following `{mgr} clean all`")));
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
        assert_fires(&RULE, "RUN yum clean all && yum install -y x\n");
        assert_fires(&RULE, "RUN dnf install -y x\n");
        assert_quiet(&RULE, "RUN yum install -y mariadb-10.4 && rm -rf /var/cache/yum/*\n");
        assert_quiet(&RULE, "RUN bash -c `# not even a yum command`\n");
    }
}
