//! Parser robustness on real Dockerfiles (`shared/configs/realworld-dockerfiles`): every file
//! must parse and lint without error. Prints the finding count per rule.
#![allow(clippy::print_stderr)]

mod common;

use std::collections::BTreeMap;

fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("Dockerfile")) {
            out.push(p);
        }
    }
}

#[test]
fn every_realworld_dockerfile_parses() {
    let Some(dir) = common::configs().map(|c| c.join("realworld-dockerfiles")) else { return };
    let mut files = Vec::new();
    walk(&dir, &mut files);
    let mut per_rule: BTreeMap<String, usize> = BTreeMap::new();
    let mut errors = Vec::new();
    for f in &files {
        let content = std::fs::read(f).unwrap();
        let path = f.to_string_lossy().to_string();
        // Git symlinks checked out as text (`Dockerfile.lts` holding `lts/Dockerfile`) are not
        // Dockerfiles.
        let text = String::from_utf8_lossy(&content);
        if !text.trim().contains(char::is_whitespace) && f.parent().is_some_and(|d| d.join(text.trim()).is_file()) {
            eprintln!("skipping symlink stand-in {path} -> {}", text.trim());
            continue;
        }
        match plimsoll_lint::lint_file(&path, &content, &plimsoll_lint::LintConfig::default()) {
            Ok(findings) => {
                for m in findings {
                    *per_rule.entry(m.rule_id).or_default() += 1;
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    eprintln!("{} real-world Dockerfiles, {} errors", files.len(), errors.len());
    for (r, n) in &per_rule {
        eprintln!("{r}: {n}");
    }
    for e in &errors {
        eprintln!("ERROR {e}");
    }
    assert!(files.len() > 250);
    assert!(errors.is_empty(), "{} files failed to parse", errors.len());
}
