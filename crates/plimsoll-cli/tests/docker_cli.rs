//! `plimsoll docker` and `plimsoll image docker:NAME` end to end, against a `dockerd` the test
//! starts (see `plimsoll_test_support::dockerd`): a one-file image imported from a tar built here,
//! a privileged container of it, and the outputs and exit codes the command gives.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use plimsoll::testing::LayerBuilder;
use plimsoll_test_support::dockerd::Dockerd;
use serde_json::Value;

fn plimsoll(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("PLIMSOLL_DB")
        .env_remove("DOCKER_HOST")
        .output()
        .expect("run plimsoll")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn docker_command_outputs_and_exit_codes() {
    if let Some(reason) = plimsoll_test_support::dockerd::unavailable() {
        plimsoll_test_support::require(&reason);
        return;
    }
    let d = Dockerd::start().unwrap_or_else(|e| panic!("{e}"));
    let host = d.host();
    // `docker import` of a root filesystem tar: an image without the shared data.
    let rootfs = LayerBuilder::new()
        .file("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n", 0o644)
        .file("lib/apk/db/installed", "P:musl\nV:1.2.4-r2\nA:x86_64\no:musl\nL:MIT\n\n", 0o644)
        .tar_bytes()
        .unwrap();
    let mut import = Command::new("docker")
        .args(["-H", &host, "import", "-", "tiny:1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    import.stdin.take().unwrap().write_all(&rootfs).unwrap();
    assert!(import.wait().unwrap().success());
    d.docker(&["create", "--name", "priv", "--network", "none", "--privileged", "tiny:1", "/bin/true"]);

    let common = ["--no-cache", "--scanners", "misconfig", "--docker-host", host.as_str()];
    let out = plimsoll(&[&["docker", "-f", "json"][..], &common].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["artifact"]["kind"], "container_engine");
    let rules = |file: &str| -> Vec<String> {
        let mut v: Vec<String> = report["misconfigurations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["file"] == file)
            .map(|m| m["rule_id"].as_str().unwrap().to_owned())
            .collect();
        v.dedup();
        v
    };
    assert_eq!(rules("daemon"), ["PL-DOCKER-101", "PL-DOCKER-102", "PL-DOCKER-106"]);
    assert_eq!(
        rules("container/priv"),
        ["PL-DOCKER-001", "PL-DOCKER-007", "PL-DOCKER-008", "PL-DOCKER-009", "PL-DOCKER-010"]
    );

    // Every output format carries the rule findings; SARIF names the rules.
    let sarif = plimsoll(&[&["docker", "-f", "sarif"][..], &common].concat());
    assert!(sarif.status.success(), "{}", stderr(&sarif));
    let sarif: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let ids: Vec<&str> =
        sarif["runs"][0]["results"].as_array().unwrap().iter().filter_map(|r| r["ruleId"].as_str()).collect();
    assert!(ids.contains(&"PL-DOCKER-001") && ids.contains(&"PL-DOCKER-101"), "{ids:?}");

    // A gate: findings of the chosen severities fail with the exit code asked for.
    let gate = plimsoll(&[&["docker", "--severity", "CRITICAL", "--exit-code", "4"][..], &common].concat());
    assert_eq!(gate.status.code(), Some(4), "{}", stderr(&gate));
    let skip = plimsoll(
        &[&["docker", "--severity", "CRITICAL", "--exit-code", "4", "--skip-rule", "PL-DOCKER-001"][..], &common]
            .concat(),
    );
    assert_eq!(skip.status.code(), Some(0), "{}", stderr(&skip));

    // --scan-images: the engine's report and the one image, in one JSON document.
    let both = plimsoll(&[&["docker", "--scan-images", "-f", "json"][..], &common].concat());
    assert!(both.status.success(), "{}", stderr(&both));
    let both: Value = serde_json::from_slice(&both.stdout).unwrap();
    assert_eq!(both["images"].as_array().unwrap().len(), 1);
    assert_eq!(both["images"][0]["names"][0], "tiny:1");
    assert_eq!(both["images"][0]["containers"][0], "priv");
    let formats = plimsoll(&[&["docker", "--scan-images", "-f", "sarif"][..], &common].concat());
    assert_eq!(formats.status.code(), Some(2));

    // docker:NAME reads the image from the engine.
    let img = plimsoll(&[
        "image",
        "docker:tiny:1",
        "-f",
        "json",
        "--no-cache",
        "--scanners",
        "misconfig",
        "--docker-host",
        &host,
    ]);
    assert!(img.status.success(), "{}", stderr(&img));
    let img: Value = serde_json::from_slice(&img.stdout).unwrap();
    assert_eq!(img["artifact"]["name"], "docker:tiny:1");
    assert_eq!(img["packages"][0]["name"], "musl");
    let missing = plimsoll(&["image", "docker:nope:1", "--no-cache", "--docker-host", &host]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("nope:1"), "{}", stderr(&missing));
    drop(d);

    // No engine there: a clear error, exit 2.
    let gone = plimsoll(&["docker", "--docker-host", "unix:///nonexistent/docker.sock", "--no-cache"]);
    assert_eq!(gone.status.code(), Some(2));
    assert!(stderr(&gone).contains("cannot connect") && stderr(&gone).contains("DOCKER_HOST"), "{}", stderr(&gone));
    let tcp = plimsoll(&["docker", "--docker-host", "tcp://127.0.0.1:2375", "--no-cache"]);
    assert_eq!(tcp.status.code(), Some(2));
    assert!(stderr(&tcp).contains("only unix://"), "{}", stderr(&tcp));
}

#[test]
fn docker_rules_have_docs() {
    let out = plimsoll(&["rule", "PL-DOCKER-005"]);
    assert!(out.status.success());
    let doc = String::from_utf8_lossy(&out.stdout);
    assert!(doc.contains("CIS-Docker-5.32") && doc.contains("## How to fix"), "{doc}");
    let list = plimsoll(&["rule", "--list"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("PL-DOCKER-106"));
}
