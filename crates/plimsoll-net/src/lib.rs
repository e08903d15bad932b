//! The HTTPS client setup that the registry client (`plimsoll-image`) and the advisory
//! downloader (`plimsoll-advisory`) share.
//!
//! Those two domain crates must not depend on each other, yet both need the same things: rustls
//! with the ring provider (no cmake / aws-lc in the build), the system roots plus extra PEM CA
//! files (`--ca-file`), an `--insecure` mode that accepts any certificate but still checks the
//! handshake signatures, a `ureq` agent with timeouts and a user agent, and one retry policy for
//! throttled (429), failing (5xx) and unreachable servers. They live here once.
//!
//! ```no_run
//! use plimsoll_net::{agent, AgentConfig, RetryPolicy, TlsOptions};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let agent = agent(&TlsOptions { insecure: false, ca_files: vec!["corp-ca.pem".into()] }, &AgentConfig::default())?;
//! let retry = RetryPolicy::default();
//! let mut attempt = 0;
//! let resp = loop {
//!     attempt += 1;
//!     match agent.get("https://example.org/").call() {
//!         Ok(resp) => break resp,
//!         Err(e) => match retry.wait_after(attempt, &e) {
//!             Some(wait) => std::thread::sleep(wait),
//!             None => return Err(e.into()),
//!         },
//!     }
//! };
//! # let _ = resp; Ok(()) }
//! ```

mod retry;
mod server_tls;
mod tls;

pub use retry::{backoff, retry_after, RetryPolicy};
pub use server_tls::{ServerTls, ServerTlsError};
pub use tls::{agent, explain_transport, tls_config, AgentConfig, NetError, NoVerify, TlsOptions};
