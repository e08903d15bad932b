//! The Pod Security Standards, baseline and restricted, as
//! <https://kubernetes.io/docs/concepts/security/pod-security-standards/> defines them and as the
//! Pod Security Admission controller (`k8s.io/pod-security-admission/policy`) enforces them,
//! version by version.
//!
//! Each [`Control`] has version-dependent behaviour (a policy version `v1.N` applies what
//! Kubernetes 1.N enforced): seccomp moved from annotations to fields (and restricted began requiring a profile) in 1.19, restricted
//! capabilities arrived in 1.22, `runAsUser` in 1.23, Windows pods were exempted from the
//! Linux-only restricted controls in 1.25, safe sysctls grew in 1.27, 1.29, 1.32 and 1.37, SELinux
//! allowed `container_engine_t` in 1.31, probe/lifecycle `host` was restricted in 1.34, and user
//! namespaces (`hostUsers: false`) relax the root-related controls from 1.35 while restricted
//! keeps `procMount` at `Default`.
//!
//! The shared fixtures of the admission controller (`configs/pod-security-admission`) are the
//! acceptance test: `tests/pss_fixtures.rs` evaluates every one at its level and version.

use crate::yaml::Node;

/// A PSS profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Baseline,
    Restricted,
}

/// A policy version `v1.<minor>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub u32);

impl Version {
    /// The newest policy version this implementation knows; later versions behave the same.
    pub const LATEST: Version = Version(37);

    /// Parses `v1.28`, `1.28` or `latest`.
    pub fn parse(s: &str) -> Option<Version> {
        if s == "latest" {
            return Some(Version::LATEST);
        }
        let minor = s.trim_start_matches('v').strip_prefix("1.")?;
        minor.parse().ok().map(Version)
    }

    fn at_least(self, minor: u32) -> bool {
        self.0 >= minor
    }
}

/// One PSS control (a PSA check).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Control {
    HostProcess,
    HostNamespaces,
    Privileged,
    CapabilitiesBaseline,
    HostPathVolumes,
    HostPorts,
    HostProbesAndLifecycle,
    AppArmor,
    SeLinux,
    ProcMount,
    SeccompBaseline,
    Sysctls,
    VolumeTypes,
    PrivilegeEscalation,
    RunAsNonRoot,
    RunAsUser,
    SeccompRestricted,
    CapabilitiesRestricted,
    ProcMountRestricted,
}

impl Control {
    pub const ALL: [Control; 19] = [
        Control::HostProcess,
        Control::HostNamespaces,
        Control::Privileged,
        Control::CapabilitiesBaseline,
        Control::HostPathVolumes,
        Control::HostPorts,
        Control::HostProbesAndLifecycle,
        Control::AppArmor,
        Control::SeLinux,
        Control::ProcMount,
        Control::SeccompBaseline,
        Control::Sysctls,
        Control::VolumeTypes,
        Control::PrivilegeEscalation,
        Control::RunAsNonRoot,
        Control::RunAsUser,
        Control::SeccompRestricted,
        Control::CapabilitiesRestricted,
        Control::ProcMountRestricted,
    ];

    pub fn level(self) -> Level {
        match self {
            Control::VolumeTypes
            | Control::PrivilegeEscalation
            | Control::RunAsNonRoot
            | Control::RunAsUser
            | Control::SeccompRestricted
            | Control::CapabilitiesRestricted
            | Control::ProcMountRestricted => Level::Restricted,
            _ => Level::Baseline,
        }
    }

    /// The PSA check id, as the fixtures name it.
    pub fn id(self) -> &'static str {
        match self {
            Control::HostProcess => "windowsHostProcess",
            Control::HostNamespaces => "hostNamespaces",
            Control::Privileged => "privileged",
            Control::CapabilitiesBaseline => "capabilities_baseline",
            Control::HostPathVolumes => "hostPathVolumes",
            Control::HostPorts => "hostPorts",
            Control::HostProbesAndLifecycle => "hostProbesAndHostLifecycle",
            Control::AppArmor => "appArmorProfile",
            Control::SeLinux => "seLinuxOptions",
            Control::ProcMount => "procMount",
            Control::SeccompBaseline => "seccompProfile_baseline",
            Control::Sysctls => "sysctls",
            Control::VolumeTypes => "restrictedVolumes",
            Control::PrivilegeEscalation => "allowPrivilegeEscalation",
            Control::RunAsNonRoot => "runAsNonRoot",
            Control::RunAsUser => "runAsUser",
            Control::SeccompRestricted => "seccompProfile_restricted",
            Control::CapabilitiesRestricted => "capabilities_restricted",
            Control::ProcMountRestricted => "procMount_restricted",
        }
    }

    /// First policy version with this check.
    fn since(self) -> u32 {
        match self {
            Control::PrivilegeEscalation => 8,
            Control::SeccompRestricted => 19,
            Control::CapabilitiesRestricted => 22,
            Control::RunAsUser => 23,
            Control::HostProbesAndLifecycle => 34,
            Control::ProcMountRestricted => 35,
            _ => 0,
        }
    }

    /// The baseline check a restricted check replaces when it applies (PSA `OverrideCheckIDs`).
    fn overrides(self) -> Option<Control> {
        match self {
            Control::VolumeTypes => Some(Control::HostPathVolumes),
            Control::SeccompRestricted => Some(Control::SeccompBaseline),
            Control::CapabilitiesRestricted => Some(Control::CapabilitiesBaseline),
            Control::ProcMountRestricted => Some(Control::ProcMount),
            _ => None,
        }
    }
}

/// A failed control: what is wrong and the node to point at.
#[derive(Debug, Clone)]
pub struct Violation<'a> {
    pub control: Control,
    pub detail: String,
    pub at: &'a Node,
}

/// Evaluates a pod (metadata + spec) against a profile at a version: every failing control.
pub fn evaluate<'a>(meta: &'a Node, spec: &'a Node, level: Level, version: Version) -> Vec<Violation<'a>> {
    let applicable: Vec<Control> =
        Control::ALL.into_iter().filter(|c| c.level() <= level && version.at_least(c.since())).collect();
    let overridden: Vec<Control> =
        if level == Level::Restricted { applicable.iter().filter_map(|c| c.overrides()).collect() } else { Vec::new() };
    applicable
        .into_iter()
        .filter(|c| !overridden.contains(c))
        .filter_map(|c| check(c, meta, spec, version).map(|(detail, at)| Violation { control: c, detail, at }))
        .collect()
}

/// Runs one control. `None` when the pod is allowed.
pub fn check<'a>(control: Control, meta: &'a Node, spec: &'a Node, v: Version) -> Option<(String, &'a Node)> {
    if !v.at_least(control.since()) {
        return None;
    }
    let pod_sc = spec.get("securityContext").unwrap_or(Node::null());
    let containers: Vec<&Node> =
        super::CONTAINER_LISTS.iter().flat_map(|l| spec.get(l).map(Node::items).unwrap_or(&[]).iter()).collect();
    let csc = |c: &'a Node| c.get("securityContext").unwrap_or(Node::null());
    let windows = v.at_least(25) && spec.path(&["os", "name"]).and_then(Node::as_str) == Some("windows");
    // `hostUsers: false` runs the pod in a user namespace; PSA relaxes root-related checks for
    // such pods from the version where the UserNamespacesPodSecurityStandards gate went away.
    let userns = v.at_least(35) && spec.get("hostUsers").and_then(Node::as_bool) == Some(false);
    let names = |bad: &[&Node]| bad.iter().map(|c| super::container_name(c)).collect::<Vec<_>>().join(", ");

    match control {
        Control::HostProcess => {
            let pod = pod_sc.path(&["windowsOptions", "hostProcess"]).filter(|n| n.is_true());
            let bad: Vec<&Node> = containers
                .iter()
                .copied()
                .filter(|c| csc(c).path(&["windowsOptions", "hostProcess"]).is_some_and(Node::is_true))
                .collect();
            if let Some(n) = pod {
                return Some(("pod must not set securityContext.windowsOptions.hostProcess=true".into(), n));
            }
            bad.first().map(|c| (format!("containers {} must not set hostProcess=true", names(&bad)), *c))
        }
        Control::HostNamespaces => ["hostNetwork", "hostPID", "hostIPC"]
            .iter()
            .find_map(|k| spec.get(k).filter(|n| n.is_true()).map(|n| (format!("{k}=true is not allowed"), n))),
        Control::Privileged => {
            let bad: Vec<&Node> =
                containers.iter().copied().filter(|c| csc(c).get("privileged").is_some_and(Node::is_true)).collect();
            bad.first().map(|c| (format!("privileged containers: {}", names(&bad)), *c))
        }
        Control::CapabilitiesBaseline => {
            const ALLOWED: [&str; 13] = [
                "AUDIT_WRITE",
                "CHOWN",
                "DAC_OVERRIDE",
                "FOWNER",
                "FSETID",
                "KILL",
                "MKNOD",
                "NET_BIND_SERVICE",
                "SETFCAP",
                "SETGID",
                "SETPCAP",
                "SETUID",
                "SYS_CHROOT",
            ];
            let mut caps = Vec::new();
            let mut first = None;
            for c in &containers {
                for cap in csc(c).path(&["capabilities", "add"]).map(Node::items).unwrap_or(&[]) {
                    let name = cap.as_str().unwrap_or("");
                    if !ALLOWED.contains(&name) {
                        caps.push(name.to_string());
                        first.get_or_insert(cap);
                    }
                }
            }
            first.map(|n| (format!("non-default capabilities added: {}", caps.join(", ")), n))
        }
        Control::HostPathVolumes => {
            let vols = spec.get("volumes").map(Node::items).unwrap_or(&[]);
            vols.iter()
                .find(|vol| vol.get("hostPath").is_some_and(|h| !h.is_null()))
                .map(|vol| (format!("hostPath volume {}", vol.get("name").and_then(Node::as_str).unwrap_or("")), vol))
        }
        Control::HostPorts => {
            for c in &containers {
                for p in c.get("ports").map(Node::items).unwrap_or(&[]) {
                    if let Some(hp) = p.get("hostPort").filter(|h| h.as_i64().is_some_and(|x| x != 0)) {
                        return Some((
                            format!(
                                "container {} uses hostPort {}",
                                super::container_name(c),
                                hp.as_i64().unwrap_or(0)
                            ),
                            hp,
                        ));
                    }
                }
            }
            None
        }
        Control::HostProbesAndLifecycle => {
            for c in &containers {
                let mut handlers: Vec<&Node> =
                    ["livenessProbe", "readinessProbe", "startupProbe"].iter().filter_map(|k| c.get(k)).collect();
                if let Some(lc) = c.get("lifecycle") {
                    handlers.extend(["postStart", "preStop"].iter().filter_map(|k| lc.get(k)));
                }
                for h in handlers {
                    for kind in ["httpGet", "tcpSocket"] {
                        if let Some(host) =
                            h.path(&[kind, "host"]).filter(|n| n.as_str().is_some_and(|s| !s.is_empty()))
                        {
                            return Some((format!("container {} sets {kind}.host", super::container_name(c)), host));
                        }
                    }
                }
            }
            None
        }
        Control::AppArmor => {
            let allowed_type =
                |n: &Node| matches!(n.path(&["type"]).and_then(Node::as_str), Some("RuntimeDefault" | "Localhost"));
            if let Some(p) = pod_sc.get("appArmorProfile").filter(|n| !n.is_null()) {
                if !allowed_type(p) {
                    return Some(("pod appArmorProfile.type must be RuntimeDefault or Localhost".into(), p));
                }
            }
            for c in &containers {
                if let Some(p) = csc(c).get("appArmorProfile").filter(|n| !n.is_null()) {
                    if !allowed_type(p) {
                        return Some((
                            format!(
                                "container {} appArmorProfile.type must be RuntimeDefault or Localhost",
                                super::container_name(c)
                            ),
                            p,
                        ));
                    }
                }
            }
            for (k, val) in meta.get("annotations").map(|a| a.entries().collect::<Vec<_>>()).unwrap_or_default() {
                if k.starts_with("container.apparmor.security.beta.kubernetes.io/") {
                    let s = val.as_str().unwrap_or("");
                    if !(s.is_empty() || s == "runtime/default" || s.starts_with("localhost/")) {
                        return Some((format!("annotation {k}={s:?} is not allowed"), val));
                    }
                }
            }
            None
        }
        Control::SeLinux => {
            let ok_types: &[&str] = if v.at_least(31) {
                &["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]
            } else {
                &["", "container_t", "container_init_t", "container_kvm_t"]
            };
            let bad = |o: &Node| -> Option<String> {
                let t = o.get("type").and_then(Node::as_str).unwrap_or("");
                if !ok_types.contains(&t) {
                    return Some(format!("seLinuxOptions.type {t:?}"));
                }
                for k in ["user", "role"] {
                    if o.get(k).and_then(Node::as_str).is_some_and(|s| !s.is_empty()) {
                        return Some(format!("seLinuxOptions.{k} must not be set"));
                    }
                }
                None
            };
            if let Some(o) = pod_sc.get("seLinuxOptions") {
                if let Some(d) = bad(o) {
                    return Some((format!("pod {d}"), o));
                }
            }
            containers.iter().find_map(|c| {
                let o = csc(c).get("seLinuxOptions")?;
                bad(o).map(|d| (format!("container {} {d}", super::container_name(c)), o))
            })
        }
        Control::ProcMount | Control::ProcMountRestricted => {
            if control == Control::ProcMount && userns {
                return None;
            }
            containers.iter().find_map(|c| {
                let p = csc(c).get("procMount").filter(|n| !n.is_null())?;
                (p.as_str() != Some("Default")).then(|| {
                    (format!("container {} sets procMount {}", super::container_name(c), p.as_str().unwrap_or("")), p)
                })
            })
        }
        Control::SeccompBaseline => {
            if !v.at_least(19) {
                return seccomp_annotations(meta, |s| s != "unconfined")
                    .map(|(k, n)| (format!("annotation {k} must not be unconfined"), n));
            }
            let unconfined =
                |sc: &'a Node| sc.path(&["seccompProfile", "type"]).filter(|t| t.as_str() == Some("Unconfined"));
            if let Some(n) = unconfined(pod_sc) {
                return Some(("pod seccompProfile.type must not be Unconfined".into(), n));
            }
            containers.iter().find_map(|c| {
                unconfined(csc(c)).map(|n| {
                    (format!("container {} seccompProfile.type must not be Unconfined", super::container_name(c)), n)
                })
            })
        }
        Control::Sysctls => {
            let mut allowed = vec![
                "kernel.shm_rmid_forced",
                "net.ipv4.ip_local_port_range",
                "net.ipv4.tcp_syncookies",
                "net.ipv4.ping_group_range",
                "net.ipv4.ip_unprivileged_port_start",
            ];
            if v.at_least(27) {
                allowed.push("net.ipv4.ip_local_reserved_ports");
            }
            if v.at_least(29) {
                allowed.extend([
                    "net.ipv4.tcp_keepalive_time",
                    "net.ipv4.tcp_fin_timeout",
                    "net.ipv4.tcp_keepalive_intvl",
                    "net.ipv4.tcp_keepalive_probes",
                ]);
            }
            if v.at_least(32) {
                allowed.extend(["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]);
            }
            if v.at_least(37) {
                allowed.extend(["net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"]);
            }
            pod_sc.get("sysctls").map(Node::items).unwrap_or(&[]).iter().find_map(|s| {
                let name = s.get("name").and_then(Node::as_str).unwrap_or("");
                (!allowed.contains(&name)).then(|| (format!("sysctl {name} is not allowed"), s))
            })
        }
        Control::VolumeTypes => {
            const ALLOWED: [&str; 8] = [
                "configMap",
                "csi",
                "downwardAPI",
                "emptyDir",
                "ephemeral",
                "persistentVolumeClaim",
                "projected",
                "secret",
            ];
            spec.get("volumes").map(Node::items).unwrap_or(&[]).iter().find_map(|vol| {
                // A volume is rejected when it sets a source outside the allowed list; one with
                // no source at all is left to API validation, as PSA does.
                let kinds: Vec<&str> = vol
                    .entries()
                    .filter(|(k, n)| *k != "name" && !ALLOWED.contains(k) && !n.is_null())
                    .map(|(k, _)| k)
                    .collect();
                (!kinds.is_empty()).then(|| {
                    (
                        format!(
                            "volume {} uses a restricted type ({})",
                            vol.get("name").and_then(Node::as_str).unwrap_or(""),
                            kinds.join(", ")
                        ),
                        vol,
                    )
                })
            })
        }
        Control::PrivilegeEscalation => {
            if windows {
                return None;
            }
            let bad: Vec<&Node> = containers
                .iter()
                .copied()
                .filter(|c| csc(c).get("allowPrivilegeEscalation").and_then(Node::as_bool) != Some(false))
                .collect();
            bad.first().map(|c| {
                (format!("containers {} must set securityContext.allowPrivilegeEscalation=false", names(&bad)), *c)
            })
        }
        Control::RunAsNonRoot => {
            if userns {
                return None;
            }
            let pod = pod_sc.get("runAsNonRoot").and_then(Node::as_bool);
            if pod == Some(false) {
                return Some(("pod must not set runAsNonRoot=false".into(), pod_sc));
            }
            let bad: Vec<&Node> = containers
                .iter()
                .copied()
                .filter(|c| match csc(c).get("runAsNonRoot").and_then(Node::as_bool) {
                    Some(false) => true,
                    Some(true) => false,
                    None => pod != Some(true),
                })
                .collect();
            bad.first().map(|c| (format!("containers {} must set securityContext.runAsNonRoot=true", names(&bad)), *c))
        }
        Control::RunAsUser => {
            if userns {
                return None;
            }
            if let Some(n) = pod_sc.get("runAsUser").filter(|n| n.as_i64() == Some(0)) {
                return Some(("pod must not set runAsUser=0".into(), n));
            }
            containers.iter().find_map(|c| {
                csc(c)
                    .get("runAsUser")
                    .filter(|n| n.as_i64() == Some(0))
                    .map(|n| (format!("container {} must not set runAsUser=0", super::container_name(c)), n))
            })
        }
        Control::SeccompRestricted => {
            if windows {
                return None;
            }
            let typ = |sc: &'a Node| sc.path(&["seccompProfile", "type"]);
            let good = |n: &Node| matches!(n.as_str(), Some("RuntimeDefault" | "Localhost"));
            let pod = typ(pod_sc);
            if let Some(n) = pod.filter(|n| !good(n)) {
                return Some(("pod seccompProfile.type must be RuntimeDefault or Localhost".into(), n));
            }
            let pod_ok = pod.is_some_and(good);
            containers.iter().find_map(|c| match typ(csc(c)) {
                Some(n) if !good(n) => Some((
                    format!(
                        "container {} seccompProfile.type must be RuntimeDefault or Localhost",
                        super::container_name(c)
                    ),
                    n,
                )),
                None if !pod_ok => Some((
                    format!("container {} must set seccompProfile.type (or the pod must)", super::container_name(c)),
                    *c,
                )),
                _ => None,
            })
        }
        Control::CapabilitiesRestricted => {
            if windows {
                return None;
            }
            for c in &containers {
                let caps = csc(c).get("capabilities").unwrap_or(Node::null());
                let drops_all =
                    caps.get("drop").map(Node::items).unwrap_or(&[]).iter().any(|d| d.as_str() == Some("ALL"));
                if !drops_all {
                    return Some((format!("container {} must drop ALL capabilities", super::container_name(c)), *c));
                }
                if let Some(a) = caps
                    .get("add")
                    .map(Node::items)
                    .unwrap_or(&[])
                    .iter()
                    .find(|a| a.as_str() != Some("NET_BIND_SERVICE"))
                {
                    return Some((format!("container {} may only add NET_BIND_SERVICE", super::container_name(c)), a));
                }
            }
            None
        }
    }
}

/// The first seccomp annotation (pod or container) whose value fails `ok`.
fn seccomp_annotations(meta: &Node, ok: impl Fn(&str) -> bool) -> Option<(String, &Node)> {
    let anns = meta.get("annotations")?;
    anns.entries().find_map(|(k, v)| {
        let relevant = k == "seccomp.security.alpha.kubernetes.io/pod"
            || k.starts_with("container.seccomp.security.alpha.kubernetes.io/");
        (relevant && !ok(v.as_str().unwrap_or(""))).then(|| (k.to_string(), v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_documents;

    fn eval(pod: &str, level: Level, v: u32) -> Vec<Control> {
        let d = &parse_documents(pod).unwrap()[0];
        let meta = d.get("metadata").unwrap_or(Node::null());
        evaluate(meta, d.get("spec").unwrap(), level, Version(v)).into_iter().map(|x| x.control).collect()
    }

    const RESTRICTED_OK: &str = "spec:\n  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n  containers:\n  - name: a\n    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n";

    #[test]
    fn restricted_base_passes_and_minimal_pod_fails_restricted_only() {
        assert!(eval(RESTRICTED_OK, Level::Restricted, 37).is_empty());
        let minimal = "spec:\n  containers:\n  - name: a\n";
        assert!(eval(minimal, Level::Baseline, 37).is_empty());
        let r = eval(minimal, Level::Restricted, 37);
        assert!(r.contains(&Control::PrivilegeEscalation) && r.contains(&Control::RunAsNonRoot));
        assert!(r.contains(&Control::SeccompRestricted) && r.contains(&Control::CapabilitiesRestricted));
        // Before 1.22 restricted had no capabilities control.
        assert!(!eval(minimal, Level::Restricted, 21).contains(&Control::CapabilitiesRestricted));
    }

    #[test]
    fn baseline_controls() {
        let p = "spec:\n  hostPID: true\n  containers:\n  - name: a\n    securityContext: {privileged: true, capabilities: {add: [SYS_ADMIN]}}\n";
        let r = eval(p, Level::Baseline, 37);
        assert_eq!(r, vec![Control::HostNamespaces, Control::Privileged, Control::CapabilitiesBaseline]);
        let sysctl = "spec:\n  securityContext: {sysctls: [{name: net.ipv4.tcp_keepalive_time, value: '1'}]}\n  containers: [{name: a}]\n";
        assert_eq!(eval(sysctl, Level::Baseline, 28), vec![Control::Sysctls]);
        assert!(eval(sysctl, Level::Baseline, 29).is_empty());
    }

    #[test]
    fn user_namespaces_relax_procmount_in_baseline_only() {
        let p = "spec:\n  hostUsers: false\n  containers:\n  - name: a\n    securityContext: {procMount: Unmasked}\n";
        assert!(eval(p, Level::Baseline, 35).is_empty());
        assert_eq!(eval(p, Level::Baseline, 34), vec![Control::ProcMount]);
        assert!(eval(p, Level::Restricted, 35).contains(&Control::ProcMountRestricted));
    }

    #[test]
    fn windows_pods_skip_linux_only_restricted_controls() {
        let p = "spec:\n  os: {name: windows}\n  securityContext: {runAsNonRoot: true}\n  containers: [{name: a}]\n";
        assert!(eval(p, Level::Restricted, 25).is_empty());
        assert!(!eval(p, Level::Restricted, 24).is_empty());
    }
}
