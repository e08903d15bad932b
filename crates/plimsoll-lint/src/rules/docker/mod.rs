//! Live Docker Engine rules: containers (CIS Docker Benchmark v1.4.0 section 5, codes
//! PL-DOCKER-0NN) and the daemon (section 2, PL-DOCKER-1NN), on [`crate::docker`]'s input.

pub mod cap_add;
pub mod docker_socket;
pub mod experimental;
pub mod host_namespaces;
pub mod host_network;
pub mod icc;
pub mod insecure_registries;
pub mod live_restore;
pub mod logging_driver;
pub mod no_limits;
pub mod no_new_privileges;
pub mod privileged;
pub mod privileged_port;
pub mod restart_policy;
pub mod root_user;
pub mod sensitive_mount;
pub mod unconfined_security_opt;
pub mod userns_remap;
pub mod writable_rootfs;
