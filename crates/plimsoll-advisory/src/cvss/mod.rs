//! CVSS base scores from vector strings: v2, v3.0/v3.1 and v4.0, used when a source gives a
//! vector but no severity word.
//!
//! Each version's base-score formula is implemented from its specification (FIRST's CVSS v2
//! guide, v3.1 specification section 7 and appendix A, v4.0 specification section 8 with
//! FIRST's MacroVector tables) and tested on the specifications' worked examples and, in
//! `tests/cvss.rs`, against Red Hat's `cvss` Python library on generated vectors.

mod v2;
mod v3;
mod v4;

use plimsoll_model::Severity;

pub use v2::base_score as v2_base_score;
pub use v3::base_score as v3_base_score;
pub use v4::base_score as v4_base_score;

/// Why a vector could not be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CvssError {
    #[error("unknown CVSS version prefix in {0:?}")]
    Prefix(String),
    #[error("malformed metric {0:?}")]
    Malformed(String),
    #[error("unknown metric or value {0:?}")]
    Unknown(String),
    #[error("metric {0} given twice")]
    Duplicate(String),
    #[error("mandatory metric {0} missing")]
    Missing(&'static str),
}

/// The qualitative rating of a base score (CVSS v3.1/v4.0 table: 0.1-3.9 Low, 4.0-6.9 Medium,
/// 7.0-8.9 High, 9.0-10.0 Critical; 0.0 None).
pub fn rating(score: f64) -> &'static str {
    if score >= 9.0 {
        "critical"
    } else if score >= 7.0 {
        "high"
    } else if score >= 4.0 {
        "medium"
    } else if score > 0.0 {
        "low"
    } else {
        "none"
    }
}

/// The severity of a score; a 0.0 score is `Unknown` (there is no "none" severity).
pub fn severity(score: f64) -> Severity {
    match rating(score) {
        "critical" => Severity::Critical,
        "high" => Severity::High,
        "medium" => Severity::Medium,
        "low" => Severity::Low,
        _ => Severity::Unknown,
    }
}

/// Scores any supported vector: `CVSS:4.0/...`, `CVSS:3.x/...`, or a bare v2 vector
/// (`AV:N/AC:L/Au:N/C:P/I:P/A:P`, optionally prefixed `CVSS:2.0/` or in parentheses).
pub fn base_score(vector: &str) -> Result<f64, CvssError> {
    let v = vector.trim();
    if v.starts_with("CVSS:4.0/") {
        v4::base_score(v)
    } else if v.starts_with("CVSS:3.0/") || v.starts_with("CVSS:3.1/") {
        v3::base_score(v)
    } else if v.starts_with("CVSS:") && !v.starts_with("CVSS:2.0/") {
        Err(CvssError::Prefix(v.chars().take(12).collect()))
    } else {
        v2::base_score(v)
    }
}

/// Splits `K:V/K:V/...` into pairs, rejecting duplicates and malformed pieces.
pub(crate) fn metrics(body: &str) -> Result<Vec<(&str, &str)>, CvssError> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for piece in body.split('/') {
        let (k, v) = piece.split_once(':').ok_or_else(|| CvssError::Malformed(piece.chars().take(20).collect()))?;
        if k.is_empty() || v.is_empty() {
            return Err(CvssError::Malformed(piece.chars().take(20).collect()));
        }
        if out.iter().any(|(ok, _)| *ok == k) {
            return Err(CvssError::Duplicate(k.chars().take(8).collect()));
        }
        out.push((k, v));
    }
    Ok(out)
}

/// Rounds to one decimal, half away from zero, tolerating float noise (`8.6 - 7.15`).
pub(crate) fn round1(x: f64) -> f64 {
    ((x + 1e-6) * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings() {
        assert_eq!(rating(9.8), "critical");
        assert_eq!(rating(7.0), "high");
        assert_eq!(rating(6.9), "medium");
        assert_eq!(rating(0.1), "low");
        assert_eq!(rating(0.0), "none");
        assert_eq!(severity(5.0), Severity::Medium);
    }

    #[test]
    fn dispatch() {
        assert_eq!(base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap(), 9.8);
        assert_eq!(base_score("AV:N/AC:L/Au:N/C:P/I:P/A:P").unwrap(), 7.5);
        assert!(base_score("CVSS:9.9/AV:N").is_err());
        assert!(base_score("").is_err());
    }
}
