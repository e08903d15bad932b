use crate::dockerfile::{Args, Command, DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a shell-form `RUN` with a pipe when the shell does not run with `pipefail`
    /// (`SHELL ["/bin/bash", "-o", "pipefail", "-c"]` or `set -o pipefail` in the step).
    ///
    /// ## Why it matters
    /// A pipeline's status is that of its last command: `curl ... | tar x` succeeds when the
    /// download fails, and the build goes on with a broken or empty result.
    ///
    /// ## How to fix
    /// Set `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` before the `RUN` (POSIX `sh` has no
    /// pipefail before recent versions), or start the step with `set -o pipefail &&`.
    code: "PL-DF-049",
    title: "Pipe without pipefail",
    severity: Low,
    references: ["DL4006"],
    bad: "FROM debian:12-slim\nRUN wget -O - https://example.com/archive.tgz | tar xz -C /opt\n",
    good: "FROM debian:12-slim\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN wget -O - https://example.com/archive.tgz | tar xz -C /opt\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for s in &ctx.stages {
        // (pipefail active, non-POSIX shell)
        let mut state = (false, false);
        for (_, inst) in ctx.stage_instructions(s) {
            let inst = inst.effective();
            match (&inst.keyword, &inst.args) {
                (Keyword::Shell, Args::Command(Command::Exec(argv))) => {
                    let sh = argv
                        .first()
                        .map(|a| a.rsplit(['/', '\\']).next().unwrap_or(a).to_ascii_lowercase())
                        .unwrap_or_default();
                    let posix = matches!(sh.as_str(), "sh" | "bash" | "zsh" | "ash" | "dash" | "ksh" | "mksh");
                    let pf = argv.iter().any(|a| a == "pipefail") && sh != "sh" && sh != "ash" && sh != "dash";
                    state = (pf, !posix);
                }
                (Keyword::Run, Args::Command(Command::Shell(_))) => {
                    if state.0 || state.1 {
                        continue;
                    }
                    let script = crate::dockerfile::run_script(inst);
                    let mut set_pf = false;
                    for c in &script.cmds {
                        if c.is("set") && c.args.iter().any(|a| a == "pipefail" || a.contains("pipefail")) {
                            set_pf = true;
                        }
                        // Pipes inside `$(...)` count too: `set -e` does not see their failures either.
                        if c.pipes_into_next && !set_pf {
                            out.push(Hit::at(inst, "pipeline without pipefail: a failing command before | is ignored"));
                            break;
                        }
                    }
                }
                _ => {}
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
        assert_fires(&RULE, "FROM scratch\nRUN wget -O - https://x | wc -l > /n\n");
        assert_fires(&RULE, "FROM scratch\nSHELL [\"/bin/sh\", \"-o\", \"pipefail\", \"-c\"]\nRUN a | b\n");
        assert_fires(
            &RULE,
            "FROM a\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN a | b\nFROM b\nRUN a | b\n",
        );
        assert_quiet(&RULE, "FROM a\nSHELL [\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]\nRUN a | b\n");
        assert_quiet(&RULE, "FROM a\nSHELL [\"pwsh\", \"-c\"]\nRUN a | b\n");
        assert_quiet(&RULE, "FROM a\nRUN set -o pipefail && a | b\n");
    }
}
