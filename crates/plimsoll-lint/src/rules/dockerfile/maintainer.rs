use crate::dockerfile::{DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags the deprecated `MAINTAINER` instruction.
    ///
    /// ## Why it matters
    /// `MAINTAINER` is deprecated; tools read the `org.opencontainers.image.authors` label.
    ///
    /// ## How to fix
    /// Use `LABEL org.opencontainers.image.authors="..."`.
    code: "PL-DF-027",
    title: "MAINTAINER is deprecated",
    severity: Low,
    references: ["DL4000", "CKV_DOCKER_6"],
    bad: "FROM alpine:3.19\nMAINTAINER Jane <jane@example.com>\n",
    good: "FROM alpine:3.19\nLABEL org.opencontainers.image.authors=\"Jane <jane@example.com>\"\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, _) in super::each(ctx, Keyword::Maintainer) {
        out.push(Hit::at(inst, "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors"));
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "FROM busybox\nMAINTAINER hudu@mail.com\n");
        assert_quiet(&RULE, "FROM busybox\nLABEL maintainer=hudu@mail.com\n");
    }
}
