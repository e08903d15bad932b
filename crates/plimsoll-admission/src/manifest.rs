//! Manifests on disk for `plimsoll admission check`: multi-document YAML (or JSON), `List` kinds
//! flattened, each object decided as the API server would send it.

use serde_json::Value;

/// `List` nesting deeper than this is refused (a `List` of `List`s is already unusual).
const MAX_LIST_DEPTH: usize = 4;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    #[error("{origin} is not valid YAML: {reason}")]
    Yaml { origin: String, reason: String },
    #[error("{origin}: `List` objects nested deeper than {MAX_LIST_DEPTH}")]
    Nesting { origin: String },
}

/// Every Kubernetes object (a mapping with `apiVersion` and `kind`) of a manifest file.
pub fn objects(text: &str, origin: &str) -> Result<Vec<Value>, ManifestError> {
    // serde-saphyr bounds alias expansion and nesting (alias bombs in hostile manifests).
    let docs: Vec<Value> = serde_saphyr::from_multiple(text)
        .map_err(|e| ManifestError::Yaml { origin: origin.to_owned(), reason: e.to_string() })?;
    let mut out = Vec::new();
    for d in docs {
        push(d, 0, origin, &mut out)?;
    }
    Ok(out)
}

fn push(v: Value, depth: usize, origin: &str, out: &mut Vec<Value>) -> Result<(), ManifestError> {
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind.is_empty() || v.get("apiVersion").and_then(Value::as_str).is_none() {
        return Ok(());
    }
    if kind.ends_with("List") {
        if depth >= MAX_LIST_DEPTH {
            return Err(ManifestError::Nesting { origin: origin.to_owned() });
        }
        if let Some(Value::Array(items)) = v.get("items") {
            for i in items.clone() {
                push(i, depth + 1, origin, out)?;
            }
        }
        return Ok(());
    }
    out.push(v);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_document_and_lists() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: []}\n---\n# comment only\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: b}\n";
        let o = objects(text, "m.yaml").unwrap();
        let kinds: Vec<&str> = o.iter().map(|v| v["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["Pod", "Deployment"]);
        assert!(objects("a: [", "bad.yaml").unwrap_err().to_string().contains("bad.yaml"));
    }
}
