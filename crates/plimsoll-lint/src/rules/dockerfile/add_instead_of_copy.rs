use crate::dockerfile::expand::unquote;
use crate::dockerfile::{DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `ADD` of local files or directories that are not tar archives: `COPY` does the same
    /// without `ADD`'s extra behaviour.
    ///
    /// ## Why it matters
    /// `ADD` silently extracts archives and fetches URLs; using it for plain files makes a later
    /// change of the source (a `.tar` file, a URL) change behaviour unexpectedly (CIS Docker
    /// Benchmark 4.9: use `COPY` instead of `ADD`).
    ///
    /// ## How to fix
    /// Replace `ADD` with `COPY`. Keep `ADD` only to extract a local tar archive.
    code: "PL-DF-009",
    title: "ADD used where COPY fits",
    severity: Low,
    references: ["DL3020", "CIS-Docker-4.9"],
    bad: "FROM alpine:3.19\nADD app.py /app/\n",
    good: "FROM alpine:3.19\nCOPY app.py /app/\n",
    check: Dockerfile(check),
}

const ARCHIVES: &[&str] =
    &[".tar", ".gz", ".tgz", ".bz2", ".tbz", ".tbz2", ".xz", ".txz", ".zst", ".tzst", ".lz", ".lzma", ".tlz", ".z"];

pub(crate) fn is_remote(src: &str) -> bool {
    let s = src.to_ascii_lowercase();
    s.starts_with("http://") || s.starts_with("https://") || s.starts_with("git@") || s.starts_with("git://")
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, _, inst) in super::each(ctx, Keyword::Add) {
        if !inst.heredocs.is_empty() {
            continue;
        }
        let words = super::list(inst);
        let Some((_, srcs)) = words.split_last() else { continue };
        let srcs: Vec<String> = srcs.iter().map(|s| unquote(s, '\\')).collect();
        let local_plain = |s: &String| !is_remote(s) && !ARCHIVES.iter().any(|a| s.to_ascii_lowercase().ends_with(a));
        if !srcs.is_empty() && srcs.iter().all(local_plain) {
            out.push(Hit::at(inst, format!("use COPY instead of ADD for {}", srcs.join(" "))));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "ADD file /usr/src/app/\n");
        assert_fires(&RULE, "ADD \"file.zip\" /usr/src/app/\n");
        assert_quiet(&RULE, "ADD file.tar.gz /usr/src/app/\n");
        assert_quiet(&RULE, "ADD \"http://file.com\" /usr/src/app/\n");
        assert_quiet(&RULE, "COPY file /usr/src/app/\n");
    }
}
