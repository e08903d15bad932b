//! The rule schema shared by the built-in catalogue (`rules/*.toml`) and user config files.

use plimsoll_model::Severity;

/// One rule as written in TOML. Unknown fields are rejected so that a typo (`keyword = ...`)
/// fails loudly instead of silently disabling a check.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable kebab-case id (`aws-access-key-id`). Never renamed once published.
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// One or two sentences for the docs: what the credential is and what the rule looks for.
    #[serde(default)]
    pub description: String,
    /// Literal strings (ASCII case-insensitive) of which at least one must occur near a match.
    /// The regex runs only on the lines around keyword hits. An empty list means the regex runs
    /// over the whole file, which is slow: built-in rules always have keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The pattern (Rust `regex` syntax, matched against bytes). The secret is the first capture
    /// group whose name starts with `secret` that took part in the match, else the whole match.
    pub regex: String,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    #[serde(default)]
    pub entropy: Option<f64>,
    /// Only files whose path matches this regex are checked, and those in full: the keywords of a
    /// path-filtered rule document it but do not gate it.
    #[serde(default)]
    pub path: Option<String>,
    /// Literal strings that must all occur somewhere in the file (e.g. `service_account` for a GCP
    /// key file).
    #[serde(default)]
    pub file_contains: Vec<String>,
    /// The match may span lines (PEM blocks): the regex sees up to 64 KiB after a keyword hit.
    #[serde(default)]
    pub multiline: bool,
    /// Lines before and after a keyword hit's line that the regex also sees (at most 20).
    #[serde(default)]
    pub context_lines: u32,
    /// Also scan files that look binary (a NUL byte in the first 8 KiB).
    #[serde(default)]
    pub binary: bool,
    /// A generic rule (`password = ...`): it yields to any specific rule matching the same bytes.
    #[serde(default)]
    pub generic: bool,
    /// Extra checks a candidate must pass.
    #[serde(default)]
    pub validate: Vec<Validator>,
    #[serde(default)]
    pub allow: RuleAllowSpec,
    /// Links each match to a match of another rule a few lines away (AWS key id and secret key).
    #[serde(default)]
    pub pair: Option<PairSpec>,
    #[serde(default)]
    pub examples: Examples,
}

/// Candidates a rule drops.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleAllowSpec {
    /// Regexes matched against the secret.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Regexes matched against the file path.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Case-insensitive substrings of the secret.
    #[serde(default)]
    pub stopwords: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairSpec {
    /// The id of the other rule.
    pub rule: String,
    /// Maximum distance in lines between the two halves.
    pub max_lines: u32,
}

/// Named checks implemented in Rust, for what a regex cannot say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Validator {
    /// The first dot-separated part is base64url JSON with an `alg` member (a JWT header).
    Jwt,
    /// Base64 of `user:password` with a non-empty password (Docker `auth`, npm `_auth`).
    BasicAuthBase64,
    /// Base64 of a PEM block whose label ends in `PRIVATE KEY`.
    Base64PrivateKey,
    /// Rejects placeholders: `${VAR}`, `<your-token>`, `{{ .Values.x }}`, `%s`, `xxxx`, `****`,
    /// `changeme`, `example`, `dummy`, ...
    NotPlaceholder,
    /// Rejects values that look like code rather than data: `self.password`,
    /// `os.environ["X"]`, `getPassword()`, `process.env.TOKEN`.
    NotCodeReference,
    /// At least two character classes among lower case, upper case, digits and symbols other than
    /// `-_.`, one of them digits or symbols: rejects words, identifiers and slugs
    /// (`elevated-privileges`, `dataStoreTestQuery`).
    MixedCharacters,
}

/// A rule's own test cases, checked by the crate's tests for built-in rules and by
/// [`crate::Scanner::new`] for user rules.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// The path the examples are scanned as (for rules with a `path` filter).
    #[serde(default)]
    pub path: Option<String>,
    /// Texts the rule must match.
    #[serde(default, rename = "match")]
    pub matches: Vec<Example>,
    /// Texts the rule must not match.
    #[serde(default)]
    pub no_match: Vec<Example>,
}

/// An example text, optionally with the secret the rule must extract from it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(untagged)]
pub enum Example {
    Text(String),
    WithSecret { text: String, secret: String },
}

impl Example {
    pub fn text(&self) -> &str {
        match self {
            Example::Text(t) | Example::WithSecret { text: t, .. } => t,
        }
    }

    pub fn expected_secret(&self) -> Option<&str> {
        match self {
            Example::Text(_) => None,
            Example::WithSecret { secret, .. } => Some(secret),
        }
    }
}
