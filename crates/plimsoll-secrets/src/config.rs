//! Scan settings and the user config file.
//!
//! ```toml
//! max_file_size = 10485760        # bytes; larger files are skipped
//! builtin_rules = true            # false: only the rules below
//! builtin_allowlist = true        # false: also scan docs and third-party test fixtures
//! disabled_rules = ["generic-password"]
//!
//! [allow]
//! paths = ['''(^|/)testdata/''']  # regexes on the file path
//! secrets = ['''^AKIAI44QH8DHBEXAMPLE$''']  # regexes on the secret
//!
//! [[allow.scoped]]                # a secret allowed only under some paths
//! path = '''^app/fixtures/'''
//! secret = '''^sk_live_'''
//!
//! [[rules]]                       # same schema as the built-in rules/*.toml
//! id = "acme-api-key"
//! title = "ACME API key"
//! severity = "HIGH"
//! keywords = ["acme_"]
//! regex = '''\bacme_[0-9a-f]{32}\b'''
//! ```

use std::path::Path;

use crate::spec::RuleSpec;
use crate::SecretsError;

/// 10 MiB: larger files are nearly always data (databases, archives, logs), and a secret scanner
/// that reads them all is the slowest stage of an image scan.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// What to scan with. Build it with [`ScanConfig::default`] and adjust fields, or read it from a
/// user's TOML file with [`ScanConfig::from_toml`].
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct ScanConfig {
    /// Files larger than this many bytes are skipped.
    pub max_file_size: u64,
    /// Use the built-in rule catalogue.
    pub builtin_rules: bool,
    /// Use the built-in path allowlist (docs, locales, third-party test fixtures).
    pub builtin_allowlist: bool,
    /// Ids of rules (built-in or extra) not to run.
    pub disabled_rules: Vec<String>,
    /// Extra rules.
    pub rules: Vec<RuleSpec>,
    pub allow: AllowSpec,
    /// Where this config came from, for error messages (a file path, or `<default>`).
    #[serde(skip)]
    pub origin: String,
}

/// Global allowlist: a candidate is dropped when its file path or its secret matches.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowSpec {
    /// Regexes on the file path; matching files are not scanned at all.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Regexes on the secret.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Secrets allowed only in some paths (`[[allow.scoped]] path = '...' secret = '...'`).
    #[serde(default)]
    pub scoped: Vec<ScopedAllowSpec>,
}

/// Drops secrets matching `secret` in files whose path matches `path`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopedAllowSpec {
    pub path: String,
    pub secret: String,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            builtin_rules: true,
            builtin_allowlist: true,
            disabled_rules: Vec::new(),
            rules: Vec::new(),
            allow: AllowSpec::default(),
            origin: "<default>".to_owned(),
        }
    }
}

/// The commented example at the top of this file, for the generated docs (so they cannot drift
/// from what the parser accepts: a test parses it).
pub(crate) fn example_config() -> String {
    include_str!("config.rs")
        .lines()
        .skip_while(|l| !l.starts_with("//! ```toml"))
        .skip(1)
        .take_while(|l| !l.starts_with("//! ```"))
        .map(|l| l.strip_prefix("//! ").or_else(|| l.strip_prefix("//!")).unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

impl ScanConfig {
    /// Parses a user config. `origin` names it in errors (usually the file path).
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, SecretsError> {
        let mut config: ScanConfig = toml::from_str(text)
            .map_err(|e| SecretsError::Config { origin: origin.to_owned(), message: e.to_string() })?;
        config.origin = origin.to_owned();
        Ok(config)
    }

    /// Reads and parses a user config file.
    pub fn from_file(path: &Path) -> Result<Self, SecretsError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| SecretsError::Io { path: path.to_owned(), source })?;
        Self::from_toml(&text, &path.display().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let c = ScanConfig::from_toml(&example_config(), "doc").unwrap();
        assert_eq!(c.max_file_size, 10_485_760);
        assert_eq!(c.disabled_rules, ["generic-password"]);
        assert_eq!(c.rules.len(), 1);
        assert_eq!(c.rules[0].id, "acme-api-key");
        assert_eq!(c.allow.paths.len(), 1);
        assert_eq!(c.allow.scoped.len(), 1);
    }

    #[test]
    fn rejects_unknown_fields_naming_the_origin() {
        let err = ScanConfig::from_toml("disabled_rule = []", "my.toml").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("my.toml") && msg.contains("disabled_rule"), "{msg}");
    }
}
