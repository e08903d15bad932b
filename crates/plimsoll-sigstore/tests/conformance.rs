//! Every case of the sigstore-conformance `bundle-verify` suite (in ../shared) through the library:
//! a case named `*_fail` must be rejected, every other must verify.

use std::path::{Path, PathBuf};

use plimsoll_sigstore::{Artifact, Bundle, GithubClaims, IdentityPolicy, Matcher, Policy, PublicKey, TrustedRoot, Verifier};

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

fn suite() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/sigstore/conformance/test/assets/bundle-verify");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: {} is absent", dir.display());
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
            identity: Matcher::Exact(read("identity").map_or(DEFAULT_IDENTITY.into(), |b| String::from_utf8(b).unwrap().trim().into())),
            issuer: Matcher::Exact(read("issuer").map_or(DEFAULT_ISSUER.into(), |b| String::from_utf8(b).unwrap().trim().into())),
            github: GithubClaims::default(),
        }),
    };
    Verifier::new(root).verify(&bundle, &Artifact::from_bytes(artifact), &policy).map(|_| ()).map_err(|e| e.to_string())
}

#[test]
fn every_conformance_case_gives_its_expected_result() {
    let Some(dir) = suite() else { return };
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    assert!(cases.len() > 40, "expected the whole suite, found {} cases", cases.len());
    let mut wrong = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let result = run_case(case);
        let should_fail = name.ends_with("_fail");
        println!("{name}: {}", match &result { Ok(()) => "verified".to_string(), Err(e) => format!("rejected: {e}") });
        if result.is_err() != should_fail {
            wrong.push(format!("{name}: {result:?}"));
        }
    }
    assert!(wrong.is_empty(), "{} of {} cases wrong:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
}
