//! The image configuration (OCI image-spec `config.md`, identical in docker's v1 image JSON).
//!
//! Parsed with our own serde structs rather than `oci-spec`: we need only a dozen fields, must
//! accept docker's `null`s and string-or-array `Cmd`, and want to keep the dependency set small.
//! The public types serialise in their own snake_case shape (for caches), not the OCI one.

use std::collections::BTreeMap;

use plimsoll_model::Digest;
use serde::{Deserialize, Deserializer};

use crate::error::ImageError;

/// What the image config says about the image, normalised.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImageConfig {
    pub architecture: String,
    pub os: String,
    pub variant: Option<String>,
    pub config: ContainerConfig,
    /// All history entries, including `empty_layer` ones.
    pub history: Vec<History>,
    /// `rootfs.diff_ids`: digests of the uncompressed layers, bottom first.
    pub diff_ids: Vec<Digest>,
    pub created: Option<String>,
}

/// The `config` object: how a container of this image runs. Empty strings become `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ContainerConfig {
    pub user: Option<String>,
    pub env: Vec<String>,
    pub cmd: Vec<String>,
    pub entrypoint: Vec<String>,
    pub working_dir: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// Keys of `ExposedPorts`, e.g. `80/tcp`, sorted.
    pub exposed_ports: Vec<String>,
    pub healthcheck: Option<Healthcheck>,
    pub stop_signal: Option<String>,
    /// Keys of `Volumes`, sorted.
    pub volumes: Vec<String>,
    /// Docker's `Shell` (SHELL instruction).
    pub shell: Vec<String>,
    /// Docker's `OnBuild` triggers.
    pub on_build: Vec<String>,
}

/// Docker's `Healthcheck`. `test` is e.g. `["CMD-SHELL", "curl -f http://localhost/"]`, or
/// `["NONE"]` when the healthcheck is disabled. Durations are nanoseconds.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Healthcheck {
    pub test: Vec<String>,
    pub interval: Option<i64>,
    pub timeout: Option<i64>,
    pub start_period: Option<i64>,
    pub start_interval: Option<i64>,
    pub retries: Option<i64>,
}

/// One history entry (one Dockerfile step).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct History {
    pub created: Option<String>,
    pub created_by: Option<String>,
    /// The step made no layer (`ENV`, `CMD`, ...).
    pub empty_layer: bool,
    pub comment: Option<String>,
    pub author: Option<String>,
}

impl ImageConfig {
    /// Parses a config blob. `what` names it in errors.
    pub fn parse(bytes: &[u8], what: &str) -> Result<ImageConfig, ImageError> {
        let raw: RawConfig =
            serde_json::from_slice(bytes).map_err(|source| ImageError::Json { what: what.to_owned(), source })?;
        let rootfs = raw.rootfs.ok_or_else(|| ImageError::Malformed {
            what: what.to_owned(),
            reason: "no `rootfs` (an image config lists its layers' diff_ids there)".into(),
        })?;
        if rootfs.kind != "layers" {
            return Err(ImageError::Malformed {
                what: what.to_owned(),
                reason: format!("rootfs.type is `{}`, expected `layers`", rootfs.kind),
            });
        }
        let c = raw.config.unwrap_or_default();
        let healthcheck = c.healthcheck.map(|h| Healthcheck {
            test: h.test.unwrap_or_default().0,
            interval: h.interval,
            timeout: h.timeout,
            start_period: h.start_period,
            start_interval: h.start_interval,
            retries: h.retries,
        });
        let mut exposed_ports: Vec<String> = c.exposed_ports.unwrap_or_default().into_keys().collect();
        exposed_ports.sort();
        let mut volumes: Vec<String> = c.volumes.unwrap_or_default().into_keys().collect();
        volumes.sort();
        Ok(ImageConfig {
            architecture: raw.architecture.unwrap_or_default(),
            os: raw.os.unwrap_or_default(),
            variant: non_empty(raw.variant),
            config: ContainerConfig {
                user: non_empty(c.user),
                env: c.env.unwrap_or_default(),
                cmd: c.cmd.unwrap_or_default().0,
                entrypoint: c.entrypoint.unwrap_or_default().0,
                working_dir: non_empty(c.working_dir),
                labels: c.labels.unwrap_or_default(),
                exposed_ports,
                healthcheck,
                stop_signal: non_empty(c.stop_signal),
                volumes,
                shell: c.shell.unwrap_or_default().0,
                on_build: c.on_build.unwrap_or_default(),
            },
            history: raw
                .history
                .unwrap_or_default()
                .into_iter()
                .map(|h| History {
                    created: h.created,
                    created_by: h.created_by,
                    empty_layer: h.empty_layer.unwrap_or(false),
                    comment: h.comment,
                    author: h.author,
                })
                .collect(),
            diff_ids: rootfs.diff_ids.unwrap_or_default(),
            created: raw.created,
        })
    }

    /// `os/architecture[/variant]`.
    pub fn platform(&self) -> String {
        match &self.variant {
            Some(v) => format!("{}/{}/{}", self.os, self.architecture, v),
            None => format!("{}/{}", self.os, self.architecture),
        }
    }

    /// Each layer's `created_by`, from the history entries that made a layer. When their number
    /// differs from `layers` the attribution is unknowable, and every entry is `None`.
    pub fn layer_history(&self, layers: usize) -> Vec<Option<String>> {
        let made: Vec<&History> = self.history.iter().filter(|h| !h.empty_layer).collect();
        if made.len() == layers {
            made.into_iter().map(|h| h.created_by.clone()).collect()
        } else {
            vec![None; layers]
        }
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

#[derive(Deserialize)]
struct RawConfig {
    architecture: Option<String>,
    os: Option<String>,
    variant: Option<String>,
    config: Option<RawContainerConfig>,
    rootfs: Option<RawRootfs>,
    history: Option<Vec<RawHistory>>,
    created: Option<String>,
}

#[derive(Deserialize)]
struct RawRootfs {
    #[serde(rename = "type", default)]
    kind: String,
    diff_ids: Option<Vec<Digest>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct RawContainerConfig {
    user: Option<String>,
    env: Option<Vec<String>>,
    cmd: Option<StrSlice>,
    entrypoint: Option<StrSlice>,
    working_dir: Option<String>,
    labels: Option<BTreeMap<String, String>>,
    exposed_ports: Option<BTreeMap<String, serde::de::IgnoredAny>>,
    healthcheck: Option<RawHealthcheck>,
    stop_signal: Option<String>,
    volumes: Option<BTreeMap<String, serde::de::IgnoredAny>>,
    shell: Option<StrSlice>,
    on_build: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawHealthcheck {
    test: Option<StrSlice>,
    interval: Option<i64>,
    timeout: Option<i64>,
    start_period: Option<i64>,
    start_interval: Option<i64>,
    retries: Option<i64>,
}

#[derive(Deserialize)]
struct RawHistory {
    created: Option<String>,
    created_by: Option<String>,
    empty_layer: Option<bool>,
    comment: Option<String>,
    author: Option<String>,
}

/// Docker's `strslice`: a JSON string or array of strings (`null` handled by the `Option`).
#[derive(Default)]
struct StrSlice(Vec<String>);

impl<'de> Deserialize<'de> for StrSlice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            One(String),
            Many(Vec<String>),
        }
        Ok(match Either::deserialize(d)? {
            Either::One(s) => StrSlice(vec![s]),
            Either::Many(v) => StrSlice(v),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_docker_config_with_nulls() {
        let json = br#"{"architecture":"amd64","os":"linux","config":{"User":"","Env":["A=1"],"Cmd":"/bin/sh",
            "Entrypoint":null,"Labels":null,"Volumes":{"/data":{}},"ExposedPorts":{"80/tcp":{},"443/tcp":{}},
            "Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":30000000000}},
            "history":[{"created_by":"ADD x /"},{"created_by":"CMD","empty_layer":true},{"created_by":"RUN y"}],
            "rootfs":{"type":"layers","diff_ids":["sha256:531743b7098cb2aaf615641007a129173f63ed86ca32fe7b5a246a1c47286028",
            "sha256:531743b7098cb2aaf615641007a129173f63ed86ca32fe7b5a246a1c47286028"]}}"#;
        let c = ImageConfig::parse(json, "config").unwrap();
        assert_eq!(c.config.user, None);
        assert_eq!(c.config.cmd, vec!["/bin/sh"]);
        assert_eq!(c.config.exposed_ports, vec!["443/tcp", "80/tcp"]);
        assert_eq!(c.config.volumes, vec!["/data"]);
        assert_eq!(c.config.healthcheck.as_ref().unwrap().interval, Some(30_000_000_000));
        assert_eq!(c.layer_history(2), vec![Some("ADD x /".to_owned()), Some("RUN y".to_owned())]);
        assert_eq!(c.layer_history(3), vec![None, None, None]);
        assert_eq!(c.platform(), "linux/amd64");
    }

    #[test]
    fn rejects_bad_diff_id_and_missing_rootfs() {
        let e = ImageConfig::parse(br#"{"rootfs":{"type":"layers","diff_ids":["sha256:../../x"]}}"#, "config");
        assert!(matches!(e, Err(ImageError::Json { .. })));
        let e = ImageConfig::parse(br#"{"os":"linux"}"#, "config").unwrap_err();
        assert!(e.to_string().contains("no `rootfs`"), "{e}");
    }
}
