use crate::dockerfile::expand::unquote;
use crate::dockerfile::{DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `COPY`/`ADD` with several sources (or a wildcard) whose destination does not end
    /// with `/`.
    ///
    /// ## Why it matters
    /// With more than one source the destination must be a directory; without the trailing
    /// slash the build fails, or a wildcard matching one file creates a file where a directory
    /// was meant.
    ///
    /// ## How to fix
    /// End the destination with `/`.
    code: "PL-DF-039",
    title: "COPY of several files to a destination that is not a directory",
    severity: Medium,
    references: ["DL3021"],
    bad: "FROM alpine:3.19\nCOPY package.json package-lock.json /app\n",
    good: "FROM alpine:3.19\nCOPY package.json package-lock.json /app/\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for kw in [Keyword::Copy, Keyword::Add] {
        for (_, _, inst) in super::each(ctx, kw) {
            let words = super::list(inst);
            let Some((dest, srcs)) = words.split_last() else { continue };
            let dest = unquote(dest, '\\');
            let many = srcs.len() > 1;
            if many && !dest.ends_with('/') && !dest.starts_with('$') {
                out.push(Hit::at(inst, format!("destination {dest} must end with / when copying several sources")));
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
        assert_fires(&RULE, "COPY foo bar baz\n");
        assert_fires(&RULE, "COPY foo bar \"baz\"\n");
        assert_quiet(&RULE, "COPY foo bar\n");
        assert_quiet(&RULE, "COPY foo bar \"baz/\"\n");
    }
}
