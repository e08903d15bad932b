//! Keyless `verifyImages` rules against the in-process registry with the OCI 1.1 referrers API,
//! and without it (the tag-schema index): an image carrying a real keyless Sigstore bundle (the
//! conformance suite's `happy-path-v0.3`, a GitHub Actions identity) is admitted by a policy
//! naming that identity and denied by one naming another. The bundle signs the bytes of
//! `a.txt`, so the registry serves those bytes as the image manifest: the image's digest is
//! the one the bundle signs (see `plimsoll-sigstore/tests/attached.rs`).

use std::collections::BTreeMap;
use std::path::Path;

use plimsoll::image::Client;
use plimsoll::testing::MemoryRegistry;
use plimsoll_admission::{Admission, AdmissionPolicy};
use serde_json::json;

const BUNDLE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const BEACON: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";

fn review(image: &str) -> Vec<u8> {
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "team"},
        "spec": {"containers": [{"name": "app", "image": image}]}});
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"}, "namespace": "team",
            "operation": "CREATE", "userInfo": {"username": "admin"}, "object": pod, "oldObject": null, "dryRun": false}
    }))
    .unwrap()
}

fn admission(reg: &MemoryRegistry, keyless: &str) -> Admission {
    let host = reg.host();
    let text = format!(
        "apiVersion: plimsoll.dev/v1alpha1\nkind: AdmissionPolicy\nspec:\n  verifyImages:\n    - images: [\"{host}/*\"]\n      \
         keyless:\n{keyless}"
    );
    let mut a = Admission::new(AdmissionPolicy::parse(&text, "test policy", None).unwrap());
    a.registry = reg.options();
    a
}

#[test]
fn keyless_policy_admits_the_identity_and_denies_another() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/sigstore/conformance/test/assets/bundle-verify");
    if !dir.is_dir() {
        plimsoll_test_support::require("../shared/sigstore is absent");
        return;
    }
    let artifact = std::fs::read(dir.join("a.txt")).unwrap();
    let bundle = std::fs::read(dir.join("happy-path-v0.3/bundle.sigstore.json")).unwrap();
    for api in [true, false] {
        let reg = match MemoryRegistry::start(api) {
            Ok(r) => r,
            Err(e) => {
                plimsoll_test_support::require(&format!("no in-process registry: {e}"));
                return;
            }
        };
        let subject = reg.put_raw_manifest("app", "v1", OCI_MANIFEST, &artifact);
        reg.put_raw_manifest("unsigned", "v1", OCI_MANIFEST, br#"{"schemaVersion":2}"#);
        let client = Client::connect(&reg.host(), &reg.options()).unwrap();
        let layer = client.put_blob("app", &bundle).unwrap();
        let config = client.put_blob("app", b"{}").unwrap();
        let manifest = json!({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": BUNDLE_V03,
            "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": config, "size": 2},
            "layers": [{"mediaType": BUNDLE_V03, "digest": layer, "size": bundle.len()}],
            "subject": {"mediaType": OCI_MANIFEST, "digest": subject, "size": artifact.len()},
        });
        let bytes = serde_json::to_vec(&manifest).unwrap();
        client.put_referrer("app", &subject, OCI_MANIFEST, BUNDLE_V03, BTreeMap::new(), &bytes).unwrap();
        let image = format!("{}/app:v1", reg.host());

        let exact =
            format!("        - issuer: https://token.actions.githubusercontent.com\n          subject: {BEACON}\n");
        let a = admission(&reg, &exact);
        let r = a.review(&review(&image), true).unwrap()["response"].clone();
        assert_eq!(r["allowed"], true, "api={api}: {r}");
        let r = a.review(&review(&format!("{}/unsigned:v1", reg.host())), true).unwrap()["response"].clone();
        assert_eq!(r["allowed"], false, "api={api}: {r}");
        assert!(r["status"]["message"].as_str().unwrap().contains("no signatures found"), "{r}");

        let by_regexp =
            "        - issuerRegExp: \"https://token\\\\.actions\\\\.githubusercontent\\\\.com\"\n          \
                         subjectRegExp: \"https://github.com/sigstore-conformance/.*\"\n";
        let r = admission(&reg, by_regexp).review(&review(&image), true).unwrap()["response"].clone();
        assert_eq!(r["allowed"], true, "api={api}: {r}");

        let other = "        - issuer: https://token.actions.githubusercontent.com\n          \
                     subject: https://github.com/someone/else/.github/workflows/release.yml@refs/heads/main\n";
        let r = admission(&reg, other).review(&review(&image), true).unwrap()["response"].clone();
        assert_eq!(r["allowed"], false, "api={api}: {r}");
        let m = r["status"]["message"].as_str().unwrap();
        assert!(m.contains("does not match") && m.contains("someone/else"), "{m}");
    }
}

#[test]
fn keyless_entries_are_parsed_strictly() {
    let head =
        "apiVersion: plimsoll.dev/v1alpha1\nkind: AdmissionPolicy\nspec:\n  verifyImages:\n    - images: [\"r/*\"]\n";
    let parse =
        |rest: &str| AdmissionPolicy::parse(&format!("{head}{rest}"), "p", None).map(|_| ()).map_err(|e| e.to_string());
    parse("      keyless: [{issuer: https://i, subject: s}]\n").unwrap();
    let e = parse("      keyless: [{issuer: https://i, subjct: s}]\n").unwrap_err();
    assert!(e.contains("subjct"), "{e}");
    let e = parse("      keyless: [{issuer: https://i}]\n").unwrap_err();
    assert!(e.contains("subject (or subjectRegExp) is required"), "{e}");
    let e = parse("      keyless: [{issuer: https://i, subject: s, subjectRegExp: s}]\n").unwrap_err();
    assert!(e.contains("not both"), "{e}");
    let e = parse("      keyless: [{issuerRegExp: \"(\", subject: s}]\n").unwrap_err();
    assert!(e.contains("issuerRegExp is not a valid regular expression"), "{e}");
    let e = parse("      keyless: []\n").unwrap_err();
    assert!(e.contains("neither keys nor keyless"), "{e}");
    let e = parse("      keyless: [{issuer: https://i, subject: s}]\n      trustedRoot: /nonexistent/root.json\n")
        .unwrap_err();
    assert!(e.contains("trustedRoot"), "{e}");
    let e = parse("      keyless: [{issuer: https://i, subject: s}]\n      threshold: 2\n").unwrap_err();
    assert!(e.contains("threshold"), "{e}");
}
