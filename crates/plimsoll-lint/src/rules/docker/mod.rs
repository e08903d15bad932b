//! Live Docker Engine rules: containers (CIS Docker Benchmark v1.6.0 section 5, codes
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

#[cfg(test)]
mod tests {
    use crate::rules::testutil::{assert_fires, assert_quiet, hits};

    #[test]
    fn restart_policy_bounds() {
        let rp = |name: &str, n: i64| {
            format!(r#"{{"HostConfig": {{"RestartPolicy": {{"Name": "{name}", "MaximumRetryCount": {n}}}}}}}"#)
        };
        assert_fires(&super::restart_policy::RULE, &rp("unless-stopped", 0));
        assert_fires(&super::restart_policy::RULE, &rp("on-failure", 0));
        assert_fires(&super::restart_policy::RULE, &rp("on-failure", 10));
        assert_quiet(&super::restart_policy::RULE, &rp("on-failure", 3));
        assert_quiet(&super::restart_policy::RULE, &rp("no", 0));
    }

    #[test]
    fn ports_users_and_options() {
        let port = |ip: &str, p: &str| {
            format!(r#"{{"HostConfig": {{"PortBindings": {{"80/tcp": [{{"HostIp": "{ip}", "HostPort": "{p}"}}]}}}}}}"#)
        };
        assert_fires(&super::privileged_port::RULE, &port("0.0.0.0", "443"));
        assert_quiet(&super::privileged_port::RULE, &port("", "8080"));
        assert_quiet(&super::privileged_port::RULE, &port("10.0.0.5", "80"));
        assert_fires(&super::root_user::RULE, r#"{"Config": {"User": "0:1000"}}"#);
        assert_fires(&super::root_user::RULE, r#"{"Config": {"User": "root"}}"#);
        assert_quiet(&super::root_user::RULE, r#"{"Config": {"User": "nobody"}}"#);
        // Docker's legacy `key:value` spelling counts too.
        assert_quiet(&super::no_new_privileges::RULE, r#"{"HostConfig": {"SecurityOpt": ["no-new-privileges:true"]}}"#);
        assert_fires(
            &super::no_new_privileges::RULE,
            r#"{"HostConfig": {"SecurityOpt": ["no-new-privileges=false"]}}"#,
        );
        assert_fires(
            &super::unconfined_security_opt::RULE,
            r#"{"HostConfig": {"SecurityOpt": ["apparmor:unconfined"]}}"#,
        );
        // A privileged container's implicit unconfined AppArmor profile is PL-DOCKER-001's finding.
        assert_quiet(
            &super::unconfined_security_opt::RULE,
            r#"{"AppArmorProfile": "unconfined", "HostConfig": {"Privileged": true}}"#,
        );
    }

    #[test]
    fn mounts_from_binds_and_mounts() {
        // `Binds` (what was asked) and `Mounts` (what the engine did) naming the same mount: once.
        let both = r#"{"HostConfig": {"Binds": ["/var/run/docker.sock:/var/run/docker.sock:ro"]},
            "Mounts": [{"Type": "bind", "Source": "/var/run/docker.sock", "Destination": "/var/run/docker.sock"}]}"#;
        assert_eq!(hits(&super::docker_socket::RULE, both).len(), 1);
        assert_fires(
            &super::docker_socket::RULE,
            r#"{"HostConfig": {"Binds": ["/run/containerd/containerd.sock:/c.sock"]}}"#,
        );
        assert_fires(&super::sensitive_mount::RULE, r#"{"HostConfig": {"Binds": ["/:/host"]}}"#);
        assert_fires(&super::sensitive_mount::RULE, r#"{"HostConfig": {"Binds": ["/etc/shadow:/s:ro"]}}"#);
        assert_quiet(&super::sensitive_mount::RULE, r#"{"HostConfig": {"Binds": ["/etcetera:/e", "/srv/data:/d"]}}"#);
        // Named volumes are not host paths.
        assert_quiet(&super::sensitive_mount::RULE, r#"{"HostConfig": {"Binds": ["etc:/etc"]}}"#);
    }

    #[test]
    fn daemon_settings_from_daemon_json() {
        assert_quiet(&super::userns_remap::RULE, r#"{"Info": {}, "DaemonJson": {"userns-remap": "default"}}"#);
        assert_quiet(&super::userns_remap::RULE, r#"{"Info": {"SecurityOptions": ["name=rootless"]}}"#);
        assert_quiet(&super::icc::RULE, r#"{"DaemonJson": {"icc": false}, "BridgeNetwork": {"Options": {}}}"#);
        assert_fires(&super::icc::RULE, r#"{"BridgeNetwork": {"Options": {}}}"#);
        // No default bridge (dockerd --bridge=none): nothing to judge.
        assert_quiet(&super::icc::RULE, r#"{"Info": {}}"#);
        assert_fires(
            &super::insecure_registries::RULE,
            r#"{"DaemonJson": {"insecure-registries": ["reg.example:5000"]}}"#,
        );
        assert_quiet(
            &super::insecure_registries::RULE,
            r#"{"DaemonJson": {"insecure-registries": ["localhost:5000"]}}"#,
        );
        assert_quiet(&super::live_restore::RULE, r#"{"Info": {"Swarm": {"LocalNodeState": "active"}}}"#);
        assert_fires(&super::logging_driver::RULE, r#"{"Info": {"LoggingDriver": "none"}}"#);
    }
}
