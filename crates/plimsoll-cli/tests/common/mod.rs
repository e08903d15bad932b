//! Helpers shared by the fleet-server and browser tests (`server.rs`, `server_browser.rs`,
//! `browser.rs`): the repository root, the test-artifact directory, the browser prerequisites,
//! the real server on loopback, API calls, and the per-layer counts the charts must show. Each
//! test binary compiles this module and uses part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_plimsoll");

/// The repository root (canonical, so node and chromium get clean paths).
pub fn root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::canonicalize(&root).unwrap_or(root)
}

/// `<target dir>/test-artifacts/NAME/`: test binaries run from `<target dir>/<profile>/deps/`.
pub fn artifacts(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.ancestors().nth(3).unwrap().join("test-artifacts").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Why the browser cannot run here, if it cannot.
pub fn browser_missing() -> Option<String> {
    let chromium = std::env::var("PLIMSOLL_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!("{chromium} is absent (apt-get install chromium)"));
    }
    if Command::new("node").arg("--version").output().map(|o| !o.status.success()).unwrap_or(true) {
        return Some("node is absent (apt-get install nodejs)".into());
    }
    if !root().join("tests/browser/node_modules/playwright-core").is_dir() {
        return Some("tests/browser/node_modules is absent (npm ci in tests/browser)".into());
    }
    None
}

/// A `plimsoll server` child process, killed when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The real server on loopback (port 0) with `--admin-token-file`, and that admin token.
pub fn start_server_with(
    data: &Path,
    db: &Path,
    config: Option<&Path>,
    extra: &[&std::ffi::OsStr],
) -> (Server, String) {
    let token_file = data.join("admin.token");
    let mut cmd = Command::new(BIN);
    cmd.args(["server", "--listen", "127.0.0.1:0", "--data"]).arg(data).arg("--db").arg(db);
    cmd.arg("--admin-token-file").arg(&token_file);
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    cmd.args(extra);
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("the server printed its address").unwrap();
        if let Some(u) = line.strip_prefix("plimsoll server listening on ") {
            break u.to_owned();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let token = std::fs::read_to_string(token_file).unwrap().trim().to_owned();
    (Server { child, url }, token)
}

pub fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).build()
}

/// (status, JSON body) of a request; a body that is not JSON comes back as a string.
pub fn call(url: &str, token: Option<&str>, method: &str, body: Option<&Value>) -> (u16, Value) {
    let mut req = agent().request(method, url);
    if let Some(t) = token {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    let resp = match body {
        Some(b) => req.set("Content-Type", "application/json").send_bytes(&serde_json::to_vec(b).unwrap()),
        None if method == "POST" => req.send_bytes(b""),
        None => req.call(),
    };
    let r = match resp {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {url}: {e}"),
    };
    let status = r.status();
    let text = r.into_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Per layer index: (packages, findings) as the JSON report says.
pub fn layer_counts(report: &Value) -> BTreeMap<u64, (u64, u64)> {
    let mut m: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    for l in report["layers"].as_array().unwrap() {
        m.entry(l["index"].as_u64().unwrap()).or_default();
    }
    for p in report["packages"].as_array().unwrap() {
        if let Some(i) = p["layer"]["index"].as_u64() {
            m.entry(i).or_default().0 += 1;
        }
    }
    for kind in ["vulnerabilities", "secrets", "misconfigurations"] {
        for f in report[kind].as_array().map(Vec::as_slice).unwrap_or_default() {
            if let Some(i) = f["layer"]["index"].as_u64() {
                m.entry(i).or_default().1 += 1;
            }
        }
    }
    m
}

/// Per layer index: (packages, findings) as the page's chart rows say.
pub fn chart_counts(rows: &Value) -> BTreeMap<u64, (u64, u64)> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| (r["layer"].as_u64().unwrap(), (r["packages"].as_u64().unwrap(), r["findings"].as_u64().unwrap())))
        .collect()
}
