//! The rule registry: every rule, in code order. Adding a rule: one file and one line here.

pub mod compose;
pub mod docker;
pub mod dockerfile;
pub mod host;
pub mod image;
pub mod k8s;
#[cfg(test)]
pub(crate) mod testutil;

use crate::rule::Rule;

pub static RULES: &[&Rule] = &[
    &dockerfile::last_user_root::RULE,
    &dockerfile::no_user::RULE,
    &dockerfile::from_latest::RULE,
    &dockerfile::from_untagged::RULE,
    &dockerfile::from_no_digest::RULE,
    &dockerfile::heavy_base_image::RULE,
    &dockerfile::build_tools_single_stage::RULE,
    &dockerfile::secret_in_env_arg::RULE,
    &dockerfile::add_instead_of_copy::RULE,
    &dockerfile::add_remote_url::RULE,
    &dockerfile::curl_pipe_shell::RULE,
    &dockerfile::apt_no_install_recommends::RULE,
    &dockerfile::apt_lists_not_cleaned::RULE,
    &dockerfile::pkg_upgrade::RULE,
    &dockerfile::apk_no_cache::RULE,
    &dockerfile::sudo::RULE,
    &dockerfile::expose_ssh::RULE,
    &dockerfile::no_healthcheck::RULE,
    &dockerfile::chmod_777::RULE,
    &dockerfile::apt_unpinned::RULE,
    &dockerfile::apk_unpinned::RULE,
    &dockerfile::pip_unpinned::RULE,
    &dockerfile::npm_unpinned::RULE,
    &dockerfile::gem_unpinned::RULE,
    &dockerfile::workdir_relative::RULE,
    &dockerfile::run_cd::RULE,
    &dockerfile::maintainer::RULE,
    &dockerfile::multiple_cmd::RULE,
    &dockerfile::multiple_entrypoint::RULE,
    &dockerfile::shell_form_cmd::RULE,
    &dockerfile::copy_from_self::RULE,
    &dockerfile::duplicate_stage_name::RULE,
    &dockerfile::yum_no_clean::RULE,
    &dockerfile::yum_no_yes::RULE,
    &dockerfile::apt_no_yes::RULE,
    &dockerfile::pip_no_cache_dir::RULE,
    &dockerfile::secret_in_run::RULE,
    &dockerfile::setuid_chmod::RULE,
    &dockerfile::copy_multi_src_no_dir::RULE,
    &dockerfile::useradd_high_uid::RULE,
    &dockerfile::dnf_no_yes::RULE,
    &dockerfile::zypper_no_yes::RULE,
    &dockerfile::copy_from_unknown_stage::RULE,
    &dockerfile::apt_usage::RULE,
    &dockerfile::unsuitable_commands::RULE,
    &dockerfile::update_alone::RULE,
    &dockerfile::multiple_healthcheck::RULE,
    &dockerfile::invalid_port::RULE,
    &dockerfile::pipefail::RULE,
    &dockerfile::rpm_unpinned::RULE,
    &dockerfile::curl_and_wget::RULE,
    &k8s::pss_host_process::RULE,
    &k8s::pss_host_namespaces::RULE,
    &k8s::pss_privileged::RULE,
    &k8s::pss_capabilities_baseline::RULE,
    &k8s::pss_host_path_volumes::RULE,
    &k8s::pss_host_ports::RULE,
    &k8s::pss_host_probes::RULE,
    &k8s::pss_apparmor::RULE,
    &k8s::pss_selinux::RULE,
    &k8s::pss_proc_mount::RULE,
    &k8s::pss_seccomp_baseline::RULE,
    &k8s::pss_sysctls::RULE,
    &k8s::pss_volume_types::RULE,
    &k8s::pss_privilege_escalation::RULE,
    &k8s::pss_run_as_non_root::RULE,
    &k8s::pss_run_as_user::RULE,
    &k8s::pss_seccomp_restricted::RULE,
    &k8s::pss_capabilities_restricted::RULE,
    &k8s::pss_proc_mount_restricted::RULE,
    &k8s::resources_limits::RULE,
    &k8s::resources_requests::RULE,
    &k8s::writable_root_fs::RULE,
    &k8s::automount_sa_token::RULE,
    &k8s::image_tag::RULE,
    &k8s::image_digest::RULE,
    &k8s::env_plaintext_secret::RULE,
    &k8s::rbac_wildcard::RULE,
    &k8s::rbac_escalate::RULE,
    &k8s::rbac_impersonate::RULE,
    &k8s::rbac_secrets_read::RULE,
    &k8s::cluster_admin_binding::RULE,
    // `plimsoll k8s` (issue 16): anonymous bindings, kube-system access, Secrets in env.
    &k8s::rbac_anonymous_binding::RULE,
    &k8s::rbac_kube_system_access::RULE,
    &k8s::env_secret_ref::RULE,
    &k8s::netpol_uncovered::RULE,
    &k8s::netpol_no_default_deny::RULE,
    &k8s::secret_object::RULE,
    &k8s::encryption_config::RULE,
    &k8s::docker_socket::RULE,
    &k8s::sys_admin_capability::RULE,
    &image::root_user::RULE,
    &image::no_healthcheck::RULE,
    &image::setuid_files::RULE,
    &image::secret_env::RULE,
    &image::add_in_history::RULE,
    &image::sensitive_ports::RULE,
    &compose::privileged::RULE,
    &compose::cap_add::RULE,
    &compose::network_host::RULE,
    &compose::host_namespaces::RULE,
    &compose::docker_socket::RULE,
    &compose::root_user::RULE,
    &compose::no_read_only::RULE,
    &compose::no_limits::RULE,
    &compose::unconfined_security_opt::RULE,
    &host::docker_icc::RULE,
    &host::docker_insecure_registries::RULE,
    &host::docker_tcp_without_tls::RULE,
    &host::docker_userns_remap::RULE,
    &host::docker_log_driver::RULE,
    &host::docker_live_restore::RULE,
    &host::docker_userland_proxy::RULE,
    &host::docker_experimental::RULE,
    &host::docker_no_new_privileges::RULE,
    &host::apiserver_anonymous_auth::RULE,
    &host::apiserver_token_auth_file::RULE,
    &host::apiserver_kubelet_ca::RULE,
    &host::apiserver_always_allow::RULE,
    &host::apiserver_node_rbac::RULE,
    &host::profiling::RULE,
    &host::apiserver_audit_log::RULE,
    &host::apiserver_audit_retention::RULE,
    &host::apiserver_service_account_lookup::RULE,
    &host::apiserver_encryption_provider_config::RULE,
    &host::encryption_identity_first::RULE,
    &host::apiserver_tls_ciphers::RULE,
    &host::controller_manager_sa_credentials::RULE,
    &host::controller_manager_pod_gc::RULE,
    &host::bind_address::RULE,
    &host::etcd_client_cert_auth::RULE,
    &host::etcd_peer_client_cert_auth::RULE,
    &host::etcd_auto_tls::RULE,
    &host::kubelet_anonymous_auth::RULE,
    &host::kubelet_authorization_mode::RULE,
    &host::kubelet_read_only_port::RULE,
    &host::kubelet_streaming_timeout::RULE,
    &host::kubelet_protect_kernel_defaults::RULE,
    &host::kubelet_rotate_certificates::RULE,
    &host::file_permissions::RULE,
    &host::file_ownership::RULE,
    &docker::privileged::RULE,
    &docker::cap_add::RULE,
    &docker::host_network::RULE,
    &docker::host_namespaces::RULE,
    &docker::docker_socket::RULE,
    &docker::sensitive_mount::RULE,
    &docker::no_limits::RULE,
    &docker::writable_rootfs::RULE,
    &docker::root_user::RULE,
    &docker::no_new_privileges::RULE,
    &docker::unconfined_security_opt::RULE,
    &docker::privileged_port::RULE,
    &docker::restart_policy::RULE,
    &docker::userns_remap::RULE,
    &docker::live_restore::RULE,
    &docker::icc::RULE,
    &docker::experimental::RULE,
    &docker::insecure_registries::RULE,
    &docker::logging_driver::RULE,
];

#[cfg(test)]
mod tests {
    use super::RULES;
    use crate::rules::testutil::hits;

    #[test]
    fn codes_unique_and_ordered_docs_present() {
        let mut codes: Vec<&str> = RULES.iter().map(|r| r.code).collect();
        let n = codes.len();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), n, "duplicate rule codes");
        for r in RULES {
            let doc = r.doc_text();
            for section in ["## What it does", "## Why it matters", "## How to fix"] {
                assert!(doc.contains(section), "{} doc lacks {section}", r.code);
            }
            assert!(!r.title.is_empty() && !r.bad.is_empty() && !r.good.is_empty(), "{}", r.code);
            let prefix = match r.kind() {
                crate::RuleKind::Dockerfile => "PL-DF-",
                crate::RuleKind::Kubernetes => "PL-K8S-",
                crate::RuleKind::ImageConfig => "PL-IMG-",
                crate::RuleKind::Compose => "PL-COMPOSE-",
                crate::RuleKind::Host => "PL-HOST-",
                crate::RuleKind::DockerContainer | crate::RuleKind::DockerDaemon => "PL-DOCKER-",
            };
            assert!(r.code.starts_with(prefix), "{} has the wrong prefix for its kind", r.code);
        }
    }

    /// The documented examples are tests: the bad one must fire, the good one must not.
    #[test]
    fn documented_examples_behave() {
        for r in RULES {
            assert!(!hits(r, r.bad).is_empty(), "{}: bad example does not fire", r.code);
            let good = hits(r, r.good);
            assert!(good.is_empty(), "{}: good example fires: {good:?}", r.code);
        }
    }
}
