//! Image-configuration rules (CIS Docker Benchmark chapter 4) on [`crate::ImageConfigInput`].

pub mod add_in_history;
pub mod no_healthcheck;
pub mod root_user;
pub mod secret_env;
pub mod sensitive_ports;
pub mod setuid_files;
