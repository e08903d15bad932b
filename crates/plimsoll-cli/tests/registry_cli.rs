//! The registry commands of the `plimsoll` binary against a real registry on loopback (Debian's
//! docker-registry with TLS from a throwaway CA and htpasswd auth; images pushed with skopeo):
//! `image`, `resolve`, `key generate`/`sign`/`verify` and `registry` (also in token mode, and
//! against an in-process mock registry whose HEAD answers lie). Skips with a reason when the tools
//! are missing.
#![allow(clippy::print_stderr)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use plimsoll::testing::registry::{
    AuthMode, HttpRequest, HttpResponse, HttpServer, LocalRegistry, TokenRequest, PASSWORD, USER,
};
use plimsoll::testing::{BuiltImage, ImageBuilder, LayerBuilder};
use serde_json::Value;

/// The private key's passphrase: distinct from the registry password, so a test sees which
/// one went where.
const KEY_PASSPHRASE: &str = "key-passphrase-71";

macro_rules! registry_or_skip {
    () => {
        match LocalRegistry::start() {
            Ok(r) => r,
            Err(reason) => {
                plimsoll_test_support::require(&format!("no loopback registry: {reason}"));
                return;
            }
        }
    };
}

/// Runs the binary in `dir` (also its HOME: no docker config, no user cache) with only the
/// given PLIMSOLL_* variables.
fn plimsoll(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plimsoll"));
    cmd.args(args).current_dir(dir).env("NO_COLOR", "1").env("HOME", dir).env_remove("XDG_CACHE_HOME");
    for var in [
        "PLIMSOLL_DB",
        "PLIMSOLL_USERNAME",
        "PLIMSOLL_PASSWORD",
        "PLIMSOLL_REGISTRY_PASSWORD",
        "PLIMSOLL_CACHE_DIR",
        "DOCKER_CONFIG",
    ] {
        cmd.env_remove(var);
    }
    // Scans fetch a missing database by default; these tests do not test that.
    cmd.env("PLIMSOLL_SKIP_DB_UPDATE", "true");
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("run plimsoll");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    for secret in [PASSWORD, KEY_PASSPHRASE] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{args:?} printed a password:\n{stdout}\n{stderr}"
        );
    }
    out
}

fn cat<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<&'a str> {
    a.iter().chain(b).copied().collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", stdout(out), stderr(out)))
}

/// An Alpine-like base (os-release and an apk database: musl and busybox), the same bytes in
/// every image, plus a layer of its own per `marker`. Non-root, with a healthcheck: nothing for
/// the misconfiguration rules.
fn alpine(marker: &str) -> ImageBuilder {
    ImageBuilder::new()
        .layer(
            LayerBuilder::new()
                .file("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"Alpine Linux v3.19\"\n", 0o644)
                .file(
                    "lib/apk/db/installed",
                    "P:musl\nV:1.2.4-r2\nA:x86_64\no:musl\nL:MIT\n\nP:busybox\nV:1.36.1-r15\nA:x86_64\no:busybox\nL:GPL-2.0-only\n\n",
                    0o644,
                )
                .created_by("ADD alpine-minirootfs.tar.gz /"),
        )
        .layer(
            LayerBuilder::new().file("srv/marker", format!("{marker}\n").repeat(64), 0o644).created_by("COPY marker /srv"),
        )
        .user("app")
        .healthcheck(&["CMD", "true"])
}

/// Python dependencies with advisories in demo/advisories: requests 2.19.0 and urllib3 1.24.1.
fn python_app() -> ImageBuilder {
    ImageBuilder::new()
        .layer(
            LayerBuilder::new()
                .file("app/requirements.txt", "requests==2.19.0\nurllib3==1.24.1\n", 0o644)
                .created_by("COPY requirements.txt /app/"),
        )
        .user("app")
        .healthcheck(&["CMD", "true"])
}

/// Writes `image` as an OCI layout in `dir` and pushes it to each `repo:tag`.
fn push(reg: &LocalRegistry, image: &ImageBuilder, dir: &Path, repo_tags: &[&str]) -> BuiltImage {
    let built = image.write_oci_dir(dir, Some("t")).unwrap();
    for rt in repo_tags {
        reg.push_oci(dir, Some("t"), rt).unwrap();
    }
    built
}

/// `plimsoll db build` from the demo advisories.
fn build_db(dir: &Path) -> String {
    let advisories = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/advisories");
    let db = dir.join("adv.db");
    let db = db.to_str().unwrap();
    let out = plimsoll(dir, &["db", "build", "--from", advisories.to_str().unwrap(), "--output", db], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    db.to_owned()
}

#[test]
fn image_resolve_sign_and_verify_through_the_cli() {
    let reg = registry_or_skip!();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let built = push(&reg, &alpine("one"), &dir.join("layout"), &["team/app:v1"]);
    let image = format!("{}/team/app:v1", reg.host);
    let pinned = format!("{}/team/app@{}", reg.host, built.manifest_digest);
    let ca = reg.ca_file.to_str().unwrap();
    let login = ["--ca-file", ca, "--username", USER];

    // `image` pulls with the registry password from PLIMSOLL_PASSWORD.
    let out =
        plimsoll(dir, &cat(&["image", &image, "--no-cache", "-f", "json"], &login), &[("PLIMSOLL_PASSWORD", PASSWORD)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rep = json(&out);
    let pkgs: Vec<&str> = rep["packages"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(pkgs, ["busybox", "musl"]);
    assert_eq!(rep["artifact"]["manifest_digest"], built.manifest_digest.to_string());
    assert_eq!(rep["artifact"]["repo_tags"][0], image);
    // A wrong password: refused, and the error names the user, not the password.
    let out = plimsoll(dir, &cat(&["image", &image, "--no-cache"], &login), &[("PLIMSOLL_PASSWORD", "wrong-pass-9")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("user `plimsoll`") && !stderr(&out).contains("wrong-pass-9"), "{}", stderr(&out));
    // Without the CA the TLS certificate is refused.
    let out = plimsoll(dir, &["image", &image, "--no-cache", "--username", USER], &[("PLIMSOLL_PASSWORD", PASSWORD)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    // `resolve` prints the digest reference.
    let out = plimsoll(dir, &cat(&["resolve", &image], &login), &[("PLIMSOLL_PASSWORD", PASSWORD)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), pinned);

    // Two key pairs; the passphrase comes from PLIMSOLL_PASSWORD.
    for name in ["signer", "stranger"] {
        let prefix = dir.join(name);
        let out = plimsoll(
            dir,
            &["key", "generate", "--output-key-prefix", prefix.to_str().unwrap()],
            &[("PLIMSOLL_PASSWORD", KEY_PASSPHRASE)],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(dir.join(format!("{name}.key")).is_file() && dir.join(format!("{name}.pub")).is_file());
    }
    let key = dir.join("signer.key");
    let key = key.to_str().unwrap();
    // PLIMSOLL_PASSWORD is the key passphrase for `sign`; the registry password then comes
    // from PLIMSOLL_REGISTRY_PASSWORD, which wins over PLIMSOLL_PASSWORD for the registry.
    let both = [("PLIMSOLL_PASSWORD", KEY_PASSPHRASE), ("PLIMSOLL_REGISTRY_PASSWORD", PASSWORD)];
    let out = plimsoll(dir, &cat(&["sign", "--key", key, &image], &login), &both);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), pinned);
    let sig_tag = format!("sha256-{}.sig", built.manifest_digest.hex());
    assert!(stderr(&out).contains(&sig_tag), "{}", stderr(&out));
    // Without PLIMSOLL_REGISTRY_PASSWORD the passphrase is tried as the registry password: refused.
    let out = plimsoll(dir, &cat(&["sign", "--key", key, &image], &login), &[("PLIMSOLL_PASSWORD", KEY_PASSPHRASE)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("user `plimsoll`"), "{}", stderr(&out));
    // A wrong passphrase is named as such.
    let wrong = [("PLIMSOLL_PASSWORD", "not-the-passphrase"), ("PLIMSOLL_REGISTRY_PASSWORD", PASSWORD)];
    let out = plimsoll(dir, &cat(&["sign", "--key", key, &image], &login), &wrong);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("wrong passphrase"), "{}", stderr(&out));

    // `verify` with the right key prints the verified payloads.
    let registry_pw = [("PLIMSOLL_REGISTRY_PASSWORD", PASSWORD)];
    let public = dir.join("signer.pub");
    let out = plimsoll(dir, &cat(&["verify", "--key", public.to_str().unwrap(), &image], &login), &registry_pw);
    assert!(out.status.success(), "{}", stderr(&out));
    let payloads = json(&out);
    assert_eq!(payloads.as_array().unwrap().len(), 1);
    assert_eq!(payloads[0]["critical"]["image"]["docker-manifest-digest"], built.manifest_digest.to_string());
    assert_eq!(payloads[0]["critical"]["identity"]["docker-reference"], format!("{}/team/app", reg.host));
    // With another key: fails, saying why.
    let other = dir.join("stranger.pub");
    let out = plimsoll(dir, &cat(&["verify", "--key", other.to_str().unwrap(), &image], &login), &registry_pw);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("verification of") && err.contains("does not verify with the given public key"), "{err}");
    assert!(out.stdout.is_empty());

    // `registry` skips the signature tag and says so.
    let repo = format!("{}/team/app", reg.host);
    let out = plimsoll(dir, &cat(&["registry", &repo, "--no-cache", "-f", "json"], &login), &registry_pw);
    assert!(out.status.success(), "{}", stderr(&out));
    let images = json(&out);
    assert_eq!(images.as_array().unwrap().len(), 1, "{images}");
    assert_eq!(images[0]["references"], serde_json::json!([image]));
    assert!(stderr(&out).contains("1 Cosign signature/attestation/SBOM tag skipped"), "{}", stderr(&out));
}

#[test]
fn registry_scans_each_digest_once_and_reports_failures() {
    let reg = registry_or_skip!();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let db = build_db(dir);
    let app = push(&reg, &python_app(), &dir.join("app"), &["team/app:1", "team/app:latest"]);
    let good = push(&reg, &alpine("good"), &dir.join("good"), &["team/db:v1"]);
    let bad = push(&reg, &alpine("bad"), &dir.join("bad"), &["team/db:bad"]);
    // The base layer is shared with team/db:v1; the marker layer is bad's own. Tamper with it.
    assert_eq!(good.layers[0].digest, bad.layers[0].digest);
    let blob = reg.blob_file(&bad.layers[1].digest);
    let mut bytes = std::fs::read(&blob).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&blob, bytes).unwrap();

    let cache = dir.join("cache");
    let ca = reg.ca_file.to_str().unwrap();
    let common = ["--ca-file", ca, "--username", USER, "--db", &db, "--cache-dir", cache.to_str().unwrap()];
    let env = [("PLIMSOLL_PASSWORD", PASSWORD)];
    let run = |args: &[&str]| plimsoll(dir, &cat(args, &common), &env);
    let host = reg.host.as_str();
    let r = |rt: &str| format!("{host}/{rt}");

    // JSON: one object per digest. The two app tags share one, scanned once.
    let out = run(&["registry", host, "-f", "json", "--parallel", "2"]);
    assert_eq!(out.status.code(), Some(2), "the tampered image fails the command: {}", stderr(&out));
    let images = json(&out);
    let images = images.as_array().unwrap();
    assert_eq!(images.len(), 3, "{images:?}");
    let find = |reference: &str| {
        images.iter().find(|i| i["references"].as_array().unwrap().iter().any(|x| x == reference)).unwrap()
    };
    let a = find(&r("team/app:1"));
    assert_eq!(a["references"], serde_json::json!([r("team/app:1"), r("team/app:latest")]));
    assert_eq!((a["status"].as_str(), &a["error"]), (Some("ok"), &Value::Null));
    assert_eq!(a["digest"], app.manifest_digest.to_string());
    assert_eq!(a["manifest_digest"], app.manifest_digest.to_string());
    assert_eq!(
        a["counts"],
        serde_json::json!({
            "packages": 2,
            "vulnerabilities": {"critical": 0, "high": 1, "medium": 1, "low": 0, "unknown": 0},
            "secrets": 0,
            "misconfigurations": 0
        })
    );
    // The full report, as `plimsoll image` writes it, naming every tag.
    let report = &a["report"];
    assert_eq!(report["artifact"]["repo_tags"], a["references"]);
    assert_eq!(report["artifact"]["name"], format!("{host}/team/app@{}", app.manifest_digest));
    let mut vulns: Vec<(&str, &str)> = report["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["package_name"].as_str().unwrap(), v["severity"].as_str().unwrap()))
        .collect();
    vulns.sort();
    assert_eq!(vulns, [("requests", "HIGH"), ("urllib3", "MEDIUM")]);

    let g = find(&r("team/db:v1"));
    assert_eq!(
        (g["status"].as_str(), g["digest"].as_str()),
        (Some("ok"), Some(good.manifest_digest.to_string().as_str()))
    );
    assert_eq!(g["counts"]["packages"], 2);
    assert_eq!(
        g["counts"]["vulnerabilities"],
        serde_json::json!({"critical": 0, "high": 0, "medium": 0, "low": 0, "unknown": 0})
    );

    let b = find(&r("team/db:bad"));
    assert_eq!(b["status"], "error");
    assert_eq!(b["digest"], bad.manifest_digest.to_string());
    let why = b["error"].as_str().unwrap();
    assert!(why.contains(&bad.layers[1].digest.to_string()), "the reason names the layer: {why}");
    assert_eq!((&b["counts"], &b["report"]), (&Value::Null, &Value::Null));
    let summary = stderr(&out);
    assert!(summary.contains("3 images (4 tags in 2 repositories): 2 scanned, 1 failed"), "{summary}");

    // The table: every tag, counts by severity, the failure with its reason, the same exit code.
    let out = run(&["registry", host]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let table = stdout(&out);
    let line = |start: &str| table.lines().find(|l| l.starts_with(start)).unwrap_or_else(|| panic!("{start}: {table}"));
    let header: Vec<&str> = line("IMAGE").split("  ").filter(|c| !c.is_empty()).map(str::trim).collect();
    assert_eq!(header, ["IMAGE", "DIGEST", "PACKAGES", "VULNS C/H/M/L/U", "SECRETS", "MISCONFIG", "STATUS"]);
    let app_row: Vec<&str> = line("team/app:1,latest ").split_whitespace().collect();
    assert_eq!(app_row, ["team/app:1,latest", app.manifest_digest.short(), "2", "0/1/1/0/0", "0", "0", "ok"]);
    let bad_row = line("team/db:bad ");
    assert!(bad_row.contains("error: ") && bad_row.contains(bad.manifest_digest.short()), "{bad_row}");
    assert!(line("team/db:v1 ").ends_with(" ok"), "{table}");
    assert!(table.contains("3 images (4 tags in 2 repositories): 2 scanned, 1 failed"), "{table}");

    // The gate: HIGH findings in team/app (given as HOST/REPO) fail it; none are CRITICAL.
    let app_repo = r("team/app");
    let gate = |severity: &str| {
        run(&["registry", &app_repo, "-q", "--parallel", "1", "--exit-code", "1", "--severity", severity])
    };
    assert_eq!(gate("HIGH").status.code(), Some(1));
    let out = gate("CRITICAL");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("0/0/0/0/0"), "the severity filter applies to the counts: {}", stdout(&out));
    // An image that could not be scanned outweighs the gate, unless told otherwise.
    let db_gate = ["registry", host, "--repo", "team/db", "-q", "--exit-code", "1", "--severity", "HIGH"];
    assert_eq!(run(&db_gate).status.code(), Some(2));
    // Then team/db:v1 fails closed: its packages are not covered by the test database (issue 12),
    // said on stderr even with -q; accepted by name.
    let out = run(&cat(&db_gate, &["--error-exit-code", "0"]));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("not covered by the advisory database"), "{}", stderr(&out));
    let out = run(&cat(&db_gate, &["--error-exit-code", "0", "--allow-uncovered"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("error: "), "still reported: {}", stdout(&out));

    // The ignore file applies to every image. An entry that matches nothing anywhere is warned
    // about once; one that matches in some image is not.
    let ignore = dir.join("ignore.yaml");
    std::fs::write(
        &ignore,
        "ignore:\n  - id: CVE-2018-18074\n    reason: not reachable\n  - id: CVE-1999-0001\n    reason: long gone\n",
    )
    .unwrap();
    let out = run(&[
        "registry",
        host,
        "-f",
        "json",
        "--counts-only",
        "--error-exit-code",
        "0",
        "--ignorefile",
        ignore.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        json(&out)[0]["counts"]["vulnerabilities"],
        serde_json::json!({"critical": 0, "high": 0, "medium": 1, "low": 0, "unknown": 0})
    );
    let err = stderr(&out);
    assert_eq!(err.matches("CVE-1999-0001").count(), 1, "{err}");
    assert!(!err.contains("CVE-2018-18074"), "{err}");

    // --counts-only leaves the reports out; formats other than table and json are refused.
    let out = run(&["registry", &app_repo, "-f", "json", "--counts-only", "-q"]);
    let images = json(&out);
    assert!(images[0].get("report").is_none() && images[0]["counts"]["packages"] == 2, "{images}");
    let out = run(&["registry", host, "-f", "cyclonedx"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("table or json"), "{}", stderr(&out));
}

#[test]
fn registry_asks_for_one_token_per_repository() {
    let reg = match LocalRegistry::start_with(AuthMode::Token) {
        Ok(r) => r,
        Err(reason) => {
            plimsoll_test_support::require(&format!("no loopback registry in token mode: {reason}"));
            return;
        }
    };
    let ts = reg.token_server().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for (i, marker) in ["one", "two", "three"].iter().enumerate() {
        push(&reg, &alpine(marker), &dir.join(marker), &[&format!("team/app:v{i}")]);
    }
    push(&reg, &python_app(), &dir.join("api"), &["team/api:v1"]);
    let before = ts.requests().len();

    let ca = reg.ca_file.to_str().unwrap();
    let args =
        ["registry", &reg.host, "--ca-file", ca, "--username", USER, "--no-cache", "-f", "json", "--parallel", "2"];
    let out = plimsoll(dir, &args, &[("PLIMSOLL_PASSWORD", PASSWORD)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let images = json(&out);
    let images = images.as_array().unwrap();
    assert_eq!(images.len(), 4, "{images:?}");
    assert!(images.iter().all(|i| i["status"] == "ok"), "{images:?}");

    // One client for the whole command: a token for the ping, one for the catalog, and one per
    // repository, reused for listing its tags, resolving them and scanning each of its images.
    let ours: Vec<TokenRequest> = ts.requests().split_off(before);
    let count = |scope: &str| ours.iter().filter(|r| r.scopes.iter().any(|s| s == scope)).count();
    assert_eq!(count("repository:team/app:pull"), 1, "three images, one token: {ours:#?}");
    assert_eq!(count("repository:team/api:pull"), 1, "{ours:#?}");
    assert_eq!(count("registry:catalog:*"), 1, "{ours:#?}");
    assert_eq!(ours.len(), 4, "and the ping's: {ours:#?}");
    assert!(ours.iter().all(|r| r.status == 200 && r.basic_user.as_deref() == Some(USER)), "{ours:#?}");
}

/// What the mock registry's `HEAD .../manifests/v1` says in `Docker-Content-Digest`, by
/// repository.
fn head_digest(repo: &str, honest: &str, lie: &str) -> Option<String> {
    match repo {
        "honest/app" => Some(honest.to_owned()),
        "nodigest/app" => None,
        "mangled/app" => Some("sha256:not-a-digest".to_owned()),
        "liar/app" => Some(lie.to_owned()),
        _ => None,
    }
}

/// A registry serving `image` under every repository of `repos` as tag `v1`. It serves the
/// same manifest bytes whatever it is asked for (tag or any digest), and HEAD answers as
/// [`head_digest`] says. Every request's `METHOD PATH` is logged.
fn lying_registry(
    image: &BuiltImage,
    repos: &'static [&'static str],
    lie: &str,
) -> (HttpServer, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let image = image.clone();
    let lie = lie.to_owned();
    let server = HttpServer::start(None, move |req: &HttpRequest| {
        log.lock().unwrap().push(format!("{} {}", req.method, req.path()));
        let path = req.path();
        if path == "/v2/" {
            return HttpResponse::json(200, &serde_json::json!({}));
        }
        if path == "/v2/_catalog" {
            return HttpResponse::json(200, &serde_json::json!({ "repositories": repos }));
        }
        let Some((repo, rest)) = repos.iter().find_map(|r| path.strip_prefix(&format!("/v2/{r}/")).map(|x| (*r, x)))
        else {
            return HttpResponse::new(404);
        };
        if rest == "tags/list" {
            return HttpResponse::json(200, &serde_json::json!({ "name": repo, "tags": ["v1"] }));
        }
        if let Some(reference) = rest.strip_prefix("manifests/") {
            if reference != "v1" && reference.parse::<plimsoll_model::Digest>().is_err() {
                return HttpResponse::new(404);
            }
            let manifest = image.blobs[&image.manifest_digest].clone();
            let mut resp = HttpResponse::new(200).header("Content-Type", &image.manifest_media_type);
            if req.method == "HEAD" {
                if let Some(d) = head_digest(repo, &image.manifest_digest.to_string(), &lie) {
                    resp = resp.header("Docker-Content-Digest", &d);
                }
            }
            return resp.body(manifest);
        }
        if let Some(blob) = rest.strip_prefix("blobs/").and_then(|d| d.parse().ok()).and_then(|d| image.blobs.get(&d)) {
            return HttpResponse::new(200).header("Content-Type", "application/octet-stream").body(blob.clone());
        }
        HttpResponse::new(404)
    })
    .unwrap();
    (server, seen)
}

#[test]
fn registry_resolves_tags_with_head_and_verifies_what_it_scans() {
    let image = alpine("mock").build().unwrap();
    let repos: &'static [&'static str] = &["honest/app", "nodigest/app", "mangled/app", "liar/app"];
    let lie = plimsoll::testing::sha256(b"an image the registry does not serve");
    let (server, seen) = lying_registry(&image, repos, &lie.to_string());
    let tmp = tempfile::tempdir().unwrap();
    let host = server.host();
    let out =
        plimsoll(tmp.path(), &["registry", &host, "--insecure", "--no-cache", "-f", "json", "--counts-only"], &[]);
    assert_eq!(out.status.code(), Some(2), "the lie fails the command: {}", stderr(&out));
    let images = json(&out);
    let row = |repo: &str| {
        let reference = format!("{host}/{repo}:v1");
        images.as_array().unwrap().iter().find(|i| i["references"][0] == reference.as_str()).cloned().unwrap()
    };
    // Honest, missing and malformed headers: the right digest (from the header, or from the
    // hashed body of a GET), and a good scan.
    for repo in ["honest/app", "nodigest/app", "mangled/app"] {
        let r = row(repo);
        assert_eq!(
            (r["status"].as_str(), r["digest"].as_str()),
            (Some("ok"), Some(image.manifest_digest.to_string().as_str())),
            "{repo}: {r}"
        );
        assert_eq!(r["counts"]["packages"], 2, "{repo}");
    }
    // A digest the bytes do not hash to: the image is fetched by that digest, and refused.
    let liar = row("liar/app");
    assert_eq!((liar["status"].as_str(), liar["digest"].as_str()), (Some("error"), Some(lie.to_string().as_str())));
    let why = liar["error"].as_str().unwrap();
    assert!(why.contains("does not match its digest") && why.contains(&lie.to_string()), "{why}");
    assert!(why.contains(&image.manifest_digest.to_string()), "it names what the bytes hash to: {why}");

    let seen = seen.lock().unwrap().clone();
    let asked = |key: &str| seen.iter().filter(|k| *k == key).count();
    for repo in repos {
        assert_eq!(asked(&format!("HEAD /v2/{repo}/manifests/v1")), 1, "{repo}: {seen:#?}");
    }
    // A good HEAD answer spares the GET by tag; the others fall back to it.
    assert_eq!(asked("GET /v2/honest/app/manifests/v1"), 0, "{seen:#?}");
    assert_eq!(asked("GET /v2/liar/app/manifests/v1"), 0, "{seen:#?}");
    assert_eq!(asked("GET /v2/nodigest/app/manifests/v1"), 1, "{seen:#?}");
    assert_eq!(asked("GET /v2/mangled/app/manifests/v1"), 1, "{seen:#?}");
    assert_eq!(asked(&format!("GET /v2/liar/app/manifests/{lie}")), 1, "{seen:#?}");
    // The scans fetch by digest, through the one client connected at the start.
    assert_eq!(asked(&format!("GET /v2/honest/app/manifests/{}", image.manifest_digest)), 1, "{seen:#?}");
    assert_eq!(asked("GET /v2/"), 1, "one connection check for the whole command: {seen:#?}");
}
