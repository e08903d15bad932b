//! Agreement with checkov's check tests (`shared/configs/checkov`) for every checkov check one
//! of our rules maps to (`references` holds the `CKV_*` id). Compared per file, using the
//! upstream naming convention: a `FAILED` file must produce a finding of the mapped rules, a
//! `PASSED` file none. Files whose expected outcome is mixed or unknown are skipped. Known
//! disagreements are listed with the reason.
#![allow(clippy::print_stderr)]

mod common;

use plimsoll_lint::FileKind;

/// (check id, fixture file, why we differ from checkov).
const KNOWN: &[(&str, &str, &str)] = &[
    (
        "CKV_K8S_39",
        "kubernetes/example_AllowedCapabilitiesSysAdmin/pod-FAILED2.yaml",
        "the pod has no containers (`containers:` is null): there is no capability to flag; checkov fails it",
    ),
    (
        "CKV_K8S_43",
        "kubernetes/example_ImageDigest/kafka-withrepo-PASSED.yaml",
        "invalid YAML 1.2: a double-quoted scalar continues at less indentation than its block; saphyr rejects it, go-yaml accepts it",
    ),
    (
        "CKV_K8S_14",
        "kubernetes/example_ImageTagFixed/kafka-ImageWithRepo-PASSED.yaml",
        "same file as above: rejected as invalid YAML",
    ),
    (
        "CKV_K8S_157",
        "kubernetes/example_RbacBindRoleBindings/clusterrole-failed-1.yaml",
        "`bind` on rolebindings grants nothing: Kubernetes checks `bind` on the role being bound (roles/clusterroles), which is what we flag",
    ),
    (
        "CKV_K8S_11",
        "kubernetes/example_Suppressed/suppress-checks-PASSED.yaml",
        "tests checkov's own `checkov.io/skip` annotations; we suppress with `# plimsoll:ignore=CODE` instead",
    ),
    (
        "CKV_DOCKER_5",
        "dockerfile/example_UpdateNotAlone/failure/Dockerfile",
        "the file has a stray `~` line: BuildKit rejects it as an unknown instruction and so do we (a parse error naming the line)",
    ),
];

#[test]
fn checkov_cases_agree() {
    let Some(dir) = common::configs().map(|c| c.join("checkov")) else { return };
    let exp: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("expectations.json")).unwrap()).unwrap();
    let (mut total, mut agree) = (0, 0);
    let mut disagreements = Vec::new();
    for check in exp["checks"].as_array().unwrap() {
        let id = check["check_id"].as_str().unwrap();
        let codes = common::rules_for(id);
        if codes.is_empty() {
            continue;
        }
        let kind = if check["kind"] == "dockerfile" { FileKind::Dockerfile } else { FileKind::Kubernetes };
        for (file, expected) in check["per_file_by_name"].as_object().unwrap() {
            let Some(expected) = expected.as_str() else { continue };
            let name = file.rsplit('/').next().unwrap_or(file);
            let mixed = name.contains("PASSED") && name.contains("FAILED");
            if mixed || !matches!(expected, "PASSED" | "FAILED") {
                continue;
            }
            total += 1;
            let content = std::fs::read(dir.join(file)).unwrap();
            let outcome = common::run(name, &content, &codes, kind);
            if matches!(outcome, Ok(n) if (n > 0) == (expected == "FAILED")) {
                agree += 1;
            } else {
                disagreements.push((
                    id.to_string(),
                    file.clone(),
                    format!("expected {expected}, got {outcome:?} from {codes:?}"),
                ));
            }
        }
    }
    eprintln!("checkov: {agree}/{total} files agree");
    let unexpected: Vec<_> =
        disagreements.iter().filter(|(c, f, _)| !KNOWN.iter().any(|(kc, kf, _)| kc == c && kf == f)).collect();
    let stale: Vec<_> =
        KNOWN.iter().filter(|(kc, kf, _)| !disagreements.iter().any(|(c, f, _)| kc == c && kf == f)).collect();
    for d in &unexpected {
        eprintln!("DISAGREE {} {} {}", d.0, d.1, d.2);
    }
    assert!(unexpected.is_empty(), "{} unexpected disagreements", unexpected.len());
    assert!(stale.is_empty(), "known disagreements that now agree: {stale:?}");
    assert!(total > 40, "too few files evaluated: {total}");
}
