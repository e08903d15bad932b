//! Compose-file rules, one file each.

pub mod cap_add;
pub mod docker_socket;
pub mod host_namespaces;
pub mod network_host;
pub mod no_limits;
pub mod no_read_only;
pub mod privileged;
pub mod root_user;
pub mod unconfined_security_opt;
