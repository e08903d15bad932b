//! Image-configuration input for the CIS Docker Benchmark chapter 4 rules. The pipeline fills it
//! from the image config blob and the layer walk; this crate does not read images itself.

/// What the image-config rules look at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageConfigInput {
    /// `config.User` (`None` or empty means root).
    pub user: Option<String>,
    /// `config.Env`, `KEY=value` entries.
    pub env: Vec<String>,
    /// `config.ExposedPorts` keys: `80/tcp`, `22`.
    pub exposed_ports: Vec<String>,
    /// `config.Healthcheck.Test`: `None` when absent; `["NONE"]` disables an inherited one.
    pub healthcheck: Option<Vec<String>>,
    /// `history[].created_by`, bottom first.
    pub history: Vec<String>,
    /// Regular files with the setuid or setgid bit, from the squashed filesystem.
    pub setuid_files: Vec<SetuidFile>,
}

/// A file with a set-id bit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetuidFile {
    pub path: String,
    /// Full mode bits (`0o104755`...).
    pub mode: u32,
}

impl ImageConfigInput {
    /// Reads the small text form used in rule docs and tests: one `Field: value` per line with
    /// fields `User`, `Env`, `ExposedPorts`, `Healthcheck` (space-separated test), `History`,
    /// `Setuid` (`path octal-mode`). Repeated fields append.
    pub fn from_example(text: &str) -> ImageConfigInput {
        let mut c = ImageConfigInput::default();
        for line in text.lines() {
            let Some((k, v)) = line.split_once(':') else { continue };
            let v = v.trim().to_string();
            match k.trim() {
                "User" => c.user = Some(v),
                "Env" => c.env.push(v),
                "ExposedPorts" => c.exposed_ports.push(v),
                "Healthcheck" => c.healthcheck = Some(v.split_whitespace().map(str::to_string).collect()),
                "History" => c.history.push(v),
                "Setuid" => {
                    let mut it = v.split_whitespace();
                    if let (Some(p), Some(m)) = (it.next(), it.next()) {
                        c.setuid_files
                            .push(SetuidFile { path: p.to_string(), mode: u32::from_str_radix(m, 8).unwrap_or(0) });
                    }
                }
                _ => {}
            }
        }
        c
    }
}
