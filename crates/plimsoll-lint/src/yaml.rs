//! A span-keeping YAML tree built from `saphyr-parser` events, with hard limits.
//!
//! We build the tree ourselves (instead of `saphyr`'s loader or serde) for two reasons: every
//! node keeps its line and column for findings, and alias expansion is charged against its own
//! budget, so a "billion laughs" document fails with an error instead of exhausting memory while
//! a large plain document (a 100k-item `List`) is not mistaken for one. Every limit hit is a
//! [`YamlError`] carrying the typed [`Limit`], never a silent truncation.
//! The event parser is iterative, and the tree builder uses an explicit stack with a depth
//! limit, so deep nesting cannot overflow the stack either. JSON is parsed as YAML (flow style).

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

pub use crate::limits::Limit;

/// Largest document set accepted, in bytes. Kubernetes' own request limit is 3 MiB per object.
/// The tree takes about ten times the input in memory (a 62 MB `List` peaked at 2.2 GB RSS), so
/// this also bounds memory; a larger file is refused with [`Limit::FileSize`], never skipped.
pub const MAX_YAML_BYTES: usize = 16 * 1024 * 1024;
/// Nodes written in the file (bounds memory with the size limit): a 100k-item `List` of small
/// objects has about 1M, of minimal pods about 3M.
pub const MAX_NODES: usize = 4_000_000;
/// Nodes produced by alias expansion (and anchor copies): small in real files, unbounded in a
/// "billion laughs" document.
pub const MAX_ALIAS_NODES: usize = 1_000_000;
/// Nesting depth of collections. The tree is dropped and compared recursively, so this bounds
/// stack use; real manifests (CRD schemas included) stay well under 100. `saphyr-parser` itself
/// stops flow collections (JSON) at 255 levels, so that is the limit for both styles.
pub const MAX_DEPTH: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct YamlError {
    pub line: u32,
    pub message: String,
    /// The limit hit, when the file was refused for its size, depth or node count rather than
    /// for its syntax.
    pub limit: Option<Limit>,
}

impl YamlError {
    fn syntax(line: u32, message: impl Into<String>) -> YamlError {
        YamlError { line, message: message.into(), limit: None }
    }

    fn limit(line: u32, limit: Limit) -> YamlError {
        YamlError { line, message: limit.to_string(), limit: Some(limit) }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    /// Scalar text and whether it was plain (unquoted, so `true`/`1` are typed).
    Scalar(String, bool),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// 1-based line of the node's first character.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

static NULL: Node = Node { value: Value::Null, line: 0, col: 0 };

impl Node {
    /// The value under `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value under `key` of a mapping: the key is where a finding about the
    /// field points (`privileged: true` is on the key's line even when the value is a block).
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(m) => {
                crate::work::charge(m.len());
                m.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(k, v)| (k, v))
            }
            _ => None,
        }
    }

    /// The line of `key` in this mapping, or this node's line when the key is absent (a
    /// violation by absence points at the object).
    pub fn key_line(&self, key: &str) -> u32 {
        self.entry(key).map_or(self.line, |(k, _)| k.line)
    }

    /// Walks a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    /// Scalar text (not for null).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    /// Booleans as Kubernetes reads them (YAML 1.1 via go-yaml: `true`, `yes`, `on`...).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar(s, true) => match s.as_str() {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => Some(true),
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn is_true(&self) -> bool {
        self.as_bool() == Some(true)
    }

    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar(s, true) => {
                let t = s.replace('_', "");
                t.parse::<i64>().ok().or_else(|| t.strip_prefix("0x").and_then(|h| i64::from_str_radix(h, 16).ok()))
            }
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// Sequence items (empty for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(v) => {
                crate::work::charge(v.len());
                v
            }
            _ => &[],
        }
    }

    /// Mapping entries with string keys (empty for anything else).
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Node)> {
        let m: &[(Node, Node)] = match &self.value {
            Value::Map(m) => m,
            _ => &[],
        };
        crate::work::charge(m.len());
        m.iter().filter_map(|(k, v)| k.as_str().map(|k| (k, v)))
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// A null node, for "absent" defaults.
    pub fn null() -> &'static Node {
        &NULL
    }
}

/// A collection being built; `size` counts its nodes (itself included) for alias accounting.
enum Frame {
    Seq { items: Vec<Node>, line: u32, col: u32, anchor: usize, size: usize },
    Map { entries: Vec<(Node, Node)>, key: Option<Node>, line: u32, col: u32, anchor: usize, size: usize },
}

struct Builder {
    stack: Vec<Frame>,
    docs: Vec<Node>,
    /// Anchored nodes with their node counts.
    anchors: std::collections::HashMap<usize, (Node, usize)>,
    nodes: usize,
    alias_nodes: usize,
}

impl Builder {
    /// Counts a node written in the file.
    fn charge(&mut self, line: u32) -> Result<(), YamlError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(YamlError::limit(line, Limit::Nodes { max: MAX_NODES }));
        }
        Ok(())
    }

    /// Counts nodes copied for an anchor or an alias.
    fn charge_alias(&mut self, n: usize, line: u32) -> Result<(), YamlError> {
        self.alias_nodes = self.alias_nodes.saturating_add(n);
        if self.alias_nodes > MAX_ALIAS_NODES {
            return Err(YamlError::limit(line, Limit::AliasExpansion { max: MAX_ALIAS_NODES }));
        }
        Ok(())
    }

    fn push(&mut self, node: Node, size: usize) {
        match self.stack.last_mut() {
            Some(Frame::Seq { items, size: s, .. }) => {
                *s = s.saturating_add(size);
                items.push(node)
            }
            Some(Frame::Map { entries, key, size: s, .. }) => {
                *s = s.saturating_add(size);
                match key.take() {
                    Some(k) => entries.push((k, node)),
                    None => *key = Some(node),
                }
            }
            None => self.docs.push(node),
        }
    }

    fn anchor(&mut self, id: usize, node: &Node, size: usize, line: u32) -> Result<(), YamlError> {
        if id != 0 {
            // Copying the anchored node costs its size: charged so nested anchors stay bounded.
            self.charge_alias(size, line)?;
            self.anchors.insert(id, (node.clone(), size));
        }
        Ok(())
    }
}

fn pos(span: &Span) -> (u32, u32) {
    let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
    let col = u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX);
    (line, col)
}

fn is_null_plain(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

/// Parses every document of a YAML (or JSON) stream.
pub fn parse_documents(src: &str) -> Result<Vec<Node>, YamlError> {
    if src.len() > MAX_YAML_BYTES {
        return Err(YamlError::limit(1, Limit::FileSize { size: src.len(), max: MAX_YAML_BYTES }));
    }
    crate::work::charge(src.len());
    let mut b = Builder { stack: Vec::new(), docs: Vec::new(), anchors: Default::default(), nodes: 0, alias_nodes: 0 };
    let mut parser = Parser::new_from_str(src);
    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(|e| {
            let line = u32::try_from(e.marker().line()).unwrap_or(u32::MAX);
            // The scanner's own flow-nesting limit (a u8 counter): a depth limit, not bad syntax.
            if e.info() == "recursion limit exceeded" {
                return YamlError::limit(line, Limit::Depth { max: MAX_DEPTH });
            }
            YamlError::syntax(line, e.info().to_string())
        })?;
        let (line, col) = pos(&span);
        match ev {
            Event::StreamEnd => break,
            Event::DocumentStart(_) => b.anchors.clear(),
            Event::Scalar(text, style, anchor, _tag) => {
                b.charge(line)?;
                let plain = matches!(style, ScalarStyle::Plain);
                let value =
                    if plain && is_null_plain(&text) { Value::Null } else { Value::Scalar(text.into_owned(), plain) };
                let node = Node { value, line, col };
                b.anchor(anchor, &node, 1, line)?;
                b.push(node, 1);
            }
            Event::Alias(id) => {
                let Some(size) = b.anchors.get(&id).map(|(_, s)| *s) else {
                    return Err(YamlError::syntax(line, "alias to an unknown anchor"));
                };
                b.charge_alias(size, line)?;
                let node = b.anchors.get(&id).map(|(n, _)| n.clone()).unwrap_or_else(|| Node::null().clone());
                b.push(Node { line, col, ..node }, size);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                b.charge(line)?;
                if b.stack.len() >= MAX_DEPTH {
                    return Err(YamlError::limit(line, Limit::Depth { max: MAX_DEPTH }));
                }
                let frame = if matches!(ev, Event::SequenceStart(..)) {
                    Frame::Seq { items: Vec::new(), line, col, anchor, size: 1 }
                } else {
                    Frame::Map { entries: Vec::new(), key: None, line, col, anchor, size: 1 }
                };
                b.stack.push(frame);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor, size) = match b.stack.pop() {
                    Some(Frame::Seq { items, line, col, anchor, size }) => {
                        (Node { value: Value::Seq(items), line, col }, anchor, size)
                    }
                    Some(Frame::Map { entries, line, col, anchor, size, .. }) => {
                        (Node { value: Value::Map(entries), line, col }, anchor, size)
                    }
                    None => return Err(YamlError::syntax(line, "unbalanced collection end")),
                };
                b.anchor(anchor, &node, size, line)?;
                b.push(node, size);
            }
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
        }
    }
    Ok(b.docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_types() {
        let docs = parse_documents("a: 1\nb:\n  - x\n  - \"true\"\n  - yes\n---\nc: ~\n").unwrap();
        assert_eq!(docs.len(), 2);
        let b = docs[0].get("b").unwrap();
        assert_eq!((b.line, b.items()[0].line, b.items()[0].col), (3, 3, 5));
        assert_eq!(b.items()[1].as_bool(), None);
        assert_eq!(b.items()[2].as_bool(), Some(true));
        assert_eq!(docs[0].get("a").unwrap().as_i64(), Some(1));
        assert!(docs[1].get("c").unwrap().is_null());
    }

    #[test]
    fn json_and_aliases() {
        let docs = parse_documents("{\"kind\": \"Pod\", \"spec\": {\"x\": [1, 2]}}").unwrap();
        assert_eq!(docs[0].get("kind").unwrap().as_str(), Some("Pod"));
        let docs = parse_documents("a: &x {k: v}\nb: *x\n").unwrap();
        assert_eq!(docs[0].path(&["b", "k"]).unwrap().as_str(), Some("v"));
        assert_eq!(docs[0].get("b").unwrap().line, 2);
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse_documents(&s).unwrap_err();
        assert!(e.message.contains("alias bomb"), "{e}");
        assert_eq!(e.limit, Some(Limit::AliasExpansion { max: MAX_ALIAS_NODES }));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let s = "[".repeat(10_000);
        assert!(parse_documents(&s).is_err());
        let s = "a:\n".to_string() + &(1..600).map(|i| format!("{}b:\n", " ".repeat(i))).collect::<String>();
        let e = parse_documents(&s).unwrap_err();
        assert!(e.message.contains("nesting"), "{e}");
        assert_eq!(e.limit, Some(Limit::Depth { max: MAX_DEPTH }));
        // 200 levels is legitimate (issue 17: a JSON pod with a value nested 200 deep was dropped).
        let s = format!("{{\"a\": {}1{}}}", "[".repeat(200), "]".repeat(200));
        assert!(parse_documents(&s).is_ok());
    }

    #[test]
    fn malformed_names_line() {
        let e = parse_documents("a: 1\nb: [unclosed\nc: 2\n").unwrap_err();
        assert!(e.line >= 2, "{e}");
    }

    #[test]
    fn tab_indented_json() {
        let src = "{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Pod\",\n\t\"spec\": {\n\t\t\"containers\": [\n\t\t\t{\"name\": \"a\"}\n\t\t]\n\t}\n}\n";
        let d = parse_documents(src).unwrap();
        assert_eq!(d[0].get("kind").unwrap().as_str(), Some("Pod"));
        assert_eq!(d[0].get("spec").unwrap().line, 4);
    }
}
