//! Host rules (`plimsoll host`): node files as the CIS Docker and Kubernetes benchmarks check
//! them, one file each. The CIS recommendation a rule implements is in its references (and in
//! each finding's message when one rule covers several files or components).

pub mod apiserver_always_allow;
pub mod apiserver_anonymous_auth;
pub mod apiserver_audit_log;
pub mod apiserver_audit_retention;
pub mod apiserver_encryption_provider_config;
pub mod apiserver_kubelet_ca;
pub mod apiserver_node_rbac;
pub mod apiserver_service_account_lookup;
pub mod apiserver_tls_ciphers;
pub mod apiserver_token_auth_file;
pub mod bind_address;
pub mod controller_manager_pod_gc;
pub mod controller_manager_sa_credentials;
pub mod docker_experimental;
pub mod docker_icc;
pub mod docker_insecure_registries;
pub mod docker_live_restore;
pub mod docker_log_driver;
pub mod docker_no_new_privileges;
pub mod docker_tcp_without_tls;
pub mod docker_userland_proxy;
pub mod docker_userns_remap;
pub mod encryption_identity_first;
pub mod etcd_auto_tls;
pub mod etcd_client_cert_auth;
pub mod etcd_peer_client_cert_auth;
pub mod file_ownership;
pub mod file_permissions;
pub(crate) mod helpers;
pub mod kubelet_anonymous_auth;
pub mod kubelet_authorization_mode;
pub mod kubelet_protect_kernel_defaults;
pub mod kubelet_read_only_port;
pub mod kubelet_rotate_certificates;
pub mod kubelet_streaming_timeout;
pub mod profiling;

/// A hit on a whole file (modes, ownership).
pub(crate) fn file_hit(file: usize, message: String) -> crate::rule::Hit {
    crate::rule::Hit { file: Some(file), ..crate::rule::Hit::new(1, 1, message) }
}
