//! Secret findings: a credential found in a file of a layer, in the image config, or in a
//! manifest.
//!
//! A finding never holds the secret in full unless the user explicitly asked for it
//! ([`SecretFinding::secret`], filled only by a "reveal" option): `masked` keeps a few leading
//! characters, enough to recognise which key leaked without handing it to whoever reads the report.

use std::fmt;

use crate::{LayerRef, Severity};

/// Where the scanned text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SecretSource {
    /// A regular file in a layer or a scanned directory.
    File,
    /// An `Env` entry of the image config.
    ImageEnv,
    /// A `Labels` value of the image config.
    ImageLabel,
    /// The image config's `Cmd`.
    ImageCmd,
    /// The image config's `Entrypoint`.
    ImageEntrypoint,
    /// A history entry's `created_by` (where `ARG`/`ENV` values of the build leak).
    ImageHistory,
    /// A value decoded from a Kubernetes `Secret`'s base64 `data`.
    KubernetesSecretData,
}

/// The other half of a paired credential (an AWS access key id and the secret key next to it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SecretPair {
    pub rule_id: String,
    /// 1-based line of the other half, in the same file.
    pub line: u32,
    /// The other half, masked.
    pub masked: String,
}

/// The full secret, present only when the user asked for unmasked output. Its `Debug` output is
/// redacted so that a stray `{:?}` in a log cannot leak it; serialization writes it as a plain
/// string, because that is what the user asked for.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct RevealedSecret(pub String);

impl fmt::Debug for RevealedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RevealedSecret(<redacted>)")
    }
}

/// One secret found by a rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SecretFinding {
    /// Stable kebab-case rule id (e.g. `aws-access-key-id`).
    pub rule_id: String,
    pub title: String,
    pub severity: Severity,
    pub source: SecretSource,
    /// The file's path relative to the root (e.g. `app/config/aws_credentials`), or for image
    /// config sources the field it came from (e.g. `Env[1]`, `history[3].created_by`).
    pub path: String,
    /// 1-based line of the secret's first byte (for multi-line blocks such as PEM keys, the
    /// `BEGIN` line).
    pub line: u32,
    /// 1-based column of the secret's first byte, counted in bytes.
    pub column: u32,
    /// The layer that added the file; `None` for a directory scan or the image config.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub layer: Option<LayerRef>,
    /// Index of the later layer that deleted or overwrote the file, so the secret is not in the
    /// final filesystem but still ships in the earlier layer. Set by the pipeline.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hidden_by_layer: Option<usize>,
    /// The secret with all but a few leading characters replaced by `*`.
    pub masked: String,
    /// Length of the secret in bytes.
    pub match_len: usize,
    /// The linked other half of a credential pair, when one was found nearby.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pair: Option<SecretPair>,
    /// The full secret; only with an explicit reveal option.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub secret: Option<RevealedSecret>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revealed_secret_debug_is_redacted_but_serializes() {
        let f = SecretFinding {
            rule_id: "github-pat".into(),
            title: "GitHub personal access token".into(),
            severity: Severity::Critical,
            source: SecretSource::File,
            path: "app/settings.py".into(),
            line: 2,
            column: 17,
            layer: None,
            hidden_by_layer: None,
            masked: "ghp_*****".into(),
            match_len: 40,
            pair: None,
            secret: Some(RevealedSecret("ghp_R7xK2mQ9vT4wZ8bN1cL5yH3jF6dS0aP2eU4i".into())),
        };
        assert!(!format!("{f:?}").contains("R7xK2mQ9"));
        let json = serde_json::to_string(&f).unwrap();
        assert!(json.contains("\"secret\":\"ghp_R7xK2mQ9vT4wZ8bN1cL5yH3jF6dS0aP2eU4i\""));
        assert!(json.contains("\"source\":\"file\""));
        let back: SecretFinding = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f);
    }
}
