//! Secret scanning for image layers, image configs and directories.
//!
//! The moving parts, in the order bytes meet them:
//!
//! - [`rules`]: the built-in catalogue. Every rule is one TOML file under `rules/` (id, title,
//!   severity, keywords, regex, optional entropy threshold, validators, allowlist and its own
//!   `examples.match` / `examples.no_match`), embedded with `include_str!`. User rules in a
//!   config file use the same schema ([`RuleSpec`]), so both go through one parser and one set of
//!   checks.
//! - [`ScanConfig`]: file size limit, disabled rules, extra rules, global allowlists; read from a
//!   TOML file with [`ScanConfig::from_toml`].
//! - [`Scanner`]: everything compiled once (one Aho-Corasick automaton over every rule's keywords,
//!   one regex per rule). [`Scanner::scan`] makes one pass over a file's bytes with the keyword
//!   automaton and runs a rule's regex only on the lines around that rule's keyword hits; line and
//!   column are computed only for the matches. `Scanner` is `Send + Sync`: share one across threads.
//! - [`SecretMatch`]: what a scan returns: rule, location, byte range and a [`mask`]ed value.
//!   [`SecretMatch::to_finding`] turns it into the report type
//!   [`plimsoll_model::secret::SecretFinding`].

mod config;
mod entropy;
pub mod rules;
mod scanner;
mod spec;
mod validate;

pub use config::{AllowSpec, ScanConfig, ScopedAllowSpec, DEFAULT_MAX_FILE_SIZE};
pub use entropy::shannon_entropy;
pub use scanner::{ExampleFailure, ScanOutcome, Scanner, SecretMatch, SkipReason};
pub use spec::{Example, Examples, PairSpec, RuleAllowSpec, RuleSpec, Validator};

/// Errors from building a [`Scanner`] or reading a config. Each names where the bad input came
/// from (the config file, the rule id).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretsError {
    #[error("reading secrets config {path}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{origin}: invalid secrets config: {message}")]
    Config { origin: String, message: String },
    #[error("{origin}: rule `{rule}`: {problem}")]
    Rule { origin: String, rule: String, problem: String },
    #[error("{origin}: invalid allowlist regex `{pattern}`: {message}")]
    AllowRegex { origin: String, pattern: String, message: String },
    #[error("{origin}: unknown rule id `{rule}` in `disabled_rules`")]
    UnknownDisabledRule { origin: String, rule: String },
    #[error("{origin}: rule `{rule}` is defined twice")]
    DuplicateRule { origin: String, rule: String },
    #[error("rule `{rule}` failed its own examples: {failures}")]
    Examples { rule: String, failures: String },
}

/// Replaces all but a few leading characters of `secret` with `*****`.
///
/// At most 4 characters and at most a quarter of the secret stay visible, so the output can never
/// contain the whole secret (it is at most `len/4 + 5` characters long, shorter than any secret
/// of 7 characters or more); secrets shorter than 8 characters show nothing.
pub fn mask(secret: &str) -> String {
    let chars = secret.chars().count();
    let visible = if chars < 8 { 0 } else { (chars / 4).min(4) };
    let mut out: String = secret.chars().take(visible).collect();
    out.push_str("*****");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_keeps_at_most_four_or_a_quarter() {
        assert_eq!(mask("ghp_R7xK2mQ9vT4wZ8bN1cL5yH3jF6dS0aP2eU4i"), "ghp_*****");
        assert_eq!(mask("abcdefgh"), "ab*****");
        assert_eq!(mask("abcdefghijkl"), "abc*****");
        assert_eq!(mask("short"), "*****");
        assert_eq!(mask(""), "*****");
        // Multi-byte characters are counted as characters, never split.
        assert_eq!(mask("ééééééééé"), "éé*****");
    }
}
