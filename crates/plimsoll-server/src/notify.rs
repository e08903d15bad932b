//! Notification webhooks: after a re-match, one JSON POST per webhook listing the new findings at
//! or above the configured severity, signed as `X-Plimsoll-Signature: sha256=<hex HMAC-SHA256 of
//! the body>` with the webhook's secret (as GitHub signs its webhooks), so a receiver can check
//! that it came from this server.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::store::FindingRow;

/// Whole-exchange deadline for one webhook POST.
const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    pub url: String,
    #[serde(default)]
    pub secret: String,
}

/// `sha256=<hex>` of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[derive(serde::Serialize)]
struct Body<'a> {
    event: &'static str,
    advisory_db_built: Option<&'a str>,
    findings: &'a [FindingRow],
}

/// Sends `findings` to every webhook (blocking; call it off the async runtime). Returns the
/// errors, one line per webhook that failed; a failure does not stop the others.
pub fn send(hooks: &[Webhook], findings: &[FindingRow], db_built: Option<&str>) -> Vec<String> {
    if findings.is_empty() || hooks.is_empty() {
        return Vec::new();
    }
    let body = match serde_json::to_vec(&Body { event: "new_findings", advisory_db_built: db_built, findings }) {
        Ok(b) => b,
        Err(e) => return vec![e.to_string()],
    };
    let agent = ureq::AgentBuilder::new().timeout(TIMEOUT).redirects(0).build();
    hooks
        .iter()
        .filter_map(|h| {
            agent
                .post(&h.url)
                .set("Content-Type", "application/json")
                .set("X-Plimsoll-Signature", &signature(&h.secret, &body))
                .send_bytes(&body)
                .err()
                .map(|e| format!("webhook {}: {e}", h.url))
        })
        .collect()
}
