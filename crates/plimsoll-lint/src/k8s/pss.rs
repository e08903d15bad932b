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

use crate::yaml::{Node, Value};

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

/// Evaluates a pod (metadata + spec) against a profile at a version: every violation of every
/// failing control (a control can fail on several fields; each is its own [`Violation`]).
pub fn evaluate<'a>(meta: &'a Node, spec: &'a Node, level: Level, version: Version) -> Vec<Violation<'a>> {
    let applicable: Vec<Control> =
        Control::ALL.into_iter().filter(|c| c.level() <= level && version.at_least(c.since())).collect();
    let overridden: Vec<Control> =
        if level == Level::Restricted { applicable.iter().filter_map(|c| c.overrides()).collect() } else { Vec::new() };
    applicable
        .into_iter()
        .filter(|c| !overridden.contains(c))
        .flat_map(|c| {
            check(c, meta, spec, version).into_iter().map(move |(detail, at)| Violation { control: c, detail, at })
        })
        .collect()
}

/// The key node of `key` in a mapping (where a finding about that field points).
fn key<'a>(n: &'a Node, k: &str) -> Option<(&'a Node, &'a Node)> {
    n.entry(k)
}

/// Runs one control: every violation, each with the node to point at (the offending key, or the
/// object whose required field is absent). Empty when the pod is allowed.
pub fn check<'a>(control: Control, meta: &'a Node, spec: &'a Node, v: Version) -> Vec<(String, &'a Node)> {
    let mut out: Vec<(String, &'a Node)> = Vec::new();
    if !v.at_least(control.since()) {
        return out;
    }
    let pod_sc = spec.get("securityContext").unwrap_or(Node::null());
    let containers: Vec<&Node> =
        super::CONTAINER_LISTS.iter().flat_map(|l| spec.get(l).map(Node::items).unwrap_or(&[]).iter()).collect();
    let csc = |c: &'a Node| c.get("securityContext").unwrap_or(Node::null());
    let windows = v.at_least(25) && spec.path(&["os", "name"]).and_then(Node::as_str) == Some("windows");
    // `hostUsers: false` runs the pod in a user namespace; PSA relaxes root-related checks for
    // such pods from the version where the UserNamespacesPodSecurityStandards gate went away.
    let userns = v.at_least(35) && spec.get("hostUsers").and_then(Node::as_bool) == Some(false);
    let cname = |c: &Node| super::container_name(c).to_string();

    match control {
        Control::HostProcess => {
            if let Some((k, _)) =
                pod_sc.get("windowsOptions").and_then(|w| key(w, "hostProcess")).filter(|(_, n)| n.is_true())
            {
                out.push(("pod must not set securityContext.windowsOptions.hostProcess=true".into(), k));
            }
            for c in &containers {
                if let Some((k, _)) =
                    csc(c).get("windowsOptions").and_then(|w| key(w, "hostProcess")).filter(|(_, n)| n.is_true())
                {
                    out.push((format!("container {} must not set hostProcess=true", cname(c)), k));
                }
            }
        }
        Control::HostNamespaces => {
            for f in ["hostNetwork", "hostPID", "hostIPC"] {
                if let Some((k, _)) = key(spec, f).filter(|(_, n)| n.is_true()) {
                    out.push((format!("{f}=true is not allowed"), k));
                }
            }
        }
        Control::Privileged => {
            for c in &containers {
                if let Some((k, _)) = key(csc(c), "privileged").filter(|(_, n)| n.is_true()) {
                    out.push((format!("container {} is privileged", cname(c)), k));
                }
            }
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
            for c in &containers {
                for cap in csc(c).path(&["capabilities", "add"]).map(Node::items).unwrap_or(&[]) {
                    let name = cap.as_str().unwrap_or("");
                    if !ALLOWED.contains(&name) {
                        out.push((format!("container {} adds non-default capability {name}", cname(c)), cap));
                    }
                }
            }
        }
        Control::HostPathVolumes => {
            for vol in spec.get("volumes").map(Node::items).unwrap_or(&[]) {
                if let Some((k, _)) = key(vol, "hostPath").filter(|(_, h)| !h.is_null()) {
                    out.push((format!("hostPath volume {}", vol.get("name").and_then(Node::as_str).unwrap_or("")), k));
                }
            }
        }
        Control::HostPorts => {
            for c in &containers {
                for p in c.get("ports").map(Node::items).unwrap_or(&[]) {
                    if let Some((k, hp)) = key(p, "hostPort").filter(|(_, h)| h.as_i64().is_some_and(|x| x != 0)) {
                        out.push((format!("container {} uses hostPort {}", cname(c), hp.as_i64().unwrap_or(0)), k));
                    }
                }
            }
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
                        if let Some((k, _)) = h
                            .get(kind)
                            .and_then(|x| key(x, "host"))
                            .filter(|(_, n)| n.as_str().is_some_and(|s| !s.is_empty()))
                        {
                            out.push((format!("container {} sets {kind}.host", cname(c)), k));
                        }
                    }
                }
            }
        }
        Control::AppArmor => {
            let allowed_type =
                |n: &Node| matches!(n.path(&["type"]).and_then(Node::as_str), Some("RuntimeDefault" | "Localhost"));
            // Point at the `type` key when present, else at `appArmorProfile`.
            let at = |k: &'a Node, p: &'a Node| key(p, "type").map_or(k, |(t, _)| t);
            if let Some((k, p)) = key(pod_sc, "appArmorProfile").filter(|(_, n)| !n.is_null()) {
                if !allowed_type(p) {
                    out.push(("pod appArmorProfile.type must be RuntimeDefault or Localhost".into(), at(k, p)));
                }
            }
            for c in &containers {
                if let Some((k, p)) = key(csc(c), "appArmorProfile").filter(|(_, n)| !n.is_null()) {
                    if !allowed_type(p) {
                        out.push((
                            format!("container {} appArmorProfile.type must be RuntimeDefault or Localhost", cname(c)),
                            at(k, p),
                        ));
                    }
                }
            }
            if let Some(Value::Map(anns)) = meta.get("annotations").map(|a| &a.value) {
                for (kn, val) in anns {
                    let Some(k) = kn.as_str() else { continue };
                    if k.starts_with("container.apparmor.security.beta.kubernetes.io/") {
                        let s = val.as_str().unwrap_or("");
                        if !(s.is_empty() || s == "runtime/default" || s.starts_with("localhost/")) {
                            out.push((format!("annotation {k}={s:?} is not allowed"), kn));
                        }
                    }
                }
            }
        }
        Control::SeLinux => {
            let ok_types: &[&str] = if v.at_least(31) {
                &["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]
            } else {
                &["", "container_t", "container_init_t", "container_kvm_t"]
            };
            let mut bad = |who: String, o: &'a Node| {
                if let Some((k, t)) = key(o, "type") {
                    let t = t.as_str().unwrap_or("");
                    if !ok_types.contains(&t) {
                        out.push((format!("{who} seLinuxOptions.type {t:?}"), k));
                    }
                }
                for f in ["user", "role"] {
                    if let Some((k, _)) = key(o, f).filter(|(_, n)| n.as_str().is_some_and(|s| !s.is_empty())) {
                        out.push((format!("{who} seLinuxOptions.{f} must not be set"), k));
                    }
                }
            };
            if let Some(o) = pod_sc.get("seLinuxOptions") {
                bad("pod".into(), o);
            }
            for c in &containers {
                if let Some(o) = csc(c).get("seLinuxOptions") {
                    bad(format!("container {}", cname(c)), o);
                }
            }
        }
        Control::ProcMount | Control::ProcMountRestricted => {
            if control == Control::ProcMount && userns {
                return out;
            }
            for c in &containers {
                if let Some((k, p)) = key(csc(c), "procMount").filter(|(_, n)| !n.is_null()) {
                    if p.as_str() != Some("Default") {
                        out.push((format!("container {} sets procMount {}", cname(c), p.as_str().unwrap_or("")), k));
                    }
                }
            }
        }
        Control::SeccompBaseline => {
            if !v.at_least(19) {
                return seccomp_annotations(meta, |s| s != "unconfined")
                    .into_iter()
                    .map(|(k, n)| (format!("annotation {k} must not be unconfined"), n))
                    .collect();
            }
            let unconfined = |sc: &'a Node| {
                sc.get("seccompProfile").and_then(|p| key(p, "type")).filter(|(_, t)| t.as_str() == Some("Unconfined"))
            };
            if let Some((k, _)) = unconfined(pod_sc) {
                out.push(("pod seccompProfile.type must not be Unconfined".into(), k));
            }
            for c in &containers {
                if let Some((k, _)) = unconfined(csc(c)) {
                    out.push((format!("container {} seccompProfile.type must not be Unconfined", cname(c)), k));
                }
            }
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
            for s in pod_sc.get("sysctls").map(Node::items).unwrap_or(&[]) {
                let name = s.get("name").and_then(Node::as_str).unwrap_or("");
                if !allowed.contains(&name) {
                    out.push((format!("sysctl {name} is not allowed"), key(s, "name").map_or(s, |(k, _)| k)));
                }
            }
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
            for vol in spec.get("volumes").map(Node::items).unwrap_or(&[]) {
                // A volume is rejected when it sets a source outside the allowed list; one with
                // no source at all is left to API validation, as PSA does.
                let Value::Map(entries) = &vol.value else { continue };
                for (kn, n) in entries {
                    let Some(k) = kn.as_str() else { continue };
                    if k != "name" && !ALLOWED.contains(&k) && !n.is_null() {
                        out.push((
                            format!(
                                "volume {} uses a restricted type ({k})",
                                vol.get("name").and_then(Node::as_str).unwrap_or("")
                            ),
                            kn,
                        ));
                    }
                }
            }
        }
        Control::PrivilegeEscalation => {
            if windows {
                return out;
            }
            for c in &containers {
                match key(csc(c), "allowPrivilegeEscalation") {
                    Some((_, n)) if n.as_bool() == Some(false) => {}
                    Some((k, _)) => out.push((
                        format!("container {} must set securityContext.allowPrivilegeEscalation=false", cname(c)),
                        k,
                    )),
                    None => out.push((
                        format!("container {} must set securityContext.allowPrivilegeEscalation=false", cname(c)),
                        *c,
                    )),
                }
            }
        }
        Control::RunAsNonRoot => {
            if userns {
                return out;
            }
            let pod_key = key(pod_sc, "runAsNonRoot");
            let pod = pod_key.and_then(|(_, n)| n.as_bool());
            if let (Some(false), Some((k, _))) = (pod, pod_key) {
                out.push(("pod must not set runAsNonRoot=false".into(), k));
            }
            for c in &containers {
                let msg = || format!("container {} must set securityContext.runAsNonRoot=true", cname(c));
                match key(csc(c), "runAsNonRoot") {
                    Some((k, n)) if n.as_bool() == Some(false) => out.push((msg(), k)),
                    Some((_, n)) if n.as_bool() == Some(true) => {}
                    // Unset (or not a boolean): allowed only when the pod sets it.
                    Some((k, _)) if pod != Some(true) => out.push((msg(), k)),
                    None if pod != Some(true) => out.push((msg(), *c)),
                    _ => {}
                }
            }
        }
        Control::RunAsUser => {
            if userns {
                return out;
            }
            if let Some((k, _)) = key(pod_sc, "runAsUser").filter(|(_, n)| n.as_i64() == Some(0)) {
                out.push(("pod must not set runAsUser=0".into(), k));
            }
            for c in &containers {
                if let Some((k, _)) = key(csc(c), "runAsUser").filter(|(_, n)| n.as_i64() == Some(0)) {
                    out.push((format!("container {} must not set runAsUser=0", cname(c)), k));
                }
            }
        }
        Control::SeccompRestricted => {
            if windows {
                return out;
            }
            let typ = |sc: &'a Node| sc.get("seccompProfile").and_then(|p| key(p, "type"));
            let good = |n: &Node| matches!(n.as_str(), Some("RuntimeDefault" | "Localhost"));
            let pod = typ(pod_sc);
            if let Some((k, _)) = pod.filter(|(_, n)| !good(n)) {
                out.push(("pod seccompProfile.type must be RuntimeDefault or Localhost".into(), k));
            }
            let pod_ok = pod.is_some_and(|(_, n)| good(n));
            for c in &containers {
                match typ(csc(c)) {
                    Some((k, n)) if !good(n) => out.push((
                        format!("container {} seccompProfile.type must be RuntimeDefault or Localhost", cname(c)),
                        k,
                    )),
                    None if !pod_ok && pod.is_none() => {
                        out.push((format!("container {} must set seccompProfile.type (or the pod must)", cname(c)), *c))
                    }
                    _ => {}
                }
            }
        }
        Control::CapabilitiesRestricted => {
            if windows {
                return out;
            }
            for c in &containers {
                let caps = csc(c).get("capabilities").unwrap_or(Node::null());
                let drop = key(caps, "drop");
                let drops_all = drop.map(|(_, d)| d.items()).unwrap_or(&[]).iter().any(|d| d.as_str() == Some("ALL"));
                if !drops_all {
                    // Point at `drop` when it lists other capabilities, else at the container.
                    let at = drop.map_or(*c, |(k, _)| k);
                    out.push((format!("container {} must drop ALL capabilities", cname(c)), at));
                }
                for a in caps.get("add").map(Node::items).unwrap_or(&[]) {
                    if a.as_str() != Some("NET_BIND_SERVICE") {
                        out.push((
                            format!(
                                "container {} may only add NET_BIND_SERVICE, not {}",
                                cname(c),
                                a.as_str().unwrap_or("")
                            ),
                            a,
                        ));
                    }
                }
            }
        }
    }
    out
}

/// Every seccomp annotation (pod or container) whose value fails `ok`, with its key node.
fn seccomp_annotations(meta: &Node, ok: impl Fn(&str) -> bool) -> Vec<(String, &Node)> {
    let Some(Value::Map(anns)) = meta.get("annotations").map(|a| &a.value) else { return Vec::new() };
    anns.iter()
        .filter_map(|(kn, v)| {
            let k = kn.as_str()?;
            let relevant = k == "seccomp.security.alpha.kubernetes.io/pod"
                || k.starts_with("container.seccomp.security.alpha.kubernetes.io/");
            (relevant && !ok(v.as_str().unwrap_or(""))).then(|| (k.to_string(), kn))
        })
        .collect()
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
