use crate::dockerfile::expand::unquote;
use crate::dockerfile::{Args, DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags a `WORKDIR` with a relative path.
    ///
    /// ## Why it matters
    /// A relative `WORKDIR` is resolved against the previous one, which may come from the base
    /// image and change with it; the resulting path is easy to get wrong.
    ///
    /// ## How to fix
    /// Use an absolute path (`WORKDIR /app`).
    code: "PL-DF-025",
    title: "Relative WORKDIR",
    severity: Low,
    references: ["DL3000", "CKV_DOCKER_10"],
    bad: "FROM alpine:3.19\nWORKDIR app\n",
    good: "FROM alpine:3.19\nWORKDIR /app\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, _, inst) in super::each(ctx, Keyword::Workdir) {
        let Args::Text(raw) = &inst.args else { continue };
        let p = unquote(raw, '\\');
        let windows_drive = p.len() >= 2 && p.as_bytes()[0].is_ascii_alphabetic() && p.as_bytes()[1] == b':';
        let raw_windows = raw.trim_matches(['"', '\'']).get(1..2) == Some(":");
        if !(p.starts_with('/')
            || p.starts_with('$')
            || windows_drive
            || raw_windows
            || raw.trim_start_matches(['"', '\'']).starts_with('$'))
        {
            out.push(Hit::at(inst, format!("WORKDIR {p} is relative")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "WORKDIR 'relative/dir'\n");
        assert_fires(&RULE, "WORKDIR \"relative/dir\"\n");
        for ok in ["/usr/local", "${work}", "\"${dir}\"", "'C:\\'", "\"C:\\\"", "C:/"] {
            assert_quiet(&RULE, &format!("WORKDIR {ok}\n"));
        }
    }
}
