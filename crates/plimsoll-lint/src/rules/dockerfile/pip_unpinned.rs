use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};
use crate::shell::Cmd;

declare_rule! {
    /// ## What it does
    /// Flags `pip install` (also `pip3`, `python -m pip`, `pipx`) of packages without a version
    /// specifier, when no requirements or constraints file is used.
    ///
    /// ## Why it matters
    /// PyPI serves the newest release on build day: builds are not reproducible, and a
    /// compromised or broken new release goes straight into the image.
    ///
    /// ## How to fix
    /// Pin (`requests==2.31.0`), or install from a locked requirements file with hashes
    /// (`pip install --require-hashes -r requirements.txt`).
    code: "PL-DF-022",
    title: "pip install without pinned versions",
    severity: Low,
    references: ["DL3013"],
    bad: "FROM python:3.12-slim\nRUN pip install --no-cache-dir requests\n",
    good: "FROM python:3.12-slim\nRUN pip install --no-cache-dir requests==2.31.0\n",
    check: Dockerfile(check),
}

const WITH_VALUE: &[&str] = &[
    "--build",
    "--prefix",
    "--root",
    "--target",
    "-t",
    "--trusted-host",
    "--index-url",
    "-i",
    "--extra-index-url",
    "--root-user-action",
    "--python",
    "--src",
    "--upgrade-strategy",
    "--progress-bar",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--no-binary",
    "--only-binary",
    "--cache-dir",
    "--log",
    "--proxy",
    "--retries",
    "--timeout",
    "--exists-action",
    "--cert",
    "--client-cert",
    "-f",
    "--find-links",
    "--global-option",
    "--install-option",
    "-e",
    "--editable",
];

/// The `pip install` invocation inside a command, if any: `(install args)`.
pub(crate) fn pip_install(c: &Cmd) -> Option<Vec<&str>> {
    let is_pip = c.base().starts_with("pip") && c.base() != "pipenv" && !c.base().starts_with("pip-");
    let args: Vec<&str> = c.args.iter().map(String::as_str).collect();
    let rest: &[&str] = if is_pip {
        &args
    } else if c.base().starts_with("python") {
        match args.iter().position(|a| *a == "-m") {
            Some(i) if args.get(i + 1).is_some_and(|m| *m == "pip" || *m == "pip3") => &args[i + 2..],
            _ => return None,
        }
    } else {
        return None;
    };
    let sub = rest.iter().position(|a| !a.starts_with('-'))?;
    (rest[sub] == "install").then(|| rest[sub + 1..].to_vec())
}

fn pinned(p: &str) -> bool {
    let l = p.to_ascii_lowercase();
    if l.starts_with("git+") || l.contains("://") && l.starts_with("git") {
        return l.rsplit_once('@').is_some_and(|(pre, _)| pre.contains('/')) && !l.ends_with(".git") && {
            let tail = l.split('#').next().unwrap_or("");
            tail.rsplit('/').next().is_some_and(|seg| seg.contains('@'))
        };
    }
    p.contains(['=', '<', '>', '~', '@', '/'])
        || [".whl", ".tar.gz", ".zip", ".tgz", ".tar.bz2"].iter().any(|e| l.ends_with(e))
        || p == "."
        || p.starts_with('$')
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        let mut occ = super::Occurrences::default();
        for c in &script.cmds {
            let nth = occ.next(c);
            let Some(args) = pip_install(c) else { continue };
            if args.iter().any(|a| {
                matches!(*a, "-r" | "--requirement" | "-c" | "--constraint")
                    || a.starts_with("--requirement=")
                    || a.starts_with("--constraint=")
            }) {
                continue;
            }
            let mut pkgs = Vec::new();
            let mut skip = false;
            for a in args {
                if skip {
                    skip = false;
                    continue;
                }
                if a == "--" {
                    continue;
                }
                if a.starts_with('-') {
                    skip = WITH_VALUE.contains(&a);
                    continue;
                }
                if !pinned(a) {
                    pkgs.push(a);
                }
            }
            if !pkgs.is_empty() {
                out.push(ctx.hit_on_command(inst, c.base(), nth, format!("pin versions of: {}", pkgs.join(", "))));
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
        assert_fires(&RULE, "RUN python -m pip install example\n");
        assert_fires(&RULE, "RUN pip install git+https://github.com/rtfd/read-ext.git#egg=read-ext\n");
        assert_fires(&RULE, "RUN pip install --root-user-action=ignore mypkg\n");
        assert_quiet(&RULE, "RUN pip install git+https://github.com/rtfd/r-ext.git@0.6-alpha#egg=r-ext\n");
        assert_quiet(&RULE, "RUN pip3 install --prefix /opt/yamllint yamllint==1.20.0\n");
        assert_quiet(&RULE, "RUN pip install -r requirements.txt && pipenv install black\n");
        assert_quiet(&RULE, "RUN pip install 'alabaster>=0.7' foo/bar https://foo.bar/baz.zip .\n");
    }
}
