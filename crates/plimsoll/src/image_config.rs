//! Findings from the image config itself: secrets in `Env`, `Labels`, `Cmd`, `Entrypoint` and
//! history (`created_by` leaks build arguments), and the CIS Docker Benchmark chapter 4 rules.

use plimsoll_image::{EntryKind, ImageConfig, Squashed};
use plimsoll_lint::{ImageConfigInput, LintConfig, SetuidFile};
use plimsoll_model::misconfig::Misconfiguration;
use plimsoll_model::secret::{RevealedSecret, SecretFinding, SecretSource};

use crate::scan::SecretOptions;

/// Each config value is scanned on its own, under a pseudo path naming where it sits
/// (`Env[2]`, `Labels[org.example.token]`, `History[5]`), so a finding points at the value.
pub(crate) fn secrets(config: &ImageConfig, opts: &SecretOptions) -> Vec<SecretFinding> {
    let c = &config.config;
    let mut values: Vec<(String, SecretSource, String)> = Vec::new();
    for (i, e) in c.env.iter().enumerate() {
        values.push((format!("Env[{i}]"), SecretSource::ImageEnv, e.clone()));
    }
    for (k, v) in &c.labels {
        values.push((format!("Labels[{k}]"), SecretSource::ImageLabel, format!("{k}={v}")));
    }
    if !c.cmd.is_empty() {
        values.push(("Cmd".into(), SecretSource::ImageCmd, c.cmd.join(" ")));
    }
    if !c.entrypoint.is_empty() {
        values.push(("Entrypoint".into(), SecretSource::ImageEntrypoint, c.entrypoint.join(" ")));
    }
    for (i, h) in config.history.iter().enumerate() {
        if let Some(created_by) = &h.created_by {
            values.push((format!("History[{i}]"), SecretSource::ImageHistory, created_by.clone()));
        }
    }
    let mut out = Vec::new();
    for (path, source, value) in values {
        for m in opts.scanner.scan(&path, value.as_bytes()) {
            let mut f = m.to_finding(&path, source);
            if opts.reveal {
                f.secret = m.secret(value.as_bytes()).map(|b| RevealedSecret(String::from_utf8_lossy(b).into_owned()));
            }
            out.push(f);
        }
    }
    out
}

pub(crate) fn misconfigurations(
    name: &str,
    config: &ImageConfig,
    squashed: &Squashed,
    cfg: &LintConfig,
) -> Vec<Misconfiguration> {
    let c = &config.config;
    let setuid_files = squashed
        .iter()
        .filter(|(_, e)| e.kind == EntryKind::File && e.mode & 0o6000 != 0)
        .map(|(_, e)| SetuidFile { path: format!("/{}", e.path), mode: e.mode })
        .collect();
    let input = ImageConfigInput {
        user: c.user.clone(),
        env: c.env.clone(),
        exposed_ports: c.exposed_ports.clone(),
        healthcheck: c.healthcheck.as_ref().map(|h| h.test.clone()),
        history: config.history.iter().filter_map(|h| h.created_by.clone()).collect(),
        setuid_files,
    };
    plimsoll_lint::lint_image_config(name, &input, cfg)
}
