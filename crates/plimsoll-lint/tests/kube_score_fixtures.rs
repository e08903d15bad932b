//! Agreement with kube-score's tests (`shared/configs/kube-score`) for the checks we cover.
//! kube-score grades: 1 critical, 5 warning, 10 OK, 0 skipped. A critical grade must produce a
//! finding, an OK grade none. Warnings are mapped per check (see `MAP`).
#![allow(clippy::print_stderr)]

mod common;

use plimsoll_lint::{FileKind, LintConfig, Linter};

/// (kube-score check, our rules, whether a warning grade means we should report).
const MAP: &[(&str, &[&str], bool)] = &[
    // Warning = a policy selects the pods but covers only ingress or egress: covered for us.
    ("Pod NetworkPolicy", &["PL-K8S-032"], false),
    // Warning = limits or requests partly missing: we report that.
    ("Container Resources", &["PL-K8S-020", "PL-K8S-021"], true),
    ("Container Image Tag", &["PL-K8S-024"], true),
    ("Container Security Context Privileged", &["PL-K8S-003"], true),
    ("Container Security Context ReadOnlyRootFilesystem", &["PL-K8S-022"], true),
];

#[test]
fn kube_score_cases_agree() {
    let Some(dir) = common::configs().map(|c| c.join("kube-score")) else { return };
    let exp: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("expectations.json")).unwrap()).unwrap();
    let (mut total, mut agree) = (0, 0);
    let mut wrong = Vec::new();
    for case in exp["cases"].as_array().unwrap() {
        let check = case["check"].as_str().unwrap();
        let Some((_, codes, warn_fails)) = MAP.iter().find(|(c, _, _)| *c == check) else { continue };
        let config = case["config"].as_str().unwrap_or("");
        // Cases that change kube-score's settings (ignored requirements, old versions) are not comparable.
        if config != "default" && !config.contains("EnabledOptionalTests") {
            continue;
        }
        let files: Vec<&str> = case["files"].as_array().unwrap().iter().filter_map(|f| f.as_str()).collect();
        let should_fail = match case["expected_grade_value"].as_i64() {
            Some(1) => true,
            Some(5) => *warn_fails,
            Some(10) => false,
            _ => continue,
        };
        if files.is_empty() {
            continue;
        }
        let mut cfg = LintConfig::default();
        for r in plimsoll_lint::rules().iter().filter(|r| !codes.contains(&r.code)) {
            cfg.disabled.insert(r.code.to_string());
        }
        let mut l = Linter::new(cfg);
        for f in &files {
            l.add_as(f, &std::fs::read(dir.join("testdata").join(f)).unwrap(), FileKind::Kubernetes).unwrap();
        }
        let n = l.finish().len();
        total += 1;
        if (n > 0) == should_fail {
            agree += 1;
        } else {
            wrong.push(format!("{check} {files:?}: expected fail={should_fail}, got {n} findings"));
        }
    }
    eprintln!("kube-score: {agree}/{total} cases agree");
    for w in &wrong {
        eprintln!("DISAGREE {w}");
    }
    assert!(wrong.is_empty());
    assert!(total >= 20, "too few cases: {total}");
}
