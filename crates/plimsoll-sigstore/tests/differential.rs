//! Differential test against sigstore-python (`sigstore verify identity --offline`), an
//! independent implementation: real bundles verify in both, and each corruption of a bundle
//! (a bit flipped in every base64 field: certificate, signature, log body, SET, proof hashes,
//! root hash, digests; the checkpoint text; log index and time; raw JSON bytes) is rejected by
//! both. Skips with a reason when ../shared or sigstore-python is absent
//! (`scripts/sigstore-conformance.sh` installs it in ~/.cache/plimsoll/sigstore-venv).

#![allow(clippy::print_stderr)] // skip reasons and per-case results

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::{engine::general_purpose::STANDARD as B64, Engine as _};
use plimsoll_sigstore::{Artifact, Bundle, GithubClaims, IdentityPolicy, Matcher, Policy, TrustedRoot, Verifier};
use serde_json::Value;

struct Case {
    bundle: PathBuf,
    artifact: PathBuf,
    identity: &'static str,
    issuer: &'static str,
    staging: bool,
}

fn sigstore_python() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("PLIMSOLL_SIGSTORE_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from)?;
    let venv = home.join(".cache/plimsoll/sigstore-venv/bin/sigstore");
    if venv.exists() {
        return Some(venv);
    }
    Command::new("sigstore").arg("--version").output().ok().filter(|o| o.status.success()).map(|_| "sigstore".into())
}

fn ours(case: &Case, bundle_json: &[u8]) -> Result<(), String> {
    let root = if case.staging { TrustedRoot::staging() } else { TrustedRoot::production() }.unwrap();
    let bundle = Bundle::from_json(bundle_json).map_err(|e| e.to_string())?;
    let policy = Policy::Identity(IdentityPolicy {
        identity: Matcher::Exact(case.identity.into()),
        issuer: Matcher::Exact(case.issuer.into()),
        github: GithubClaims::default(),
    });
    let artifact = Artifact::from_bytes(std::fs::read(&case.artifact).unwrap());
    Verifier::new(root).verify(&bundle, &artifact, &policy).map(|_| ()).map_err(|e| e.to_string())
}

fn theirs(bin: &Path, case: &Case, bundle: &Path) -> Result<(), String> {
    let mut cmd = Command::new(bin);
    if case.staging {
        cmd.arg("--staging");
    }
    let out = cmd
        .args(["verify", "identity", "--offline", "--bundle"])
        .arg(bundle)
        .args(["--cert-identity", case.identity, "--cert-oidc-issuer", case.issuer])
        .arg(&case.artifact)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        // Its reason, without the offline-mode warning and the "rerun with --verbose" hint.
        let text: Vec<&str> = err
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.contains("WARNING") && !l.contains("will not be performed"))
            .collect();
        Err(text.join(" ").chars().take(240).collect())
    }
}

/// Every string leaf of the JSON, with its JSON pointer.
fn string_leaves(v: &Value, path: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => out.push((path, s.clone())),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| string_leaves(x, format!("{path}/{i}"), out)),
        Value::Object(o) => o.iter().for_each(|(k, x)| string_leaves(x, format!("{path}/{k}"), out)),
        _ => {}
    }
}

/// (description, corrupted bundle JSON) pairs.
fn corruptions(json: &[u8]) -> Vec<(String, Vec<u8>)> {
    let doc: Value = serde_json::from_slice(json).unwrap();
    let mut out = Vec::new();
    let mut leaves = Vec::new();
    string_leaves(&doc, String::new(), &mut leaves);
    for (ptr, s) in &leaves {
        if ptr.ends_with("/checkpoint/envelope") {
            // The origin's first character: the note signature covers it.
            let mut d = doc.clone();
            let mut text = s.clone().into_bytes();
            text[0] ^= 0x01;
            *d.pointer_mut(ptr).unwrap() = Value::String(String::from_utf8(text).unwrap());
            out.push((format!("{ptr}: origin changed"), serde_json::to_vec(&d).unwrap()));
            continue;
        }
        if ptr.ends_with("/integratedTime") || ptr.ends_with("/logIndex") {
            let n: i64 = s.parse().unwrap();
            let mut d = doc.clone();
            *d.pointer_mut(ptr).unwrap() = Value::String((n + 1).to_string());
            out.push((format!("{ptr}: +1"), serde_json::to_vec(&d).unwrap()));
            continue;
        }
        // Proof hashes are all alike: the first two stand for the rest (sigstore-python is slow).
        if ptr.contains("/hashes/") && !ptr.ends_with("/hashes/0") && !ptr.ends_with("/hashes/1") {
            continue;
        }
        let Ok(bytes) = B64.decode(s) else { continue };
        if bytes.len() < 8 {
            continue;
        }
        for pos in [bytes.len() / 3, bytes.len() - 1] {
            let mut b = bytes.clone();
            b[pos] ^= 0x01;
            let mut d = doc.clone();
            *d.pointer_mut(ptr).unwrap() = Value::String(B64.encode(&b));
            out.push((format!("{ptr}: bit flipped in byte {pos} of {}", bytes.len()), serde_json::to_vec(&d).unwrap()));
        }
    }
    // Raw bytes of the document, evenly spread.
    for i in 1..=6 {
        let pos = json.len() * i / 7;
        let mut b = json.to_vec();
        b[pos] = if b[pos] == b'A' { b'B' } else { b'A' };
        out.push((format!("raw JSON byte {pos} of {}", json.len()), b));
    }
    out
}

#[test]
fn agrees_with_sigstore_python_on_real_and_corrupted_bundles() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/sigstore");
    if !shared.is_dir() {
        plimsoll_test_support::require(&format!("{} is absent", shared.display()));
        return;
    }
    let Some(bin) = sigstore_python() else {
        plimsoll_test_support::require(
            "sigstore-python is not installed (scripts/sigstore-conformance.sh installs it)",
        );
        return;
    };
    let py = shared.join("python-assets");
    let conf = shared.join("conformance/test/assets/bundle-verify");
    let cases = [
        Case {
            bundle: py.join("bundle_v3_github.whl.sigstore"),
            artifact: py.join("bundle_v3_github.whl"),
            identity: "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2",
            issuer: "https://token.actions.githubusercontent.com",
            staging: false,
        },
        Case {
            bundle: py.join("bundle_v3.txt.sigstore"),
            artifact: py.join("bundle_v3.txt"),
            identity: "william@yossarian.net",
            issuer: "https://github.com/login/oauth",
            staging: true,
        },
        Case {
            bundle: conf.join("happy-path-intoto-in-dsse-v3/bundle.sigstore.json"),
            artifact: conf.join("a.txt"),
            identity: "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
            issuer: "https://token.actions.githubusercontent.com",
            staging: false,
        },
    ];
    let tmp = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    let mut total = 0;
    for (ci, case) in cases.iter().enumerate() {
        let json = std::fs::read(&case.bundle).unwrap();
        assert_eq!(ours(case, &json), Ok(()), "{}", case.bundle.display());
        assert_eq!(theirs(&bin, case, &case.bundle), Ok(()), "sigstore-python on {}", case.bundle.display());
        let list = corruptions(&json);
        // sigstore-python takes ~1 s a run: two at a time.
        let results: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = list
                .chunks(list.len().div_ceil(2))
                .enumerate()
                .map(|(half, chunk)| {
                    let (tmp, bin) = (tmp.path(), &bin);
                    s.spawn(move || {
                        chunk
                            .iter()
                            .enumerate()
                            .map(|(i, (what, bytes))| {
                                let path = tmp.join(format!("{ci}-{half}-{i}.sigstore.json"));
                                std::fs::write(&path, bytes).unwrap();
                                (what.clone(), ours(case, bytes), theirs(bin, case, &path))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        for (what, o, t) in results {
            total += 1;
            eprintln!(
                "{} {what}: plimsoll {o:?} | sigstore-python {t:?}",
                case.bundle.file_name().unwrap().to_string_lossy()
            );
            if o.is_ok() || t.is_ok() {
                problems.push(format!("{}: {what}: plimsoll {o:?}, sigstore-python {t:?}", case.bundle.display()));
            }
        }
    }
    eprintln!("{total} corruptions compared");
    assert!(problems.is_empty(), "{} corruptions not rejected by both:\n{}", problems.len(), problems.join("\n"));
}
