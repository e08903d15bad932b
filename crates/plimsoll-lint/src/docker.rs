//! Input for the live Docker Engine rules (CIS Docker Benchmark v1.6.0, section 2 for the daemon
//! and section 5 for containers, numbered as docker-bench-security's `check_2_N`/`check_5_N`).
//! The facade fills them from the Engine API (`/containers/{id}/json`, `/info`, the bridge
//! network and, when readable, `daemon.json`); this crate never talks to an engine. The JSON is
//! kept as it came so that fields the API adds or drops between versions read as absent rather
//! than failing the audit.

use serde_json::Value;

use crate::rule::Hit;

/// One container as `GET /containers/{id}/json` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerInput {
    /// The container's name without Docker's leading `/` (its short id when it has none).
    pub name: String,
    pub inspect: Value,
}

/// The daemon as `/info` (and `daemon.json`, the `bridge` network) describe it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DaemonInput {
    pub info: Value,
    /// `/etc/docker/daemon.json` when it was given and readable.
    pub daemon_json: Option<Value>,
    /// `GET /networks/bridge`, when the daemon has a default bridge.
    pub bridge_network: Option<Value>,
}

impl ContainerInput {
    pub fn new(inspect: Value) -> ContainerInput {
        let name = match inspect.get("Name").and_then(Value::as_str).map(|n| n.trim_start_matches('/')) {
            Some(n) if !n.is_empty() => n.to_owned(),
            _ => inspect.get("Id").and_then(Value::as_str).map(|i| i.chars().take(12).collect()).unwrap_or_default(),
        };
        ContainerInput { name, inspect }
    }

    /// Reads the JSON used in rule docs and tests (an inspect document, usually partial).
    pub fn from_example(text: &str) -> Result<ContainerInput, String> {
        serde_json::from_str(text).map(ContainerInput::new).map_err(|e| e.to_string())
    }

    /// `HostConfig.<key>` (`Null` when absent).
    pub fn host(&self, key: &str) -> &Value {
        self.inspect.get("HostConfig").and_then(|h| h.get(key)).unwrap_or(&Value::Null)
    }

    /// `Config.<key>` (`Null` when absent).
    pub fn config(&self, key: &str) -> &Value {
        self.inspect.get("Config").and_then(|h| h.get(key)).unwrap_or(&Value::Null)
    }

    /// `HostConfig.SecurityOpt`; Docker accepts both `key=value` and the legacy `key:value`.
    pub fn security_opts(&self) -> impl Iterator<Item = (&str, &str)> {
        strings(self.host("SecurityOpt")).map(|o| o.split_once(['=', ':']).unwrap_or((o, "")))
    }

    /// Bind mounts and volumes: (source on the host, destination in the container).
    pub fn host_mounts(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        if let Some(mounts) = self.inspect.get("Mounts").and_then(Value::as_array) {
            for m in mounts.iter().filter(|m| m.get("Type").and_then(Value::as_str) == Some("bind")) {
                let src = m.get("Source").and_then(Value::as_str).unwrap_or_default();
                let dst = m.get("Destination").and_then(Value::as_str).unwrap_or_default();
                out.push((src.to_owned(), dst.to_owned()));
            }
        }
        // `Mounts` is filled for created containers; `Binds` is what was asked (`-v SRC:DST[:opts]`).
        for b in strings(self.host("Binds")) {
            let mut parts = b.splitn(3, ':');
            if let (Some(src), Some(dst)) = (parts.next(), parts.next()) {
                if src.starts_with('/') && !out.iter().any(|(s, d)| s == src && d == dst) {
                    out.push((src.to_owned(), dst.to_owned()));
                }
            }
        }
        out
    }

    /// A hit on this container.
    pub fn hit(&self, message: impl Into<String>) -> Hit {
        // The finding's file already names the container (`container/NAME`).
        Hit::new(0, 0, message)
    }
}

impl DaemonInput {
    /// Reads the JSON used in rule docs and tests: `{"Info": {...}, "DaemonJson": {...},
    /// "BridgeNetwork": {...}}`, each part optional.
    pub fn from_example(text: &str) -> Result<DaemonInput, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(DaemonInput {
            info: v.get("Info").cloned().unwrap_or(Value::Null),
            daemon_json: v.get("DaemonJson").cloned(),
            bridge_network: v.get("BridgeNetwork").cloned(),
        })
    }

    /// A `daemon.json` setting, when the file was read.
    pub fn setting(&self, key: &str) -> Option<&Value> {
        self.daemon_json.as_ref().and_then(|d| d.get(key))
    }

    /// `/info`'s `SecurityOptions` names (`name=seccomp,profile=default` -> `seccomp`).
    pub fn security_options(&self) -> impl Iterator<Item = &str> {
        strings(self.info.get("SecurityOptions").unwrap_or(&Value::Null))
            .filter_map(|o| o.split(',').find_map(|kv| kv.strip_prefix("name=")))
    }

    pub fn hit(&self, message: impl Into<String>) -> Hit {
        Hit::new(0, 0, message)
    }
}

/// The strings of a JSON array (nothing for anything else).
pub fn strings(v: &Value) -> impl Iterator<Item = &str> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str)
}

/// A JSON number or numeric string as i64 (0 for anything else).
pub fn int(v: &Value) -> i64 {
    v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap_or(0)
}
