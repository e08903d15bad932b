//! Node files as the CIS Docker and Kubernetes benchmarks check them (`plimsoll host`).
//!
//! The linter knows *which* files a node has (Docker's `daemon.json` and systemd units, the
//! kubeadm static-pod manifests, the kubelet's config and drop-ins, the PKI) and what they
//! should look like; reading them is left to a [`HostFs`] the caller supplies (the facade reads
//! under a root directory, never following a symlink out of it; the rule examples use an
//! in-memory tree). [`HostInput::collect`] reads and parses everything into one model, turning
//! unreadable or malformed files into [`HostDiagnostic`]s while the rest is still checked;
//! the `PL-HOST-*` rules then run over the model.
//!
//! Paths are absolute as seen on the host (`/etc/kubernetes/...`); findings name them so.

use std::collections::BTreeMap;

use crate::rule::Hit;
use crate::yaml::Node;

/// Largest node file read (the biggest real one, a kube-apiserver manifest, is a few KiB).
pub const MAX_HOST_FILE_BYTES: u64 = 1024 * 1024;
/// Most directory entries looked at in one directory (PKI, systemd drop-ins).
pub const MAX_DIR_ENTRIES: usize = 4096;

/// What kind of file a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    File,
    Dir,
    Socket,
    Other,
}

/// `stat` of a path (after following symlinks inside the root).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeta {
    pub kind: FileType,
    /// Permission bits (`0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// Why a node file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HostFsError {
    #[error("symlink points outside the root ({target}); not followed")]
    EscapesRoot { target: String },
    #[error("more than {max} symlinks to follow")]
    SymlinkLoop { max: usize },
    #[error("file is {size} bytes, more than the {max} bytes read; not checked")]
    TooLarge { size: u64, max: u64 },
    #[error("{source}")]
    Io {
        #[source]
        source: std::io::Error,
    },
}

/// Read access to a node's files by host path. Implementations bound reads to
/// [`MAX_HOST_FILE_BYTES`] and never leave their root.
pub trait HostFs {
    /// Metadata, `Ok(None)` when the path does not exist.
    fn stat(&self, path: &str) -> Result<Option<FileMeta>, HostFsError>;
    /// Content, `Ok(None)` when the path does not exist.
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, HostFsError>;
    /// Entry names of a directory, `Ok(None)` when it does not exist.
    fn list(&self, dir: &str) -> Result<Option<Vec<String>>, HostFsError>;
}

/// Who counts as the owners the benchmarks name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostOptions {
    /// The uid:gid that counts as `root:root` (0:0 on a real node; a test tree written by an
    /// unprivileged user passes its own ids).
    pub root: (u32, u32),
    /// Check ownership at all (modes are always checked).
    pub check_ownership: bool,
}

impl Default for HostOptions {
    fn default() -> Self {
        HostOptions { root: (0, 0), check_ownership: true }
    }
}

/// A file, directory or socket that could not be (fully) checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostDiagnostic {
    pub path: String,
    pub message: String,
}

/// A command-line flag (`--name=value`) with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// Without the leading dashes.
    pub name: String,
    pub value: Option<String>,
    pub file: usize,
    pub line: u32,
}

impl Arg {
    /// The value, `true` for a bare boolean flag.
    pub fn value_or_true(&self) -> &str {
        self.value.as_deref().unwrap_or("true")
    }
}

/// The control-plane components run as kubeadm static pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Component {
    ApiServer,
    ControllerManager,
    Scheduler,
    Etcd,
}

impl Component {
    pub const ALL: [Component; 4] =
        [Component::ApiServer, Component::ControllerManager, Component::Scheduler, Component::Etcd];

    pub fn name(self) -> &'static str {
        match self {
            Component::ApiServer => "kube-apiserver",
            Component::ControllerManager => "kube-controller-manager",
            Component::Scheduler => "kube-scheduler",
            Component::Etcd => "etcd",
        }
    }

    pub fn manifest(self) -> String {
        format!("/etc/kubernetes/manifests/{}.yaml", self.name())
    }
}

/// A parsed static-pod manifest: the first container's command and args as flags.
#[derive(Debug, Clone)]
pub struct StaticPod {
    pub component: Component,
    pub file: usize,
    /// Line of the container's `command` (where findings about a missing flag point).
    pub line: u32,
    pub args: Vec<Arg>,
    /// `(mountPath, hostPath)` of the pod's hostPath volumes, to map a flag's path back to the host.
    pub mounts: Vec<(String, String)>,
}

impl StaticPod {
    /// The last occurrence of `--name` (the one the component uses).
    pub fn arg(&self, name: &str) -> Option<&Arg> {
        self.args.iter().rev().find(|a| a.name == name)
    }

    /// A path as the container sees it, as the host sees it (through the hostPath mounts).
    pub fn host_path(&self, container_path: &str) -> String {
        let best = self
            .mounts
            .iter()
            .filter(|(m, _)| {
                let m = m.trim_end_matches('/');
                container_path == m || container_path.starts_with(&format!("{m}/"))
            })
            .max_by_key(|(m, _)| m.len());
        match best {
            Some((m, h)) => format!("{}{}", h.trim_end_matches('/'), &container_path[m.trim_end_matches('/').len()..]),
            None => container_path.to_string(),
        }
    }

    /// A hit at the flag, or at the command when the flag is missing.
    pub fn hit(&self, arg: Option<&Arg>, message: impl Into<String>) -> Hit {
        let line = arg.map_or(self.line, |a| a.line);
        Hit {
            file: Some(arg.map_or(self.file, |a| a.file)),
            resource: Some(format!("pod/{}", self.component.name())),
            ..Hit::new(line, line, message)
        }
    }
}

/// A Docker daemon setting: from `daemon.json` or a `dockerd` flag in the systemd unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// Scalars as text (`true`, `"json-file"`), arrays item by item.
    pub values: Vec<String>,
    pub file: usize,
    pub line: u32,
}

/// The Docker daemon's configuration.
#[derive(Debug, Clone, Default)]
pub struct DockerConfig {
    /// `daemon.json` parsed, with the file index.
    pub daemon_json: Option<(usize, String, serde_json::Map<String, serde_json::Value>)>,
    /// `dockerd` flags from `docker.service`'s `ExecStart`.
    pub flags: Vec<Arg>,
    /// Where findings about a missing setting point (`daemon.json`, or the unit without one).
    pub anchor: usize,
    /// `daemon.json` exists but could not be read or parsed: its settings are unknown, so the
    /// setting rules stay quiet (the diagnostic says why) instead of judging defaults.
    pub unread: bool,
}

/// `dockerd` flag names for the `daemon.json` keys the rules read (`-H` is `hosts`).
const DOCKERD_FLAGS: &[(&str, &str)] = &[
    ("hosts", "host"),
    ("insecure-registries", "insecure-registry"),
    ("tls", "tls"),
    ("tlsverify", "tlsverify"),
    ("icc", "icc"),
    ("userns-remap", "userns-remap"),
    ("live-restore", "live-restore"),
    ("log-driver", "log-driver"),
    ("experimental", "experimental"),
    ("no-new-privileges", "no-new-privileges"),
    ("userland-proxy", "userland-proxy"),
];

impl DockerConfig {
    /// A setting by its `daemon.json` key: the `dockerd` flags' values, then the file's. dockerd
    /// refuses to start when a directive is in both (except that lists such as `hosts` from
    /// both places all count), so the union is what the rules judge; the position is the
    /// file's when it sets the key.
    pub fn setting(&self, key: &str) -> Option<Setting> {
        let flag = DOCKERD_FLAGS.iter().find(|(k, _)| *k == key).map_or(key, |(_, f)| f);
        let from_flags: Vec<&Arg> = self.flags.iter().filter(|a| a.name == flag).collect();
        let flagged = from_flags.last().map(|last| Setting {
            values: from_flags.iter().map(|a| a.value_or_true().to_string()).collect(),
            file: last.file,
            line: last.line,
        });
        let Some((file, text, map)) = self.daemon_json.as_ref() else { return flagged };
        let Some(v) = map.get(key) else { return flagged };
        let scalar = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let values = match v {
            serde_json::Value::Array(items) => items.iter().map(scalar).collect(),
            other => vec![scalar(other)],
        };
        let mut all = flagged.map(|s| s.values).unwrap_or_default();
        all.extend(values);
        Some(Setting { values: all, file: *file, line: line_of(text, &format!("\"{key}\"")) })
    }

    /// A hit at a setting, or at the anchor file when it is not set.
    pub fn hit(&self, at: Option<&Setting>, message: impl Into<String>) -> Hit {
        let (file, line) = at.map_or((self.anchor, 1), |s| (s.file, s.line));
        Hit { file: Some(file), resource: Some("docker-daemon".to_string()), ..Hit::new(line, line, message) }
    }
}

/// Expected owner of a node file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    RootRoot,
    /// `root:docker` (the Docker socket).
    RootDocker,
    /// `etcd:etcd` (the etcd data directory).
    Etcd,
}

/// What the benchmark expects of one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSpec {
    /// Permission bits that must not be set (`0o177` for "600 or more restrictive").
    pub forbidden: u32,
    /// The mode the benchmark names, for messages ("600").
    pub want_mode: &'static str,
    pub owner: Owner,
    /// CIS recommendation numbers for the mode and the ownership checks.
    pub mode_ref: &'static str,
    pub owner_ref: &'static str,
}

/// A checked path that exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedFile {
    pub file: usize,
    pub meta: FileMeta,
    pub spec: FileSpec,
}

/// Everything `plimsoll host` read from a node, parsed.
#[derive(Debug, Clone, Default)]
pub struct HostInput {
    /// Host paths; hits point into this list with [`Hit::file`].
    pub files: Vec<String>,
    pub docker: Option<DockerConfig>,
    pub pods: Vec<StaticPod>,
    /// The EncryptionConfiguration the API server names (file index and parsed document).
    pub encryption: Option<(usize, Node)>,
    /// The kubelet's config file (file index and parsed document).
    pub kubelet_config: Option<(usize, Node)>,
    /// Kubelet flags from its systemd unit, drop-ins and environment files.
    pub kubelet_args: Vec<Arg>,
    /// The kubelet is configured on this node (unit, drop-in or config file found).
    pub kubelet: bool,
    /// The kubelet's config file exists but could not be read or parsed, or `--config` names a
    /// missing file: its settings are unknown (the setting rules stay quiet).
    pub kubelet_config_unread: bool,
    pub checked: Vec<CheckedFile>,
    pub options: HostOptions,
    /// `(uid, gid)` of the `etcd` user and group, from the node's `/etc/passwd` and `/etc/group`.
    pub etcd_ids: (Option<u32>, Option<u32>),
    /// gid of the `docker` group.
    pub docker_gid: Option<u32>,
    pub diagnostics: Vec<HostDiagnostic>,
}

/// The 1-based line of the first occurrence of `needle` (1 when absent).
fn line_of(text: &str, needle: &str) -> u32 {
    text.find(needle).map_or(1, |i| text[..i].matches('\n').count() as u32 + 1)
}

const SYSTEMD_DIRS: &[&str] = &["/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"];

impl HostInput {
    fn file_index(&mut self, path: &str) -> usize {
        match self.files.iter().position(|f| f == path) {
            Some(i) => i,
            None => {
                self.files.push(path.to_string());
                self.files.len() - 1
            }
        }
    }

    fn diag(&mut self, path: &str, message: impl Into<String>) {
        let d = HostDiagnostic { path: path.to_string(), message: message.into() };
        // A path both stat'ed and read fails the same way twice.
        if !self.diagnostics.contains(&d) {
            self.diagnostics.push(d);
        }
    }

    /// Reads a file as text; a read failure is a diagnostic, a missing file `None`.
    /// A diagnostic was recorded for `path`.
    fn failed(&self, path: &str) -> bool {
        self.diagnostics.iter().any(|d| d.path == path)
    }

    fn read(&mut self, fs: &dyn HostFs, path: &str) -> Option<String> {
        match fs.read(path) {
            Ok(Some(bytes)) => Some(String::from_utf8_lossy(&bytes).into_owned()),
            Ok(None) => None,
            Err(e) => {
                self.diag(path, format!("not checked: {e}"));
                None
            }
        }
    }

    fn stat(&mut self, fs: &dyn HostFs, path: &str) -> Option<FileMeta> {
        match fs.stat(path) {
            Ok(m) => m,
            Err(e) => {
                self.diag(path, format!("not checked: {e}"));
                None
            }
        }
    }

    fn list(&mut self, fs: &dyn HostFs, dir: &str) -> Vec<String> {
        match fs.list(dir) {
            Ok(Some(mut names)) => {
                names.sort();
                if names.len() > MAX_DIR_ENTRIES {
                    self.diag(dir, format!("more than {MAX_DIR_ENTRIES} entries; only the first were checked"));
                    names.truncate(MAX_DIR_ENTRIES);
                }
                names
            }
            Ok(None) => Vec::new(),
            Err(e) => {
                self.diag(dir, format!("not checked: {e}"));
                Vec::new()
            }
        }
    }

    /// Stats `path` and records it for the mode and ownership rules when it exists.
    fn check_path(&mut self, fs: &dyn HostFs, path: &str, spec: FileSpec) -> bool {
        match self.stat(fs, path) {
            Some(meta) => {
                let file = self.file_index(path);
                self.checked.push(CheckedFile { file, meta, spec });
                true
            }
            None => false,
        }
    }

    /// Reads and parses every node file the rules know about.
    pub fn collect(fs: &dyn HostFs, options: HostOptions) -> HostInput {
        let mut h = HostInput { options, ..HostInput::default() };
        h.read_accounts(fs);
        h.collect_docker(fs);
        h.collect_control_plane(fs);
        h.collect_kubelet(fs);
        h
    }

    /// `etcd` and `docker` ids from the node's own account files (names differ between nodes).
    fn read_accounts(&mut self, fs: &dyn HostFs) {
        let field = |text: &str, name: &str, idx: usize| {
            text.lines()
                .map(|l| l.split(':').collect::<Vec<_>>())
                .find(|f| f.first() == Some(&name))
                .and_then(|f| f.get(idx).and_then(|v| v.parse::<u32>().ok()))
        };
        if let Some(passwd) = self.read(fs, "/etc/passwd") {
            self.etcd_ids.0 = field(&passwd, "etcd", 2);
        }
        if let Some(group) = self.read(fs, "/etc/group") {
            self.etcd_ids.1 = field(&group, "etcd", 2);
            self.docker_gid = field(&group, "docker", 2);
        }
    }

    fn collect_docker(&mut self, fs: &dyn HostFs) {
        const MODE_644: u32 = 0o133;
        let root = |forbidden, want_mode, mode_ref, owner_ref| FileSpec {
            forbidden,
            want_mode,
            owner: Owner::RootRoot,
            mode_ref,
            owner_ref,
        };
        let mut present = false;
        let mut unit_file = None;
        let mut flags = Vec::new();
        for dir in SYSTEMD_DIRS {
            let service = format!("{dir}/docker.service");
            if self.check_path(fs, &service, root(MODE_644, "644", "CIS-Docker-3.2", "CIS-Docker-3.1")) {
                present = true;
                if let Some(text) = self.read(fs, &service) {
                    let file = self.file_index(&service);
                    unit_file.get_or_insert(file);
                    // A drop-in overrides ExecStart; the first unit found (in /etc) wins.
                    if flags.is_empty() {
                        flags = exec_start_flags(&text, file);
                    }
                }
            }
            let socket = format!("{dir}/docker.socket");
            present |= self.check_path(fs, &socket, root(MODE_644, "644", "CIS-Docker-3.4", "CIS-Docker-3.3"));
        }
        present |= self.check_path(fs, "/etc/docker", root(0o022, "755", "CIS-Docker-3.6", "CIS-Docker-3.5"));
        for sock in ["/var/run/docker.sock", "/run/docker.sock"] {
            let spec = FileSpec {
                forbidden: 0o117,
                want_mode: "660",
                owner: Owner::RootDocker,
                mode_ref: "CIS-Docker-3.16",
                owner_ref: "CIS-Docker-3.15",
            };
            // Only a socket: a directory there is what a bind mount of an absent socket leaves.
            let is_socket = self.stat(fs, sock).is_some_and(|m| m.kind == FileType::Socket);
            if is_socket && self.check_path(fs, sock, spec) {
                present = true;
                break; // /var/run is a symlink to /run on current distributions
            }
        }
        self.check_path(fs, "/etc/default/docker", root(MODE_644, "644", "CIS-Docker-3.20", "CIS-Docker-3.19"));
        let json_path = "/etc/docker/daemon.json";
        self.check_path(fs, json_path, root(MODE_644, "644", "CIS-Docker-3.18", "CIS-Docker-3.17"));
        let mut daemon_json = None;
        if let Some(text) = self.read(fs, json_path) {
            present = true;
            let file = self.file_index(json_path);
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(serde_json::Value::Object(map)) => daemon_json = Some((file, text, map)),
                Ok(_) => self.diag(json_path, "not checked: not a JSON object"),
                Err(e) => self.diag(json_path, format!("not checked: malformed JSON: {e}")),
            }
        }
        if present {
            let anchor = match (&daemon_json, unit_file) {
                (Some((f, _, _)), _) => *f,
                (None, Some(f)) => f,
                (None, None) => self.file_index(json_path),
            };
            let unread = self.failed(json_path);
            self.docker = Some(DockerConfig { daemon_json, flags, anchor, unread });
        }
    }

    fn collect_control_plane(&mut self, fs: &dyn HostFs) {
        let root600 = |mode_ref, owner_ref| FileSpec {
            forbidden: 0o177,
            want_mode: "600",
            owner: Owner::RootRoot,
            mode_ref,
            owner_ref,
        };
        let refs = [
            ("CIS-K8s-1.1.1", "CIS-K8s-1.1.2"),
            ("CIS-K8s-1.1.3", "CIS-K8s-1.1.4"),
            ("CIS-K8s-1.1.5", "CIS-K8s-1.1.6"),
            ("CIS-K8s-1.1.7", "CIS-K8s-1.1.8"),
        ];
        for (c, (m, o)) in Component::ALL.into_iter().zip(refs) {
            let path = c.manifest();
            self.check_path(fs, &path, root600(m, o));
            let Some(text) = self.read(fs, &path) else { continue };
            let file = self.file_index(&path);
            match crate::yaml::parse_documents(&text) {
                Ok(docs) => match docs.first().and_then(|d| static_pod(c, file, d)) {
                    Some(pod) => self.pods.push(pod),
                    None => self.diag(&path, "not checked: no container with a command in the pod spec"),
                },
                Err(e) => self.diag(&path, format!("not checked: malformed YAML: {e}")),
            }
        }
        for (name, m, o) in [
            ("admin.conf", "CIS-K8s-1.1.13", "CIS-K8s-1.1.14"),
            ("super-admin.conf", "CIS-K8s-1.1.13", "CIS-K8s-1.1.14"),
            ("scheduler.conf", "CIS-K8s-1.1.15", "CIS-K8s-1.1.16"),
            ("controller-manager.conf", "CIS-K8s-1.1.17", "CIS-K8s-1.1.18"),
        ] {
            self.check_path(fs, &format!("/etc/kubernetes/{name}"), root600(m, o));
        }
        if let Some(etcd) = self.pods.iter().find(|p| p.component == Component::Etcd) {
            let dir = etcd.arg("data-dir").and_then(|a| a.value.clone()).unwrap_or("/var/lib/etcd".into());
            let dir = etcd.host_path(&dir);
            let spec = FileSpec {
                forbidden: 0o077,
                want_mode: "700",
                owner: Owner::Etcd,
                mode_ref: "CIS-K8s-1.1.11",
                owner_ref: "CIS-K8s-1.1.12",
            };
            self.check_path(fs, &dir, spec);
        }
        self.collect_pki(fs, "/etc/kubernetes/pki", 0);
        self.collect_encryption(fs);
    }

    /// The PKI directory: every file owned by root (1.1.19), certificates and keys 600.
    fn collect_pki(&mut self, fs: &dyn HostFs, dir: &str, depth: usize) {
        let dir_spec =
            FileSpec { forbidden: 0, want_mode: "", owner: Owner::RootRoot, mode_ref: "", owner_ref: "CIS-K8s-1.1.19" };
        if depth > 2 || !self.check_path(fs, dir, dir_spec.clone()) {
            return;
        }
        for name in self.list(fs, dir) {
            let path = format!("{dir}/{name}");
            let Some(meta) = self.stat(fs, &path) else { continue };
            let spec = match meta.kind {
                FileType::Dir => {
                    self.collect_pki(fs, &path, depth + 1);
                    continue;
                }
                _ if name.ends_with(".key") => {
                    FileSpec { forbidden: 0o177, want_mode: "600", mode_ref: "CIS-K8s-1.1.21", ..dir_spec.clone() }
                }
                _ if name.ends_with(".crt") => {
                    FileSpec { forbidden: 0o177, want_mode: "600", mode_ref: "CIS-K8s-1.1.20", ..dir_spec.clone() }
                }
                _ => dir_spec.clone(),
            };
            let file = self.file_index(&path);
            self.checked.push(CheckedFile { file, meta, spec });
        }
    }

    /// The EncryptionConfiguration the API server's `--encryption-provider-config` names.
    fn collect_encryption(&mut self, fs: &dyn HostFs) {
        let Some(api) = self.pods.iter().find(|p| p.component == Component::ApiServer) else { return };
        let Some(path) = api.arg("encryption-provider-config").and_then(|a| a.value.clone()) else { return };
        // Its mode is not checked: the benchmark names none for this file.
        let path = api.host_path(&path);
        match self.read(fs, &path) {
            Some(text) => match crate::yaml::parse_documents(&text) {
                Ok(docs) => {
                    let file = self.file_index(&path);
                    match docs
                        .into_iter()
                        .find(|d| d.get("kind").and_then(Node::as_str) == Some("EncryptionConfiguration"))
                    {
                        Some(doc) => self.encryption = Some((file, doc)),
                        None => self.diag(&path, "not checked: no EncryptionConfiguration in the file"),
                    }
                }
                Err(e) => self.diag(&path, format!("not checked: malformed YAML: {e}")),
            },
            None if self.diagnostics.iter().any(|d| d.path == path) => {}
            None => self.diag(&path, "not checked: the file --encryption-provider-config names does not exist"),
        }
    }

    fn collect_kubelet(&mut self, fs: &dyn HostFs) {
        let root600 = |mode_ref, owner_ref| FileSpec {
            forbidden: 0o177,
            want_mode: "600",
            owner: Owner::RootRoot,
            mode_ref,
            owner_ref,
        };
        // kubeadm's layout: the unit, its drop-ins, and the environment files they load.
        let mut units = Vec::new();
        for dir in SYSTEMD_DIRS {
            units.push(format!("{dir}/kubelet.service"));
            let dropins = format!("{dir}/kubelet.service.d");
            for name in self.list(fs, &dropins).into_iter().filter(|n| n.ends_with(".conf")) {
                units.push(format!("{dropins}/{name}"));
            }
        }
        for unit in &units {
            let is_dropin = unit.contains(".service.d/");
            // 4.1.1 names the kubelet service file kubeadm writes: its drop-in.
            if is_dropin && self.check_path(fs, unit, root600("CIS-K8s-4.1.1", "CIS-K8s-4.1.2")) {
                self.kubelet = true;
            }
            if let Some(text) = self.read(fs, unit) {
                self.kubelet = true;
                let file = self.file_index(unit);
                self.kubelet_args.extend(unit_flags(&text, file));
            }
        }
        for env in ["/var/lib/kubelet/kubeadm-flags.env", "/etc/default/kubelet", "/etc/sysconfig/kubelet"] {
            if let Some(text) = self.read(fs, env) {
                let file = self.file_index(env);
                self.kubelet_args.extend(unit_flags(&text, file));
            }
        }
        let flag = |h: &HostInput, name: &str| {
            h.kubelet_args.iter().rev().find(|a| a.name == name).and_then(|a| a.value.clone())
        };
        let kubeconfig = flag(self, "kubeconfig").unwrap_or("/etc/kubernetes/kubelet.conf".into());
        if self.kubelet {
            self.check_path(fs, &kubeconfig, root600("CIS-K8s-4.1.5", "CIS-K8s-4.1.6"));
        }
        let flagged = flag(self, "config");
        let config = flagged.clone().unwrap_or("/var/lib/kubelet/config.yaml".into());
        self.check_path(fs, &config, root600("CIS-K8s-4.1.9", "CIS-K8s-4.1.10"));
        let text = self.read(fs, &config);
        if text.is_none() && flagged.is_some() && !self.failed(&config) {
            self.diag(&config, "not checked: the file the kubelet's --config names does not exist");
        }
        if let Some(text) = text {
            self.kubelet = true;
            let file = self.file_index(&config);
            match crate::yaml::parse_documents(&text) {
                Ok(docs) => match docs.into_iter().next().filter(Node::is_map) {
                    Some(doc) => self.kubelet_config = Some((file, doc)),
                    None => self.diag(&config, "not checked: not a KubeletConfiguration"),
                },
                Err(e) => self.diag(&config, format!("not checked: malformed YAML: {e}")),
            }
        }
        self.kubelet_config_unread = self.failed(&config);
    }

    /// A kubelet setting: the flag when given (flags override the config file), else the config
    /// file's field at `path`. `None` when neither sets it.
    pub fn kubelet_setting(&self, flag: &str, path: &[&str]) -> Option<(String, usize, u32)> {
        if let Some(a) = self.kubelet_args.iter().rev().find(|a| a.name == flag) {
            return Some((a.value_or_true().to_string(), a.file, a.line));
        }
        let (file, doc) = self.kubelet_config.as_ref()?;
        let n = doc.path(path)?;
        let text = match &n.value {
            crate::yaml::Value::Scalar(s, _) => s.clone(),
            crate::yaml::Value::Seq(items) => items.iter().filter_map(Node::as_str).collect::<Vec<_>>().join(","),
            _ => return None,
        };
        Some((text, *file, n.line))
    }

    /// A hit on the kubelet: at the setting, or at its config file (or unit) when unset.
    pub fn kubelet_hit(&self, at: Option<(usize, u32)>, message: impl Into<String>) -> Option<Hit> {
        let (file, line) = match at {
            Some(p) => p,
            None => match (&self.kubelet_config, self.kubelet_args.first()) {
                (Some((f, _)), _) => (*f, 1),
                (None, Some(a)) => (a.file, 1),
                (None, None) => return None,
            },
        };
        Some(Hit { file: Some(file), resource: Some("kubelet".to_string()), ..Hit::new(line, line, message) })
    }

    /// The static pod of a component.
    pub fn pod(&self, c: Component) -> Option<&StaticPod> {
        self.pods.iter().find(|p| p.component == c)
    }

    /// Builds an input from a rule example: files introduced by `==> PATH <==` headers (as
    /// `head` prints them), optionally with `(dir)`, `(mode 0644)` and `(owner 0:0)` attributes;
    /// files default to mode 600 and owner 0:0.
    pub fn from_example(src: &str) -> HostInput {
        let fs = ExampleFs::parse(src);
        HostInput::collect(&fs, HostOptions::default())
    }
}

/// The in-memory tree of a rule example.
#[derive(Debug, Default)]
pub struct ExampleFs {
    entries: BTreeMap<String, (FileMeta, String)>,
}

impl ExampleFs {
    pub fn parse(src: &str) -> ExampleFs {
        let mut fs = ExampleFs::default();
        let mut current: Option<String> = None;
        for line in src.lines() {
            if let Some(header) = line.strip_prefix("==> ").and_then(|l| l.strip_suffix(" <==")) {
                let (path, attrs) = header.split_once(" (").unwrap_or((header, ""));
                let mut meta = FileMeta { kind: FileType::File, mode: 0o600, uid: 0, gid: 0 };
                for attr in attrs.trim_end_matches(')').split(',').map(str::trim) {
                    if attr == "dir" {
                        meta.kind = FileType::Dir;
                    } else if attr == "socket" {
                        meta.kind = FileType::Socket;
                    } else if let Some(m) = attr.strip_prefix("mode ") {
                        meta.mode = u32::from_str_radix(m, 8).unwrap_or(0o600);
                    } else if let Some((u, g)) = attr.strip_prefix("owner ").and_then(|o| o.split_once(':')) {
                        meta.uid = u.parse().unwrap_or(0);
                        meta.gid = g.parse().unwrap_or(0);
                    }
                }
                fs.entries.insert(path.to_string(), (meta, String::new()));
                current = Some(path.to_string());
            } else if let Some(e) = current.as_ref().and_then(|c| fs.entries.get_mut(c)) {
                e.1.push_str(line);
                e.1.push('\n');
            }
        }
        fs
    }
}

impl HostFs for ExampleFs {
    fn stat(&self, path: &str) -> Result<Option<FileMeta>, HostFsError> {
        if let Some((m, _)) = self.entries.get(path) {
            return Ok(Some(*m));
        }
        // Parents of listed files exist as directories.
        let prefix = format!("{}/", path.trim_end_matches('/'));
        Ok(self.entries.keys().any(|k| k.starts_with(&prefix)).then_some(FileMeta {
            kind: FileType::Dir,
            mode: 0o755,
            uid: 0,
            gid: 0,
        }))
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, HostFsError> {
        Ok(self.entries.get(path).filter(|(m, _)| m.kind == FileType::File).map(|(_, c)| c.as_bytes().to_vec()))
    }

    fn list(&self, dir: &str) -> Result<Option<Vec<String>>, HostFsError> {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        let names: std::collections::BTreeSet<String> = self
            .entries
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter_map(|rest| rest.split('/').next())
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect();
        Ok((!names.is_empty()).then(|| names.into_iter().collect()))
    }
}

/// The first container of a static pod, its flags and hostPath mounts.
fn static_pod(component: Component, file: usize, doc: &Node) -> Option<StaticPod> {
    let spec = doc.get("spec")?;
    let container = spec.get("containers")?.items().first()?;
    let command = container.get("command");
    // The `command:` key's line (its first item is the binary).
    let line = container.entry("command").map_or(container.line, |(k, _)| k.line);
    let mut items: Vec<&Node> = command.map(Node::items).unwrap_or(&[]).iter().collect();
    items.extend(container.get("args").map(Node::items).unwrap_or(&[]));
    if items.is_empty() {
        return None;
    }
    let mut args = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let (text, at) = (items[i].as_str().unwrap_or(""), items[i].line);
        if let Some(flag) = text.strip_prefix("--") {
            match flag.split_once('=') {
                Some((n, v)) => args.push(Arg { name: n.to_string(), value: Some(v.to_string()), file, line: at }),
                None => {
                    // `--flag value` as two items.
                    let next = items.get(i + 1).and_then(|n| n.as_str()).filter(|n| !n.starts_with('-'));
                    args.push(Arg { name: flag.to_string(), value: next.map(str::to_string), file, line: at });
                    i += usize::from(next.is_some());
                }
            }
        }
        i += 1;
    }
    let volumes: BTreeMap<&str, &str> = spec
        .get("volumes")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(|v| Some((v.get("name")?.as_str()?, v.path(&["hostPath", "path"])?.as_str()?)))
        .collect();
    let mounts = container
        .get("volumeMounts")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(|m| {
            let host = volumes.get(m.get("name")?.as_str()?)?;
            Some((m.get("mountPath")?.as_str()?.to_string(), host.to_string()))
        })
        .collect();
    Some(StaticPod { component, file, line, args, mounts })
}

/// Splits a command line the way systemd does for `ExecStart=` and `Environment=` (quotes
/// group, no further expansion), keeping each token's line.
fn tokens(text: &str) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n as u32 + 1;
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let mut cur = String::new();
        let mut quote = None;
        for ch in line.chars() {
            match (quote, ch) {
                (None, '"' | '\'') => quote = Some(ch),
                (Some(q), c) if c == q => quote = None,
                (None, c) if c.is_whitespace() || c == '\\' => {
                    if !cur.is_empty() {
                        out.push((std::mem::take(&mut cur), line_no));
                    }
                }
                // `Environment="A=--x --y"`: the flags inside the quotes are separate words
                // once the variable is expanded.
                (Some(_), c) if c.is_whitespace() => {
                    if !cur.is_empty() {
                        out.push((std::mem::take(&mut cur), line_no));
                    }
                }
                (_, c) => cur.push(c),
            }
        }
        if !cur.is_empty() {
            out.push((cur, line_no));
        }
    }
    out
}

/// Flags (`--name[=value]`) anywhere in a unit, drop-in or environment file: kubeadm passes
/// the kubelet's through `Environment=` variables and env files.
fn unit_flags(text: &str, file: usize) -> Vec<Arg> {
    tokens(text)
        .into_iter()
        .filter_map(|(t, line)| {
            // `Environment=KUBELET_CONFIG_ARGS=--config=...`: the flag starts after the `=`s.
            let start = t.find("--")?;
            let flag = &t[start + 2..];
            let (name, value) = match flag.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (flag, None),
            };
            (!name.is_empty()).then(|| Arg { name: name.to_string(), value, file, line })
        })
        .collect()
}

/// `dockerd` flags from the last `ExecStart=` of a unit (`-H` is `--host`).
fn exec_start_flags(text: &str, file: usize) -> Vec<Arg> {
    // Continuation lines belong to the ExecStart they continue.
    let mut exec = String::new();
    let mut in_exec = false;
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with("ExecStart=") {
            exec.clear();
            in_exec = true;
        }
        if in_exec {
            // Keep line numbers: pad with the lines before.
            while exec.matches('\n').count() < n {
                exec.push('\n');
            }
            exec.push_str(t.strip_prefix("ExecStart=").unwrap_or(t));
            in_exec = t.ends_with('\\');
        }
    }
    let toks = tokens(&exec);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let (t, line) = (&toks[i].0, toks[i].1);
        let name_value = if let Some(f) = t.strip_prefix("--") {
            Some(match f.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (f.to_string(), None),
            })
        } else if t == "-H" {
            Some(("host".to_string(), None))
        } else {
            t.strip_prefix("-H").map(|v| ("host".to_string(), Some(v.trim_start_matches('=').to_string())))
        };
        if let Some((name, mut value)) = name_value {
            // Flags taking a value may have it as the next word; dockerd's booleans never do.
            const VALUED: &[&str] =
                &["host", "insecure-registry", "userns-remap", "log-driver", "icc", "userland-proxy"];
            if value.is_none() && VALUED.contains(&name.as_str()) {
                if let Some((next, _)) = toks.get(i + 1).filter(|(n, _)| !n.starts_with('-')) {
                    if name != "icc" && name != "userland-proxy" {
                        value = Some(next.clone());
                        i += 1;
                    }
                }
            }
            out.push(Arg { name, value, file, line });
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_from_units() {
        let unit = "[Service]\nExecStart=/usr/bin/dockerd -H fd:// \\\n  -H tcp://0.0.0.0:2375 --icc=false\n";
        let f = exec_start_flags(unit, 0);
        let names: Vec<(&str, Option<&str>, u32)> =
            f.iter().map(|a| (a.name.as_str(), a.value.as_deref(), a.line)).collect();
        assert_eq!(
            names,
            [("host", Some("fd://"), 2), ("host", Some("tcp://0.0.0.0:2375"), 3), ("icc", Some("false"), 3)]
        );
        let dropin = "[Service]\nEnvironment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\n";
        let f = unit_flags(dropin, 0);
        let names: Vec<&str> = f.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["bootstrap-kubeconfig", "kubeconfig", "config"]);
        assert_eq!(f[2].value.as_deref(), Some("/var/lib/kubelet/config.yaml"));
        assert_eq!(f[2].line, 3);
    }

    /// `CODE FILE:LINE message` of every finding on an example tree.
    fn lint(src: &str) -> Vec<String> {
        crate::lint_host(&HostInput::from_example(src), &crate::LintConfig::default())
            .into_iter()
            .map(|m| format!("{} {}:{} {}", m.rule_id, m.file, m.line, m.message))
            .collect()
    }

    #[test]
    fn kubelet_flags_override_the_config_file_and_flag_defaults_apply_without_one() {
        let dropin = "==> /etc/systemd/system/kubelet.service.d/10-kubeadm.conf <==\n[Service]\nEnvironment=\"KUBELET_EXTRA_ARGS=--anonymous-auth=false\"\n";
        let config = "==> /var/lib/kubelet/config.yaml <==\nkind: KubeletConfiguration\nauthentication: {anonymous: {enabled: true}}\nprotectKernelDefaults: true\n";
        assert_eq!(lint(&format!("{dropin}{config}")), Vec::<String>::new());
        // No config file: the bare flags' defaults (AlwaysAllow, port 10255) apply.
        let found = lint(dropin);
        assert_eq!(
            found,
            [
                "PL-HOST-029 /etc/systemd/system/kubelet.service.d/10-kubeadm.conf:1 kubelet authorization mode is AlwaysAllow (the default, not set)",
                "PL-HOST-030 /etc/systemd/system/kubelet.service.d/10-kubeadm.conf:1 the unauthenticated read-only port 10255 is open (the default, not set)",
                "PL-HOST-032 /etc/systemd/system/kubelet.service.d/10-kubeadm.conf:1 protectKernelDefaults is not true (the default, not set)",
            ]
        );
    }

    #[test]
    fn encryption_entries_for_secrets() {
        let api = "==> /etc/kubernetes/manifests/kube-apiserver.yaml <==\nkind: Pod\nspec:\n  containers:\n  - command: [kube-apiserver, --encryption-provider-config=/etc/enc.yaml]\n";
        let enc = |body: &str| {
            format!("{api}==> /etc/enc.yaml <==\napiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n{body}")
        };
        let codes =
            |src: String| -> Vec<String> { lint(&src).into_iter().filter(|f| f.starts_with("PL-HOST-020")).collect() };
        // A wildcard covers Secrets.
        assert_eq!(
            codes(enc("- resources: ['*.*']\n  providers: [{aesgcm: {keys: [{name: k, secret: eA==}]}}]\n")),
            Vec::<String>::new()
        );
        // An entry for ConfigMaps only leaves Secrets unencrypted.
        assert_eq!(
            codes(enc("- resources: [configmaps]\n  providers: [{aescbc: {keys: [{name: k, secret: eA==}]}}]\n")),
            ["PL-HOST-020 /etc/enc.yaml:1 no entry for secrets: Secrets are stored unencrypted in etcd"]
        );
        assert_eq!(
            codes(enc("- resources: [secrets]\n  providers: []\n")),
            ["PL-HOST-020 /etc/enc.yaml:4 no provider for secrets: Secrets are stored unencrypted in etcd"]
        );
    }

    #[test]
    fn dockerd_flags_in_the_unit_count() {
        let unit = "==> /lib/systemd/system/docker.service <==\n[Service]\nExecStart=/usr/bin/dockerd -H fd:// -H tcp://0.0.0.0:2375\n";
        let tcp =
            |src: &str| -> Vec<String> { lint(src).into_iter().filter(|f| f.starts_with("PL-HOST-003")).collect() };
        assert_eq!(
            tcp(unit),
            ["PL-HOST-003 /lib/systemd/system/docker.service:2 the API listens on tcp://0.0.0.0:2375 without tlsverify"]
        );
        let verified = format!("{unit}==> /etc/docker/daemon.json <==\n{{\"tlsverify\": true}}\n");
        assert_eq!(tcp(&verified), Vec::<String>::new());
    }

    #[test]
    fn host_path_through_mounts() {
        let pod = StaticPod {
            component: Component::ApiServer,
            file: 0,
            line: 1,
            args: vec![],
            mounts: vec![
                ("/etc/kubernetes/enc".into(), "/srv/enc".into()),
                ("/etc/kubernetes".into(), "/etc/kubernetes".into()),
            ],
        };
        assert_eq!(pod.host_path("/etc/kubernetes/enc/config.yaml"), "/srv/enc/config.yaml");
        assert_eq!(pod.host_path("/etc/kubernetes/pki/ca.crt"), "/etc/kubernetes/pki/ca.crt");
        assert_eq!(pod.host_path("/opt/x"), "/opt/x");
        assert_eq!(pod.host_path("/etc/kubernetes/encx"), "/etc/kubernetes/encx");
    }
}
