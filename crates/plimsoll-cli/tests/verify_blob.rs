//! `plimsoll verify-blob` over real Sigstore bundles (../shared/sigstore): every case of the
//! sigstore-conformance `bundle-verify` suite, by path and by `sha256:` digest as the suite's own
//! harness drives it, and sigstore-python's test bundles with the results their README lists.

#![allow(clippy::print_stderr)] // skip reasons and per-case results

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/sigstore").join(rel);
    if p.exists() {
        Some(p)
    } else {
        plimsoll_test_support::require(&format!("{} is absent", p.display()));
        None
    }
}

fn plimsoll(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plimsoll")).arg("verify-blob").args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).trim().to_string()
}

#[test]
fn conformance_cases_by_path_and_by_digest() {
    let Some(dir) = shared("conformance/test/assets/bundle-verify") else { return };
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    assert!(cases.len() > 40, "expected the whole suite, found {}", cases.len());
    let mut wrong = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let artifact = if case.join("artifact").exists() { case.join("artifact") } else { dir.join("a.txt") };
        let digest = format!("sha256:{}", hex::encode(Sha256::digest(std::fs::read(&artifact).unwrap())));
        let read = |f: &str| std::fs::read_to_string(case.join(f)).ok().map(|s| s.trim().to_string());
        let mut args: Vec<String> = vec!["--bundle".into(), case.join("bundle.sigstore.json").display().to_string()];
        if case.join("key.pub").exists() {
            args.extend(["--key".into(), case.join("key.pub").display().to_string()]);
        } else {
            args.extend(["--certificate-identity".into(), read("identity").unwrap_or(DEFAULT_IDENTITY.into())]);
            args.extend(["--certificate-oidc-issuer".into(), read("issuer").unwrap_or(DEFAULT_ISSUER.into())]);
        }
        if case.join("trusted_root.json").exists() {
            args.extend(["--trusted-root".into(), case.join("trusted_root.json").display().to_string()]);
        }
        for input in [artifact.display().to_string(), digest] {
            let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
            a.push(&input);
            let out = plimsoll(&a);
            let should_fail = name.ends_with("_fail");
            if out.status.success() == should_fail {
                wrong.push(format!("{name} ({input}): exit {:?}: {}", out.status.code(), stderr(&out)));
            }
            if !out.status.success() {
                // A rejection says why and exits 1 (verification failed) or 2 (unusable input,
                // such as a malformed key file), never a crash.
                assert!(matches!(out.status.code(), Some(1 | 2)), "{name}: {}", stderr(&out));
                assert!(stderr(&out).starts_with("error: "), "{name}: {}", stderr(&out));
            }
        }
    }
    assert!(wrong.is_empty(), "{} wrong:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn sigstore_python_bundles_give_the_documented_results() {
    let Some(dir) = shared("python-assets") else { return };
    let p = |f: &str| dir.join(f).display().to_string();
    let github = plimsoll(&[
        "--bundle",
        &p("bundle_v3_github.whl.sigstore"),
        "--certificate-identity",
        "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2",
        "--certificate-oidc-issuer",
        "https://token.actions.githubusercontent.com",
        "--certificate-github-workflow-repository",
        "trailofbits/rfc8785.py",
        "--certificate-github-workflow-ref",
        "refs/tags/v0.1.2",
        &p("bundle_v3_github.whl"),
    ]);
    assert!(github.status.success(), "{}", stderr(&github));

    // A claim that differs is rejected with its own reason.
    let wrong_ref = plimsoll(&[
        "--bundle",
        &p("bundle_v3_github.whl.sigstore"),
        "--certificate-identity-regexp",
        "https://github.com/trailofbits/.*",
        "--certificate-oidc-issuer",
        "https://token.actions.githubusercontent.com",
        "--certificate-github-workflow-ref",
        "refs/heads/main",
        &p("bundle_v3_github.whl"),
    ]);
    assert!(stderr(&wrong_ref).contains("workflow ref"), "{}", stderr(&wrong_ref));

    let cpython = plimsoll(&[
        "--bundle",
        &p("Python-3.12.5.tgz.sigstore"),
        "--certificate-identity",
        "thomas@python.org",
        "--certificate-oidc-issuer",
        "https://accounts.google.com",
        "sha256:38dc4e2c261d49c661196066edbfb70fdb16be4a79cc8220c224dfeb5636d405",
    ]);
    assert!(stderr(&cpython).contains("inclusion proof without a checkpoint"), "{}", stderr(&cpython));

    let staging = |bundle: &str, file: &str| {
        plimsoll(&[
            "--staging",
            "--bundle",
            &p(bundle),
            "--certificate-identity",
            "william@yossarian.net",
            "--certificate-oidc-issuer",
            "https://github.com/login/oauth",
            &p(file),
        ])
    };
    let ok = staging("bundle_v3.txt.sigstore", "bundle_v3.txt");
    assert!(ok.status.success(), "{}", stderr(&ok));
    // Without --staging the production root does not know the staging CA and log.
    let prod = plimsoll(&[
        "--bundle",
        &p("bundle_v3.txt.sigstore"),
        "--certificate-identity",
        "william@yossarian.net",
        "--certificate-oidc-issuer",
        "https://github.com/login/oauth",
        &p("bundle_v3.txt"),
    ]);
    assert!(!prod.status.success());
    let cve = staging("bundle_cve_2022_36056.txt.sigstore", "bundle_cve_2022_36056.txt");
    assert!(stderr(&cve).contains("log entry"), "{}", stderr(&cve));
    let version = staging("bundle_invalid_version.txt.sigstore", "bundle_invalid_version.txt");
    assert!(stderr(&version).contains("unsupported bundle media type"), "{}", stderr(&version));
    let no_cert = staging("bundle_no_cert_v1.txt.sigstore", "bundle_no_cert_v1.txt");
    assert!(stderr(&no_cert).contains("malformed bundle"), "{}", stderr(&no_cert));
}

#[test]
fn usage_errors_exit_2() {
    let out = plimsoll(&["--bundle", "/nonexistent/b.json", "--key", "/nonexistent/k.pub", "x"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = plimsoll(&["--bundle", "b.json", "x"]);
    assert_eq!(out.status.code(), Some(2), "neither identity nor key: {}", stderr(&out));
}
