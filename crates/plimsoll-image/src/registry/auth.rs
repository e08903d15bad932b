//! Registry credentials and `WWW-Authenticate` challenges.
//!
//! Credentials come from the caller (flags, environment) or from the user's docker
//! `config.json`: an `auths` entry (base64 `user:password`) or a credential helper
//! (`credHelpers` per registry, `credsStore` for all) run as `docker-credential-NAME get`.
//! Secrets are never formatted: [`Credentials`]' `Debug` redacts the password.

use std::collections::HashMap;
use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use serde::Deserialize;

use super::name::DOCKER_HUB;

#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).field("password", &"<redacted>").finish()
    }
}

impl Credentials {
    pub fn basic_header(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password);
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
    }
}

/// A parsed `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Basic,
    Bearer { realm: String, service: Option<String>, scope: Option<String> },
}

/// Parses `Bearer realm="...",service="...",scope="..."` or `Basic realm="..."`. Unknown schemes
/// and a Bearer challenge without a realm are `None`.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(char::is_whitespace).unwrap_or((header, ""));
    match scheme.to_ascii_lowercase().as_str() {
        "basic" => Some(Challenge::Basic),
        "bearer" => {
            let params = parse_params(rest);
            let realm = params.get("realm")?.clone();
            Some(Challenge::Bearer {
                realm,
                service: params.get("service").cloned(),
                scope: params.get("scope").cloned(),
            })
        }
        _ => None,
    }
}

/// `key="quoted, value",key2=token` -> map (keys lowercased). Quoted values may contain commas
/// (a scope list does) and backslash escapes.
fn parse_params(s: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ',' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if chars.next() != Some('=') {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        out.insert(key.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    out
}

#[derive(Deserialize, Default)]
struct DockerConfig {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(rename = "credHelpers", default)]
    cred_helpers: HashMap<String, String>,
    #[serde(rename = "credsStore", default)]
    creds_store: Option<String>,
}

#[derive(Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// The docker config file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub fn docker_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".docker/config.json"))
}

/// The keys a registry may be stored under in `auths` (docker writes Docker Hub as its v1 URL).
fn config_keys(registry: &str) -> Vec<String> {
    let mut keys = vec![registry.to_owned(), format!("https://{registry}"), format!("http://{registry}")];
    keys.push(format!("https://{registry}/v1/"));
    keys.push(format!("https://{registry}/v2/"));
    if registry == DOCKER_HUB {
        for k in ["https://index.docker.io/v1/", "index.docker.io", "registry-1.docker.io"] {
            keys.push(k.to_owned());
        }
    }
    keys
}

/// Looks up credentials for `registry` in a docker config file. A missing file is `Ok(None)`;
/// an unreadable or malformed one, or a failing helper, is an error message (without secrets).
pub fn from_docker_config(path: &Path, registry: &str) -> Result<Option<Credentials>, String> {
    lookup(path, registry, None)
}

/// `helper_dir`: where helpers are looked for instead of `PATH` (tests).
fn lookup(path: &Path, registry: &str, helper_dir: Option<&Path>) -> Result<Option<Credentials>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let config: DockerConfig =
        serde_json::from_slice(&bytes).map_err(|e| format!("{} is not a valid docker config: {e}", path.display()))?;
    let keys = config_keys(registry);
    if let Some(helper) = keys.iter().find_map(|k| config.cred_helpers.get(k)) {
        return run_helper(helper, registry, helper_dir);
    }
    for k in &keys {
        if let Some(entry) = config.auths.get(k) {
            if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(auth.trim())
                    .map_err(|_| format!("{}: the `auth` of {k} is not base64", path.display()))?;
                let raw = String::from_utf8(raw)
                    .map_err(|_| format!("{}: the `auth` of {k} is not UTF-8", path.display()))?;
                let (u, p) = raw
                    .split_once(':')
                    .ok_or_else(|| format!("{}: the `auth` of {k} is not `user:password`", path.display()))?;
                return Ok(Some(Credentials { username: u.to_owned(), password: p.to_owned() }));
            }
            if let (Some(u), Some(p)) = (&entry.username, &entry.password) {
                return Ok(Some(Credentials { username: u.clone(), password: p.clone() }));
            }
        }
    }
    match &config.creds_store {
        Some(store) if !store.is_empty() => run_helper(store, registry, helper_dir),
        _ => Ok(None),
    }
}

/// Runs `docker-credential-NAME get` (a program the user installed and configured, never one
/// from an image) with the server on stdin. "credentials not found" is `None`.
fn run_helper(name: &str, registry: &str, helper_dir: Option<&Path>) -> Result<Option<Credentials>, String> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
        return Err(format!("credential helper name `{name}` is not valid"));
    }
    let program = format!("docker-credential-{name}");
    let exe = helper_dir.map_or_else(|| PathBuf::from(&program), |d| d.join(&program));
    let mut child = Command::new(exe)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let server = if registry == DOCKER_HUB { "https://index.docker.io/v1/" } else { registry };
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading stdin is reported by its status below.
        let _ = stdin.write_all(server.as_bytes());
    }
    let mut out = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        stdout.take(1 << 20).read_to_end(&mut out).map_err(|e| format!("cannot read from {program}: {e}"))?;
    }
    let status = child.wait().map_err(|e| format!("{program} failed: {e}"))?;
    if !status.success() {
        let text = String::from_utf8_lossy(&out);
        if text.to_ascii_lowercase().contains("credentials not found") {
            return Ok(None);
        }
        return Err(format!("{program} get failed ({status})"));
    }
    #[derive(Deserialize)]
    struct HelperOut {
        #[serde(rename = "Username", default)]
        username: String,
        #[serde(rename = "Secret", default)]
        secret: String,
    }
    let h: HelperOut = serde_json::from_slice(&out).map_err(|e| format!("{program} printed invalid JSON: {e}"))?;
    if h.secret.is_empty() {
        return Ok(None);
    }
    Ok(Some(Credentials { username: h.username, password: h.secret }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.example.com/token".into(),
                service: Some("registry.example.com".into()),
                scope: Some("repository:a/b:pull,push".into()),
            })
        );
        assert_eq!(parse_challenge(r#"Basic realm="Registry Realm""#), Some(Challenge::Basic));
        assert_eq!(parse_challenge("Bearer service=x"), None);
        assert_eq!(parse_challenge("Negotiate"), None);
        assert_eq!(
            parse_challenge(r#"bearer realm=https://t/x , service="s\"q""#),
            Some(Challenge::Bearer { realm: "https://t/x".into(), service: Some("s\"q".into()), scope: None })
        );
    }

    #[test]
    fn docker_config_auths() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(
            &path,
            r#"{"auths":{"https://index.docker.io/v1/":{"auth":"aHViOnNlY3JldA=="},"r.example.com:5000":{"auth":"dTpwOnE="}}}"#,
        )
        .unwrap();
        assert_eq!(
            from_docker_config(&path, "docker.io").unwrap(),
            Some(Credentials { username: "hub".into(), password: "secret".into() })
        );
        // The password may contain colons.
        assert_eq!(
            from_docker_config(&path, "r.example.com:5000").unwrap(),
            Some(Credentials { username: "u".into(), password: "p:q".into() })
        );
        assert_eq!(from_docker_config(&path, "other.example.com").unwrap(), None);
        assert_eq!(from_docker_config(&dir.path().join("none.json"), "x").unwrap(), None);
        let c = Credentials { username: "u".into(), password: "hunter2".into() };
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn credential_helper_is_run() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let helper = dir.path().join("docker-credential-plimsolltest");
        std::fs::write(
            &helper,
            "#!/bin/sh\nread server\n[ \"$1\" = get ] && [ \"$server\" = reg.example.com ] && \
             echo '{\"ServerURL\":\"reg.example.com\",\"Username\":\"hu\",\"Secret\":\"hs\"}'\n",
        )
        .unwrap();
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, r#"{"credHelpers":{"reg.example.com":"plimsolltest"},"credsStore":"missing"}"#).unwrap();
        assert_eq!(
            lookup(&path, "reg.example.com", Some(dir.path())).unwrap(),
            Some(Credentials { username: "hu".into(), password: "hs".into() })
        );
        // Other registries go to `credsStore`, whose helper is absent here.
        let e = lookup(&path, "other.example.com", Some(dir.path())).unwrap_err();
        assert!(e.contains("docker-credential-missing"), "{e}");
    }
}
