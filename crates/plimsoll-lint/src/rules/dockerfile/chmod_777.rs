use crate::dockerfile::{DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `chmod` (and `COPY`/`ADD --chmod`) that makes files world-writable: `777`, `666`,
    /// `o+w`, `a+w`. Sticky directories (`1777`, like `/tmp`) are not flagged.
    ///
    /// ## Why it matters
    /// Any user in the container, including a compromised unprivileged process, can then replace
    /// binaries, scripts or configuration that a privileged process later runs.
    ///
    /// ## How to fix
    /// Give ownership to the user that needs to write (`chown`/`--chown`) and use `755`/`644`
    /// (or tighter).
    code: "PL-DF-019",
    title: "World-writable permissions",
    severity: Medium,
    references: [],
    bad: "FROM alpine:3.19\nCOPY app /app\nRUN chmod -R 777 /app\n",
    good: "FROM alpine:3.19\nCOPY --chown=10001:10001 app /app\nRUN chmod -R 755 /app\n",
    check: Dockerfile(check),
}

/// World-writable: numeric mode whose last digit has the write bit, or a symbolic `o+w`/`a+w`/`+w`.
pub(crate) fn world_writable(mode: &str) -> bool {
    if !mode.is_empty() && mode.chars().all(|c| c.is_digit(8)) {
        // `1777` (sticky, like /tmp) is the accepted way to share a writable directory.
        let sticky = mode.len() >= 4 && mode[mode.len() - 4..].starts_with(['1', '3', '5', '7']);
        let other_w = mode.chars().last().and_then(|c| c.to_digit(8)).is_some_and(|d| d & 2 != 0);
        return other_w && mode.len() >= 3 && !sticky;
    }
    mode.split(',').any(|clause| {
        let (who, rest) = clause.split_at(clause.find(['+', '=']).unwrap_or(clause.len()));
        (who.is_empty() || who.contains('o') || who.contains('a')) && rest.len() > 1 && rest[1..].contains('w')
    })
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        for (nth, c) in script.find("chmod").enumerate() {
            if let Some(m) = c.operands(&["--reference"]).first() {
                if world_writable(m) {
                    out.push(ctx.hit_on_command(inst, "chmod", nth, format!("chmod {m} makes files world-writable")));
                }
            }
        }
    }
    for kw in [Keyword::Copy, Keyword::Add] {
        for (_, _, inst) in super::each(ctx, kw) {
            if let Some(m) = inst.flag_value("chmod").filter(|m| world_writable(m)) {
                out.push(Hit::at(inst, format!("--chmod={m} makes files world-writable")));
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
        assert_fires(&RULE, "RUN chmod 0777 /x\n");
        assert_fires(&RULE, "RUN chmod a+rwx /x\n");
        assert_fires(&RULE, "COPY --chmod=666 a /a\n");
        assert_quiet(&RULE, "RUN chmod 755 /x && chmod u+w /y && chmod +x /z && chmod 1777 /var/run/app\n");
    }
}
