use super::file_hit;
use crate::host::HostInput;
use crate::rule::{declare_rule, Hit};

declare_rule! {
    /// ## What it does
    /// Flags node files whose mode is more permissive than the benchmarks allow: Docker units and `daemon.json` 644, `/etc/docker` 755, the Docker socket 660; static-pod manifests, kubeconfigs (`admin.conf`, `scheduler.conf`, `controller-manager.conf`, `kubelet.conf`), the kubelet drop-in and config file, PKI certificates and keys 600; the etcd data directory 700. Each finding names the CIS recommendation of its file.
    ///
    /// ## Why it matters
    /// These files hold cluster-admin credentials, private keys and the configuration of privileged daemons: whoever can read or change them controls the node or the cluster.
    ///
    /// ## How to fix
    /// `chmod` the file to the mode named in the finding (e.g. `chmod 600 /etc/kubernetes/admin.conf`).
    code: "PL-HOST-034",
    title: "Node file permissions too open",
    severity: Medium,
    references: ["CIS-Docker-3.2", "CIS-Docker-3.4", "CIS-Docker-3.6", "CIS-Docker-3.16", "CIS-Docker-3.18", "CIS-Docker-3.20", "CIS-K8s-1.1.1", "CIS-K8s-1.1.3", "CIS-K8s-1.1.5", "CIS-K8s-1.1.7", "CIS-K8s-1.1.11", "CIS-K8s-1.1.13", "CIS-K8s-1.1.15", "CIS-K8s-1.1.17", "CIS-K8s-1.1.20", "CIS-K8s-1.1.21", "CIS-K8s-4.1.1", "CIS-K8s-4.1.5", "CIS-K8s-4.1.9"],
    bad: "==> /etc/kubernetes/admin.conf (mode 0644) <==\napiVersion: v1\nkind: Config\n",
    good: "==> /etc/kubernetes/admin.conf (mode 0600) <==\napiVersion: v1\nkind: Config\n",
    check: Host(check),
}

fn check(input: &HostInput, out: &mut Vec<Hit>) {
    for c in &input.checked {
        if c.spec.forbidden != 0 && c.meta.mode & c.spec.forbidden != 0 {
            out.push(file_hit(
                c.file,
                format!(
                    "mode {:04o}, more permissive than {} ({})",
                    c.meta.mode & 0o7777,
                    c.spec.want_mode,
                    c.spec.mode_ref.replace('-', " ")
                ),
            ));
        }
    }
}
