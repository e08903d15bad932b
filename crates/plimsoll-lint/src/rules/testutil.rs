//! Helpers for rule tests: run one rule on an example input.

use crate::rule::{Check, Hit, Rule};

/// Runs `rule` on `src` (a Dockerfile, manifest, compose file or image-config example).
pub(crate) fn hits(rule: &Rule, src: &str) -> Vec<Hit> {
    let mut out = Vec::new();
    match rule.check {
        Check::Dockerfile(f) => {
            let df =
                crate::dockerfile::parse(src).unwrap_or_else(|e| panic!("{}: example does not parse: {e}", rule.code));
            f(&crate::dockerfile::DockerfileCtx::with_source(df, src), &mut out);
        }
        Check::Kubernetes(f) => {
            let mut set = crate::k8s::K8sSet::default();
            set.add_file("test.yaml", src).unwrap_or_else(|e| panic!("{}: example does not parse: {e}", rule.code));
            f(&set, &mut out);
        }
        Check::Compose(f) => {
            let c = crate::compose::ComposeFile::parse(src).unwrap_or_else(|e| panic!("{}: {e}", rule.code));
            f(&c, &mut out);
        }
        Check::ImageConfig(f) => f(&crate::image::ImageConfigInput::from_example(src), &mut out),
        Check::Host(f) => f(&crate::host::HostInput::from_example(src), &mut out),
        Check::DockerContainer(f) => f(
            &crate::docker::ContainerInput::from_example(src).unwrap_or_else(|e| panic!("{}: {e}", rule.code)),
            &mut out,
        ),
        Check::DockerDaemon(f) => {
            f(&crate::docker::DaemonInput::from_example(src).unwrap_or_else(|e| panic!("{}: {e}", rule.code)), &mut out)
        }
    }
    out
}

#[track_caller]
pub(crate) fn assert_fires(rule: &Rule, src: &str) {
    assert!(!hits(rule, src).is_empty(), "{} should fire on:\n{src}", rule.code);
}

#[track_caller]
pub(crate) fn assert_quiet(rule: &Rule, src: &str) {
    let h = hits(rule, src);
    assert!(h.is_empty(), "{} should stay quiet on:\n{src}\n got {h:?}", rule.code);
}

/// Re-homes a Pod example's `spec` as the pod template of a Deployment, so PSS rules are shown to
/// check templates the same way they check bare Pods.
pub(crate) fn in_deployment(pod: &str) -> String {
    let spec: String =
        pod.split_once("spec:\n").map(|(_, s)| s).unwrap_or("").lines().map(|l| format!("      {l}\n")).collect();
    format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d, namespace: prod}}\nspec:\n  template:\n    metadata: {{labels: {{app: d}}}}\n    spec:\n{spec}")
}
