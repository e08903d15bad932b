//! The planted secrets of the shared test image: first in fixtures that reproduce their formats,
//! then in the real image layers and config (skipped when ../shared is absent).
#![allow(clippy::print_stderr)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use plimsoll_secrets::{Scanner, SecretMatch};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/planted").join(name)).unwrap()
}

fn summary(matches: &[SecretMatch]) -> Vec<(String, u32)> {
    matches.iter().map(|m| (m.rule_id.clone(), m.line)).collect()
}

#[test]
fn fixture_aws_credentials_two_pairs() {
    let s = Scanner::builtin();
    let m = s.scan("app/config/aws_credentials", &fixture("aws_credentials"));
    assert_eq!(
        summary(&m),
        [
            ("aws-access-key-id".into(), 2),
            ("aws-secret-access-key".into(), 3),
            ("aws-access-key-id".into(), 6),
            ("aws-secret-access-key".into(), 7)
        ]
    );
    assert!(m.iter().all(|m| m.pair.is_some()));
}

#[test]
fn fixture_rsa_key() {
    let s = Scanner::builtin();
    let key = fixture("id_rsa");
    let m = s.scan("root/.ssh/id_rsa", &key);
    assert_eq!(summary(&m), [("private-key".into(), 1)]);
    // The whole block is the secret, and it is masked.
    assert_eq!(m[0].byte_range.len(), key.trim_ascii_end().len());
    assert_eq!(m[0].masked, "----*****");
}

#[test]
fn fixture_settings_py_and_env() {
    let s = Scanner::builtin();
    assert_eq!(summary(&s.scan("app/settings.py", &fixture("settings.py"))), [("github-pat".into(), 2)]);
    let env = fixture("env_gitlab_token");
    let m = s.scan("Env", &env);
    assert_eq!(summary(&m), [("gitlab-pat".into(), 1)]);
    assert_eq!(m[0].secret(&env).unwrap(), b"glpat-Xy7Kq2Lm9Np4Rs6Tv8Wz");
}

fn shared_image() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/images/debian-app.oci.tar");
    if p.exists() {
        Some(p)
    } else {
        plimsoll_test_support::require(&format!("{} is absent", p.display()));
        None
    }
}

/// The small JSON blobs (index, manifest, config) of an OCI archive, by path.
fn small_entries(archive: &Path) -> HashMap<String, Vec<u8>> {
    let mut out = HashMap::new();
    let mut tar = tar::Archive::new(std::fs::File::open(archive).unwrap());
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.header().size().unwrap() < 1 << 20 {
            let path = entry.path().unwrap().to_string_lossy().into_owned();
            let mut buf = Vec::new();
            entry.read_to_end(&mut buf).unwrap();
            out.insert(path, buf);
        }
    }
    out
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

struct LayerScan {
    /// (layer index, path) -> matches
    findings: BTreeMap<(usize, String), Vec<SecretMatch>>,
    /// Paths deleted by a whiteout, with the layer that deleted them.
    whiteouts: HashMap<String, usize>,
    /// Files owned by dpkg packages (from var/lib/dpkg/info/*.list).
    dpkg_owned: HashSet<String>,
}

fn scan_layers(archive: &Path, scanner: &Scanner, layer_digests: &[String]) -> LayerScan {
    let mut result = LayerScan { findings: BTreeMap::new(), whiteouts: HashMap::new(), dpkg_owned: HashSet::new() };
    let mut tar = tar::Archive::new(std::fs::File::open(archive).unwrap());
    for entry in tar.entries().unwrap() {
        let entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let Some(index) = layer_digests.iter().position(|d| path == format!("blobs/sha256/{d}")) else { continue };
        let mut layer = tar::Archive::new(flate2::read::GzDecoder::new(entry));
        for file in layer.entries().unwrap() {
            let mut file = file.unwrap();
            let name = file.path().unwrap().to_string_lossy().trim_start_matches("./").to_owned();
            if let Some((dir, base)) = name.rsplit_once('/') {
                if let Some(deleted) = base.strip_prefix(".wh.") {
                    result.whiteouts.insert(format!("{dir}/{deleted}"), index);
                    continue;
                }
            }
            if !file.header().entry_type().is_file() {
                continue;
            }
            let wanted = scanner.wants_path(&name) || name.starts_with("var/lib/dpkg/info/");
            if !wanted || file.header().size().unwrap() > scanner.max_file_size() {
                continue;
            }
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            if name.starts_with("var/lib/dpkg/info/") && name.ends_with(".list") {
                for owned in String::from_utf8_lossy(&content).lines() {
                    result.dpkg_owned.insert(owned.trim_start_matches('/').to_owned());
                }
            }
            let matches = scanner.scan(&name, &content);
            if !matches.is_empty() {
                result.findings.insert((index, name), matches);
            }
        }
    }
    result
}

#[test]
fn shared_image_planted_secrets_are_all_found() {
    let Some(archive) = shared_image() else { return };
    let scanner = Scanner::builtin();
    let blobs = small_entries(&archive);
    let index = json(&blobs["index.json"]);
    let manifest_digest = index["manifests"][0]["digest"].as_str().unwrap().trim_start_matches("sha256:");
    let manifest = json(&blobs[&format!("blobs/sha256/{manifest_digest}")]);
    let layers: Vec<String> = manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["digest"].as_str().unwrap().trim_start_matches("sha256:").to_owned())
        .collect();
    let config_digest = manifest["config"]["digest"].as_str().unwrap().trim_start_matches("sha256:");
    let config = json(&blobs[&format!("blobs/sha256/{config_digest}")]);

    let scan = scan_layers(&archive, &scanner, &layers);
    let got = |layer: usize, path: &str| -> Vec<(String, u32)> {
        scan.findings.get(&(layer, path.to_owned())).map(|m| summary(m)).unwrap_or_default()
    };

    // Layer 2 (index 1): the AWS pairs and the RSA key, both deleted by layer 3.
    let aws = got(1, "app/config/aws_credentials");
    assert_eq!(
        aws,
        [
            ("aws-access-key-id".into(), 2),
            ("aws-secret-access-key".into(), 3),
            ("aws-access-key-id".into(), 6),
            ("aws-secret-access-key".into(), 7)
        ]
    );
    let aws_matches = &scan.findings[&(1, "app/config/aws_credentials".to_owned())];
    assert!(aws_matches.iter().all(|m| m.pair.is_some()), "pairs linked");
    assert_eq!(got(1, "root/.ssh/id_rsa"), [("private-key".into(), 1)]);
    assert_eq!(scan.whiteouts.get("app/config/aws_credentials"), Some(&2));
    assert_eq!(scan.whiteouts.get("root/.ssh/id_rsa"), Some(&2));
    // Layer 3: the GitHub token on line 2.
    assert_eq!(got(2, "app/settings.py"), [("github-pat".into(), 2)]);
    // Nothing else in the application layers.
    let app_layer_files: Vec<_> = scan.findings.keys().filter(|(l, _)| *l > 0).collect();
    assert_eq!(app_layer_files.len(), 3, "{app_layer_files:?}");

    // The Debian base layer: no finding outside files owned by dpkg packages (the pipeline's
    // default); those inside are reported for the record.
    let base: Vec<_> = scan.findings.iter().filter(|((l, _), _)| *l == 0).collect();
    let unowned: Vec<_> = base.iter().filter(|((_, p), _)| !scan.dpkg_owned.contains(p)).collect();
    for ((_, path), m) in &base {
        eprintln!("base layer (dpkg-owned: {}): {path}: {:?}", scan.dpkg_owned.contains(path), summary(m));
    }
    assert!(scan.dpkg_owned.len() > 1000, "dpkg file lists were read");
    assert!(unowned.is_empty(), "findings in files no package owns: {unowned:?}");

    // Image config: Env and the history entry that set it.
    let env: Vec<String> =
        config["config"]["Env"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    let env_hits: Vec<_> = env
        .iter()
        .enumerate()
        .flat_map(|(i, e)| scanner.scan(&format!("Env[{i}]"), e.as_bytes()).into_iter().map(move |m| (i, m)))
        .collect();
    assert_eq!(env_hits.len(), 1);
    assert_eq!(env_hits[0].1.rule_id, "gitlab-pat");
    let history_hits: Vec<_> = config["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["created_by"].as_str())
        .flat_map(|c| scanner.scan("history", c.as_bytes()))
        .map(|m| m.rule_id)
        .collect();
    assert_eq!(history_hits, ["gitlab-pat"]);
}
