//! Compose files (`docker-compose.yml`, `compose.yaml`): the services map with spans.

use crate::yaml::{parse_documents, Node, YamlError};

/// A parsed compose file.
#[derive(Debug, Clone)]
pub struct ComposeFile {
    pub root: Node,
}

impl ComposeFile {
    pub fn parse(src: &str) -> Result<ComposeFile, YamlError> {
        let docs = parse_documents(src)?;
        Ok(ComposeFile {
            root: docs.into_iter().next().unwrap_or(Node { value: crate::yaml::Value::Null, line: 1, col: 1 }),
        })
    }

    /// `services.<name>` entries.
    pub fn services(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.root.get("services").into_iter().flat_map(|s| s.entries())
    }

    /// `services.<name>` entries with the name's key node (where a finding about something the
    /// service lacks points).
    pub fn service_keys(&self) -> impl Iterator<Item = (&str, &Node, &Node)> {
        let m: &[(Node, Node)] = match self.root.get("services").map(|s| &s.value) {
            Some(crate::yaml::Value::Map(m)) => m,
            _ => &[],
        };
        crate::work::charge(m.len());
        m.iter().filter_map(|(k, v)| k.as_str().map(|name| (name, k, v)))
    }
}

/// The key node of `key` in a service, when its value satisfies `pred`: findings about a
/// field point at the field's own line.
pub fn field<'a>(svc: &'a Node, key: &str, pred: impl Fn(&Node) -> bool) -> Option<&'a Node> {
    svc.entry(key).filter(|(_, v)| pred(v)).map(|(k, _)| k)
}

/// A hit on a service, at a node (or the service itself).
pub fn hit(service: &str, svc: &Node, at: Option<&Node>, message: impl Into<String>) -> crate::rule::Hit {
    let n = at.unwrap_or(svc);
    crate::rule::Hit {
        line: n.line,
        end_line: n.line,
        column: n.col,
        message: message.into(),
        resource: Some(format!("service/{service}")),
        file: None,
    }
}

/// Looks like a compose file: a top-level `services` mapping.
pub fn looks_like_compose(docs: &[Node]) -> bool {
    docs.first().and_then(|d| d.get("services")).is_some_and(Node::is_map)
}
