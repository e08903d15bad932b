//! `plimsoll host` on node trees written here: a kubeadm-like control plane with Docker, in a
//! hardened and a weak variant, the encryption-at-rest check in its three cases, and hostile
//! trees (a symlink out of the root, a huge file, malformed YAML).
//!
//! The tests run unprivileged, so the files are owned by the test user: the ownership checks
//! are told that this user's uid:gid counts as root:root (`HostOptions::root`, the CLI's
//! `--root-owner`), and the tree's own `/etc/passwd` and `/etc/group` say who `etcd` and
//! `docker` are.

use std::collections::BTreeSet;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use plimsoll::host::HostOptions;
use plimsoll::policy::Policy;
use plimsoll::{scan_host, ScanOptions};
use plimsoll_model::{DiagnosticLevel, ScanReport};

struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
    ids: (u32, u32),
    /// Keeps the Docker socket's listener open.
    _socket: Option<std::os::unix::net::UnixListener>,
}

impl Tree {
    fn new() -> Tree {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).unwrap();
        let m = std::fs::metadata(&root).unwrap();
        Tree { _dir: dir, root, ids: (m.uid(), m.gid()), _socket: None }
    }

    fn path(&self, host_path: &str) -> PathBuf {
        self.root.join(host_path.trim_start_matches('/'))
    }

    fn write(&self, host_path: &str, content: &str, mode: u32) {
        let p = self.path(host_path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        chmod(&p, mode);
    }

    fn dir(&self, host_path: &str, mode: u32) {
        let p = self.path(host_path);
        std::fs::create_dir_all(&p).unwrap();
        chmod(&p, mode);
    }

    fn scan(&self) -> ScanReport {
        let host = HostOptions { root: self.ids, ..HostOptions::default() };
        scan_host(&self.root, &host, &ScanOptions::default(), &Policy::default()).unwrap().report
    }
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `RULE FILE` of every finding, sorted.
fn found(r: &ScanReport) -> Vec<String> {
    let set: BTreeSet<String> = r.misconfigurations.iter().map(|m| format!("{} {}", m.rule_id, m.file)).collect();
    set.into_iter().collect()
}

fn errors(r: &ScanReport) -> Vec<String> {
    r.diagnostics
        .iter()
        // Per-file errors (the policy adds a summary without a path).
        .filter(|d| d.level == DiagnosticLevel::Error && d.path.is_some())
        .map(|d| format!("{}: {}", d.path.as_deref().unwrap_or(""), d.message))
        .collect()
}

fn pod(component: &str, flags: &[&str], extra: &str) -> String {
    let mut s = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {component}\n  namespace: kube-system\nspec:\n  hostNetwork: true\n  containers:\n  - name: {component}\n    image: registry.k8s.io/{component}:v1.30.2\n    command:\n    - {component}\n"
    );
    for f in flags {
        s.push_str(&format!("    - {f}\n"));
    }
    s.push_str(extra);
    s
}

const APISERVER_HARDENED: &[&str] = &[
    "--advertise-address=10.0.0.10",
    "--anonymous-auth=false",
    "--authorization-mode=Node,RBAC",
    "--kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt",
    "--profiling=false",
    "--audit-log-path=/var/log/kubernetes/audit.log",
    "--audit-log-maxage=30",
    "--audit-log-maxbackup=10",
    "--audit-log-maxsize=100",
    "--service-account-lookup=true",
    "--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
];

/// kubeadm mounts the encryption configuration's directory into the pod; here from a host
/// directory with another name, so the path must be mapped through the mount.
const ENC_MOUNT: &str = "    volumeMounts:\n    - {name: enc, mountPath: /etc/kubernetes/enc, readOnly: true}\n  volumes:\n  - name: enc\n    hostPath: {path: /srv/k8s-enc, type: DirectoryOrCreate}\n";

fn encryption(first: &str) -> String {
    let provider = match first {
        "aescbc" => "  - aescbc:\n      keys: [{name: key1, secret: c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ/Cg==}]\n",
        "secretbox" => {
            "  - secretbox:\n      keys: [{name: key1, secret: YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY=}]\n"
        }
        "kms" => "  - kms:\n      apiVersion: v2\n      name: vault\n      endpoint: unix:///var/run/kms.sock\n",
        _ => "  - identity: {}\n",
    };
    format!(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources:\n  - secrets\n  providers:\n{provider}  - identity: {{}}\n"
    )
}

const KUBELET_HARDENED: &str = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\n  webhook:\n    enabled: true\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\nauthorization:\n  mode: Webhook\nreadOnlyPort: 0\nrotateCertificates: true\nprotectKernelDefaults: true\nstreamingConnectionIdleTimeout: 5m0s\n";

const DROPIN: &str = "[Service]\nEnvironment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n";

const DOCKER_SERVICE: &str = "[Unit]\nDescription=Docker Application Container Engine\n\n[Service]\nType=notify\nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n";

/// A kubeadm control-plane node with Docker, every file as the benchmarks want it.
fn hardened() -> Tree {
    let mut t = Tree::new();
    let (uid, gid) = t.ids;
    t.write(
        "/etc/passwd",
        &format!("root:x:0:0:root:/root:/bin/bash\netcd:x:{uid}:{gid}::/var/lib/etcd:/usr/sbin/nologin\n"),
        0o644,
    );
    t.write("/etc/group", &format!("root:x:0:\netcd:x:{gid}:\ndocker:x:{gid}:\n"), 0o644);
    // Docker.
    t.dir("/etc/docker", 0o755);
    t.write(
        "/etc/docker/daemon.json",
        "{\n  \"icc\": false,\n  \"userns-remap\": \"default\",\n  \"live-restore\": true,\n  \"userland-proxy\": false,\n  \"no-new-privileges\": true,\n  \"log-driver\": \"journald\"\n}\n",
        0o644,
    );
    t.write("/lib/systemd/system/docker.service", DOCKER_SERVICE, 0o644);
    t.write("/lib/systemd/system/docker.socket", "[Socket]\nListenStream=/run/docker.sock\nSocketMode=0660\n", 0o644);
    // /var/run -> ../run as on current distributions; the socket is found through the link.
    t.dir("/run", 0o755);
    std::fs::create_dir_all(t.path("/var")).unwrap();
    std::os::unix::fs::symlink("../run", t.path("/var/run")).unwrap();
    let sock = std::os::unix::net::UnixListener::bind(t.path("/run/docker.sock")).unwrap();
    chmod(&t.path("/run/docker.sock"), 0o660);
    t._socket = Some(sock);
    // Control plane.
    let mut api: Vec<&str> = APISERVER_HARDENED.to_vec();
    api.push("--encryption-provider-config=/etc/kubernetes/enc/enc.yaml");
    t.write("/etc/kubernetes/manifests/kube-apiserver.yaml", &pod("kube-apiserver", &api, ENC_MOUNT), 0o600);
    t.write("/srv/k8s-enc/enc.yaml", &encryption("aescbc"), 0o600);
    t.write(
        "/etc/kubernetes/manifests/kube-controller-manager.yaml",
        &pod(
            "kube-controller-manager",
            &[
                "--bind-address=127.0.0.1",
                "--profiling=false",
                "--use-service-account-credentials=true",
                "--terminated-pod-gc-threshold=100",
            ],
            "",
        ),
        0o600,
    );
    t.write(
        "/etc/kubernetes/manifests/kube-scheduler.yaml",
        &pod("kube-scheduler", &["--bind-address=127.0.0.1", "--profiling=false"], ""),
        0o600,
    );
    t.write(
        "/etc/kubernetes/manifests/etcd.yaml",
        &pod("etcd", &["--data-dir=/var/lib/etcd", "--client-cert-auth=true", "--peer-client-cert-auth=true"], ""),
        0o600,
    );
    t.dir("/var/lib/etcd", 0o700);
    for conf in ["admin.conf", "super-admin.conf", "scheduler.conf", "controller-manager.conf", "kubelet.conf"] {
        t.write(&format!("/etc/kubernetes/{conf}"), "apiVersion: v1\nkind: Config\n", 0o600);
    }
    for f in ["ca.crt", "ca.key", "apiserver.crt", "apiserver.key", "etcd/ca.crt", "etcd/ca.key"] {
        t.write(&format!("/etc/kubernetes/pki/{f}"), "-----BEGIN X-----\n", 0o600);
    }
    // Kubelet.
    t.write("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", DROPIN, 0o600);
    t.write("/var/lib/kubelet/kubeadm-flags.env", "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.9\"\n", 0o644);
    t.write("/var/lib/kubelet/config.yaml", KUBELET_HARDENED, 0o600);
    t
}

#[test]
fn hardened_node_is_clean() {
    let t = hardened();
    let r = t.scan();
    assert_eq!(found(&r), Vec::<String>::new(), "{:#?}", r.misconfigurations);
    assert_eq!(errors(&r), Vec::<String>::new());
    // The ownership checks ran: the same tree judged with root as 0:0 fails them.
    let strict = scan_host(&t.root, &HostOptions::default(), &ScanOptions::default(), &Policy::default()).unwrap();
    let owners = strict.report.misconfigurations.iter().filter(|m| m.rule_id == "PL-HOST-035").count();
    if t.ids != (0, 0) {
        assert!(owners >= 20, "{owners}");
    }
    let modes_only = HostOptions { check_ownership: false, ..HostOptions::default() };
    let r = scan_host(&t.root, &modes_only, &ScanOptions::default(), &Policy::default()).unwrap().report;
    assert_eq!(found(&r), Vec::<String>::new());
}

/// The same node with every file weakened.
#[test]
fn weak_node_fails_each_check() {
    let t = hardened();
    t.write(
        "/etc/docker/daemon.json",
        "{\n  \"icc\": true,\n  \"insecure-registries\": [\"registry.internal:5000\"],\n  \"hosts\": [\"unix:///var/run/docker.sock\", \"tcp://0.0.0.0:2375\"],\n  \"experimental\": true\n}\n",
        0o666,
    );
    t.write("/lib/systemd/system/docker.service", DOCKER_SERVICE, 0o664);
    chmod(&t.path("/run/docker.sock"), 0o666);
    t.write(
        "/etc/kubernetes/manifests/kube-apiserver.yaml",
        &pod(
            "kube-apiserver",
            &[
                "--authorization-mode=AlwaysAllow",
                "--token-auth-file=/etc/kubernetes/tokens.csv",
                "--audit-log-path=/var/log/kubernetes/audit.log",
                "--audit-log-maxage=7",
                "--service-account-lookup=false",
                "--tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA",
            ],
            "",
        ),
        0o644,
    );
    t.write("/etc/kubernetes/manifests/kube-controller-manager.yaml", &pod("kube-controller-manager", &[], ""), 0o600);
    t.write(
        "/etc/kubernetes/manifests/kube-scheduler.yaml",
        &pod("kube-scheduler", &["--profiling=false", "--bind-address=0.0.0.0"], ""),
        0o600,
    );
    t.write(
        "/etc/kubernetes/manifests/etcd.yaml",
        &pod("etcd", &["--auto-tls=true", "--peer-auto-tls=true"], ""),
        0o600,
    );
    chmod(&t.path("/var/lib/etcd"), 0o755);
    chmod(&t.path("/etc/kubernetes/admin.conf"), 0o644);
    chmod(&t.path("/etc/kubernetes/pki/ca.key"), 0o644);
    // etcd is another user on this node: the data directory, owned by the test user, is not its.
    let (uid, gid) = t.ids;
    t.write(
        "/etc/passwd",
        &format!("root:x:0:0::/root:/bin/sh\netcd:x:{}:{}::/:/bin/false\n", uid + 1, gid + 1),
        0o644,
    );
    t.write("/etc/group", &format!("root:x:0:\netcd:x:{}:\n", gid + 1), 0o644);
    t.write(
        "/var/lib/kubelet/config.yaml",
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: true\nauthorization:\n  mode: AlwaysAllow\nreadOnlyPort: 10255\nstreamingConnectionIdleTimeout: 0s\nrotateCertificates: false\n",
        0o644,
    );
    let r = t.scan();
    assert_eq!(errors(&r), Vec::<String>::new());
    let apiserver = "/etc/kubernetes/manifests/kube-apiserver.yaml";
    let expected: BTreeSet<String> = [
        ("PL-HOST-001", "/etc/docker/daemon.json"),
        ("PL-HOST-002", "/etc/docker/daemon.json"),
        ("PL-HOST-003", "/etc/docker/daemon.json"),
        ("PL-HOST-004", "/etc/docker/daemon.json"),
        ("PL-HOST-005", "/etc/docker/daemon.json"),
        ("PL-HOST-006", "/etc/docker/daemon.json"),
        ("PL-HOST-007", "/etc/docker/daemon.json"),
        ("PL-HOST-008", "/etc/docker/daemon.json"),
        ("PL-HOST-009", "/etc/docker/daemon.json"),
        ("PL-HOST-010", apiserver),
        ("PL-HOST-011", apiserver),
        ("PL-HOST-012", apiserver),
        ("PL-HOST-013", apiserver),
        ("PL-HOST-014", apiserver),
        ("PL-HOST-015", apiserver),
        ("PL-HOST-015", "/etc/kubernetes/manifests/kube-controller-manager.yaml"),
        ("PL-HOST-017", apiserver),
        ("PL-HOST-018", apiserver),
        ("PL-HOST-019", apiserver),
        ("PL-HOST-021", apiserver),
        ("PL-HOST-022", "/etc/kubernetes/manifests/kube-controller-manager.yaml"),
        ("PL-HOST-023", "/etc/kubernetes/manifests/kube-controller-manager.yaml"),
        ("PL-HOST-024", "/etc/kubernetes/manifests/kube-controller-manager.yaml"),
        ("PL-HOST-024", "/etc/kubernetes/manifests/kube-scheduler.yaml"),
        ("PL-HOST-025", "/etc/kubernetes/manifests/etcd.yaml"),
        ("PL-HOST-026", "/etc/kubernetes/manifests/etcd.yaml"),
        ("PL-HOST-027", "/etc/kubernetes/manifests/etcd.yaml"),
        ("PL-HOST-028", "/var/lib/kubelet/config.yaml"),
        ("PL-HOST-029", "/var/lib/kubelet/config.yaml"),
        ("PL-HOST-030", "/var/lib/kubelet/config.yaml"),
        ("PL-HOST-031", "/var/lib/kubelet/config.yaml"),
        ("PL-HOST-032", "/var/lib/kubelet/config.yaml"),
        ("PL-HOST-033", "/var/lib/kubelet/config.yaml"),
        ("PL-HOST-034", "/etc/docker/daemon.json"),
        ("PL-HOST-034", "/lib/systemd/system/docker.service"),
        ("PL-HOST-034", "/var/run/docker.sock"),
        ("PL-HOST-034", apiserver),
        ("PL-HOST-034", "/var/lib/etcd"),
        ("PL-HOST-034", "/etc/kubernetes/admin.conf"),
        ("PL-HOST-034", "/etc/kubernetes/pki/ca.key"),
        ("PL-HOST-034", "/var/lib/kubelet/config.yaml"),
        ("PL-HOST-035", "/var/lib/etcd"),
    ]
    .iter()
    .map(|(c, f)| format!("{c} {f}"))
    .collect();
    assert_eq!(found(&r), expected.into_iter().collect::<Vec<_>>(), "{:#?}", r.misconfigurations);
    // Each finding names its CIS recommendation, and points at the offending line.
    let msg = |code: &str, file: &str| -> Vec<(u32, String)> {
        r.misconfigurations
            .iter()
            .filter(|m| m.rule_id == code && m.file == file)
            .map(|m| (m.line, m.message.clone()))
            .collect()
    };
    assert_eq!(
        msg("PL-HOST-034", "/etc/kubernetes/admin.conf"),
        [(1, "mode 0644, more permissive than 600 (CIS K8s 1.1.13)".to_string())]
    );
    assert_eq!(
        msg("PL-HOST-034", "/var/run/docker.sock"),
        [(1, "mode 0666, more permissive than 660 (CIS Docker 3.16)".to_string())]
    );
    assert_eq!(
        msg("PL-HOST-035", "/var/lib/etcd"),
        [(1, format!("owned by {uid}:{gid}, not etcd:etcd (CIS K8s 1.1.12)"))]
    );
    assert_eq!(
        msg("PL-HOST-003", "/etc/docker/daemon.json"),
        [(4, "the API listens on tcp://0.0.0.0:2375 without tlsverify".to_string())]
    );
    assert_eq!(
        msg("PL-HOST-013", apiserver),
        [(13, "--authorization-mode=AlwaysAllow: every request is authorized".to_string())]
    );
    let retention = msg("PL-HOST-017", apiserver);
    assert_eq!(retention.len(), 3, "{retention:?}");
    assert!(retention.contains(&(16, "--audit-log-maxage=7, below 30 (CIS 1.2.18)".to_string())), "{retention:?}");
    assert!(retention.contains(&(11, "--audit-log-maxbackup is not set; CIS 1.2.19 asks for 10 or more".to_string())));
    assert_eq!(
        msg("PL-HOST-028", "/var/lib/kubelet/config.yaml"),
        [(5, "anonymous requests to the kubelet are allowed (true)".to_string())]
    );
    let m = r.misconfigurations.iter().find(|m| m.rule_id == "PL-HOST-019").unwrap();
    assert_eq!(m.references, ["CIS-K8s-1.2.28"]);
    assert_eq!(m.severity, plimsoll_model::Severity::High);
}

/// Encryption at rest: flag absent, `identity` first, a real provider first.
#[test]
fn encryption_at_rest_three_cases() {
    let t = hardened();
    let manifest = "/etc/kubernetes/manifests/kube-apiserver.yaml";
    let rules = |r: &ScanReport| -> Vec<String> {
        r.misconfigurations
            .iter()
            .filter(|m| m.rule_id == "PL-HOST-019" || m.rule_id == "PL-HOST-020")
            .map(|m| format!("{} {} {}: {}", m.rule_id, m.file, m.line, m.message))
            .collect()
    };
    // 1. No --encryption-provider-config.
    t.write(manifest, &pod("kube-apiserver", APISERVER_HARDENED, ""), 0o600);
    let r = t.scan();
    assert_eq!(
        rules(&r),
        [format!("PL-HOST-019 {manifest} 11: --encryption-provider-config is not set: Secrets are stored unencrypted in etcd")]
    );
    // 2. identity first: the file is found on the host through the pod's hostPath mount.
    let mut api = APISERVER_HARDENED.to_vec();
    api.push("--encryption-provider-config=/etc/kubernetes/enc/enc.yaml");
    t.write(manifest, &pod("kube-apiserver", &api, ENC_MOUNT), 0o600);
    t.write("/srv/k8s-enc/enc.yaml", &encryption("identity"), 0o600);
    let r = t.scan();
    assert_eq!(
        rules(&r),
        ["PL-HOST-020 /srv/k8s-enc/enc.yaml 7: identity is the first provider for secrets: Secrets are written unencrypted"]
    );
    assert_eq!(errors(&r), Vec::<String>::new());
    // 3. A real provider first.
    for first in ["aescbc", "secretbox", "kms"] {
        t.write("/srv/k8s-enc/enc.yaml", &encryption(first), 0o600);
        let r = t.scan();
        assert_eq!(rules(&r), Vec::<String>::new(), "{first}");
        assert_eq!(errors(&r), Vec::<String>::new(), "{first}");
    }
    // A flag naming a file that is not there: not checked, and said so.
    std::fs::remove_file(t.path("/srv/k8s-enc/enc.yaml")).unwrap();
    let r = t.scan();
    assert_eq!(rules(&r), Vec::<String>::new());
    assert_eq!(
        errors(&r),
        ["/srv/k8s-enc/enc.yaml: not checked: the file --encryption-provider-config names does not exist"]
    );
}

/// Symlinks out of the root are not followed; absolute ones resolve inside the root.
#[test]
fn symlinks_never_leave_the_root() {
    let t = hardened();
    let outside = t.root.parent().unwrap().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("daemon.json"), "{\"insecure-registries\": [\"evil:5000\"], \"icc\": true}").unwrap();
    std::fs::write(outside.join("config.yaml"), "readOnlyPort: 10255\n").unwrap();
    std::fs::remove_file(t.path("/etc/docker/daemon.json")).unwrap();
    std::os::unix::fs::symlink("../../../outside/daemon.json", t.path("/etc/docker/daemon.json")).unwrap();
    // An absolute target is the node's own path: ROOT/<outside>/config.yaml, which is absent.
    std::fs::remove_file(t.path("/var/lib/kubelet/config.yaml")).unwrap();
    std::os::unix::fs::symlink(outside.join("config.yaml"), t.path("/var/lib/kubelet/config.yaml")).unwrap();
    let r = t.scan();
    assert_eq!(
        errors(&r),
        [
            "/etc/docker/daemon.json: not checked: symlink points outside the root (../../../outside/daemon.json); not followed",
            "/var/lib/kubelet/config.yaml: not checked: the file the kubelet's --config names does not exist",
        ]
    );
    // Nothing of the outside files was read (no insecure registry, no read-only port), and the
    // unknown settings are not judged as defaults: no finding at all.
    assert_eq!(found(&r), Vec::<String>::new());
    // A symlink loop is an error, not a hang.
    std::fs::remove_file(t.path("/etc/kubernetes/admin.conf")).unwrap();
    std::os::unix::fs::symlink("admin.conf", t.path("/etc/kubernetes/admin.conf")).unwrap();
    let r = t.scan();
    assert!(
        errors(&r).contains(&"/etc/kubernetes/admin.conf: not checked: more than 40 symlinks to follow".to_string()),
        "{:?}",
        errors(&r)
    );
}

/// A huge file and a malformed manifest are reported; everything else is still checked.
#[test]
fn huge_and_malformed_files_are_diagnosed() {
    let t = hardened();
    let huge = format!("{}\nreadOnlyPort: 10255\n", "# padding\n".repeat(200_000));
    t.write("/var/lib/kubelet/config.yaml", &huge, 0o600);
    t.write(
        "/etc/kubernetes/manifests/kube-scheduler.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n",
        0o600,
    );
    t.write("/etc/docker/daemon.json", "{\"icc\": false,,}", 0o644);
    t.write(
        "/etc/kubernetes/manifests/kube-controller-manager.yaml",
        &pod("kube-controller-manager", &["--bind-address=0.0.0.0"], ""),
        0o600,
    );
    let r = t.scan();
    let errs = errors(&r);
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert!(errs[0].starts_with("/etc/docker/daemon.json: not checked: malformed JSON: "), "{errs:?}");
    assert!(
        errs[1].starts_with("/etc/kubernetes/manifests/kube-scheduler.yaml: not checked: malformed YAML: line "),
        "{errs:?}"
    );
    assert_eq!(errs[2], "/var/lib/kubelet/config.yaml: not checked: file is 2000021 bytes, more than the 1048576 bytes read; not checked");
    // The rest was checked: the controller manager's findings are there, the scheduler has none.
    let f = found(&r);
    assert!(f.contains(&"PL-HOST-024 /etc/kubernetes/manifests/kube-controller-manager.yaml".to_string()), "{f:?}");
    assert!(!f.iter().any(|x| x.contains("kube-scheduler")), "{f:?}");
    // The file's mode is still checked even though its content was not read.
    chmod(&t.path("/var/lib/kubelet/config.yaml"), 0o644);
    assert!(found(&t.scan()).contains(&"PL-HOST-034 /var/lib/kubelet/config.yaml".to_string()));
}

#[test]
fn an_empty_root_says_nothing_was_found() {
    let t = Tree::new();
    // A directory where the Docker socket would be (what a bind mount of an absent socket
    // leaves) is not a socket with a wrong mode, nor a sign of Docker.
    t.dir("/run/docker.sock", 0o755);
    // A file where a directory is expected: the paths under it do not exist (not an error).
    t.write("/etc/kubernetes", "not a directory\n", 0o644);
    let r = t.scan();
    assert!(r.misconfigurations.is_empty());
    assert_eq!(r.diagnostics.len(), 1);
    assert!(r.diagnostics[0].message.starts_with("no Docker or Kubernetes node files found under "));
}
