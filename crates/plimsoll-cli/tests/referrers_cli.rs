//! Both Cosign layouts through the binary: `sign`/`attest --new-bundle-format`, `verify`,
//! `verify-attestation` and `tree` against Debian's docker-registry on loopback (no referrers
//! API: the `sha256-<hex>` index) and keyless `verify` against the in-process registry with the
//! referrers API (a real keyless conformance bundle over the image's manifest bytes).
#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use plimsoll::image::Client;
use plimsoll::testing::registry::{LocalRegistry, PASSWORD, USER};
use plimsoll::testing::{ImageBuilder, LayerBuilder, MemoryRegistry};
use serde_json::Value;

const KEY_PASSPHRASE: &str = "key-passphrase-71";
const BEACON: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";

fn plimsoll(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plimsoll"));
    cmd.args(args).current_dir(dir).env("NO_COLOR", "1").env("HOME", dir).env_remove("XDG_CACHE_HOME");
    for var in ["PLIMSOLL_USERNAME", "PLIMSOLL_CACHE_DIR", "DOCKER_CONFIG"] {
        cmd.env_remove(var);
    }
    cmd.env("PLIMSOLL_PASSWORD", KEY_PASSPHRASE).env("PLIMSOLL_REGISTRY_PASSWORD", PASSWORD);
    cmd.output().expect("run plimsoll")
}

fn err(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", err(out)))
}

#[test]
fn new_bundle_format_on_a_registry_without_the_referrers_api() {
    let reg = match LocalRegistry::start() {
        Ok(r) => r,
        Err(reason) => {
            plimsoll_test_support::require(&format!("no loopback registry: {reason}"));
            return;
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let image = ImageBuilder::new().layer(LayerBuilder::new().file("etc/app", "x\n", 0o644));
    let built = reg.push_image(&image, &dir.join("layout"), "team/app:v1").unwrap();
    let image = format!("{}/team/app:v1", reg.host);
    let ca = reg.ca_file.to_str().unwrap();
    let login = ["--ca-file", ca, "--username", USER];
    let with = |args: &[&str]| -> Vec<String> { args.iter().chain(&login).map(|s| s.to_string()).collect() };
    let run = |args: Vec<String>| plimsoll(dir, &args.iter().map(String::as_str).collect::<Vec<_>>());

    let out = plimsoll(dir, &["key", "generate", "--output-key-prefix", dir.join("k").to_str().unwrap()]);
    assert!(out.status.success(), "{}", err(&out));
    let (key, public) = (dir.join("k.key"), dir.join("k.pub"));
    let (key, public) = (key.to_str().unwrap(), public.to_str().unwrap());

    let out = run(with(&["sign", "--new-bundle-format", "--key", key, &image]));
    assert!(out.status.success(), "{}", err(&out));
    assert!(err(&out).contains("referrers tag schema"), "{}", err(&out));
    let out = run(with(&["sign", "--key", key, &image]));
    assert!(out.status.success(), "{}", err(&out));
    let pred = dir.join("pred.json");
    std::fs::write(&pred, r#"{"bomFormat":"CycloneDX","specVersion":"1.5"}"#).unwrap();
    let out = run(with(&[
        "attest",
        "--new-bundle-format",
        "--key",
        key,
        "--predicate",
        pred.to_str().unwrap(),
        "--type",
        "cyclonedx",
        &image,
    ]));
    assert!(out.status.success(), "{}", err(&out));

    // verify: both layouts, named on stderr (text) and in the JSON.
    let out = run(with(&["verify", "--key", public, &image]));
    assert!(out.status.success(), "{}", err(&out));
    assert!(err(&out).contains("Verified: legacy tag"), "{}", err(&out));
    assert!(err(&out).contains("Verified: referrers tag schema"), "{}", err(&out));
    assert_eq!(json(&out).as_array().unwrap().len(), 2);
    let out = run(with(&["verify", "--key", public, "--format", "json", &image]));
    let found = json(&out);
    let mut layouts: Vec<&str> = found.as_array().unwrap().iter().map(|f| f["layout"].as_str().unwrap()).collect();
    layouts.sort();
    assert_eq!(layouts, ["legacy-tag", "referrers-tag"]);

    let out = run(with(&["verify-attestation", "--key", public, "--type", "cyclonedx", "--format", "json", &image]));
    assert!(out.status.success(), "{}", err(&out));
    let found = json(&out);
    assert_eq!(found[0]["layout"], "referrers-tag");
    assert_eq!(found[0]["payload"]["subject"][0]["digest"]["sha256"], built.manifest_digest.hex());

    // tree: three attachments over two layouts.
    let out = run(with(&["tree", "--format", "json", &image]));
    assert!(out.status.success(), "{}", err(&out));
    let tree = json(&out);
    let kinds: Vec<(String, String)> = tree["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap().to_owned(), e["layout"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    for k in [("signature", "legacy-tag"), ("signature", "referrers-tag"), ("attestation", "referrers-tag")] {
        assert!(kinds.contains(&(k.0.to_owned(), k.1.to_owned())), "{k:?} in {kinds:?}");
    }
    let out = run(with(&["tree", &image]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("attestation (https://cyclonedx.org/bom) via referrers tag schema"), "{text}");

    // A keyless identity finds no keyless signature here.
    let out = run(with(&[
        "verify",
        "--certificate-identity",
        BEACON,
        "--certificate-oidc-issuer",
        "https://token.actions.githubusercontent.com",
        &image,
    ]));
    assert_eq!(out.status.code(), Some(2), "{}", err(&out));
    assert!(err(&out).contains("verified with --key only"), "{}", err(&out));
}

#[test]
fn keyless_verify_through_the_referrers_api() {
    let cases =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/sigstore/conformance/test/assets/bundle-verify");
    if !cases.is_dir() {
        plimsoll_test_support::require("../shared/sigstore is absent");
        return;
    }
    let reg = match MemoryRegistry::start(true) {
        Ok(r) => r,
        Err(e) => {
            plimsoll_test_support::require(&format!("no in-process registry: {e}"));
            return;
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    let artifact = std::fs::read(cases.join("a.txt")).unwrap();
    let bundle = std::fs::read(cases.join("happy-path-v0.3/bundle.sigstore.json")).unwrap();
    let oci = "application/vnd.oci.image.manifest.v1+json";
    let bt = "application/vnd.dev.sigstore.bundle.v0.3+json";
    let subject = reg.put_raw_manifest("app", "v1", oci, &artifact);
    let client = Client::connect(&reg.host(), &reg.options()).unwrap();
    let layer = client.put_blob("app", &bundle).unwrap();
    let config = client.put_blob("app", b"{}").unwrap();
    let m = serde_json::json!({"schemaVersion": 2, "mediaType": oci, "artifactType": bt,
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": config, "size": 2},
        "layers": [{"mediaType": bt, "digest": layer, "size": bundle.len()}],
        "subject": {"mediaType": oci, "digest": subject, "size": artifact.len()}});
    client.put_referrer("app", &subject, oci, bt, BTreeMap::new(), &serde_json::to_vec(&m).unwrap()).unwrap();
    let image = format!("{}/app:v1", reg.host());
    let ca = reg.ca_file.to_str().unwrap().to_owned();
    let verify = |identity: &str| {
        plimsoll(
            tmp.path(),
            &[
                "verify",
                "--ca-file",
                &ca,
                "--certificate-identity",
                identity,
                "--certificate-oidc-issuer",
                "https://token.actions.githubusercontent.com",
                "--format",
                "json",
                &image,
            ],
        )
    };
    let out = verify(BEACON);
    assert!(out.status.success(), "{}", err(&out));
    let found = json(&out);
    assert_eq!(found[0]["layout"], "referrers");
    assert_eq!(found[0]["identity"], BEACON);
    let out = verify("https://github.com/someone/else/.github/workflows/x.yml@refs/heads/main");
    assert_eq!(out.status.code(), Some(2));
    assert!(err(&out).contains("does not match"), "{}", err(&out));
}
