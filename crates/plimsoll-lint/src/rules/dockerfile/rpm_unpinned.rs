use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `yum`/`dnf`/`microdnf install` (and `module install`) of packages without a
    /// version (`name-1.2.3`, `module:stream`), and `zypper install` without a version
    /// constraint (`name=1.2`, `name>=1.2`).
    ///
    /// ## Why it matters
    /// Unpinned installs make builds non-reproducible: the image changes whenever the
    /// repository does, including to a broken or compromised release.
    ///
    /// ## How to fix
    /// Pin the versions: `yum install -y httpd-2.4.57`, `dnf module install -y nodejs:20`,
    /// `zypper install -y nginx=1.21.5`.
    code: "PL-DF-050",
    title: "yum/dnf/zypper install without pinned versions",
    severity: Low,
    references: ["DL3033", "DL3041", "DL3037"],
    bad: "FROM rockylinux:9\nRUN dnf install -y httpd && dnf clean all\n",
    good: "FROM rockylinux:9\nRUN dnf install -y httpd-2.4.57 && dnf clean all\n",
    check: Dockerfile(check),
}

/// `name-<digit>...`: an rpm NEVRA with a version.
fn rpm_versioned(p: &str) -> bool {
    p.char_indices().any(|(i, c)| c == '-' && p[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        let mut occ = super::Occurrences::default();
        for c in &script.cmds {
            let nth = occ.next(c);
            let zypper = c.is("zypper");
            if !(zypper || c.is("yum") || c.is("dnf") || c.is("microdnf")) {
                continue;
            }
            let ops = c.operands(&["--setopt", "-c", "--config", "--installroot", "--releasever", "--root", "-R"]);
            let (module, pkgs) = match ops.as_slice() {
                ["install" | "in", rest @ ..] => (false, rest),
                ["module", "install", rest @ ..] => (true, rest),
                _ => continue,
            };
            let unpinned: Vec<&str> = pkgs
                .iter()
                .copied()
                .filter(|p| !p.starts_with('$') && !p.ends_with(".rpm"))
                .filter(|p| {
                    if zypper {
                        !p.contains(['=', '<', '>'])
                    } else if module {
                        !p.contains(':')
                    } else {
                        !rpm_versioned(p)
                    }
                })
                .collect();
            if !unpinned.is_empty() {
                out.push(ctx.hit_on_command(inst, c.base(), nth, format!("pin versions of: {}", unpinned.join(", "))));
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
        assert_fires(&RULE, "RUN microdnf module install -y tomcat && microdnf clean all\n");
        assert_fires(&RULE, "RUN zypper install -y tomcat && zypper clean\n");
        assert_quiet(&RULE, "RUN yum install -y openssl-1:1.1.1k gcc-c++-1.1.1 && yum module install -y tomcat:9\n");
        assert_quiet(&RULE, "RUN dnf -y group install \"Development Tools\" && zypper in -y tomcat\\>=9.0 x-1.rpm\n");
    }
}
