//! Prometheus metrics of the webhook (`GET /metrics`, text exposition format 0.0.4): reviews by
//! object kind and verdict, review latency, digest-cache hits and misses, registry errors and
//! refused requests. Plain atomics and one small map: no registry crate needed for six series.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 11] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 2.5, 10.0];
/// Kinds that get their own label value; anything else is `other` (the kind comes from the
/// request, and a label per arbitrary string would let a client grow the series without bound).
const KINDS: [&str; 8] =
    ["Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController"];

/// How a review ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Allowed,
    Denied,
    /// Allowed in `warn` mode with warnings.
    Warned,
    /// No decision within the deadline.
    Timeout,
}

impl Verdict {
    fn label(self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::Denied => "denied",
            Verdict::Warned => "warned",
            Verdict::Timeout => "timeout",
        }
    }
}

#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, Verdict), u64>>,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
    pub(crate) cache_hits: AtomicU64,
    pub(crate) cache_misses: AtomicU64,
    pub(crate) registry_errors: AtomicU64,
    bad_requests: AtomicU64,
}

impl Metrics {
    /// Records one answered review.
    pub fn review(&self, kind: &str, verdict: Verdict, took: Duration) {
        let kind = KINDS.iter().copied().find(|k| *k == kind).unwrap_or("other");
        *self.requests.lock().unwrap_or_else(|p| p.into_inner()).entry((kind, verdict)).or_default() += 1;
        let secs = took.as_secs_f64();
        for (b, le) in self.buckets.iter().zip(BUCKETS) {
            if secs <= le {
                b.fetch_add(1, Relaxed);
            }
        }
        self.count.fetch_add(1, Relaxed);
        self.sum_micros.fetch_add(u64::try_from(took.as_micros()).unwrap_or(u64::MAX), Relaxed);
    }

    /// Records a request refused before a decision (not an AdmissionReview, too large, too slow).
    pub fn bad_request(&self) {
        self.bad_requests.fetch_add(1, Relaxed);
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut s = String::new();
        s.push_str("# HELP plimsoll_admission_reviews_total Admission reviews answered, by object kind and verdict.\n");
        s.push_str("# TYPE plimsoll_admission_reviews_total counter\n");
        for ((kind, verdict), n) in self.requests.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ =
                writeln!(s, "plimsoll_admission_reviews_total{{kind=\"{kind}\",verdict=\"{}\"}} {n}", verdict.label());
        }
        s.push_str("# HELP plimsoll_admission_review_duration_seconds Time to decide a review.\n");
        s.push_str("# TYPE plimsoll_admission_review_duration_seconds histogram\n");
        for (b, le) in self.buckets.iter().zip(BUCKETS) {
            let _ = writeln!(s, "plimsoll_admission_review_duration_seconds_bucket{{le=\"{le}\"}} {}", b.load(Relaxed));
        }
        let count = self.count.load(Relaxed);
        let _ = writeln!(s, "plimsoll_admission_review_duration_seconds_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(
            s,
            "plimsoll_admission_review_duration_seconds_sum {}",
            self.sum_micros.load(Relaxed) as f64 / 1e6
        );
        let _ = writeln!(s, "plimsoll_admission_review_duration_seconds_count {count}");
        for (name, help, v) in [
            ("cache_hits_total", "Verified digests answered from the cache.", &self.cache_hits),
            ("cache_misses_total", "Images verified against their registry.", &self.cache_misses),
            ("registry_errors_total", "Registry failures (each denied the image).", &self.registry_errors),
            (
                "bad_requests_total",
                "Requests refused before a decision (malformed, too large, too slow).",
                &self.bad_requests,
            ),
        ] {
            let _ = writeln!(s, "# HELP plimsoll_admission_{name} {help}\n# TYPE plimsoll_admission_{name} counter");
            let _ = writeln!(s, "plimsoll_admission_{name} {}", v.load(Relaxed));
        }
        s
    }
}
