//! The committed rule documentation (`docs/rules/`) must match the registry. Regenerate with
//! `UPDATE_DOCS=1 cargo test -p plimsoll-lint --test docs`.

use std::collections::BTreeMap;
use std::path::PathBuf;

fn expected() -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for r in plimsoll_lint::rules() {
        m.insert(format!("{}.md", r.code), plimsoll_lint::docs::render_rule(r));
    }
    m.insert("README.md".to_string(), plimsoll_lint::docs::render_index(plimsoll_lint::rules()));
    m
}

#[test]
fn rule_docs_are_current() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules");
    let want = expected();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "md") {
                std::fs::remove_file(e.path()).unwrap();
            }
        }
        for (name, text) in &want {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    let mut stale = Vec::new();
    for (name, text) in &want {
        if std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    let extra: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| !want.contains_key(n))
                .collect()
        })
        .unwrap_or_default();
    assert!(stale.is_empty() && extra.is_empty(), "docs/rules is stale: {stale:?} outdated, {extra:?} extra; run UPDATE_DOCS=1 cargo test -p plimsoll-lint --test docs");
}

#[test]
fn every_rule_has_a_doc_page_and_rule_doc_works() {
    for r in plimsoll_lint::rules() {
        let doc = plimsoll_lint::rule_doc(r.code).unwrap();
        assert!(doc.starts_with(&format!("# {}", r.code)));
        assert!(doc.contains("## Example that is flagged") && doc.contains("## Fixed"));
    }
    assert!(plimsoll_lint::rule_doc("PL-NOPE-1").is_none());
    assert!(plimsoll_lint::rule("pl-df-001").is_some());
}
