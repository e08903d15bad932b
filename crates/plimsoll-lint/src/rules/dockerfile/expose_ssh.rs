use crate::dockerfile::expand::unquote;
use crate::dockerfile::{DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `EXPOSE` of port 22 (SSH), or other remote-shell ports (23 telnet, 3389 RDP).
    ///
    /// ## Why it matters
    /// A container is not a VM: running an SSH daemon adds a privileged, network-facing service
    /// with its own keys and credentials to manage (CIS Docker Benchmark 5.7 and 4.3). Use
    /// `docker exec` / `kubectl exec` for shell access.
    ///
    /// ## How to fix
    /// Remove the SSH server and the `EXPOSE 22`.
    code: "PL-DF-017",
    title: "Remote shell port exposed",
    severity: Medium,
    references: ["CKV_DOCKER_1", "CIS-Docker-5.7"],
    bad: "FROM debian:12-slim\nEXPOSE 22 8080\n",
    good: "FROM debian:12-slim\nEXPOSE 8080\n",
    check: Dockerfile(check),
}

pub(crate) const REMOTE_SHELL_PORTS: &[u32] = &[22, 23, 3389];

/// The port numbers an `EXPOSE` word covers: `22`, `22/tcp`, `20-25`.
pub(crate) fn ports(word: &str) -> Option<(u32, u32)> {
    crate::work::charge(word.len());
    let p = word.split('/').next()?;
    match p.split_once('-') {
        Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
        None => p.parse().ok().map(|x| (x, x)),
    }
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (idx, _, inst) in super::each(ctx, Keyword::Expose) {
        for w in super::list(inst) {
            let w = ctx.expand_at(idx, &unquote(w, '\\')).value;
            if let Some((lo, hi)) = ports(&w) {
                if let Some(p) = REMOTE_SHELL_PORTS.iter().find(|p| (lo..=hi).contains(p)) {
                    out.push(Hit::at(inst, format!("port {p} (remote shell) is exposed")));
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
        assert_fires(&RULE, "FROM x\nEXPOSE 22/tcp\n");
        assert_fires(&RULE, "FROM x\nEXPOSE 20-30\n");
        assert_quiet(&RULE, "FROM x\nEXPOSE 2222 80\n");
    }
}
