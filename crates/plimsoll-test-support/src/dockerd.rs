//! A Docker Engine of the test's own: `dockerd` on a temporary socket, data root and exec root,
//! without iptables rules or a bridge (so it runs on CI machines and never touches the host's
//! engine), stopped and deleted when dropped. Needs root and Debian's `docker.io`.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A running `dockerd`; dropping it sends SIGTERM (SIGKILL after 30 s) and deletes its files.
pub struct Dockerd {
    child: Child,
    dir: PathBuf,
}

/// Why a test cannot have a dockerd here (missing tool, not root), for
/// [`crate::require`]; `None` when it can.
pub fn unavailable() -> Option<String> {
    for tool in ["dockerd", "docker"] {
        let found = Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            return Some(format!("{tool} is not installed (Debian: docker.io)"));
        }
    }
    if !Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n")) {
        return Some("dockerd needs root".into());
    }
    None
}

impl Dockerd {
    /// Starts the daemon and waits until its socket accepts connections.
    pub fn start() -> Result<Dockerd, String> {
        static N: AtomicUsize = AtomicUsize::new(0);
        // The data root holds unpacked layers (thousands of files): on tmpfs when there is one,
        // as creating and deleting them on a loaded disk costs tens of seconds. Short paths: the
        // socket's must fit in sun_path (108 bytes).
        let base = if Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
        let dir = base.join(format!("pd-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let log = std::fs::File::create(dir.join("dockerd.log")).map_err(|e| e.to_string())?;
        let child = Command::new("dockerd")
            .arg("--host")
            .arg(format!("unix://{}", dir.join("docker.sock").display()))
            .arg("--data-root")
            .arg(dir.join("data"))
            .arg("--exec-root")
            .arg(dir.join("exec"))
            .arg("--pidfile")
            .arg(dir.join("pid"))
            .args(["--iptables=false", "--bridge=none"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start dockerd: {e}"))?;
        let mut d = Dockerd { child, dir };
        // Starting takes a few seconds (and its own containerd when none runs); the bound only
        // stops a broken daemon from hanging the test.
        let until = Instant::now() + Duration::from_secs(120);
        loop {
            if UnixStream::connect(d.socket()).is_ok() {
                return Ok(d);
            }
            if let Ok(Some(status)) = d.child.try_wait() {
                return Err(format!("dockerd exited ({status}): {}", d.log()));
            }
            if Instant::now() > until {
                return Err(format!("dockerd did not answer: {}", d.log()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.join("docker.sock")
    }

    /// `unix:///.../docker.sock`.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    /// A scratch directory that lives as long as the daemon.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The end of the daemon's log, for failure messages.
    pub fn log(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("dockerd.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Runs the docker CLI against this daemon; panics with its output on failure.
    pub fn docker(&self, args: &[&str]) -> String {
        let out = Command::new("docker").arg("-H").arg(self.host()).args(args).output().expect("run docker");
        assert!(
            out.status.success(),
            "docker {args:?}: {}{}\ndockerd: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        // SIGTERM lets dockerd stop its containerd and unmount; SIGKILL if it does not.
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let until = Instant::now() + Duration::from_secs(30);
        let mut stopped = false;
        while Instant::now() < until {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                stopped = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if !stopped {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
