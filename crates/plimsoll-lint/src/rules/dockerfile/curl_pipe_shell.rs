use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `curl ... | sh` and `wget -O- ... | bash`: a download piped straight into a shell
    /// or interpreter.
    ///
    /// ## Why it matters
    /// The script runs unverified, with the build's privileges. A compromised server, a
    /// man-in-the-middle on the network path or a truncated download executes arbitrary code in
    /// the image, and the next build may run something different.
    ///
    /// ## How to fix
    /// Download to a file, verify its checksum or signature, then run it; or install the tool
    /// from a package repository.
    code: "PL-DF-011",
    title: "Download piped into a shell",
    severity: High,
    references: ["CIS-Docker-4.9"],
    bad: "FROM debian:12-slim\nRUN curl -fsSL https://get.example.com/install.sh | sh\n",
    good: "FROM debian:12-slim\nRUN curl -fsSLo /tmp/install.sh https://get.example.com/install.sh \\\n && echo \"b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c  /tmp/install.sh\" | sha256sum -c - \\\n && sh /tmp/install.sh\n",
    check: Dockerfile(check),
}

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh", "python", "python3", "perl", "ruby", "node"];

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        for pair in script.cmds.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let fetch = a.is("curl") || a.is("wget");
            let via_sudo = b.is("sudo")
                && b.args
                    .iter()
                    .find(|x| !x.starts_with('-'))
                    .is_some_and(|x| SHELLS.contains(&x.rsplit('/').next().unwrap_or(x)));
            let sink = SHELLS.contains(&b.base()) || via_sudo;
            if a.pipes_into_next && fetch && sink {
                out.push(ctx.hit_on_command(
                    inst,
                    a.base(),
                    0,
                    format!("{} output is piped into {}", a.base(), b.base()),
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
        assert_fires(&RULE, "FROM x\nRUN wget -qO- https://x/i.sh | bash -s -- -y\n");
        assert_fires(&RULE, "FROM x\nRUN curl -sL https://deb.nodesource.com/setup_20.x | sudo -E bash -\n");
        assert_quiet(&RULE, "FROM x\nRUN curl -sL https://x/key.gpg | gpg --dearmor -o /k.gpg\n");
        assert_quiet(&RULE, "FROM x\nRUN curl -o /tmp/i.sh https://x && sh /tmp/i.sh\n");
    }
}
