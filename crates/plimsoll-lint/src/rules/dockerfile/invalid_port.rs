use crate::dockerfile::{DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `EXPOSE` of a port outside 0-65535.
    ///
    /// ## Why it matters
    /// Such a port cannot exist; the instruction is a typo and the intended port is not
    /// documented.
    ///
    /// ## How to fix
    /// Use a valid port number.
    code: "PL-DF-048",
    title: "EXPOSE of an invalid port",
    severity: Medium,
    references: ["DL3011"],
    bad: "FROM nginx:1.25-alpine\nEXPOSE 80800\n",
    good: "FROM nginx:1.25-alpine\nEXPOSE 8080\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, _, inst) in super::each(ctx, Keyword::Expose) {
        for w in super::list(inst) {
            let p = w.split('/').next().unwrap_or(w);
            for part in p.split('-') {
                if part.chars().all(|c| c.is_ascii_digit())
                    && !part.is_empty()
                    && part.parse::<u64>().map_or(true, |n| n > 65535)
                {
                    out.push(Hit::at(inst, format!("{w} is not a valid port")));
                }
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
        assert_fires(&RULE, "EXPOSE 40000-80000/tcp\n");
        assert_quiet(&RULE, "EXPOSE 60000 ${FOOBAR} 40000-${FOOBAR}\n");
    }
}
