use crate::image::ImageConfigInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags an image without a health check (or with `HEALTHCHECK NONE`).
    ///
    /// ## Why it matters
    /// CIS Docker Benchmark 4.6: without a health check the engine cannot detect a hung
    /// service. Kubernetes ignores image health checks and uses probes instead: disable this
    /// rule for images that only run there.
    ///
    /// ## How to fix
    /// Add a `HEALTHCHECK CMD ...` to the Dockerfile.
    code: "PL-IMG-002",
    title: "Image has no HEALTHCHECK",
    severity: Low,
    references: ["CIS-Docker-4.6"],
    bad: "User: app\n",
    good: "User: app\nHealthcheck: CMD-SHELL wget -qO- http://localhost:8080/health || exit 1\n",
    check: ImageConfig(check),
}

fn check(c: &ImageConfigInput, out: &mut Vec<Hit>) {
    match c.healthcheck.as_deref() {
        None | Some([]) => out.push(Hit::new(0, 0, "the image defines no health check")),
        Some([first, ..]) if first == "NONE" => out.push(Hit::new(0, 0, "the image disables health checks (NONE)")),
        Some(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::assert_fires;

    #[test]
    fn none_disables() {
        assert_fires(&RULE, "Healthcheck: NONE\n");
    }
}
