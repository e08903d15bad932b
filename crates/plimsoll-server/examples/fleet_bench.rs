//! Fleet server benchmark (not a test): synthetic inventories through the real HTTP server on
//! SQLite in a temp dir.
//!
//! 1. ingest N image reports (300 npm packages each: one of 20 shared base layers of 250
//!    packages, plus an app layer of 50) by `POST /api/v1/images`;
//! 2. replace the advisory database with one holding 50 more advisories and re-match all;
//! 3. `GET /api/v1/vulnerabilities/{id}/images` latency, with `hey` when installed (an advisory
//!    on one base layer: N/20 images);
//! 4. peak RSS of this process (server and client together: an upper bound for the server).
//!
//! `cargo run --release -p plimsoll-server --example fleet_bench -- 1000` (and `10000`).

#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use plimsoll_server::store::sqlite::SqliteStore;
use plimsoll_server::{serve, App, Config};
use serde_json::json;
use sha2::{Digest as _, Sha256};

const BASES: usize = 20;
const BASE_PKGS: usize = 250;
const APP_PKGS: usize = 50;

fn digest(s: &str) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(s.as_bytes())))
}

fn osv(id: &str, name: &str, fixed: &str) -> serde_json::Value {
    json!({"schema_version": "1.4.0", "id": id, "modified": "2024-01-01T00:00:00Z",
           "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
           "affected": [{"package": {"ecosystem": "npm", "name": name},
                         "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": fixed}]}]}]})
}

fn build_db(dir: &Path, name: &str, extra: bool) -> PathBuf {
    let src = dir.join(format!("{name}-osv"));
    std::fs::create_dir_all(&src).unwrap();
    let mut docs = Vec::new();
    // Every 10th base package and every 10th app package is vulnerable.
    for b in 0..BASES {
        for p in (0..BASE_PKGS).step_by(10) {
            docs.push(osv(&format!("GHSA-base-{b}-{p}"), &format!("base{b}-pkg{p}"), "9.0.0"));
        }
    }
    for p in (0..APP_PKGS).step_by(10) {
        docs.push(osv(&format!("GHSA-app-{p}"), &format!("app-pkg{p}"), "9.0.0"));
    }
    if extra {
        for p in 0..50 {
            docs.push(osv(&format!("GHSA-new-{p}"), &format!("base{}-pkg{}", p % BASES, 1 + p), "9.0.0"));
        }
    }
    for (i, d) in docs.iter().enumerate() {
        std::fs::write(src.join(format!("{i}.json")), serde_json::to_vec(d).unwrap()).unwrap();
    }
    let out = dir.join(name);
    plimsoll::db::Database::build(&[src], &out).unwrap();
    out
}

fn report(i: usize) -> Vec<u8> {
    let b = i % BASES;
    let base_diff = digest(&format!("base-{b}"));
    let app_diff = digest(&format!("app-{i}"));
    let layers = json!([
        {"index": 0, "digest": digest(&format!("blob-base-{b}")), "diff_id": base_diff,
         "media_type": "application/vnd.oci.image.layer.v1.tar+gzip", "size": 1000, "created_by": format!("FROM base{b}")},
        {"index": 1, "digest": digest(&format!("blob-app-{i}")), "diff_id": app_diff,
         "media_type": "application/vnd.oci.image.layer.v1.tar+gzip", "size": 1000, "created_by": "COPY app/ /app"}]);
    let mut packages = Vec::new();
    for p in 0..BASE_PKGS {
        let (n, v) = (format!("base{b}-pkg{p}"), format!("1.{b}.0"));
        packages.push(json!({"kind": "npm", "name": n, "version": v, "purl": format!("pkg:npm/{n}@{v}"),
                             "found_in": "usr/lib/node_modules", "layer": {"index": 0, "diff_id": base_diff}}));
    }
    for p in 0..APP_PKGS {
        let (n, v) = (format!("app-pkg{p}"), format!("1.{}.0", i % 7));
        packages.push(json!({"kind": "npm", "name": n, "version": v, "purl": format!("pkg:npm/{n}@{v}"),
                             "found_in": "app/package-lock.json", "layer": {"index": 1, "diff_id": app_diff}}));
    }
    serde_json::to_vec(&json!({
        "schema_version": "1.4", "tool": "bench", "created_at": "2026-01-01T00:00:00Z",
        "artifact": {"name": format!("reg.example/team/app{i}:1"), "kind": "container_image",
                     "manifest_digest": digest(&format!("manifest-{i}"))},
        "layers": layers, "packages": packages,
    }))
    .unwrap()
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let dir = tempfile::tempdir().unwrap();
    let db1 = build_db(dir.path(), "db1", false);
    let db2 = build_db(dir.path(), "db2", true);
    let adv = dir.path().join("advisories.db");
    std::fs::copy(&db1, &adv).unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("data")).unwrap());
    let app = Arc::new(App::new(store.clone(), Some(adv.clone()), Config::default(), Box::new(|m| println!("{m}"))));
    app.check_advisories().unwrap();
    let token =
        plimsoll_server::create_token(store.as_ref(), plimsoll_server::auth::Role::Admin, "bench", None).unwrap();
    let running =
        serve::start("127.0.0.1:0".parse().unwrap(), None, Arc::clone(&app), Arc::new(|m: &str| println!("{m}")))
            .unwrap();
    let base = format!("http://{}", running.addr);
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(120)).build();
    let auth = format!("Bearer {token}");

    let t = Instant::now();
    for i in 0..n {
        let r = agent.post(&format!("{base}/api/v1/images")).set("Authorization", &auth).send_bytes(&report(i));
        assert_eq!(r.map(|r| r.status()).unwrap_or(0), 201);
    }
    let ingest = t.elapsed();
    println!(
        "ingest: {n} images x {} packages ({BASES} shared base layers): {ingest:.2?} ({:.1} images/s)",
        BASE_PKGS + APP_PKGS,
        n as f64 / ingest.as_secs_f64()
    );
    println!("peak RSS after ingest: {} MiB", peak_rss_kib() / 1024);

    let tmp = dir.path().join("advisories.tmp");
    std::fs::copy(&db2, &tmp).unwrap();
    std::fs::rename(&tmp, &adv).unwrap();
    let t = Instant::now();
    let stats = app.check_advisories().unwrap();
    let rematch = t.elapsed();
    // The watcher may have picked the change up first; then wait for its re-match instead.
    println!("re-match after the advisory update: {rematch:.2?} ({stats:?})");
    println!("peak RSS after re-match: {} MiB", peak_rss_kib() / 1024);

    let url = format!("{base}/api/v1/vulnerabilities/GHSA-base-0-0/images");
    let body = agent.get(&url).set("Authorization", &auth).call().unwrap().into_string().unwrap();
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    println!("GHSA-base-0-0 affects {} images ({} bytes)", v["images"].as_array().map_or(0, |a| a.len()), body.len());
    let hey = std::process::Command::new("hey")
        .args(["-n", "2000", "-c", "4", "-H", &format!("Authorization: {auth}"), &url])
        .output();
    match hey {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            for l in text.lines().filter(|l| l.contains("Requests/sec") || l.contains("% in") || l.contains("Average"))
            {
                println!("hey: {}", l.trim());
            }
        }
        Err(_) => {
            let mut times: Vec<Duration> = (0..500)
                .map(|_| {
                    let t = Instant::now();
                    agent.get(&url).set("Authorization", &auth).call().unwrap().into_string().unwrap();
                    t.elapsed()
                })
                .collect();
            times.sort();
            println!("sequential: p50 {:.2?} p99 {:.2?}", times[times.len() / 2], times[times.len() * 99 / 100]);
        }
    }
    println!("peak RSS overall: {} MiB", peak_rss_kib() / 1024);
}
