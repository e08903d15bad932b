//! `plimsoll host [--root DIR]`: a node's Docker and Kubernetes files against the CIS benchmarks.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use plimsoll::host::HostOptions;

use crate::cli::CommonArgs;

#[derive(Debug, Args)]
pub struct HostArgs {
    /// The node's root directory: `/` on the node itself, or a mounted or copied root filesystem
    /// (no symlink is followed out of it).
    #[arg(long, value_name = "DIR", default_value = "/")]
    root: PathBuf,
    /// The uid:gid that counts as root:root in the ownership checks (for a tree copied by an
    /// unprivileged user) [default: 0:0].
    #[arg(long, value_name = "UID:GID", conflicts_with = "skip_ownership")]
    root_owner: Option<String>,
    /// Check file modes only, not ownership.
    #[arg(long)]
    skip_ownership: bool,
    #[command(flatten)]
    common: CommonArgs,
}

pub const AFTER_HELP: &str = "\
Checks, each naming the CIS recommendation it implements (`plimsoll rule --list`, PL-HOST-*):
  Docker:     /etc/docker/daemon.json and dockerd flags in docker.service (CIS Docker 2.x),
              docker.service, docker.socket, /etc/docker, the Docker socket (3.x)
  Kubernetes: static pods in /etc/kubernetes/manifests (kube-apiserver, controller-manager,
              scheduler, etcd: CIS 1.2-1.4, 2), the EncryptionConfiguration that
              --encryption-provider-config names (1.2.28, 1.2.29), kubeconfigs and PKI modes and
              owners (1.1), the kubelet config file and systemd drop-ins (4.1, 4.2)

Files that cannot be read or parsed are reported as errors; everything else is still checked.

Examples:
  sudo plimsoll host
  plimsoll host --root /mnt/node1 --format json --exit-code 1
  plimsoll host --root ./node-copy --root-owner $(id -u):$(id -g)";

pub fn run_host(args: HostArgs) -> Result<ExitCode> {
    let HostArgs { root, root_owner, skip_ownership, common } = args;
    let settings = crate::commands::resolve_settings(common, &["misconfig"], false)?;
    let mut host = HostOptions { check_ownership: !skip_ownership, ..HostOptions::default() };
    if let Some(owner) = root_owner {
        let (u, g) = owner.split_once(':').context("--root-owner takes UID:GID, e.g. 1000:1000")?;
        host.root = (
            u.trim().parse().with_context(|| format!("--root-owner: `{u}` is not a uid"))?,
            g.trim().parse().with_context(|| format!("--root-owner: `{g}` is not a gid"))?,
        );
    }
    let scanned = plimsoll::scan_host(&root, &host, &settings.scan, &settings.policy)?;
    crate::commands::finish(scanned, &settings)
}
