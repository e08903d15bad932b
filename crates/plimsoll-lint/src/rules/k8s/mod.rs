//! Kubernetes rules, one file each: the Pod Security Standards controls (`pss_*`) and more.

use crate::k8s::pss::{self, Control};
use crate::k8s::{hit, K8sSet};
use crate::rule::Hit;

pub mod automount_sa_token;
pub mod cluster_admin_binding;
pub mod docker_socket;
pub mod encryption_config;
pub mod env_plaintext_secret;
pub mod env_secret_ref;
pub mod image_digest;
pub mod image_tag;
pub mod netpol_no_default_deny;
pub mod netpol_uncovered;
pub mod pss_apparmor;
pub mod pss_capabilities_baseline;
pub mod pss_capabilities_restricted;
pub mod pss_host_namespaces;
pub mod pss_host_path_volumes;
pub mod pss_host_ports;
pub mod pss_host_probes;
pub mod pss_host_process;
pub mod pss_privilege_escalation;
pub mod pss_privileged;
pub mod pss_proc_mount;
pub mod pss_proc_mount_restricted;
pub mod pss_run_as_non_root;
pub mod pss_run_as_user;
pub mod pss_seccomp_baseline;
pub mod pss_seccomp_restricted;
pub mod pss_selinux;
pub mod pss_sysctls;
pub mod pss_volume_types;
pub mod rbac_anonymous_binding;
pub mod rbac_escalate;
pub mod rbac_impersonate;
pub mod rbac_kube_system_access;
pub mod rbac_secrets_read;
pub mod rbac_wildcard;
pub mod resources_limits;
pub mod resources_requests;
pub mod secret_object;
pub mod sys_admin_capability;
pub mod writable_root_fs;

/// Runs one PSS control at the set's policy version on every pod template: one hit per
/// violation, on the offending key's line.
pub(crate) fn pss_control(control: Control, set: &K8sSet, out: &mut Vec<Hit>) {
    for (obj, pod) in set.pods() {
        for (detail, at) in pss::check(control, pod.meta, pod.spec, set.pss_version) {
            out.push(hit(obj, at, detail));
        }
    }
}
