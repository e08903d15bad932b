use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags interactive or system-management commands in `RUN` that make no sense while
    /// building an image: `ssh`, `vim`, `nano`, `shutdown`, `service`, `ps`, `free`, `top`,
    /// `kill`, `mount`, `ifconfig`.
    ///
    /// ## Why it matters
    /// They either do nothing useful in a build container (there are no services or other
    /// processes), hang waiting for input, or hint at an image being treated as a VM.
    ///
    /// ## How to fix
    /// Remove them; configure services through the entrypoint.
    code: "PL-DF-045",
    title: "Command unsuitable for a build step",
    severity: Low,
    references: ["DL3001"],
    bad: "FROM debian:12-slim\nRUN service nginx start\n",
    good: "FROM debian:12-slim\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\n",
    check: Dockerfile(check),
}

const UNSUITABLE: &[&str] =
    &["ssh", "vim", "nano", "shutdown", "service", "ps", "free", "top", "kill", "mount", "ifconfig"];

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        // Every unsuitable command of the step, in one result on the step.
        let mut found: Vec<&str> = Vec::new();
        for c in script.cmds.iter().filter(|c| UNSUITABLE.contains(&c.base())) {
            if !found.contains(&c.base()) {
                found.push(c.base());
            }
        }
        if !found.is_empty() {
            let verb = if found.len() == 1 { "makes" } else { "make" };
            out.push(ctx.hit_on_command(
                inst,
                found[0],
                0,
                format!("{} {verb} no sense in a build step", found.join(", ")),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "RUN top\n");
        assert_quiet(&RULE, "RUN apt-get install ssh\n");
    }
}
