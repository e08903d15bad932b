use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a `FROM` image that is referenced by tag only, not pinned by digest.
    ///
    /// ## Why it matters
    /// Tags are mutable: the publisher (or an attacker who took over the repository) can point
    /// them at different content. A digest pins exactly the bytes that were reviewed and scanned
    /// (CIS Docker Benchmark 4.2, 4.11: use trusted, verified base images).
    ///
    /// ## How to fix
    /// Append the digest: `FROM image:tag@sha256:...`, and let a bot such as Renovate update it.
    code: "PL-DF-005",
    title: "Base image not pinned by digest",
    severity: Low,
    references: ["CIS-Docker-4.2"],
    bad: "FROM python:3.12-slim\n",
    good: "FROM python:3.12-slim@sha256:2b0079146a74e23bf4ae8f6a28e1b484c6292f6fb904cbb51825b4a19812fcd8\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for s in &ctx.stages {
        if let (Some(r), Some(i)) = (s.image_ref(), s.from.and_then(|i| ctx.instructions().get(i))) {
            if r.digest.is_none() {
                out.push(Hit::at(i, format!("{} is not pinned by digest", s.image)));
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
        assert_fires(&RULE, "FROM alpine:3.19\n");
        assert_quiet(&RULE, "FROM alpine:3.19@sha256:abc\nFROM scratch\n");
        assert_quiet(&RULE, "FROM alpine@sha256:abc AS a\nFROM a\n");
    }
}
