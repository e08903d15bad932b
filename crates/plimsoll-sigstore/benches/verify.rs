//! Verifying one keyless bundle (signature, Rekor SET, inclusion proof and checkpoint, Fulcio
//! chain, SCT, identity): the conformance suite's `happy-path-v0.3` case against the built-in
//! production root. Run: `cargo bench -p plimsoll-sigstore --bench verify`.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use plimsoll_sigstore::{Artifact, Bundle, GithubClaims, IdentityPolicy, Matcher, Policy, TrustedRoot, Verifier};

const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";

fn bench(c: &mut Criterion) {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/sigstore/conformance/test/assets/bundle-verify");
    let (Ok(bundle_json), Ok(artifact)) =
        (std::fs::read(dir.join("happy-path-v0.3/bundle.sigstore.json")), std::fs::read(dir.join("a.txt")))
    else {
        #[allow(clippy::print_stdout)]
        {
            println!("skipped: {} is absent", dir.display());
        }
        return;
    };
    let verifier = Verifier::new(TrustedRoot::production().unwrap());
    let artifact = Artifact::from_bytes(artifact);
    let policy = Policy::Identity(IdentityPolicy {
        identity: Matcher::Exact(IDENTITY.into()),
        issuer: Matcher::Exact("https://token.actions.githubusercontent.com".into()),
        github: GithubClaims::default(),
    });
    let bundle = Bundle::from_json(&bundle_json).unwrap();
    verifier.verify(&bundle, &artifact, &policy).expect("the benchmark bundle verifies");

    c.bench_function("verify happy-path-v0.3 (parsed bundle)", |b| {
        b.iter(|| verifier.verify(&bundle, &artifact, &policy).unwrap())
    });
    c.bench_function("parse + verify happy-path-v0.3", |b| {
        b.iter(|| verifier.verify(&Bundle::from_json(&bundle_json).unwrap(), &artifact, &policy).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
