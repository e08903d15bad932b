//! Kubernetes manifests: objects from multi-document YAML/JSON (with `List` kinds flattened),
//! pod templates of every workload kind, and the Pod Security Standards ([`pss`]).

pub mod pss;

use crate::yaml::{parse_documents, Node, YamlError};

/// One Kubernetes object found in a file.
#[derive(Debug, Clone)]
pub struct K8sObject {
    /// Index of the file in [`K8sSet::files`].
    pub file: usize,
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// `metadata.namespace` as written (`None` means the default namespace of the apply).
    pub namespace: Option<String>,
    pub node: Node,
}

/// Where a pod spec lives in a workload: the pod metadata (labels, annotations) and spec.
#[derive(Debug, Clone, Copy)]
pub struct PodView<'a> {
    pub meta: &'a Node,
    pub spec: &'a Node,
}

/// Container lists of a pod spec, as the PSS checks visit them.
pub const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

impl K8sObject {
    /// `Kind/namespace/name`.
    pub fn resource(&self) -> String {
        format!("{}/{}/{}", self.kind, self.namespace(), self.name)
    }

    pub fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or("default")
    }

    pub fn line(&self) -> u32 {
        self.node.line
    }

    /// The pod template of a workload, or the pod itself.
    pub fn pod(&self) -> Option<PodView<'_>> {
        let base: &[&str] = match self.kind.as_str() {
            "Pod" => &[],
            "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "ReplicationController"
            | "Job"
            | "DeploymentConfig" => &["spec", "template"],
            "CronJob" => &["spec", "jobTemplate", "spec", "template"],
            "PodTemplate" => &["template"],
            _ => return None,
        };
        let t = self.node.path(base)?;
        let spec = t.get("spec").filter(|s| s.is_map())?;
        Some(PodView { meta: t.get("metadata").unwrap_or(Node::null()), spec })
    }
}

impl<'a> PodView<'a> {
    /// Every container (regular, init, ephemeral) with its list name.
    pub fn containers(&self) -> impl Iterator<Item = (&'static str, &'a Node)> + 'a {
        let spec = self.spec;
        CONTAINER_LISTS
            .into_iter()
            .flat_map(move |l| spec.get(l).map(Node::items).unwrap_or(&[]).iter().map(move |c| (l, c)))
    }

    pub fn labels(&self) -> Vec<(&'a str, &'a str)> {
        self.meta
            .get("labels")
            .map(|l| l.entries().filter_map(|(k, v)| v.as_str().map(|v| (k, v))).collect())
            .unwrap_or_default()
    }
}

/// The name of a container node, for messages.
pub fn container_name(c: &Node) -> &str {
    c.get("name").and_then(Node::as_str).unwrap_or("<unnamed>")
}

/// Every object of one run: what Kubernetes rules check.
#[derive(Debug, Clone)]
pub struct K8sSet {
    pub files: Vec<String>,
    pub objects: Vec<K8sObject>,
    /// The PSS policy version the `PSS:` rules evaluate.
    pub pss_version: pss::Version,
    /// Parts of files not checked because a limit was hit: (file index, line, limit).
    pub skipped: Vec<(usize, u32, crate::Limit)>,
}

impl Default for K8sSet {
    fn default() -> Self {
        K8sSet { files: Vec::new(), objects: Vec::new(), pss_version: pss::Version::LATEST, skipped: Vec::new() }
    }
}

/// Lists nested deeper than this are not flattened further (a diagnostic says so).
pub const MAX_LIST_DEPTH: usize = 4;

impl K8sSet {
    /// Parses a file and adds its objects. Documents without `apiVersion`/`kind` are skipped.
    pub fn add_file(&mut self, path: &str, src: &str) -> Result<(), YamlError> {
        let docs = parse_documents(src)?;
        let file = self.files.len();
        self.files.push(path.to_string());
        for d in docs {
            self.add_object(file, d, 0);
        }
        Ok(())
    }

    fn add_object(&mut self, file: usize, node: Node, depth: usize) {
        let (Some(kind), Some(api_version)) =
            (node.get("kind").and_then(Node::as_str), node.get("apiVersion").and_then(Node::as_str))
        else {
            return;
        };
        let (kind, api_version) = (kind.to_string(), api_version.to_string());
        if kind.ends_with("List") {
            if depth >= MAX_LIST_DEPTH {
                self.skipped.push((file, node.line, crate::Limit::ListNesting { max: MAX_LIST_DEPTH }));
                return;
            }
            let crate::yaml::Node { value, .. } = node;
            let items = match value {
                crate::yaml::Value::Map(entries) => {
                    entries.into_iter().find(|(k, _)| k.as_str() == Some("items")).map(|(_, v)| v.value)
                }
                _ => None,
            };
            if let Some(crate::yaml::Value::Seq(items)) = items {
                for item in items {
                    self.add_object(file, item, depth + 1);
                }
            }
            return;
        }
        let meta = node.get("metadata");
        let name = meta.and_then(|m| m.get("name")).and_then(Node::as_str).unwrap_or("").to_string();
        let namespace = meta.and_then(|m| m.get("namespace")).and_then(Node::as_str).map(str::to_string);
        self.objects.push(K8sObject { file, api_version, kind, name, namespace, node });
    }

    /// Objects that carry a pod spec.
    pub fn pods(&self) -> impl Iterator<Item = (&K8sObject, PodView<'_>)> {
        self.objects.iter().filter_map(|o| o.pod().map(|p| (o, p)))
    }
}

/// A hit on an object at a node.
pub fn hit(obj: &K8sObject, at: &Node, message: impl Into<String>) -> crate::rule::Hit {
    let line = if at.line == 0 { obj.line() } else { at.line };
    crate::rule::Hit {
        line,
        end_line: line,
        column: at.col,
        message: message.into(),
        resource: Some(obj.resource()),
        file: Some(obj.file),
    }
}

/// True when a document looks like a Kubernetes object (`apiVersion` and `kind` at top level).
pub fn looks_like_k8s(docs: &[Node]) -> bool {
    docs.iter()
        .any(|d| d.get("apiVersion").and_then(Node::as_str).is_some() && d.get("kind").and_then(Node::as_str).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workloads_lists_and_namespaces() {
        let mut s = K8sSet::default();
        s.add_file(
            "a.yaml",
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: batch/v1\n  kind: CronJob\n  metadata: {name: c, namespace: ops}\n  spec:\n    jobTemplate:\n      spec:\n        template:\n          spec:\n            containers: [{name: x, image: y}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\n---\n# empty\n",
        )
        .unwrap();
        assert_eq!(s.objects.len(), 2);
        assert_eq!(s.objects[0].resource(), "CronJob/ops/c");
        let (_, pod) = s.pods().next().unwrap();
        assert_eq!(pod.containers().count(), 1);
        assert!(s.objects[1].pod().is_none());
    }
}
