//! Every case of the sigstore-conformance `bundle-verify` suite (in ../shared) through the library:
//! a case named `*_fail` must be rejected, every other must verify.

#![allow(clippy::print_stderr)] // skip reasons and per-case results

use std::path::{Path, PathBuf};

use plimsoll_sigstore::{
    Artifact, Bundle, GithubClaims, IdentityPolicy, Matcher, Policy, PublicKey, TrustedRoot, Verifier,
};

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

fn suite() -> Option<PathBuf> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/sigstore/conformance/test/assets/bundle-verify");
    if dir.is_dir() {
        Some(dir)
    } else {
        plimsoll_test_support::require(&format!("{} is absent", dir.display()));
        None
    }
}

fn run_case(case: &Path) -> Result<(), String> {
    let read = |name: &str| std::fs::read(case.join(name)).ok();
    let root = match read("trusted_root.json") {
        Some(json) => TrustedRoot::from_json(&json).map_err(|e| e.to_string())?,
        None => TrustedRoot::production().map_err(|e| e.to_string())?,
    };
    let bundle = Bundle::from_json(&read("bundle.sigstore.json").unwrap()).map_err(|e| e.to_string())?;
    let artifact = read("artifact").unwrap_or_else(|| std::fs::read(case.join("../a.txt")).unwrap());
    let policy = match read("key.pub") {
        Some(pem) => Policy::Key(PublicKey::from_pem(std::str::from_utf8(&pem).unwrap()).map_err(|e| e.to_string())?),
        None => Policy::Identity(IdentityPolicy {
            identity: Matcher::Exact(
                read("identity").map_or(DEFAULT_IDENTITY.into(), |b| String::from_utf8(b).unwrap().trim().into()),
            ),
            issuer: Matcher::Exact(
                read("issuer").map_or(DEFAULT_ISSUER.into(), |b| String::from_utf8(b).unwrap().trim().into()),
            ),
            github: GithubClaims::default(),
        }),
    };
    Verifier::new(root).verify(&bundle, &Artifact::from_bytes(artifact), &policy).map(|_| ()).map_err(|e| e.to_string())
}

#[test]
fn every_conformance_case_gives_its_expected_result() {
    let Some(dir) = suite() else { return };
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    assert!(cases.len() > 40, "expected the whole suite, found {} cases", cases.len());
    let mut wrong = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let result = run_case(case);
        let should_fail = name.ends_with("_fail");
        eprintln!(
            "{name}: {}",
            match &result {
                Ok(()) => "verified".to_string(),
                Err(e) => format!("rejected: {e}"),
            }
        );
        if result.is_err() != should_fail {
            wrong.push(format!("{name}: {result:?}"));
        }
    }
    assert!(wrong.is_empty(), "{} of {} cases wrong:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
}

/// Every object key of a JSON document, by path.
fn keys(v: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
            out.push(format!("{path}/{k}"));
            keys(x, &format!("{path}/{k}"), out);
        }),
        serde_json::Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| keys(x, &format!("{path}/{i}"), out)),
        _ => {}
    }
}

/// Hostile input: bytes of valid bundles changed one at a time (every 5th byte) never panic, and
/// are all rejected except where the change renamed an optional, unauthenticated key (the
/// bundle's `messageDigest` hint, say), which leaves the bundle as valid as it was.
#[test]
fn corrupted_bundles_are_rejected_without_panicking() {
    let Some(dir) = suite() else { return };
    let mut checked = 0;
    for case in ["happy-path-v0.3", "happy-path-intoto-in-dsse-v3", "rekor2-happy-path"] {
        let case = dir.join(case);
        let json = std::fs::read(case.join("bundle.sigstore.json")).unwrap();
        let root = match std::fs::read(case.join("trusted_root.json")) {
            Ok(j) => TrustedRoot::from_json(&j).unwrap(),
            Err(_) => TrustedRoot::production().unwrap(),
        };
        let verifier = Verifier::new(root);
        let artifact = Artifact::from_bytes(std::fs::read(dir.join("a.txt")).unwrap());
        let policy = Policy::Identity(IdentityPolicy {
            identity: Matcher::Exact(DEFAULT_IDENTITY.into()),
            issuer: Matcher::Exact(DEFAULT_ISSUER.into()),
            github: GithubClaims::default(),
        });
        let original: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let mut original_keys = Vec::new();
        keys(&original, "", &mut original_keys);
        for pos in (0..json.len()).step_by(5) {
            let mut bad = json.clone();
            bad[pos] = if bad[pos] == b'x' { b'y' } else { b'x' };
            let result = Bundle::from_json(&bad).and_then(|b| verifier.verify(&b, &artifact, &policy));
            checked += 1;
            if result.is_ok() {
                let doc: serde_json::Value = serde_json::from_slice(&bad).unwrap();
                let mut bad_keys = Vec::new();
                keys(&doc, "", &mut bad_keys);
                let renamed: Vec<_> = original_keys.iter().filter(|k| !bad_keys.contains(k)).collect();
                assert!(
                    !renamed.is_empty()
                        && renamed.iter().all(|k| k.ends_with("/messageDigest")
                            || k.ends_with("/timestampVerificationData")
                            || k.contains("/messageDigest/")),
                    "{}: byte {pos} changed and still verified (renamed keys {renamed:?})",
                    case.display()
                );
            }
        }
    }
    eprintln!("{checked} corrupted bundles checked");
}
