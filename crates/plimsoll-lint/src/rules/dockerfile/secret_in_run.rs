use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `RUN` steps that hand credentials to `curl`, `wget` or `git` on the command line
    /// (`-u user:pass`, an `Authorization` header, `https://user:token@host`, or a
    /// `$TOKEN`-like variable), without a BuildKit secret mount.
    ///
    /// ## Why it matters
    /// The command line, with any literal credential and with build-argument values, is saved
    /// in the image history (`docker history --no-trunc`), readable by anyone who can pull the
    /// image (CIS Docker Benchmark 4.10).
    ///
    /// ## How to fix
    /// Use `RUN --mount=type=secret,id=token curl -H "Authorization: Bearer $(cat /run/secrets/token)" ...`
    /// and pass the secret with `docker build --secret id=token,src=...`.
    code: "PL-DF-037",
    title: "Credentials on a RUN command line",
    severity: High,
    references: ["CIS-Docker-4.10"],
    bad: "FROM alpine:3.19\nARG GITHUB_TOKEN\nRUN curl -fsSL -H \"Authorization: token $GITHUB_TOKEN\" https://api.github.com/repos/o/r/tarball -o /src.tgz\n",
    good: "FROM alpine:3.19\nRUN --mount=type=secret,id=github_token curl -fsSL -H \"Authorization: token $(cat /run/secrets/github_token)\" https://api.github.com/repos/o/r/tarball -o /src.tgz\n",
    check: Dockerfile(check),
}

fn userinfo_url(a: &str) -> bool {
    a.split_once("://").is_some_and(|(_, rest)| {
        let authority = rest.split('/').next().unwrap_or("");
        authority.rsplit_once('@').is_some_and(|(ui, _)| ui.contains(':') || ui.starts_with('$'))
    })
}

fn token_var(a: &str) -> bool {
    let up = a.to_ascii_uppercase();
    (up.contains("$") || up.contains("${")) && super::secret_in_env_arg::secret_name(&up.replace(['$', '{', '}'], ""))
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        if super::mounts(inst.effective()).iter().any(|(t, _)| t == "secret") {
            continue;
        }
        for c in &script.cmds {
            let fetcher = c.is("curl") || c.is("wget") || (c.is("git") && c.args.first().is_some_and(|a| a == "clone"));
            if !fetcher {
                continue;
            }
            let mut why = None;
            for (i, a) in c.args.iter().enumerate() {
                let next = c.args.get(i + 1).map(String::as_str).unwrap_or("");
                let lower = a.to_ascii_lowercase();
                if (a == "-u" || a == "--user") && next.contains(':') || lower.starts_with("--user=") && a.contains(':')
                {
                    why = Some("a user:password");
                } else if lower.starts_with("--password=") || lower.starts_with("--http-password=") || a == "--password"
                {
                    why = Some("a password");
                } else if ((a == "-H" || a == "--header") && next.to_ascii_lowercase().starts_with("authorization"))
                    || lower.starts_with("--header=authorization")
                    || lower.starts_with("authorization:") && i > 0
                {
                    why = Some("an Authorization header");
                } else if userinfo_url(a) {
                    why = Some("credentials in the URL");
                } else if token_var(a) {
                    why = Some("a secret variable");
                }
            }
            if let Some(w) = why {
                out.push(Hit::at(
                    inst,
                    format!("{} gets {w} on the command line; use RUN --mount=type=secret", c.base()),
                ));
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
        assert_fires(&RULE, "RUN curl -u admin:s3cret https://x/y\n");
        assert_fires(&RULE, "RUN git clone https://oauth2:${CI_JOB_TOKEN}@gitlab.com/o/r.git\n");
        assert_fires(&RULE, "RUN wget --header=\"Authorization: Bearer abc\" https://x\n");
        assert_quiet(&RULE, "RUN curl -fsSL https://x/y -o /y\n");
        assert_quiet(
            &RULE,
            "RUN --mount=type=secret,id=t curl -H \"Authorization: Bearer $(cat /run/secrets/t)\" https://x\n",
        );
    }
}
