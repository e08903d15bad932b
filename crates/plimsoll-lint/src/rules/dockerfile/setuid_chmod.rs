use crate::dockerfile::{DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `chmod` (and `COPY`/`ADD --chmod`) that sets the setuid or setgid bit (`u+s`,
    /// `g+s`, `4755`, `2755`).
    ///
    /// ## Why it matters
    /// A set-id binary runs with its owner's privileges whatever user starts it: in a root-owned
    /// file that is a privilege-escalation path for any process in the container (CIS Docker
    /// Benchmark 4.8: remove setuid and setgid permissions).
    ///
    /// ## How to fix
    /// Do not add set-id bits; grant the specific capability the program needs instead
    /// (`setcap cap_net_bind_service=+ep`), or run it as the needed user.
    code: "PL-DF-038",
    title: "setuid/setgid bit set",
    severity: Medium,
    references: ["CIS-Docker-4.8"],
    bad: "FROM debian:12-slim\nCOPY tool /usr/local/bin/tool\nRUN chmod u+s /usr/local/bin/tool\n",
    good: "FROM debian:12-slim\nCOPY tool /usr/local/bin/tool\nRUN chmod 0755 /usr/local/bin/tool\n",
    check: Dockerfile(check),
}

fn sets_id(mode: &str) -> bool {
    if !mode.is_empty() && mode.len() >= 4 && mode.chars().all(|c| c.is_digit(8)) {
        let special = mode.len() - 4;
        return mode[special..].chars().next().and_then(|c| c.to_digit(8)).is_some_and(|d| d & 0o6 != 0);
    }
    mode.split(',').any(|clause| clause.find(['+', '=']).is_some_and(|i| clause[i + 1..].contains('s')))
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        for (nth, c) in script.find("chmod").enumerate() {
            if let Some(m) = c.operands(&["--reference"]).first() {
                if sets_id(m) {
                    out.push(ctx.hit_on_command(inst, "chmod", nth, format!("chmod {m} sets a setuid/setgid bit")));
                }
            }
        }
    }
    for kw in [Keyword::Copy, Keyword::Add] {
        for (_, _, inst) in super::each(ctx, kw) {
            if let Some(m) = inst.flag_value("chmod").filter(|m| sets_id(m)) {
                out.push(Hit::at(inst, format!("--chmod={m} sets a setuid/setgid bit")));
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
        assert_fires(&RULE, "RUN chmod 4755 /x\n");
        assert_fires(&RULE, "RUN chmod g+s /dir\n");
        assert_fires(&RULE, "COPY --chmod=2755 a /a\n");
        assert_quiet(&RULE, "RUN chmod 755 /x && chmod 0644 /y && chmod u+x /z\n");
    }
}
