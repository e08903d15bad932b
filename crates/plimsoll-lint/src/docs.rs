//! Rule documentation rendered from the registry: `docs/rules/<CODE>.md` per rule and an index
//! `docs/rules/README.md`. A test compares the committed files with this output.

use crate::rule::{Rule, RuleKind};

fn lang(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Dockerfile => "dockerfile",
        RuleKind::Kubernetes | RuleKind::Compose => "yaml",
        RuleKind::ImageConfig | RuleKind::Host => "text",
        RuleKind::DockerContainer | RuleKind::DockerDaemon => "json",
    }
}

/// One rule's page.
pub fn render_rule(r: &Rule) -> String {
    let mut s = format!("# {}: {}\n\n", r.code, r.title);
    s.push_str(&format!("- Kind: {}\n- Severity: {:?}\n", r.kind().as_str(), r.severity));
    if !r.references.is_empty() {
        s.push_str(&format!("- References: {}\n", r.references.join(", ")));
    }
    if r.kind() == RuleKind::Host {
        // Node files carry no suppression comments; the examples are file trees.
        s.push_str(&format!("- Disable: `--skip-rule {}`\n\n", r.code));
    } else {
        s.push_str(&format!("- Suppress inline: `# plimsoll:ignore={}`\n\n", r.code));
    }
    s.push_str(&r.doc_text());
    if r.kind() == RuleKind::Host {
        s.push_str("\n\nThe examples are node files as `head` prints them, `==> PATH (mode, owner) <==` before each.");
    }
    let l = lang(r.kind());
    s.push_str(&format!("\n\n## Example that is flagged\n\n```{l}\n{}\n```\n", r.bad.trim_end()));
    s.push_str(&format!("\n## Fixed\n\n```{l}\n{}\n```\n", r.good.trim_end()));
    s
}

/// The index page listing every rule.
pub fn render_index(rules: &[&Rule]) -> String {
    let mut s = String::from("# plimsoll misconfiguration rules\n\nGenerated from the rule registry (`crates/plimsoll-lint`); do not edit by hand.\nRegenerate with `UPDATE_DOCS=1 cargo test -p plimsoll-lint --test docs`.\n");
    for kind in [
        RuleKind::Dockerfile,
        RuleKind::Kubernetes,
        RuleKind::ImageConfig,
        RuleKind::Compose,
        RuleKind::Host,
        RuleKind::DockerContainer,
        RuleKind::DockerDaemon,
    ] {
        s.push_str(&format!("\n## {}\n\n| Code | Severity | Title | References |\n|---|---|---|---|\n", kind.as_str()));
        for r in rules.iter().filter(|r| r.kind() == kind) {
            s.push_str(&format!(
                "| [{}]({}.md) | {:?} | {} | {} |\n",
                r.code,
                r.code,
                r.severity,
                r.title.replace('|', "\\|"),
                r.references.join(", ")
            ));
        }
    }
    s
}
