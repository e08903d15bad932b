//! Misconfiguration findings: what the lint engine (`plimsoll-lint`) reports for Dockerfiles,
//! Kubernetes manifests, compose files and image configurations.

use crate::{LayerRef, Severity};

/// One rule violation at one place in one file.
///
/// Lines are 1-based; `column` is 1-based too, 0 when the rule only knows the line (most
/// Dockerfile rules point at an instruction, not a character). `end_line` is the last line of the
/// construct (a multi-line `RUN`, a container block), equal to `line` for one-line spans.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Misconfiguration {
    /// Stable rule code, e.g. `PL-DF-001`. Never renamed once published.
    pub rule_id: String,
    pub title: String,
    pub severity: Severity,
    /// The path as given to the linter (for image configs: the image reference; for a file inside
    /// an image, its path relative to the image root).
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    /// What is wrong here, specific to this occurrence.
    pub message: String,
    /// Equivalent checks elsewhere: hadolint `DL3007`, `CIS-Docker-4.1`, `PSS:baseline/privileged`...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Where the rule's documentation lives (`docs/rules/<code>.md`).
    pub doc_url: String,
    /// The Kubernetes object (`Kind/namespace/name`) or compose service the finding belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// For a configuration file inside an image: the layer that added the file (the version of
    /// it in the final filesystem). `None` for a directory scan and for image-config rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Misconfiguration {
        Misconfiguration {
            rule_id: "PL-DF-001".into(),
            title: "Last USER is root".into(),
            severity: Severity::High,
            file: "app/Dockerfile".into(),
            line: 3,
            column: 0,
            end_line: 3,
            message: "the last USER is root".into(),
            references: vec![],
            doc_url: "docs/rules/PL-DF-001.md".into(),
            resource: None,
            layer: None,
        }
    }

    #[test]
    fn layer_is_optional_and_additive() {
        // A finding without a layer serializes as before 1.2, and such JSON still reads.
        let plain = sample();
        let json = serde_json::to_string(&plain).unwrap();
        assert!(!json.contains("\"layer\""), "{json}");
        assert_eq!(serde_json::from_str::<Misconfiguration>(&json).unwrap(), plain);

        let layered = Misconfiguration {
            layer: Some(LayerRef { index: 2, digest: None, diff_id: None, created_by: Some("COPY . /app".into()) }),
            ..sample()
        };
        let v: serde_json::Value = serde_json::to_value(&layered).unwrap();
        assert_eq!(v["layer"], serde_json::json!({"index": 2, "created_by": "COPY . /app"}));
        assert_eq!(serde_json::from_value::<Misconfiguration>(v).unwrap(), layered);
    }
}
