//! `plimsoll image --server URL`: uploads a JSON report to a fleet server.

use std::time::Duration;

/// Whole-exchange deadline of an upload (reports of large images are a few MiB).
const TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    #[error("the server {url} refused the report: HTTP {status}: {body}")]
    Refused { url: String, status: u16, body: String },
    #[error("cannot reach the server {url}: {reason}")]
    Transport { url: String, reason: String },
}

/// POSTs `report_json` to `<server>/api/v1/images` with the bearer `token`; returns the digest
/// the server stored it under.
pub fn upload(server: &str, token: &str, report_json: &[u8]) -> Result<String, UploadError> {
    let url = format!("{}/api/v1/images", server.trim_end_matches('/'));
    let agent = ureq::AgentBuilder::new().timeout(TIMEOUT).redirects(0).build();
    let resp = agent
        .post(&url)
        .set("Content-Type", "application/json")
        .set("Authorization", &format!("Bearer {}", token.trim()))
        .send_bytes(report_json);
    match resp {
        Ok(r) => {
            let text =
                r.into_string().map_err(|e| UploadError::Transport { url: url.clone(), reason: e.to_string() })?;
            let v: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| UploadError::Transport { url: url.clone(), reason: e.to_string() })?;
            Ok(v["digest"].as_str().unwrap_or_default().to_owned())
        }
        Err(ureq::Error::Status(status, r)) => {
            let body = r.into_string().unwrap_or_default();
            Err(UploadError::Refused { url, status, body: body.chars().take(500).collect() })
        }
        Err(e) => Err(UploadError::Transport { url, reason: e.to_string() }),
    }
}
