//! The direction of dependencies between workspace crates (docs/architecture.md): model at the
//! bottom, domain crates on it, the report below the facade, doors on top depending on the facade,
//! the report and the model only. Reads `cargo metadata` and fails when a crate gains a workspace
//! dependency its row does not allow, or when a new crate has no row.

use std::collections::BTreeMap;
use std::process::Command;

/// Each workspace crate and the workspace crates it may depend on (any kind: normal, build, dev;
/// a crate may also depend on itself, e.g. for a test feature). Keep in step with the table in
/// docs/architecture.md.
const ALLOWED: &[(&str, &[&str])] = &[
    ("plimsoll-model", &[]),
    // Test skips (dev-dependency of any crate, see below); depends on nothing.
    ("plimsoll-test-support", &[]),
    ("plimsoll-net", &[]),
    // Domain crates: the model, and the shared network setup where they talk to servers.
    ("plimsoll-image", &["plimsoll-model", "plimsoll-net"]),
    ("plimsoll-inventory", &["plimsoll-model"]),
    ("plimsoll-secrets", &["plimsoll-model"]),
    ("plimsoll-lint", &["plimsoll-model"]),
    ("plimsoll-advisory", &["plimsoll-model", "plimsoll-net"]),
    // The Kubernetes API client of `plimsoll k8s`: TLS setup from the shared network crate.
    ("plimsoll-kube", &["plimsoll-net"]),
    // Signing stores signatures in registries, so it sits on the image crate's registry client.
    ("plimsoll-sign", &["plimsoll-model", "plimsoll-image", "plimsoll-net"]),
    ("plimsoll-sigstore", &["plimsoll-model", "plimsoll-net", "plimsoll-image", "plimsoll-sign"]),
    // Rendering and the policy: plain functions of the report.
    ("plimsoll-report", &["plimsoll-model"]),
    // The facade: everything below it.
    (
        "plimsoll",
        &[
            "plimsoll-model",
            "plimsoll-net",
            "plimsoll-image",
            "plimsoll-inventory",
            "plimsoll-secrets",
            "plimsoll-lint",
            "plimsoll-advisory",
            "plimsoll-sign",
            "plimsoll-sigstore",
            "plimsoll-kube",
            "plimsoll-report",
        ],
    ),
    // Fuzz target bodies (run by the fuzz crates and a smoke test): the parsers they exercise.
    ("plimsoll-fuzz", &["plimsoll-image", "plimsoll-inventory", "plimsoll-lint"]),
    // Doors: the facade, the report and the model, nothing else.
    // The CLI is the one binary: it runs the admission and server doors too (`plimsoll
    // admission`, `plimsoll server`).
    ("plimsoll-cli", &["plimsoll", "plimsoll-report", "plimsoll-model", "plimsoll-admission", "plimsoll-server"]),
    ("plimsoll-admission", DOOR),
    ("plimsoll-server", DOOR),
];

const DOOR: &[&str] = &["plimsoll", "plimsoll-report", "plimsoll-model"];

#[test]
fn workspace_dependencies_point_down() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let packages = meta["packages"].as_array().expect("packages");
    let members: Vec<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    assert!(members.contains(&"plimsoll-cli") && members.len() >= 10, "unexpected workspace: {members:?}");
    let mut problems = Vec::new();
    for p in packages {
        let name = p["name"].as_str().unwrap_or_default();
        let Some(ok) = allowed.get(name) else {
            problems.push(format!("{name} has no row in ALLOWED (tests/layering.rs) and docs/architecture.md"));
            continue;
        };
        for d in p["dependencies"].as_array().into_iter().flatten() {
            let dep = d["name"].as_str().unwrap_or_default();
            // Workspace crates are path dependencies; registry crates have no path.
            if d["path"].is_null() || dep == name {
                continue;
            }
            // Every crate's tests may use the skip helper; no product code may.
            if dep == "plimsoll-test-support" && d["kind"].as_str() == Some("dev") {
                continue;
            }
            if !ok.contains(&dep) {
                let kind = d["kind"].as_str().unwrap_or("normal");
                problems.push(format!("{name} depends on {dep} ({kind}), which breaks the layering"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
