use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a `FROM` that uses the `latest` tag without a digest.
    ///
    /// ## Why it matters
    /// `latest` moves: two builds of the same Dockerfile get different bases, a rebuild can pull
    /// a new major version, and a scan of today's image says nothing about tomorrow's.
    ///
    /// ## How to fix
    /// Name a specific version tag, ideally with its digest.
    code: "PL-DF-003",
    title: "Base image uses the latest tag",
    severity: Medium,
    references: ["DL3007", "CKV_DOCKER_7"],
    bad: "FROM debian:latest\n",
    good: "FROM debian:12.5-slim\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for s in &ctx.stages {
        if let (Some(r), Some(i)) = (s.image_ref(), s.from.and_then(|i| ctx.instructions().get(i))) {
            if r.tag.as_deref() == Some("latest") && r.digest.is_none() {
                out.push(Hit::at(i, format!("{} uses the latest tag", s.image)));
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
        assert_fires(&RULE, "FROM debian:latest AS builder\n");
        assert_fires(&RULE, "ARG T=latest\nFROM debian:$T\n");
        assert_quiet(&RULE, "FROM debian:jessie\n");
        assert_quiet(&RULE, "FROM hub.docker.io/debian:latest@sha256:7959ed6f7e35\n");
        assert_quiet(&RULE, "FROM debian\n");
    }
}
