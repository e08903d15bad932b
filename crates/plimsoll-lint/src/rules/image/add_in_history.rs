use crate::image::ImageConfigInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags image history entries created by `ADD` of a remote URL or of a local file that is
    /// not an archive. The base image's root filesystem (`ADD file:<hash> in /`, `ADD
    /// rootfs.tar.xz /`) is not flagged.
    ///
    /// ## Why it matters
    /// CIS Docker Benchmark 4.9: `ADD` fetches URLs without verification and unpacks archives
    /// implicitly; `COPY` is the predictable choice for local files.
    ///
    /// ## How to fix
    /// Rebuild with `COPY` for local files, and `RUN curl` plus checksum verification (or
    /// `ADD --checksum`) for downloads.
    code: "PL-IMG-005",
    title: "ADD instruction in image history",
    severity: Low,
    references: ["CIS-Docker-4.9"],
    bad: "History: /bin/sh -c #(nop) ADD file:5b5e6e5c1f8e8c35d1f3 in / \nHistory: ADD https://example.com/tool.tgz /opt/ # buildkit\n",
    good: "History: /bin/sh -c #(nop) ADD file:5b5e6e5c1f8e8c35d1f3 in / \nHistory: COPY tool /opt/ # buildkit\n",
    check: ImageConfig(check),
}

fn check(c: &ImageConfigInput, out: &mut Vec<Hit>) {
    const ARCHIVES: &[&str] = &[".tar", ".gz", ".tgz", ".bz2", ".xz", ".txz", ".zst"];
    for h in &c.history {
        crate::work::charge(h.len());
        let step = h.trim().strip_prefix("/bin/sh -c #(nop)").unwrap_or(h).trim();
        let Some(rest) = step.strip_prefix("ADD ") else { continue };
        let rest = rest.split(" # buildkit").next().unwrap_or(rest);
        let words: Vec<&str> = rest.split_whitespace().filter(|w| !w.starts_with("--")).collect();
        let srcs: &[&str] = match words.as_slice() {
            [src, "in", _dest] => std::slice::from_ref(src),
            [srcs @ .., _dest] => srcs,
            [] => continue,
        };
        let suspicious = srcs.iter().any(|s| {
            let l = s.to_ascii_lowercase();
            let remote = l.starts_with("http://") || l.starts_with("https://") || l.starts_with("git@");
            let content_hash = l.starts_with("file:") || l.starts_with("multi:") || l.starts_with("dir:");
            remote || (!content_hash && !ARCHIVES.iter().any(|a| l.ends_with(a)))
        });
        if suspicious {
            out.push(Hit::new(0, 0, format!("history step uses ADD: {}", step.chars().take(120).collect::<String>())));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testutil::{assert_fires, assert_quiet};

    #[test]
    fn cases() {
        assert_fires(&RULE, "History: ADD config.yml /etc/app/ # buildkit\n");
        assert_quiet(&RULE, "History: ADD alpine-minirootfs-3.19.1-x86_64.tar.gz / # buildkit\n");
    }
}
