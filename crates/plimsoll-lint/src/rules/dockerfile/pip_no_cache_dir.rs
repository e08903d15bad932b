use crate::dockerfile::{Args, DockerfileCtx, Keyword};
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `pip install` without `--no-cache-dir` (unless `PIP_NO_CACHE_DIR` is set, or the
    /// pip cache is a `RUN --mount=type=cache`).
    ///
    /// ## Why it matters
    /// pip's download cache stays in the layer, often tens of MiB.
    ///
    /// ## How to fix
    /// Add `--no-cache-dir`, or set `ENV PIP_NO_CACHE_DIR=1`.
    code: "PL-DF-036",
    title: "pip install without --no-cache-dir",
    severity: Low,
    references: ["DL3042"],
    bad: "FROM python:3.12-slim\nRUN pip install requests==2.31.0\n",
    good: "FROM python:3.12-slim\nRUN pip install --no-cache-dir requests==2.31.0\n",
    check: Dockerfile(check),
}

fn truthy(v: &str) -> bool {
    matches!(v.trim_matches(['"', '\'']).to_ascii_lowercase().as_str(), "1" | "on" | "yes" | "true")
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    // Index of the first truthy `ENV PIP_NO_CACHE_DIR` of each stage, found in one pass.
    let mut env_from: Vec<Option<usize>> = vec![None; ctx.stages.len()];
    for (idx, inst, _) in super::each(ctx, Keyword::Env) {
        let set = matches!(&inst.args, Args::Pairs(p) if p.iter().any(|(k, v)| k == "PIP_NO_CACHE_DIR" && truthy(v)));
        // `each` looks through ONBUILD; the stage scan it replaces did not.
        if set && ctx.instructions()[idx].keyword == Keyword::Env {
            if let Some(slot) = ctx.stage_of(idx).and_then(|s| env_from.get_mut(s.index)) {
                slot.get_or_insert(idx);
            }
        }
    }
    for (idx, inst, script) in ctx.runs() {
        let env_set = ctx
            .stage_of(idx)
            .and_then(|s| env_from.get(s.index).copied().flatten())
            .is_some_and(|e| e < idx && ctx.stage_of(idx).is_some_and(|s| e >= s.start));
        let inline = |raw: &str| {
            raw.contains("PIP_NO_CACHE_DIR=")
                && ["1", "on", "yes", "true"].iter().any(|v| raw.contains(&format!("PIP_NO_CACHE_DIR={v}")))
        };
        let raw_inline = inline(&inst.effective().rest);
        let cached = super::mounts(inst.effective()).iter().any(|(t, d)| t == "cache" && d.contains("pip"));
        if env_set || raw_inline || cached {
            continue;
        }
        for c in &script.cmds {
            if c.base() == "pipx" {
                continue;
            }
            if super::pip_unpinned::pip_install(c).is_some() && !c.has_flag("no-cache-dir") {
                out.push(Hit::at(inst, "pip install without --no-cache-dir"));
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
        assert_fires(&RULE, "RUN pip3 install MySQL_python\n");
        assert_quiet(&RULE, "RUN pip install MySQL_python --no-cache-dir\n");
        assert_quiet(&RULE, "ENV PIP_NO_CACHE_DIR=on\nRUN pip install x\n");
        assert_quiet(&RULE, "RUN export PIP_NO_CACHE_DIR=1 && pip install x\n");
        assert_quiet(&RULE, "RUN pipx install software && pipenv install library\n");
    }
}
