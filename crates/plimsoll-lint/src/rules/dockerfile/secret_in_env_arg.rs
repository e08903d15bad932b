use crate::dockerfile::{Args, DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `ENV` and `ARG` instructions that give a secret-looking variable (`*PASSWORD*`,
    /// `*SECRET*`, `*TOKEN*`, `*API_KEY*`, `*ACCESS_KEY*`, `*PRIVATE_KEY*`, `*CREDENTIALS*`) a
    /// literal value.
    ///
    /// ## Why it matters
    /// `ENV` values are stored in the image config and `ARG` values in the image history: anyone
    /// who can pull the image can read them with `docker inspect` or `docker history`
    /// (CIS Docker Benchmark 4.10: do not store secrets in Dockerfiles).
    ///
    /// ## How to fix
    /// Pass secrets at build time with `RUN --mount=type=secret,id=...`, and at run time through
    /// the orchestrator's secret store (mounted files or injected environment).
    code: "PL-DF-008",
    title: "Secret in ENV or ARG",
    severity: High,
    references: ["CIS-Docker-4.10"],
    bad: "FROM alpine:3.19\nENV DB_PASSWORD=hunter2\n",
    good: "FROM alpine:3.19\nRUN --mount=type=secret,id=db_password ./configure-db.sh\n",
    check: Dockerfile(check),
}

const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "CREDENTIALS",
    "CLIENT_SECRET",
];
/// Names that hold a reference to a secret, not the secret.
const REFERENCE_SUFFIXES: &[&str] =
    &["_FILE", "_PATH", "_DIR", "_URL", "_URI", "_HOST", "_PORT", "_NAME", "_ENV", "_LENGTH", "_TTL"];

pub(crate) fn secret_name(name: &str) -> bool {
    crate::work::charge(name.len());
    let n = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| n.contains(w)) && !REFERENCE_SUFFIXES.iter().any(|s| n.ends_with(s))
}

/// A literal that could be a secret: not empty, not a placeholder, not only a variable.
pub(crate) fn literal_secret_value(v: &str) -> bool {
    crate::work::charge(v.len());
    let t = v.trim();
    !t.is_empty()
        && !t.starts_with('$')
        && !matches!(
            t.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "none" | "null" | "changeme" | "<secret>" | "\"\"" | "''"
        )
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for inst in ctx.instructions() {
        let inst = inst.effective();
        let pairs: Vec<(&str, Option<&str>)> = match (&inst.keyword, &inst.args) {
            (Keyword::Env, Args::Pairs(p)) => p.iter().map(|(k, v)| (k.as_str(), Some(v.as_str()))).collect(),
            (Keyword::Arg, Args::Arg(a)) => a.iter().map(|(k, v)| (k.as_str(), v.as_deref())).collect(),
            _ => continue,
        };
        for (k, v) in pairs {
            let value = crate::dockerfile::expand::unquote(v.unwrap_or(""), '\\');
            if secret_name(k) && literal_secret_value(&value) {
                out.push(ctx.hit_on(inst, k, 0, format!("{} {k} sets a literal secret value", inst.keyword.as_str())));
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
        assert_fires(&RULE, "FROM x\nARG GITHUB_TOKEN=ghp_abc\n");
        assert_fires(&RULE, "FROM x\nENV AWS_SECRET_ACCESS_KEY wJalrXUtnFEMI\n");
        assert_fires(&RULE, "FROM x\nENV A=1 API_KEY=\"k-123\"\n");
        assert_quiet(&RULE, "FROM x\nARG GITHUB_TOKEN\n");
        assert_quiet(&RULE, "FROM x\nENV DB_PASSWORD_FILE=/run/secrets/db\n");
        assert_quiet(&RULE, "FROM x\nENV PASSWORD=$FROM_BUILD\nENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D\n");
    }
}
