//! The Pod Security Admission controller's own fixtures (`shared/configs/pod-security-admission`,
//! 4,537 pods), each wrapped in an `admission.k8s.io/v1` AdmissionReview and answered by a
//! policy with `podSecurity` at the fixture's level and version: allowed exactly when
//! `expectations.csv` says `pass`.

use std::collections::HashMap;
use std::path::PathBuf;

use plimsoll_admission::{manifest, Admission, AdmissionPolicy};
use serde_json::json;

#[test]
fn every_fixture_is_decided_as_pod_security_admission_does() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/configs/pod-security-admission");
    if !dir.is_dir() {
        plimsoll_test_support::require(&format!("{} is absent", dir.display()));
        return;
    }
    let csv = std::fs::read_to_string(dir.join("expectations.csv")).unwrap();
    let mut webhooks: HashMap<(String, String), Admission> = HashMap::new();
    let (mut total, mut wrong) = (0usize, Vec::new());
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let [file, level, version, expected, _check] = f[..] else { panic!("bad row {line}") };
        let a = webhooks.entry((level.to_owned(), version.to_owned())).or_insert_with(|| {
            let text = format!(
                "apiVersion: plimsoll.dev/v1alpha1\nkind: AdmissionPolicy\nspec:\n  podSecurity: {{level: {level}, version: \"{version}\"}}\n"
            );
            Admission::new(AdmissionPolicy::parse(&text, "policy", None).unwrap())
        });
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let objects = manifest::objects(&text, file).unwrap();
        assert_eq!(objects.len(), 1, "{file}");
        let body = serde_json::to_vec(&json!({
            "apiVersion": "admission.k8s.io/v1",
            "kind": "AdmissionReview",
            "request": {
                "uid": format!("fixture-{total}"),
                "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "namespace": "fixtures",
                "operation": "CREATE",
                "userInfo": {"username": "admin"},
                "object": objects[0],
                "dryRun": false
            }
        }))
        .unwrap();
        let r = a.review(&body, false).unwrap();
        total += 1;
        if (r["response"]["allowed"] == true) != (expected == "pass") {
            wrong.push(format!("{file}: expected {expected}, got {}", r["response"]));
        }
    }
    assert_eq!(total, 4537);
    assert!(wrong.is_empty(), "{} fixtures disagree, e.g.:\n{}", wrong.len(), wrong[..wrong.len().min(20)].join("\n"));
}
