//! `plimsoll k8s --scan-images` against a loopback API server whose pods run images pushed to a
//! real loopback registry (Debian's docker-registry, skopeo), matched against a database built
//! from demo/advisories: two pods on one digest are one scan tied to both workloads; an image
//! the registry does not have is a diagnostic and exit code 3. Skips when the tools are missing.

use std::path::Path;
use std::process::{Command, Output};

use plimsoll::testing::kube::{ApiServer, FakeCluster};
use plimsoll::testing::registry::{LocalRegistry, PASSWORD, USER};
use plimsoll::testing::{ImageBuilder, LayerBuilder};
use serde_json::{json, Value};

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

/// A pod running `spec_image`, its status reporting `image_id` (as containerd does).
fn pod(name: &str, ns: &str, owner: Option<&str>, spec_image: &str, image_id: Option<&str>) -> Value {
    let mut meta = json!({"name": name, "namespace": ns, "uid": format!("uid-{name}")});
    if let Some(o) = owner {
        meta["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": o, "uid": format!("uid-{o}"), "controller": true}]);
    }
    let mut p = json!({"metadata": meta, "spec": {"containers": [{"name": "main", "image": spec_image}]}});
    if let Some(id) = image_id {
        p["status"] = json!({"containerStatuses": [{"name": "main", "image": spec_image, "imageID": id}]});
    }
    p
}

fn server(pods: Vec<Value>) -> ApiServer {
    let mut c = FakeCluster { token: "t0k3n".into(), page_size: 10, ..FakeCluster::default() };
    for p in [
        "/api/v1/nodes",
        "/apis/apps/v1/deployments",
        "/apis/apps/v1/statefulsets",
        "/apis/apps/v1/daemonsets",
        "/apis/batch/v1/jobs",
        "/apis/batch/v1/cronjobs",
        "/apis/rbac.authorization.k8s.io/v1/roles",
        "/apis/rbac.authorization.k8s.io/v1/rolebindings",
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        "/apis/networking.k8s.io/v1/networkpolicies",
    ] {
        c.collections.insert(p.into(), Vec::new());
    }
    c.collections.insert(
        "/api/v1/namespaces".into(),
        vec![json!({"metadata": {"name": "shop"}}), json!({"metadata": {"name": "ops"}})],
    );
    // The ReplicaSet owning `web-1`: the image is tied to it, not to the pod.
    c.collections.insert(
        "/apis/apps/v1/replicasets".into(),
        vec![json!({"metadata": {"name": "web-rs", "namespace": "shop", "uid": "uid-web-rs"},
                    "spec": {"template": {"spec": {"containers": [{"name": "main", "image": "ignored:1"}]}}}})],
    );
    c.collections.insert("/api/v1/pods".into(), pods);
    ApiServer::start(move |r| c.handle(r)).unwrap()
}

fn plimsoll(dir: &Path, args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .arg("k8s")
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .env("PLIMSOLL_PASSWORD", PASSWORD)
        .env_remove("PLIMSOLL_DB")
        .env_remove("XDG_CACHE_HOME")
        .output()
        .unwrap()
}

#[test]
fn scan_images_once_per_digest_and_unpullable_is_incomplete() {
    let reg = match LocalRegistry::start() {
        Ok(r) => r,
        Err(reason) => {
            plimsoll_test_support::require(&format!("no loopback registry: {reason}"));
            return;
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let built = python_app().write_oci_dir(&dir.join("app"), Some("t")).unwrap();
    reg.push_oci(&dir.join("app"), Some("t"), "team/app:1").unwrap();
    let advisories = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/advisories");
    let db = dir.join("adv.db");
    let out = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(["db", "build", "--from"])
        .arg(&advisories)
        .arg("--output")
        .arg(&db)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let host = &reg.host;
    let by_digest = format!("{host}/team/app@{}", built.manifest_digest);
    let tag = format!("{host}/team/app:1");
    // Same digest, two workloads: one by tag with the kubelet's imageID, one by digest.
    let web = pod("web-1", "shop", Some("web-rs"), &tag, Some(&format!("docker-pullable://{by_digest}")));
    let job = pod("batch", "ops", None, &by_digest, Some(&by_digest));
    let missing = pod("ghost", "ops", None, &format!("{host}/team/gone:1"), None);

    let cfg = dir.join("kubeconfig");
    let (db, ca, cache) = (db.to_str().unwrap(), reg.ca_file.to_str().unwrap(), dir.join("cache"));
    let common = [
        "--kubeconfig",
        cfg.to_str().unwrap(),
        "--scan-images",
        "--scanners",
        "vuln",
        "--db",
        db,
        "--cache-dir",
        cache.to_str().unwrap(),
        "--ca-file",
        ca,
        "--username",
        USER,
        "--exit-code",
        "1",
    ];
    let args = |more: &[&'static str]| -> Vec<String> { common.iter().chain(more).map(|s| s.to_string()).collect() };

    let s = server(vec![web.clone(), job.clone()]);
    std::fs::write(&cfg, s.kubeconfig("t0k3n")).unwrap();
    let out = plimsoll(dir, &args(&["--format", "json"]));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "vulnerabilities found, nothing missing: {err}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {err}"));
    let images = report["images"].as_array().unwrap();
    assert_eq!(images.len(), 1, "one digest, one scan: {images:?}");
    let i = &images[0];
    assert_eq!(i["reference"], by_digest.as_str());
    assert_eq!(i["workloads"], json!(["Pod/ops/batch", "ReplicaSet/shop/web-rs"]));
    assert_eq!(i["spec_images"], json!([tag, by_digest]), "sorted");
    assert_eq!(i["packages"], 2);
    let mut found: Vec<(&str, &str)> = i["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["package_name"].as_str().unwrap(), v["severity"].as_str().unwrap()))
        .collect();
    found.sort();
    assert_eq!(found, [("requests", "HIGH"), ("urllib3", "MEDIUM")]);
    // In the cluster report too, once.
    assert_eq!(report["vulnerabilities"].as_array().unwrap().len(), 2);

    // The table: a section for the image naming its workloads and findings.
    let out = plimsoll(dir, &args(&[]));
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        table.contains(&format!(
            "Image {by_digest}\n  run by: Pod/ops/batch, ReplicaSet/shop/web-rs\n  2 packages, 2 vulnerabilities:"
        )),
        "{table}"
    );
    // shop's summary row counts the image's HIGH and MEDIUM on top of the misconfigurations.
    let row = |table: &str| -> Vec<usize> {
        let shop = table.lines().find(|l| l.starts_with("shop ")).unwrap_or_else(|| panic!("{table}"));
        shop.split_whitespace().skip(4).map(|n| n.parse().unwrap()).collect()
    };
    let without: Vec<String> = args(&[]).into_iter().filter(|a| a != "--scan-images").collect();
    let plain = String::from_utf8_lossy(&plimsoll(dir, &without).stdout).into_owned();
    let (with, base) = (row(&table), row(&plain));
    assert_eq!([with[0] - base[0], with[1] - base[1], with[2] - base[2], with[3] - base[3]], [0, 1, 1, 0], "{table}");

    // An image the registry does not have: said, and the gate is incomplete (findings would
    // take precedence over that, as in every command: none at CRITICAL).
    drop(s);
    let s = server(vec![web, job, missing]);
    std::fs::write(&cfg, s.kubeconfig("t0k3n")).unwrap();
    let out = plimsoll(dir, &args(&["--format", "json", "--severity", "CRITICAL"]));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(3), "{err}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let gone = format!("{host}/team/gone:1");
    let images = report["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    let g = images.iter().find(|i| i["reference"] == gone.as_str()).unwrap();
    assert_eq!(g["workloads"], json!(["Pod/ops/ghost"]));
    assert!(g["error"].is_string(), "{g}");
    let said = report["diagnostics"].as_array().unwrap().iter().any(|d| {
        d["level"] == "error"
            && d["path"] == gone.as_str()
            && d["message"].as_str().unwrap().starts_with("image not scanned (run by Pod/ops/ghost)")
    });
    assert!(said, "{}", report["diagnostics"]);
}
