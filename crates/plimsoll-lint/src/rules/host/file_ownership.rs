use super::file_hit;
use crate::host::HostInput;
use crate::host::Owner;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags node files not owned as the benchmarks ask: `root:root` for Docker units, `/etc/docker`, `daemon.json`, static-pod manifests, kubeconfigs, the kubelet files and everything under `/etc/kubernetes/pki`; `root:docker` for the Docker socket; `etcd:etcd` for the etcd data directory (ids from the node's `/etc/passwd` and `/etc/group`). `plimsoll host --root-owner UID:GID` says which ids count as root (for a tree copied by an unprivileged user); `--skip-ownership` checks modes only.
    ///
    /// ## Why it matters
    /// A file owned by another user can be rewritten by that user: a changed static-pod manifest or kubelet config is code execution as root on the node.
    ///
    /// ## How to fix
    /// `chown root:root FILE` (`root:docker` for the Docker socket, `etcd:etcd` for the etcd data directory).
    code: "PL-HOST-035",
    title: "Node file ownership",
    severity: Medium,
    references: ["CIS-Docker-3.1", "CIS-Docker-3.3", "CIS-Docker-3.5", "CIS-Docker-3.15", "CIS-Docker-3.17", "CIS-Docker-3.19", "CIS-K8s-1.1.2", "CIS-K8s-1.1.4", "CIS-K8s-1.1.6", "CIS-K8s-1.1.8", "CIS-K8s-1.1.12", "CIS-K8s-1.1.14", "CIS-K8s-1.1.16", "CIS-K8s-1.1.18", "CIS-K8s-1.1.19", "CIS-K8s-4.1.2", "CIS-K8s-4.1.6", "CIS-K8s-4.1.10"],
    bad: "==> /etc/kubernetes/admin.conf (owner 1000:1000) <==\napiVersion: v1\nkind: Config\n",
    good: "==> /etc/kubernetes/admin.conf (owner 0:0) <==\napiVersion: v1\nkind: Config\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    if !input.options.check_ownership {
        return;
    }
    let (ruid, rgid) = input.options.root;
    for c in &input.checked {
        let (uid, gid) = (c.meta.uid, c.meta.gid);
        let problem = match c.spec.owner {
            Owner::RootRoot => (uid != ruid || gid != rgid).then(|| "root:root".to_string()),
            // root:root is stricter than root:docker, so either passes.
            Owner::RootDocker => {
                (uid != ruid || (Some(gid) != input.docker_gid && gid != rgid)).then(|| "root:docker".to_string())
            }
            Owner::Etcd => match input.etcd_ids {
                (Some(eu), Some(eg)) => (uid != eu || gid != eg).then(|| "etcd:etcd".to_string()),
                _ => Some("etcd:etcd (the node has no etcd user or group)".to_string()),
            },
        };
        if let Some(want) = problem {
            out.push(file_hit(
                c.file,
                format!("owned by {uid}:{gid}, not {want} ({})", c.spec.owner_ref.replace('-', " ")),
            ));
        }
    }
}
