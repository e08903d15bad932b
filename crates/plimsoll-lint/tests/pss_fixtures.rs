//! The Pod Security Admission controller's own fixtures (`shared/configs/pod-security-admission`):
//! every pod must be allowed or rejected exactly as `expectations.csv` says, at its level and
//! policy version.
#![allow(clippy::print_stderr)]

mod common;

use plimsoll_lint::k8s::pss::{evaluate, Level, Version};
use plimsoll_lint::yaml::{parse_documents, Node};

#[test]
fn every_fixture_agrees() {
    let Some(dir) = common::configs().map(|c| c.join("pod-security-admission")) else { return };
    let csv = std::fs::read_to_string(dir.join("expectations.csv")).unwrap();
    let (mut total, mut agree) = (0usize, 0usize);
    let mut wrong = Vec::new();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let [file, level, version, expected, _check] = f[..] else { panic!("bad row {line}") };
        let level = if level == "baseline" { Level::Baseline } else { Level::Restricted };
        let version = Version::parse(version).unwrap();
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let docs = parse_documents(&text).unwrap();
        let pod = &docs[0];
        let meta = pod.get("metadata").unwrap_or(Node::null());
        let spec = pod.get("spec").unwrap();
        let violations = evaluate(meta, spec, level, version);
        total += 1;
        if violations.is_empty() == (expected == "pass") {
            agree += 1;
        } else {
            let got: Vec<_> = violations.iter().map(|v| format!("{}: {}", v.control.id(), v.detail)).collect();
            wrong.push(format!("{file}: expected {expected}, got {got:?}"));
        }
    }
    eprintln!("PSS fixtures: {agree}/{total} agree");
    for w in wrong.iter().take(40) {
        eprintln!("{w}");
    }
    assert_eq!(total, 4537);
    assert!(wrong.is_empty(), "{} fixtures disagree", wrong.len());
}
