use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `useradd -u <large UID>` without `-l` (`--no-log-init`).
    ///
    /// ## Why it matters
    /// `useradd` reserves a slot for the UID in the sparse `/var/log/lastlog` and `faillog`
    /// files; with a large UID the file is gigabytes big in the layer (a known Docker issue).
    ///
    /// ## How to fix
    /// Add `-l` / `--no-log-init`.
    code: "PL-DF-040",
    title: "useradd with a high UID without -l",
    severity: Low,
    references: ["DL3046"],
    bad: "FROM debian:12-slim\nRUN useradd -u 123456 app\n",
    good: "FROM debian:12-slim\nRUN useradd -l -u 123456 app\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        for (nth, c) in script.find("useradd").enumerate() {
            if c.has_any_flag(&["l", "no-log-init"]) {
                continue;
            }
            let uid = c
                .args
                .iter()
                .position(|a| a == "-u" || a == "--uid")
                .and_then(|i| c.args.get(i + 1))
                .or_else(|| c.args.iter().find(|a| a.starts_with("--uid=")));
            let uid = uid.map(|u| u.trim_start_matches("--uid="));
            if uid.is_some_and(|u| u.len() > 5 && u.chars().all(|c| c.is_ascii_digit())) {
                out.push(ctx.hit_on_command(inst, "useradd", nth, "useradd with a high UID needs -l (--no-log-init)"));
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
        assert_fires(&RULE, "RUN useradd -u 123456 luser\n");
        assert_quiet(&RULE, "RUN useradd -u 12345 luser && useradd -l -u 123456 b && useradd c\n");
    }
}
