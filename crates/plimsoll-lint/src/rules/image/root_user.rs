use crate::image::ImageConfigInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags an image whose configuration runs the container as root: `User` empty, `root`,
    /// `0` or `0:<group>`.
    ///
    /// ## Why it matters
    /// CIS Docker Benchmark 4.1: the container's processes run as root unless the operator
    /// overrides the user, so any code-execution bug becomes root in the container.
    ///
    /// ## How to fix
    /// Set a non-root `USER` in the Dockerfile (a numeric UID works best with Kubernetes'
    /// `runAsNonRoot`).
    code: "PL-IMG-001",
    title: "Image runs as root",
    severity: High,
    references: ["CIS-Docker-4.1"],
    bad: "User: root\n",
    good: "User: 10001:10001\n",
    check: ImageConfig(check),
}

fn check(c: &ImageConfigInput, out: &mut Vec<Hit>) {
    let u = c.user.as_deref().unwrap_or("").trim();
    if u.is_empty() || crate::rules::dockerfile::is_root_user(u) {
        let shown = if u.is_empty() { "unset (root)" } else { u };
        out.push(Hit::new(0, 0, format!("the image user is {shown}")));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "");
        assert_fires(&RULE, "User: 0:0\n");
        assert_quiet(&RULE, "User: nginx\n");
    }
}
