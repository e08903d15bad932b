//! When a failed request is sent again, and after how long.

use std::time::Duration;

/// Retries on 429, 5xx and connection failures (refused, reset, broken off), a bounded number
/// of times: the wait doubles from 250 ms per attempt, or is what the server's `Retry-After`
/// asks, and never exceeds `max_wait`. Other statuses (404, 401, ...) and other transport
/// errors (DNS, a refused certificate, a bad URL) are final: sending again would not change them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many times a request is sent at most (1 = never retried).
    pub attempts: u32,
    /// The longest wait between two attempts, also for a larger `Retry-After`.
    pub max_wait: Duration,
}

impl RetryPolicy {
    /// Four attempts, at most 10 s apart.
    pub const DEFAULT: RetryPolicy = RetryPolicy { attempts: 4, max_wait: Duration::from_secs(10) };
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::DEFAULT
    }
}

impl RetryPolicy {
    /// How long to wait before sending again after attempt number `attempt` (counting from 1)
    /// failed with `err`; `None` when `err` is final or the attempts are used up.
    pub fn wait_after(&self, attempt: u32, err: &ureq::Error) -> Option<Duration> {
        let wait = match err {
            ureq::Error::Status(code, resp) if *code == 429 || *code >= 500 => {
                retry_after(resp).unwrap_or_else(|| backoff(attempt))
            }
            ureq::Error::Status(..) => return None,
            ureq::Error::Transport(t) => {
                if !matches!(t.kind(), ureq::ErrorKind::ConnectionFailed | ureq::ErrorKind::Io) || is_tls_failure(t) {
                    return None;
                }
                backoff(attempt)
            }
        };
        self.wait_after_failure(attempt).map(|_| wait.min(self.max_wait))
    }

    /// How long to wait before sending again after attempt `attempt` failed in a way the caller
    /// judged worth retrying (say a body broken off midway); `None` when the attempts are used up.
    pub fn wait_after_failure(&self, attempt: u32) -> Option<Duration> {
        (attempt < self.attempts).then(|| backoff(attempt).min(self.max_wait))
    }
}

/// A refused certificate or a TLS protocol error: `ureq` reports a failed handshake as a
/// connection failure, but sending again meets the same certificate.
fn is_tls_failure(t: &ureq::Transport) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(t);
    // Bounded: error chains are short, and a cycle must not hang us.
    for _ in 0..16 {
        let Some(e) = next else { return false };
        if e.is::<rustls::Error>() {
            return true;
        }
        // `io::Error::source` skips the wrapped error itself; look at it.
        next = match e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    false
}

/// The wait after attempt `attempt` (from 1) when the server gives none: 250 ms, doubling,
/// at most 16 s.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64 << attempt.saturating_sub(1).min(6))
}

/// A `Retry-After` in seconds. (The HTTP-date form is not read: the caller falls back to
/// [`backoff`].)
pub fn retry_after(resp: &ureq::Response) -> Option<Duration> {
    resp.header("Retry-After").and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(head: &str) -> ureq::Error {
        let resp: ureq::Response = format!("{head}\r\n\r\n").parse().unwrap();
        ureq::Error::Status(resp.status(), resp)
    }

    #[test]
    fn backoff_is_bounded() {
        assert_eq!(backoff(1), Duration::from_millis(250));
        assert_eq!(backoff(3), Duration::from_millis(1000));
        assert!(backoff(100) <= Duration::from_secs(16));
        assert_eq!(backoff(0), Duration::from_millis(250));
    }

    #[test]
    fn throttling_and_server_errors_are_retried_a_bounded_number_of_times() {
        let p = RetryPolicy::default();
        let busy = status("HTTP/1.1 503 Service Unavailable");
        assert_eq!(p.wait_after(1, &busy), Some(Duration::from_millis(250)));
        assert_eq!(p.wait_after(2, &busy), Some(Duration::from_millis(500)));
        assert_eq!(p.wait_after(3, &busy), Some(Duration::from_millis(1000)));
        assert_eq!(p.wait_after(4, &busy), None, "four attempts in all");
        let throttled = status("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0");
        assert_eq!(p.wait_after(1, &throttled), Some(Duration::ZERO));
        let throttled = status("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3");
        assert_eq!(p.wait_after(1, &throttled), Some(Duration::from_secs(3)));
        // A server asking for an hour gets the policy's bound.
        let throttled = status("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3600");
        assert_eq!(p.wait_after(1, &throttled), Some(Duration::from_secs(10)));
        // An HTTP-date falls back to the backoff.
        let dated = status("HTTP/1.1 503 Service Unavailable\r\nRetry-After: Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(p.wait_after(2, &dated), Some(Duration::from_millis(500)));
        for final_status in ["HTTP/1.1 404 Not Found", "HTTP/1.1 401 Unauthorized", "HTTP/1.1 400 Bad Request"] {
            assert_eq!(p.wait_after(1, &status(final_status)), None, "{final_status}");
        }
        assert_eq!(RetryPolicy { attempts: 1, ..p }.wait_after(1, &busy), None);
        assert_eq!(p.wait_after_failure(3), Some(Duration::from_secs(1)));
        assert_eq!(p.wait_after_failure(4), None);
    }

    #[test]
    fn refused_connections_are_retried_but_bad_urls_are_not() {
        // A port nothing listens on: bind, note the port, close.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let agent = ureq::AgentBuilder::new().build();
        let p = RetryPolicy::default();
        let refused = agent.get(&format!("http://127.0.0.1:{port}/")).call().unwrap_err();
        assert!(matches!(&refused, ureq::Error::Transport(t) if t.kind() == ureq::ErrorKind::ConnectionFailed));
        assert_eq!(p.wait_after(1, &refused), Some(Duration::from_millis(250)));
        assert_eq!(p.wait_after(4, &refused), None);
        let bad_url = agent.get("http://[bad").call().unwrap_err();
        assert_eq!(p.wait_after(1, &bad_url), None, "{bad_url}");
    }
}
