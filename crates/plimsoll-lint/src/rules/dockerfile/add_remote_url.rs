use crate::dockerfile::expand::unquote;
use crate::dockerfile::{DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `ADD` of a remote URL or Git repository without `--checksum`.
    ///
    /// ## Why it matters
    /// The download is not verified: whoever controls the server (or the network path of a plain
    /// `http://` URL) controls what lands in the image (CIS Docker Benchmark 4.9). The layer also
    /// keeps the whole file even when only part of it is needed.
    ///
    /// ## How to fix
    /// Add `--checksum=sha256:...` (BuildKit), or download in a `RUN` step with `curl` and verify
    /// the checksum before use.
    code: "PL-DF-010",
    title: "ADD of a remote URL without checksum",
    severity: Medium,
    references: ["CIS-Docker-4.9", "CKV_DOCKER_4"],
    bad: "FROM alpine:3.19\nADD https://example.com/tool.tar.gz /opt/\n",
    good: "FROM alpine:3.19\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2015d0af1f6a0b8e https://example.com/tool.tar.gz /opt/\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, _, inst) in super::each(ctx, Keyword::Add) {
        if inst.flag("checksum").is_some() {
            continue;
        }
        let words = super::list(inst);
        let Some((_, srcs)) = words.split_last() else { continue };
        for s in srcs.iter().map(|s| unquote(s, '\\')) {
            if super::add_instead_of_copy::is_remote(&s) {
                out.push(Hit::at(inst, format!("ADD fetches {s} without verifying a checksum")));
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
        assert_fires(&RULE, "FROM x\nADD http://example.com/package.zip /temp\n");
        assert_fires(&RULE, "FROM x\nADD git@github.com:moby/buildkit.git /src\n");
        assert_quiet(&RULE, "FROM x\nADD --checksum=sha256:abc https://x/y.tgz /\n");
        assert_quiet(&RULE, "FROM x\nADD local.tgz /\n");
    }
}
