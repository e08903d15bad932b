//! A real registry on loopback for tests: Debian's `docker-registry` (the CNCF distribution
//! server) with htpasswd auth and a TLS certificate from a throwaway CA, plus `skopeo` to push.
//!
//! [`LocalRegistry::start`] returns `None` with the reason when a tool is missing, so tests can
//! skip. The server is killed when the value is dropped.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use plimsoll_model::Digest;

use super::auth::Credentials;
use super::client::RegistryOptions;
use super::name::RegistryRef;

pub const USER: &str = "plimsoll";
pub const PASSWORD: &str = "s3cret-pw";

pub struct LocalRegistry {
    child: Child,
    dir: tempfile::TempDir,
    /// `127.0.0.1:PORT`
    pub host: String,
    pub ca_file: PathBuf,
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn run(cmd: &mut Command) -> Result<Vec<u8>, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(out.stdout)
}

/// A bcrypt htpasswd line, from `htpasswd` (apache2-utils) or Python's `bcrypt`.
fn htpasswd_line() -> Result<String, String> {
    if have("htpasswd") {
        let out = run(Command::new("htpasswd").args(["-Bbn", USER, PASSWORD]))?;
        return Ok(String::from_utf8_lossy(&out).trim().to_owned());
    }
    let script =
        format!("import bcrypt; print('{USER}:' + bcrypt.hashpw(b'{PASSWORD}', bcrypt.gensalt(rounds=5)).decode())");
    run(Command::new("python3").args(["-c", &script]))
        .map(|o| String::from_utf8_lossy(&o).trim().to_owned())
        .map_err(|e| format!("neither htpasswd (apache2-utils) nor python3 bcrypt is available: {e}"))
}

impl LocalRegistry {
    /// Starts a registry, or says why it cannot.
    pub fn start() -> Result<LocalRegistry, String> {
        for tool in ["docker-registry", "skopeo", "openssl"] {
            if !have(tool) {
                return Err(format!("`{tool}` is not installed"));
            }
        }
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let d = dir.path();
        let openssl = |args: &[&str]| run(Command::new("openssl").args(args).current_dir(d));
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
        openssl(
            &[
                &["req", "-x509"][..],
                &ec,
                &["-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=plimsoll test CA", "-days", "2"],
            ]
            .concat(),
        )?;
        std::fs::write(
            d.join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n\
             extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n",
        )
        .map_err(|e| e.to_string())?;
        openssl(
            &[&["req"][..], &ec, &["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]].concat(),
        )?;
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ])?;
        std::fs::write(d.join("htpasswd"), format!("{}\n", htpasswd_line()?)).map_err(|e| e.to_string())?;
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
        let host = format!("127.0.0.1:{port}");
        let config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    \
             rootdirectory: {root}/storage\n  delete:\n    enabled: true\nhttp:\n  addr: {host}\n  secret: plimsoll-test\n  \
             tls:\n    certificate: {root}/server.pem\n    key: {root}/server.key\nauth:\n  htpasswd:\n    realm: \
             plimsoll-test\n    path: {root}/htpasswd\n",
            root = d.display()
        );
        std::fs::write(d.join("config.yml"), config).map_err(|e| e.to_string())?;
        let log = std::fs::File::create(d.join("registry.log")).map_err(|e| e.to_string())?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(d.join("config.yml"))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("cannot start docker-registry: {e}"))?;
        let mut reg = LocalRegistry { child, ca_file: d.join("ca.pem"), dir, host };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if TcpStream::connect(&reg.host).is_ok() {
                return Ok(reg);
            }
            if let Ok(Some(status)) = reg.child.try_wait() {
                let log = std::fs::read_to_string(reg.dir.path().join("registry.log")).unwrap_or_default();
                return Err(format!("docker-registry exited ({status}): {log}"));
            }
            if Instant::now() > deadline {
                return Err("docker-registry did not start listening within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Options that trust the test CA and log in.
    pub fn options(&self) -> RegistryOptions {
        RegistryOptions {
            ca_files: vec![self.ca_file.clone()],
            credentials: Some(Credentials { username: USER.into(), password: PASSWORD.into() }),
            no_docker_config: true,
            ..RegistryOptions::default()
        }
    }

    /// `127.0.0.1:PORT/repo_and_tag`
    pub fn reference(&self, repo_and_tag: &str) -> RegistryRef {
        let s = format!("{}/{repo_and_tag}", self.host);
        RegistryRef::parse(&s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// Pushes `oci:LAYOUT[:TAG]` to `repo:tag` with skopeo, digests preserved.
    pub fn push_oci(&self, layout: &Path, layout_tag: Option<&str>, repo_and_tag: &str) -> Result<(), String> {
        let src = match layout_tag {
            Some(t) => format!("oci:{}:{t}", layout.display()),
            None => format!("oci:{}", layout.display()),
        };
        run(Command::new("skopeo")
            .args(["--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false", "--preserve-digests"])
            .arg(format!("--dest-creds={USER}:{PASSWORD}"))
            .arg(src)
            .arg(format!("docker://{}/{repo_and_tag}", self.host))
            .env("HOME", self.dir.path()))
        .map(|_| ())
    }

    /// Where the registry keeps a blob's bytes (to tamper with them).
    pub fn blob_file(&self, d: &Digest) -> PathBuf {
        self.dir
            .path()
            .join("storage/docker/registry/v2/blobs")
            .join(d.algorithm())
            .join(&d.hex()[..2])
            .join(d.hex())
            .join("data")
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for LocalRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
