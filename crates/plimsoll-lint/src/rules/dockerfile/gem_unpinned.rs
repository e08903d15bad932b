use crate::dockerfile::DockerfileCtx;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags `gem install` of gems without a version (`gem:1.2.3` or `-v`).
    ///
    /// ## Why it matters
    /// Builds are not reproducible and a new, possibly compromised, release is installed
    /// silently.
    ///
    /// ## How to fix
    /// Use `gem install bundler:2.5.6` or `gem install bundler -v 2.5.6`, or a `Gemfile.lock`.
    code: "PL-DF-024",
    title: "gem install without pinned versions",
    severity: Low,
    references: ["DL3028"],
    bad: "FROM ruby:3.3-slim\nRUN gem install bundler\n",
    good: "FROM ruby:3.3-slim\nRUN gem install bundler:2.5.6\n",
    check: Dockerfile(check),
}

fn check(ctx: &DockerfileCtx, out: &mut Vec<Hit>) {
    for (_, inst, script) in ctx.runs() {
        for (nth, c) in script.find("gem").enumerate() {
            if c.has_flag("v") || c.has_flag("version") {
                continue;
            }
            // Everything after `--` goes to the gem's build, not to `gem`.
            let own: Vec<&String> = c.args.iter().take_while(|a| *a != "--").collect();
            let mut ops = own.iter().filter(|a| !a.starts_with('-')).map(|a| a.as_str());
            if !matches!(ops.next(), Some("install" | "i")) {
                continue;
            }
            let mut prev_flag_takes_value = false;
            let mut unpinned = Vec::new();
            for a in own.iter().skip(1).map(|a| a.as_str()) {
                if a.starts_with('-') {
                    prev_flag_takes_value = !a.contains('=');
                    continue;
                }
                if prev_flag_takes_value && matches!(a, "true" | "false") {
                    prev_flag_takes_value = false;
                    continue;
                }
                prev_flag_takes_value = false;
                if !a.contains(':') && a != "install" && a != "i" && !a.ends_with(".gem") {
                    unpinned.push(a);
                }
            }
            if !unpinned.is_empty() {
                out.push(ctx.hit_on_command(inst, "gem", nth, format!("pin versions of: {}", unpinned.join(", "))));
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
        assert_fires(&RULE, "RUN gem i bunlder:1 nokogiri\n");
        assert_quiet(&RULE, "RUN gem install bundler --version='2.0.1'\n");
        assert_quiet(&RULE, "RUN gem install bundler:2.0.1 --use-system-libraries true\n");
        assert_quiet(&RULE, "RUN gem install bundler:2.0.1 -- --use-system-libraries true\n");
    }
}
