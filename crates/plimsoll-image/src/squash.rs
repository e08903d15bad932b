//! The final filesystem of an image: layer indexes stacked with overlay semantics.
//!
//! Per the OCI image spec (`layer.md`, "Whiteouts"): a whiteout `.wh.NAME` removes `NAME` and
//! everything below it from the *lower* layers only; an opaque marker `.wh..wh..opq` hides all
//! lower children of its directory; entries of the same layer as a whiteout are not affected. So
//! each layer first applies its whiteouts and opaque markers to the layers below, then adds its
//! entries, a later entry replacing an earlier one at the same path. A non-directory replacing a
//! directory removes what was below that directory.
//!
//! Paths are taken as written: a file written through a symlinked parent directory
//! (`lib/x` where `lib -> usr/lib`) stays at `lib/x`; [`Squashed::resolve`] follows links when a
//! caller looks a path up.

use std::collections::{BTreeMap, HashMap};

use crate::walk::{normalize, Entry, EntryKind, LayerIndex};

/// Link hops [`Squashed::resolve`] follows (Linux's `MAXSYMLINKS`).
const MAX_HOPS: usize = 40;

/// The squashed view; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct Squashed {
    /// path -> (layer, entry) of what the final filesystem holds.
    fin: BTreeMap<String, (usize, Entry)>,
    /// path -> (layer that wrote it, layer that removed or replaced it).
    hidden: HashMap<String, Vec<(usize, usize)>>,
}

impl Squashed {
    pub fn new(layers: &[LayerIndex]) -> Squashed {
        let mut s = Squashed::default();
        for (layer, index) in layers.iter().enumerate() {
            // Whiteouts and opaque markers first: they only ever apply to lower layers.
            for e in &index.entries {
                match e.kind {
                    EntryKind::Whiteout => s.remove_tree(&e.path, true, layer),
                    EntryKind::OpaqueDir => s.remove_tree(&e.path, false, layer),
                    _ => {}
                }
            }
            for e in &index.entries {
                if matches!(e.kind, EntryKind::Whiteout | EntryKind::OpaqueDir) || e.path.is_empty() {
                    continue;
                }
                s.add(layer, e);
            }
        }
        s
    }

    fn record_hidden(&mut self, path: &str, written_by: usize, by: usize) {
        if written_by == by {
            return;
        }
        let v = self.hidden.entry(path.to_owned()).or_default();
        if !v.iter().any(|(w, _)| *w == written_by) {
            v.push((written_by, by));
        }
    }

    /// Removes everything strictly below `dir` (and `dir` itself when `inclusive`).
    fn remove_tree(&mut self, dir: &str, inclusive: bool, by: usize) {
        let mut doomed: Vec<(String, usize)> = Vec::new();
        if inclusive {
            if let Some((l, _)) = self.fin.get(dir) {
                doomed.push((dir.to_owned(), *l));
            }
        }
        let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
        for (p, (l, _)) in self.fin.range(prefix.clone()..) {
            if !p.starts_with(&prefix) {
                break;
            }
            doomed.push((p.clone(), *l));
        }
        for (p, l) in doomed {
            // Same-layer entries are not hidden by the layer's own whiteouts (applied first).
            if l < by {
                self.fin.remove(&p);
                self.record_hidden(&p, l, by);
            }
        }
    }

    fn add(&mut self, layer: usize, e: &Entry) {
        if let Some((old_layer, _)) = self.fin.get(&e.path) {
            self.record_hidden(&e.path, *old_layer, layer);
        }
        if e.kind != EntryKind::Dir {
            // Extraction removes whatever is at the path before writing a non-directory there,
            // subtree included, whether the directory had an entry of its own or was implied by
            // its children, and whichever layer (this one included) wrote them.
            self.remove_below(&e.path, layer);
        }
        self.fin.insert(e.path.clone(), (layer, e.clone()));
    }

    /// Removes everything strictly below `dir` written by `layer` or a lower one.
    fn remove_below(&mut self, dir: &str, layer: usize) {
        let prefix = format!("{dir}/");
        let doomed: Vec<(String, usize)> = self
            .fin
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .map(|(p, (l, _))| (p.clone(), *l))
            .collect();
        for (p, l) in doomed {
            self.fin.remove(&p);
            self.record_hidden(&p, l, layer);
        }
    }

    /// Does `path` as written by `layer` survive in the final filesystem?
    pub fn visible(&self, layer: usize, path: &str) -> bool {
        self.fin.get(path).is_some_and(|(l, _)| *l == layer)
    }

    /// The later layer that deleted or replaced `path` as written by `layer`; `None` if it is
    /// visible or `layer` never wrote it.
    pub fn hidden_by(&self, layer: usize, path: &str) -> Option<usize> {
        if self.visible(layer, path) {
            return None;
        }
        self.hidden.get(path)?.iter().find(|(w, _)| *w == layer).map(|(_, by)| *by)
    }

    /// The final entry at `path` and the layer that wrote it.
    pub fn get(&self, path: &str) -> Option<(usize, &Entry)> {
        self.fin.get(path).map(|(l, e)| (*l, e))
    }

    /// The final filesystem, sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Entry)> {
        self.fin.values().map(|(l, e)| (*l, e))
    }

    pub fn len(&self) -> usize {
        self.fin.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fin.is_empty()
    }

    /// A directory exists if it has an entry, or if anything lives below it (layers may omit
    /// parent directory entries).
    fn is_dir(&self, path: &str) -> bool {
        if path.is_empty() {
            return true;
        }
        match self.fin.get(path) {
            Some((_, e)) => e.kind == EntryKind::Dir,
            None => {
                let prefix = format!("{path}/");
                self.fin.range(prefix.clone()..).next().is_some_and(|(p, _)| p.starts_with(&prefix))
            }
        }
    }

    /// Follows symlinks (and a final hard link) inside the image root and returns the path they
    /// lead to, if it exists. Absolute targets are relative to the image root, `..` stops at the
    /// root, and more than 40 hops (a loop) gives `None`. The root itself is `""`.
    pub fn resolve(&self, path: &str) -> Option<String> {
        let mut pending: Vec<String> = Vec::new();
        push_components(&mut pending, path);
        let mut cur: Vec<String> = Vec::new();
        let mut hops = 0;
        // `pending` is a stack: the next component is at the end.
        while let Some(comp) = pending.pop() {
            match comp.as_str() {
                "" | "." => continue,
                ".." => {
                    cur.pop();
                    continue;
                }
                _ => {}
            }
            cur.push(comp);
            let here = cur.join("/");
            let Some((_, e)) = self.fin.get(&here) else {
                if pending.is_empty() || self.is_dir(&here) {
                    continue;
                }
                return None;
            };
            let last = pending.is_empty();
            match (e.kind, &e.link_target) {
                (EntryKind::Symlink, Some(target)) => {
                    hops += 1;
                    if hops > MAX_HOPS {
                        return None;
                    }
                    cur.pop();
                    if target.starts_with('/') {
                        cur.clear();
                    }
                    push_components(&mut pending, target);
                }
                (EntryKind::Hardlink, Some(target)) if last => {
                    hops += 1;
                    if hops > MAX_HOPS {
                        return None;
                    }
                    cur.clear();
                    push_components(&mut pending, target);
                }
                (EntryKind::Dir, _) => {}
                // A file in the middle of a path cannot be walked through.
                _ if !last => return None,
                _ => {}
            }
        }
        let out = cur.join("/");
        let exists = self.fin.contains_key(&out) || self.is_dir(&out);
        exists.then_some(out)
    }
}

/// Pushes `path`'s components so that the first one is popped first.
fn push_components(stack: &mut Vec<String>, path: &str) {
    for c in path.split('/').rev() {
        stack.push(c.to_owned());
    }
}

/// Normalises a user-supplied path the way entry paths are (used by callers building lookups).
pub fn normalize_path(path: &str) -> String {
    normalize(path).map(|n| n.path).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(path: &str, kind: EntryKind, target: Option<&str>) -> Entry {
        Entry { path: path.into(), kind, mode: 0o644, uid: 0, gid: 0, size: 0, link_target: target.map(Into::into) }
    }
    fn f(path: &str) -> Entry {
        e(path, EntryKind::File, None)
    }
    fn d(path: &str) -> Entry {
        e(path, EntryKind::Dir, None)
    }
    fn layer(entries: Vec<Entry>) -> LayerIndex {
        LayerIndex { entries, warnings: vec![] }
    }

    #[test]
    fn whiteouts_remove_lower_trees_only() {
        let s = Squashed::new(&[
            layer(vec![d("app"), f("app/a"), d("app/sub"), f("app/sub/b"), f("keep"), f("appx")]),
            layer(vec![e("app", EntryKind::Whiteout, None), f("app/new"), e("missing", EntryKind::Whiteout, None)]),
        ]);
        assert!(!s.visible(0, "app/a"));
        assert_eq!(s.hidden_by(0, "app/a"), Some(1));
        assert_eq!(s.hidden_by(0, "app/sub/b"), Some(1));
        assert_eq!(s.hidden_by(0, "app"), Some(1));
        assert!(s.visible(1, "app/new"), "same-layer entry survives its layer's whiteout");
        assert!(s.visible(0, "appx"), "prefix match is per component");
        assert!(s.visible(0, "keep"));
        assert_eq!(s.hidden_by(0, "keep"), None);
        assert_eq!(s.hidden_by(0, "never-written"), None);
        let paths: Vec<&str> = s.iter().map(|(_, e)| e.path.as_str()).collect();
        assert_eq!(paths, vec!["app/new", "appx", "keep"]);
    }

    #[test]
    fn opaque_dir_hides_lower_children_but_keeps_dir() {
        let s = Squashed::new(&[
            layer(vec![d("etc"), f("etc/old"), d("etc/deep"), f("etc/deep/x")]),
            layer(vec![d("etc"), e("etc", EntryKind::OpaqueDir, None), f("etc/new")]),
            layer(vec![f("etc/later")]),
        ]);
        assert_eq!(s.hidden_by(0, "etc/old"), Some(1));
        assert_eq!(s.hidden_by(0, "etc/deep/x"), Some(1));
        assert!(s.visible(1, "etc"));
        assert!(s.visible(1, "etc/new"));
        assert!(s.visible(2, "etc/later"));
    }

    #[test]
    fn overwrite_and_file_over_dir() {
        let s = Squashed::new(&[
            layer(vec![f("a"), d("b"), f("b/c")]),
            layer(vec![f("a"), f("b")]),
            layer(vec![e("a", EntryKind::Whiteout, None)]),
        ]);
        assert_eq!(s.hidden_by(0, "a"), Some(1));
        assert_eq!(s.hidden_by(1, "a"), Some(2));
        assert!(s.get("a").is_none());
        assert_eq!(s.hidden_by(0, "b/c"), Some(1));
        assert_eq!(s.get("b").map(|(l, e)| (l, e.kind)), Some((1, EntryKind::File)));
    }

    #[test]
    fn file_over_implied_or_same_layer_dir_removes_its_tree() {
        // `etc` never had an entry of its own; a later `etc` file still replaces the tree, and
        // within one layer a file over a directory removes what that layer wrote below it.
        let s = Squashed::new(&[
            layer(vec![f("etc/os-release"), f("var/lib/dpkg/status")]),
            layer(vec![f("etc"), f("opt/x"), f("opt"), f("var/lib/dpkg/status"), f("var/lib/dpkg")]),
        ]);
        assert_eq!(s.hidden_by(0, "etc/os-release"), Some(1));
        assert!(s.get("opt/x").is_none());
        assert!(s.get("var/lib/dpkg/status").is_none());
        let paths: Vec<&str> = s.iter().map(|(_, e)| e.path.as_str()).collect();
        assert_eq!(paths, vec!["etc", "opt", "var/lib/dpkg"]);
    }

    #[test]
    fn opaque_root_hides_everything_below() {
        let s = Squashed::new(&[layer(vec![f("x"), d("y"), f("y/z")]), layer(vec![e("", EntryKind::OpaqueDir, None)])]);
        assert!(s.is_empty());
    }

    #[test]
    fn resolve_stays_inside_the_root() {
        let s = Squashed::new(&[layer(vec![
            d("usr"),
            d("usr/lib"),
            f("usr/lib/libc.so"),
            e("lib", EntryKind::Symlink, Some("usr/lib")),
            e("abs", EntryKind::Symlink, Some("/usr/lib/libc.so")),
            e("escape", EntryKind::Symlink, Some("../../../../etc/passwd")),
            d("etc"),
            f("etc/passwd"),
            e("loop1", EntryKind::Symlink, Some("loop2")),
            e("loop2", EntryKind::Symlink, Some("loop1")),
            e("hard", EntryKind::Hardlink, Some("usr/lib/libc.so")),
            e("dangling", EntryKind::Symlink, Some("nowhere")),
            e("usr/lib/up", EntryKind::Symlink, Some("../../etc")),
        ])]);
        assert_eq!(s.resolve("lib/libc.so").as_deref(), Some("usr/lib/libc.so"));
        assert_eq!(s.resolve("/abs").as_deref(), Some("usr/lib/libc.so"));
        assert_eq!(s.resolve("escape").as_deref(), Some("etc/passwd"));
        assert_eq!(s.resolve("loop1"), None);
        assert_eq!(s.resolve("hard").as_deref(), Some("usr/lib/libc.so"));
        assert_eq!(s.resolve("dangling"), None);
        assert_eq!(s.resolve("lib/up/passwd").as_deref(), Some("etc/passwd"));
        assert_eq!(s.resolve("usr/lib/libc.so/x"), None);
        assert_eq!(s.resolve("../../usr").as_deref(), Some("usr"));
        assert_eq!(s.resolve("").as_deref(), Some(""));
    }
}
