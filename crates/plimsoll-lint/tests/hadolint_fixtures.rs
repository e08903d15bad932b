//! Agreement with hadolint's own rule tests (`shared/configs/hadolint`): for every hadolint rule
//! one of ours maps to, each `-catch` case must trigger our rule and each `-pass` case must not.
//! Known disagreements are listed with the reason; the test fails on any other disagreement and
//! on a listed one that no longer disagrees (so the list stays true).
#![allow(clippy::print_stderr)]

mod common;

use plimsoll_lint::FileKind;

/// (fixture file, why we differ from hadolint).
const KNOWN: &[(&str, &str)] = &[];

#[test]
fn hadolint_cases_agree() {
    let Some(dir) = common::configs().map(|c| c.join("hadolint")) else { return };
    let exp: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("expectations.json")).unwrap()).unwrap();
    let (mut agree, mut total) = (0, 0);
    let mut disagreements = Vec::new();
    for case in exp["cases"].as_array().unwrap() {
        if case["spec_uses_non_default_config"].as_bool() == Some(true) {
            continue;
        }
        let codes = common::rules_for(case["rule"].as_str().unwrap());
        if codes.is_empty() {
            continue;
        }
        let file = case["file"].as_str().unwrap();
        let content = std::fs::read(dir.join(file)).unwrap();
        let catches = case["expect"] == "catches";
        total += 1;
        let outcome = common::run("Dockerfile", &content, &codes, FileKind::Dockerfile);
        let ok = match &outcome {
            Ok(n) => (*n > 0) == catches,
            Err(_) => false,
        };
        if ok {
            agree += 1;
        } else {
            disagreements
                .push((file.to_string(), format!("{} expected {} got {outcome:?}", case["rule"], case["expect"])));
        }
    }
    eprintln!("hadolint: {agree}/{total} cases agree");
    let unexpected: Vec<_> = disagreements.iter().filter(|(f, _)| !KNOWN.iter().any(|(k, _)| k == f)).collect();
    let stale: Vec<_> = KNOWN.iter().filter(|(k, _)| !disagreements.iter().any(|(f, _)| f == k)).collect();
    for d in &unexpected {
        eprintln!("DISAGREE {} {}", d.0, d.1);
    }
    assert!(unexpected.is_empty(), "{} unexpected disagreements", unexpected.len());
    assert!(stale.is_empty(), "known disagreements that now agree: {stale:?}");
    assert!(total > 400, "too few cases evaluated: {total}");
}
