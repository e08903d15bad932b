use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `npm install <pkg>` of packages without a version (`pkg@1.2.3`), or Git URLs
    /// without a ref. `npm install`/`npm ci` of the project's own lockfile are fine.
    ///
    /// ## Why it matters
    /// Unpinned installs take whatever the registry serves on build day, including a
    /// compromised new release.
    ///
    /// ## How to fix
    /// Pin (`npm install -g typescript@5.4.5`), or declare the dependency in `package.json`
    /// with a lockfile and use `npm ci`.
    code: "PL-DF-023",
    title: "npm install without pinned versions",
    severity: Low,
    references: ["DL3016"],
    bad: "FROM node:20-slim\nRUN npm install -g typescript\n",
    good: "FROM node:20-slim\nRUN npm install -g typescript@5.4.5\n",
    check: Dockerfile(check),
}

const WITH_VALUE: &[&str] =
    &["--registry", "--loglevel", "--prefix", "--cache", "--tag", "--userconfig", "--workspace", "-w"];

fn pinned(p: &str) -> bool {
    let l = p.to_ascii_lowercase();
    if l.starts_with("git") || l.contains("://") {
        return l.contains('#');
    }
    let name = l.strip_prefix('@').unwrap_or(&l);
    name.contains('@')
        || [".tar", ".tar.gz", ".tgz"].iter().any(|e| l.ends_with(e))
        || l.starts_with('/')
        || l.starts_with("./")
        || l.starts_with("../")
        || l.starts_with("~/")
        || l.starts_with('$')
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        for (nth, c) in script.find("npm").enumerate() {
            let ops = c.operands(WITH_VALUE);
            if !matches!(ops.first(), Some(&"install" | &"i" | &"add")) {
                continue;
            }
            let unpinned: Vec<&str> = ops[1..].iter().copied().filter(|p| !pinned(p)).collect();
            if !unpinned.is_empty() {
                out.push(ctx.hit_on_command(inst, "npm", nth, format!("pin versions of: {}", unpinned.join(", "))));
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
        assert_fires(&RULE, "RUN npm install @myorg/privatepackage\n");
        assert_fires(&RULE, "RUN npm install --registry=https://example.com express\n");
        assert_fires(&RULE, "RUN npm install git+https://isaacs@github.com/npm/npm.git\n");
        assert_quiet(&RULE, "RUN npm install\n");
        assert_quiet(
            &RULE,
            "RUN npm install @myorg/privatepackage@\">=0.1.0\" ./folder git://github.com/npm/npm.git#v1.0.27\n",
        );
        assert_quiet(&RULE, "RUN npm install --loglevel verbose sax@0.1.1\n");
    }
}
