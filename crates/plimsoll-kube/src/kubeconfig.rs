//! Kubeconfig files as kubectl reads them: `--kubeconfig FILE`, else every file of `KUBECONFIG`
//! (`:`-separated; the first file to set a name or `current-context` wins, missing files are
//! skipped), else `~/.kube/config`. One context is resolved into a [`ClusterConfig`]: the
//! server, how to trust it and how to authenticate.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;

use crate::KubeError;

/// Kubeconfig files larger than this are refused (real ones are a few KiB, with embedded
/// certificates a few tens).
const MAX_KUBECONFIG_BYTES: u64 = 4 << 20;
/// Token and certificate files named by a kubeconfig are small too.
const MAX_CREDENTIAL_FILE_BYTES: u64 = 1 << 20;
/// An exec credential plugin that has not answered by then is killed.
pub const EXEC_TIMEOUT: Duration = Duration::from_secs(60);
/// What an exec plugin may print.
const MAX_EXEC_OUTPUT: u64 = 1 << 20;

/// One context of a kubeconfig, resolved: everything the client needs.
#[derive(Clone, Default)]
pub struct ClusterConfig {
    pub context: String,
    pub cluster: String,
    pub user: String,
    /// `https://host:port[/prefix]`, without a trailing slash.
    pub server: String,
    /// The context's namespace, if it names one.
    pub namespace: Option<String>,
    /// PEM CA certificates to trust instead of the system roots (kubectl's behaviour).
    pub ca_pem: Option<Vec<u8>>,
    /// `insecure-skip-tls-verify: true`: the server's certificate is not checked.
    pub insecure: bool,
    /// `tls-server-name`: the name the certificate is checked against instead of the host.
    pub tls_server_name: Option<String>,
    pub client_cert_pem: Option<Vec<u8>>,
    pub client_key_pem: Option<Vec<u8>>,
    pub token: Option<String>,
    /// What the user should know about this configuration (an unverified server, ...).
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for ClusterConfig {
    // Credentials never reach a log or an error message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterConfig")
            .field("context", &self.context)
            .field("server", &self.server)
            .field("insecure", &self.insecure)
            .field("client_cert", &self.client_cert_pem.is_some())
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    clusters: Vec<Named<RawCluster>>,
    #[serde(default)]
    users: Vec<NamedUser>,
    #[serde(default)]
    contexts: Vec<NamedContext>,
    #[serde(default)]
    current_context: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Named<T> {
    name: String,
    cluster: T,
}

#[derive(Debug, Deserialize)]
struct NamedUser {
    name: String,
    #[serde(default)]
    user: RawUser,
}

#[derive(Debug, Deserialize)]
struct NamedContext {
    name: String,
    context: RawContext,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawCluster {
    server: Option<String>,
    certificate_authority: Option<String>,
    certificate_authority_data: Option<String>,
    #[serde(default)]
    insecure_skip_tls_verify: bool,
    tls_server_name: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawUser {
    client_certificate: Option<String>,
    client_certificate_data: Option<String>,
    client_key: Option<String>,
    client_key_data: Option<String>,
    token: Option<String>,
    #[serde(rename = "tokenFile")]
    token_file: Option<String>,
    username: Option<String>,
    exec: Option<RawExec>,
    auth_provider: Option<serde_json::Value>,
}

#[derive(Debug, Default, Clone, Deserialize)]
struct RawExec {
    command: String,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    env: Vec<RawEnv>,
    #[serde(default, rename = "apiVersion")]
    api_version: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
struct RawEnv {
    name: String,
    value: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
struct RawContext {
    cluster: String,
    #[serde(default)]
    user: String,
    namespace: Option<String>,
}

/// Entries of the merged files, each with the directory of the file it came from (relative
/// paths in a kubeconfig are relative to that file).
#[derive(Default)]
struct Merged {
    clusters: BTreeMap<String, (RawCluster, PathBuf)>,
    users: BTreeMap<String, (RawUser, PathBuf)>,
    contexts: BTreeMap<String, RawContext>,
    current_context: Option<String>,
}

/// The kubeconfig files to read, in kubectl's order.
pub fn kubeconfig_paths(explicit: Option<&Path>) -> Vec<PathBuf> {
    if let Some(p) = explicit {
        return vec![p.to_owned()];
    }
    if let Some(v) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        return std::env::split_paths(&v).filter(|p| !p.as_os_str().is_empty()).collect();
    }
    std::env::var_os("HOME").map(|h| vec![PathBuf::from(h).join(".kube").join("config")]).unwrap_or_default()
}

/// Loads the kubeconfig (see the module docs) and resolves `context` (default: its
/// `current-context`).
pub fn load(explicit: Option<&Path>, context: Option<&str>) -> Result<ClusterConfig, KubeError> {
    let paths = kubeconfig_paths(explicit);
    let mut merged = Merged::default();
    let mut read_any = false;
    for path in &paths {
        // kubectl skips KUBECONFIG entries that do not exist; an explicit file must exist.
        if explicit.is_none() && !path.exists() {
            continue;
        }
        let text = read_capped(path, MAX_KUBECONFIG_BYTES)
            .map_err(|source| KubeError::ReadKubeconfig { path: path.clone(), source })?;
        let text = String::from_utf8(text)
            .map_err(|_| KubeError::ParseKubeconfig { path: path.clone(), reason: "not UTF-8 text".into() })?;
        let raw: RawConfig = if text.trim().is_empty() {
            RawConfig::default()
        } else {
            serde_saphyr::from_str(&text)
                .map_err(|e| KubeError::ParseKubeconfig { path: path.clone(), reason: e.to_string() })?
        };
        read_any = true;
        let dir = path.parent().map(Path::to_owned).unwrap_or_default();
        for c in raw.clusters {
            merged.clusters.entry(c.name).or_insert((c.cluster, dir.clone()));
        }
        for u in raw.users {
            merged.users.entry(u.name).or_insert((u.user, dir.clone()));
        }
        for c in raw.contexts {
            merged.contexts.entry(c.name).or_insert(c.context);
        }
        if merged.current_context.as_deref().is_none_or(str::is_empty) {
            merged.current_context = raw.current_context;
        }
    }
    if !read_any {
        return Err(KubeError::NoKubeconfig { tried: paths });
    }
    resolve(&merged, context)
}

/// Parses one kubeconfig text (relative paths resolve against `dir`) and resolves `context`.
pub fn from_str(text: &str, dir: &Path, context: Option<&str>) -> Result<ClusterConfig, KubeError> {
    let raw: RawConfig = serde_saphyr::from_str(text)
        .map_err(|e| KubeError::ParseKubeconfig { path: dir.to_owned(), reason: e.to_string() })?;
    let mut merged = Merged { current_context: raw.current_context, ..Merged::default() };
    for c in raw.clusters {
        merged.clusters.entry(c.name).or_insert((c.cluster, dir.to_owned()));
    }
    for u in raw.users {
        merged.users.entry(u.name).or_insert((u.user, dir.to_owned()));
    }
    for c in raw.contexts {
        merged.contexts.entry(c.name).or_insert(c.context);
    }
    resolve(&merged, context)
}

fn resolve(m: &Merged, context: Option<&str>) -> Result<ClusterConfig, KubeError> {
    let name = match context.or(m.current_context.as_deref().filter(|c| !c.is_empty())) {
        Some(n) => n.to_owned(),
        None => return Err(KubeError::NoContext { known: m.contexts.keys().cloned().collect() }),
    };
    let ctx = m
        .contexts
        .get(&name)
        .ok_or_else(|| KubeError::UnknownContext { name: name.clone(), known: m.contexts.keys().cloned().collect() })?;
    let (cluster, cluster_dir) = m
        .clusters
        .get(&ctx.cluster)
        .ok_or_else(|| KubeError::UnknownCluster { context: name.clone(), cluster: ctx.cluster.clone() })?;
    let server = cluster
        .server
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| KubeError::NoServer { cluster: ctx.cluster.clone() })?
        .trim_end_matches('/')
        .to_owned();
    if !(server.starts_with("https://") || server.starts_with("http://")) {
        return Err(KubeError::Credential {
            what: format!("cluster {}", ctx.cluster),
            reason: format!("server `{server}` is not an http(s):// URL"),
        });
    }
    let mut out = ClusterConfig {
        context: name.clone(),
        cluster: ctx.cluster.clone(),
        user: ctx.user.clone(),
        server,
        namespace: ctx.namespace.clone().filter(|n| !n.is_empty()),
        insecure: cluster.insecure_skip_tls_verify,
        tls_server_name: cluster.tls_server_name.clone(),
        ..ClusterConfig::default()
    };
    let what = |field: &str| format!("cluster {} `{field}`", ctx.cluster);
    out.ca_pem = data_or_file(
        cluster.certificate_authority_data.as_deref(),
        cluster.certificate_authority.as_deref(),
        cluster_dir,
        &what("certificate-authority"),
    )?;
    if out.insecure {
        out.warnings.push(format!(
            "INSECURE: cluster {} sets insecure-skip-tls-verify: the API server's certificate is NOT verified, \
             so anyone on the network path can impersonate it and read the credentials sent to it",
            ctx.cluster
        ));
    }
    if out.server.starts_with("http://") {
        out.warnings.push(format!(
            "INSECURE: cluster {} is reached over plain HTTP ({}); credentials and answers travel unencrypted",
            ctx.cluster, out.server
        ));
    }
    if ctx.user.is_empty() {
        return Ok(out);
    }
    let Some((user, user_dir)) = m.users.get(&ctx.user) else {
        return Err(KubeError::UnknownUser { context: name, user: ctx.user.clone() });
    };
    let what = |field: &str| format!("user {} `{field}`", ctx.user);
    out.client_cert_pem = data_or_file(
        user.client_certificate_data.as_deref(),
        user.client_certificate.as_deref(),
        user_dir,
        &what("client-certificate"),
    )?;
    out.client_key_pem =
        data_or_file(user.client_key_data.as_deref(), user.client_key.as_deref(), user_dir, &what("client-key"))?;
    if out.client_cert_pem.is_some() != out.client_key_pem.is_some() {
        return Err(KubeError::Credential {
            what: format!("user {}", ctx.user),
            reason: "a client certificate needs both client-certificate(-data) and client-key(-data)".into(),
        });
    }
    out.token = match (&user.token, &user.token_file) {
        (Some(t), _) if !t.is_empty() => Some(t.trim().to_owned()),
        (_, Some(f)) => {
            let path = relative_to(user_dir, f);
            let bytes = read_capped(&path, MAX_CREDENTIAL_FILE_BYTES).map_err(|e| KubeError::Credential {
                what: what("tokenFile"),
                reason: format!("cannot read {}: {e}", path.display()),
            })?;
            Some(String::from_utf8_lossy(&bytes).trim().to_owned())
        }
        _ => None,
    };
    if let Some(exec) = &user.exec {
        if out.token.is_none() && out.client_cert_pem.is_none() {
            let cred = run_exec(exec, user_dir, &ctx.user)?;
            out.token = cred.token;
            out.client_cert_pem = cred.cert;
            out.client_key_pem = cred.key;
        }
    }
    if user.auth_provider.is_some() && out.token.is_none() && out.client_cert_pem.is_none() {
        return Err(KubeError::Credential {
            what: format!("user {}", ctx.user),
            reason: "auth-provider plugins (removed from kubectl in 1.26) are not supported; \
                     use an exec plugin or a token"
                .into(),
        });
    }
    if user.username.is_some() && out.token.is_none() && out.client_cert_pem.is_none() {
        out.warnings.push(format!(
            "user {}: basic authentication (username/password) is not supported; requests are anonymous",
            ctx.user
        ));
    }
    Ok(out)
}

/// `*-data` (base64 PEM) wins over the file, as in kubectl.
fn data_or_file(data: Option<&str>, file: Option<&str>, dir: &Path, what: &str) -> Result<Option<Vec<u8>>, KubeError> {
    if let Some(d) = data.filter(|d| !d.trim().is_empty()) {
        let cleaned: String = d.chars().filter(|c| !c.is_whitespace()).collect();
        return base64::engine::general_purpose::STANDARD
            .decode(cleaned)
            .map(Some)
            .map_err(|e| KubeError::Credential { what: format!("{what}-data"), reason: format!("not base64: {e}") });
    }
    match file.filter(|f| !f.is_empty()) {
        Some(f) => {
            let path = relative_to(dir, f);
            read_capped(&path, MAX_CREDENTIAL_FILE_BYTES).map(Some).map_err(|e| KubeError::Credential {
                what: what.to_owned(),
                reason: format!("cannot read {}: {e}", path.display()),
            })
        }
        None => Ok(None),
    }
}

fn relative_to(dir: &Path, f: &str) -> PathBuf {
    let p = Path::new(f);
    if p.is_absolute() {
        p.to_owned()
    } else {
        dir.join(p)
    }
}

fn read_capped(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    std::fs::File::open(path)?.take(max + 1).read_to_end(&mut out)?;
    if out.len() as u64 > max {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("larger than {max} bytes")));
    }
    Ok(out)
}

/// Runs the exec credential plugin the kubeconfig names (exactly that command, with its args
/// and env, nothing else), with a deadline and a cap on its output, and reads the
/// `ExecCredential` it prints (`client.authentication.k8s.io`).
fn run_exec(exec: &RawExec, dir: &Path, user: &str) -> Result<ExecCredentialOut, KubeError> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let fail =
        |reason: String| KubeError::Credential { what: format!("user {user} exec plugin `{}`", exec.command), reason };
    // A relative command with a path separator is relative to the kubeconfig, as in kubectl.
    let command =
        if exec.command.contains('/') { relative_to(dir, &exec.command) } else { PathBuf::from(&exec.command) };
    let api_version = exec.api_version.clone().unwrap_or_else(|| "client.authentication.k8s.io/v1".into());
    let info = serde_json::json!({
        "apiVersion": api_version, "kind": "ExecCredential", "spec": {"interactive": false}
    });
    let mut child = Command::new(&command)
        .args(&exec.args)
        .envs(exec.env.iter().map(|e| (e.name.as_str(), e.value.as_str())))
        .env("KUBERNETES_EXEC_INFO", info.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| fail(format!("cannot start {}: {e}", command.display())))?;
    let mut stdout = child.stdout.take().ok_or_else(|| fail("no standard output".into()))?;
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let r = Read::by_ref(&mut stdout).take(MAX_EXEC_OUTPUT + 1).read_to_end(&mut buf);
        r.map(|_| buf)
    });
    let start = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() < EXEC_TIMEOUT => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail(format!("did not finish within {} s; killed", EXEC_TIMEOUT.as_secs())));
            }
            Err(e) => return Err(fail(e.to_string())),
        }
    };
    let out = reader.join().map_err(|_| fail("output reader failed".into()))?.map_err(|e| fail(e.to_string()))?;
    if !status.success() {
        return Err(fail(format!("exited with {status}")));
    }
    if out.len() as u64 > MAX_EXEC_OUTPUT {
        return Err(fail(format!("printed more than {MAX_EXEC_OUTPUT} bytes")));
    }
    let v: serde_json::Value =
        serde_json::from_slice(&out).map_err(|e| fail(format!("did not print an ExecCredential JSON: {e}")))?;
    let st = &v["status"];
    let s = |k: &str| st[k].as_str().filter(|x| !x.is_empty()).map(str::to_owned);
    let cred = ExecCredentialOut {
        token: s("token"),
        cert: s("clientCertificateData").map(String::into_bytes),
        key: s("clientKeyData").map(String::into_bytes),
    };
    if cred.token.is_none() && (cred.cert.is_none() || cred.key.is_none()) {
        return Err(fail("the ExecCredential has neither status.token nor a client certificate and key".into()));
    }
    Ok(cred)
}

struct ExecCredentialOut {
    token: Option<String>,
    cert: Option<Vec<u8>>,
    key: Option<Vec<u8>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: prod
  cluster:
    server: https://10.0.0.1:6443/
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
- name: lab
  cluster: {server: 'https://lab:6443', insecure-skip-tls-verify: true}
users:
- name: admin
  user: {token: abc}
- name: ci
  user: {tokenFile: tok}
contexts:
- name: prod
  context: {cluster: prod, user: admin, namespace: shop}
- name: lab
  context: {cluster: lab, user: ci}
";

    #[test]
    fn current_context_token_and_ca_data() {
        let c = from_str(CONFIG, Path::new("/nonexistent"), None).unwrap();
        assert_eq!(c.server, "https://10.0.0.1:6443");
        assert_eq!(c.namespace.as_deref(), Some("shop"));
        assert_eq!(c.token.as_deref(), Some("abc"));
        assert_eq!(c.ca_pem.as_deref(), Some(&b"-----BEGIN CERTIFICATE-----\n"[..]));
        assert!(c.warnings.is_empty());
        assert!(!format!("{c:?}").contains("abc"), "the token must not be printed");
    }

    #[test]
    fn token_file_relative_to_the_kubeconfig_and_insecure_warns() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tok"), "s3cret\n").unwrap();
        let c = from_str(CONFIG, dir.path(), Some("lab")).unwrap();
        assert_eq!(c.token.as_deref(), Some("s3cret"));
        assert!(c.insecure);
        assert!(c.warnings[0].starts_with("INSECURE"), "{:?}", c.warnings);
    }

    #[test]
    fn unknown_context_names_the_known_ones() {
        let e = from_str(CONFIG, Path::new("/"), Some("nope")).unwrap_err().to_string();
        assert!(e.contains("nope") && e.contains("lab, prod"), "{e}");
    }

    #[test]
    fn exec_plugin_runs_with_its_args_and_env() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = "current-context: x
clusters: [{name: c, cluster: {server: 'https://h'}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: sh
      args: ['-c', 'printf \"{\\\"status\\\":{\\\"token\\\":\\\"%s\\\"}}\" \"$TOK\"']
      env: [{name: TOK, value: from-exec}]
";
        let c = from_str(cfg, dir.path(), None).unwrap();
        assert_eq!(c.token.as_deref(), Some("from-exec"));
        let failing = cfg.replace("printf", "exit 3; printf");
        let e = from_str(&failing, dir.path(), None).unwrap_err().to_string();
        assert!(e.contains("exec plugin `sh`") && e.contains("exit"), "{e}");
    }
}
