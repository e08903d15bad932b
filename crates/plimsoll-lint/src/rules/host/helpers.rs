//! What the host rules share: reading a flag of a static pod, a Docker daemon setting or a
//! kubelet setting, and judging it.

use crate::host::{Arg, Component, HostInput, Setting};
use crate::rule::Hit;

/// Judges `--flag` of a component's static pod (`None` when absent) when the node runs it.
pub(crate) fn pod_flag(
    input: &HostInput,
    c: Component,
    flag: &str,
    out: &mut Vec<Hit>,
    judge: impl Fn(Option<&str>) -> Option<String>,
) {
    if let Some(pod) = input.pod(c) {
        let arg = pod.arg(flag);
        if let Some(msg) = judge(arg.map(Arg::value_or_true)) {
            out.push(pod.hit(arg, msg));
        }
    }
}

/// Judges a Docker daemon setting (by its `daemon.json` key) when Docker is on the node.
pub(crate) fn docker_setting(
    input: &HostInput,
    key: &str,
    out: &mut Vec<Hit>,
    judge: impl Fn(Option<&Setting>) -> Option<String>,
) {
    if let Some(d) = input.docker.as_ref().filter(|d| !d.unread) {
        let s = d.setting(key);
        if let Some(msg) = judge(s.as_ref()) {
            out.push(d.hit(s.as_ref(), msg));
        }
    }
}

/// The last value of a Docker setting.
pub(crate) fn last(s: Option<&Setting>) -> Option<&str> {
    s.and_then(|s| s.values.last()).map(String::as_str)
}

/// Judges a kubelet setting: the flag, else the config file's field, else the default, which
/// differs: a `KubeletConfiguration` (v1beta1) defaults to the safe value, the bare flags
/// often do not (`--anonymous-auth` is true, `--read-only-port` 10255).
pub(crate) fn kubelet(
    input: &HostInput,
    flag: &str,
    path: &[&str],
    defaults: (&str, &str),
    out: &mut Vec<Hit>,
    judge: impl Fn(&str) -> Option<String>,
) {
    if !input.kubelet || input.kubelet_config_unread {
        return;
    }
    let (value, at, default) = match input.kubelet_setting(flag, path) {
        Some((v, file, line)) => (v, Some((file, line)), false),
        None if input.kubelet_config.is_some() => (defaults.0.to_string(), None, true),
        None => (defaults.1.to_string(), None, true),
    };
    if let Some(mut msg) = judge(&value) {
        if default {
            msg.push_str(" (the default, not set)");
        }
        out.extend(input.kubelet_hit(at, msg));
    }
}

/// `true` for a value Go's `strconv.ParseBool` reads as true.
pub(crate) fn is_true(v: &str) -> bool {
    matches!(v, "1" | "t" | "T" | "true" | "TRUE" | "True")
}

/// `true` for a value Go's `strconv.ParseBool` reads as false.
pub(crate) fn is_false(v: &str) -> bool {
    matches!(v, "0" | "f" | "F" | "false" | "FALSE" | "False")
}
