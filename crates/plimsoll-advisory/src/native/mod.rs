//! Converters from the native (non-OSV) advisory formats into the [`Advisory`] model, one module
//! per format. Each takes the file's text and returns the advisories it describes; the loader
//! merges advisories with the same id from one source (a CVE fixed in several Alpine branches,
//! a FriendsOfPHP entry duplicated for a subtree split).

pub mod alpine_secdb;
pub mod debian_dsa;
pub mod debian_tracker;
pub mod friendsofphp;
pub mod nvd;
pub mod rubysec;
pub mod rustsec_md;

use std::cmp::Ordering;

use crate::model::Advisory;
use crate::range::{Event, Range, RangeKind};
use crate::version::{Scheme, Version};

/// Why a native file could not be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    #[error("{format}: {message}")]
    Syntax { format: &'static str, message: String },
    #[error("{0}")]
    Invalid(String),
}

impl ConvertError {
    pub(crate) fn syntax(format: &'static str, e: &dyn std::fmt::Display) -> Self {
        let message = e.to_string();
        ConvertError::Syntax { format, message: message.lines().next().unwrap_or("").chars().take(300).collect() }
    }
}

/// An advisory with only its id set.
pub(crate) fn advisory(id: &str) -> Advisory {
    Advisory {
        id: id.to_owned(),
        source: String::new(),
        modified: None,
        published: None,
        withdrawn: None,
        aliases: Vec::new(),
        related: Vec::new(),
        upstream: Vec::new(),
        summary: None,
        details: None,
        severity: Vec::new(),
        severity_label: None,
        affected: Vec::new(),
        references: Vec::new(),
    }
}

/// One end of an interval: a version (with its original text) and whether it is included.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub version: Version,
    pub text: String,
    pub inclusive: bool,
}

/// An interval of versions; `None` ends are unbounded.
#[derive(Debug, Clone)]
pub(crate) struct Interval {
    pub lo: Option<Endpoint>,
    pub hi: Option<Endpoint>,
}

fn cmp(a: &Version, b: &Version) -> Ordering {
    a.partial_cmp(b).unwrap_or(Ordering::Equal)
}

impl Interval {
    pub fn all() -> Self {
        Interval { lo: None, hi: None }
    }

    pub fn is_empty(&self) -> bool {
        match (&self.lo, &self.hi) {
            (Some(l), Some(h)) => match cmp(&l.version, &h.version) {
                Ordering::Greater => true,
                Ordering::Equal => !(l.inclusive && h.inclusive),
                Ordering::Less => false,
            },
            _ => false,
        }
    }

    /// The intersection with another interval.
    pub fn intersect(self, other: Interval) -> Interval {
        let lo = match (self.lo, other.lo) {
            (None, x) | (x, None) => x,
            (Some(a), Some(b)) => Some(match cmp(&a.version, &b.version) {
                Ordering::Greater => a,
                Ordering::Less => b,
                Ordering::Equal => Endpoint { inclusive: a.inclusive && b.inclusive, ..a },
            }),
        };
        let hi = match (self.hi, other.hi) {
            (None, x) | (x, None) => x,
            (Some(a), Some(b)) => Some(match cmp(&a.version, &b.version) {
                Ordering::Less => a,
                Ordering::Greater => b,
                Ordering::Equal => Endpoint { inclusive: a.inclusive && b.inclusive, ..a },
            }),
        };
        Interval { lo, hi }
    }
}

/// Orders lower ends: unbounded first, then by version, inclusive before exclusive.
fn cmp_lo(a: &Option<Endpoint>, b: &Option<Endpoint>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, _) => Ordering::Less,
        (_, None) => Ordering::Greater,
        (Some(x), Some(y)) => cmp(&x.version, &y.version).then(y.inclusive.cmp(&x.inclusive)),
    }
}

/// The complement of a union of intervals, as sorted disjoint intervals.
pub(crate) fn complement(mut safe: Vec<Interval>) -> Vec<Interval> {
    safe.retain(|i| !i.is_empty());
    safe.sort_by(|a, b| cmp_lo(&a.lo, &b.lo));
    let mut out = Vec::new();
    // `cursor` is where the not-yet-covered region starts (None = minus infinity).
    let mut cursor: Option<Endpoint> = None;
    let mut at_start = true;
    for s in safe {
        // The gap between the cursor and this interval's start.
        let gap = Interval {
            lo: cursor.clone(),
            hi: s.lo.as_ref().map(|l| Endpoint { inclusive: !l.inclusive, ..l.clone() }),
        };
        let gap_exists = match (&gap.lo, &s.lo) {
            (_, None) => false,
            (None, Some(_)) => at_start,
            (Some(_), Some(_)) => !gap.is_empty(),
        };
        if gap_exists {
            out.push(gap);
        }
        at_start = false;
        // Advance the cursor past this interval (unless the cursor is already beyond it).
        match &s.hi {
            None => return out,
            Some(h) => {
                let next = Endpoint { inclusive: !h.inclusive, ..h.clone() };
                let further = match &cursor {
                    None => true,
                    Some(c) => match cmp(&next.version, &c.version) {
                        Ordering::Greater => true,
                        Ordering::Equal => c.inclusive && !next.inclusive,
                        Ordering::Less => false,
                    },
                };
                if further {
                    cursor = Some(next);
                }
            }
        }
    }
    out.push(Interval { lo: if at_start { None } else { cursor }, hi: None });
    out
}

/// Turns an interval into an OSV range: `[x` is `introduced`, `(x` `introduced_after`, `x)`
/// `fixed` (or `limit` when the source says there is no fix yet), `x]` `last_affected`.
/// (A ∪ B ∪ ...) ∩ (C ∪ D ∪ ...) as a union of intervals: how requirement lists combine, where
/// one requirement (`!=`) may itself be two intervals.
pub(crate) fn intersect_unions(left: &[Interval], right: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    for a in left {
        for b in right {
            let i = a.clone().intersect(b.clone());
            if !i.is_empty() {
                out.push(i);
            }
        }
    }
    out
}

pub(crate) fn interval_to_range(i: &Interval, upper_is_fix: bool) -> Option<Range> {
    let mut events = Vec::with_capacity(2);
    events.push(match &i.lo {
        None => Event::Introduced("0".into()),
        Some(l) if l.inclusive => Event::Introduced(l.text.clone()),
        Some(l) => Event::IntroducedAfter(l.text.clone()),
    });
    match &i.hi {
        None => {}
        Some(h) if h.inclusive => events.push(Event::LastAffected(h.text.clone())),
        Some(h) if upper_is_fix => events.push(Event::Fixed(h.text.clone())),
        Some(h) => events.push(Event::Limit(h.text.clone())),
    }
    Range::new(RangeKind::Ecosystem, None, events).ok()
}

/// Parses a comparison constraint such as `>= 1.2.3` or `<2.0` into (operator, version).
pub(crate) fn split_op(c: &str) -> (&str, &str) {
    let c = c.trim();
    let n = c.bytes().take_while(|b| b"<>=!~^".contains(b)).count();
    (&c[..n], c[n..].trim())
}

/// The interval(s) one comparison covers.
pub(crate) fn op_intervals(scheme: Scheme, op: &str, text: &str) -> Result<Vec<Interval>, String> {
    let version = scheme.parse(text).map_err(|e| e.to_string())?;
    let ep = |inclusive| Some(Endpoint { version: version.clone(), text: text.to_owned(), inclusive });
    Ok(match op {
        ">=" => vec![Interval { lo: ep(true), hi: None }],
        ">" => vec![Interval { lo: ep(false), hi: None }],
        "<=" => vec![Interval { lo: None, hi: ep(true) }],
        "<" => vec![Interval { lo: None, hi: ep(false) }],
        "=" | "==" | "" => vec![Interval { lo: ep(true), hi: ep(true) }],
        "!=" => vec![Interval { lo: None, hi: ep(false) }, Interval { lo: ep(false), hi: None }],
        _ => return Err(format!("unsupported operator {op:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(scheme: Scheme, op: &str, v: &str) -> Vec<Interval> {
        op_intervals(scheme, op, v).unwrap()
    }

    fn show(is: &[Interval]) -> Vec<String> {
        is.iter()
            .map(|i| {
                let lo =
                    i.lo.as_ref()
                        .map_or("(-inf".to_owned(), |l| format!("{}{}", if l.inclusive { "[" } else { "(" }, l.text));
                let hi =
                    i.hi.as_ref()
                        .map_or("+inf)".to_owned(), |h| format!("{}{}", h.text, if h.inclusive { "]" } else { ")" }));
                format!("{lo},{hi}")
            })
            .collect()
    }

    #[test]
    fn complement_of_patched_sets() {
        let s = Scheme::RubyGems;
        // patched: ~> 2.1.3 (= [2.1.3, 2.2)), >= 2.2.2; unaffected: < 2.1.0
        let mut safe = iv(s, "<", "2.1.0");
        safe.push(iv(s, ">=", "2.1.3").remove(0).intersect(iv(s, "<", "2.2").remove(0)));
        safe.extend(iv(s, ">=", "2.2.2"));
        assert_eq!(show(&complement(safe)), ["[2.1.0,2.1.3)", "[2.2,2.2.2)"]);
    }

    #[test]
    fn complement_edges() {
        let s = Scheme::RubyGems;
        assert_eq!(show(&complement(vec![])), ["(-inf,+inf)"]);
        assert_eq!(show(&complement(iv(s, ">", "1.0"))), ["(-inf,1.0]"]);
        assert_eq!(show(&complement(iv(s, "<=", "1.0"))), ["(1.0,+inf)"]);
        assert_eq!(show(&complement(iv(s, "=", "1.0"))), ["(-inf,1.0)", "(1.0,+inf)"]);
        assert_eq!(show(&complement(iv(s, "!=", "1.0"))), ["[1.0,1.0]"]);
        // Overlapping and nested safe intervals.
        let mut safe = iv(s, ">=", "1.0").remove(0).intersect(iv(s, "<", "3.0").remove(0));
        safe = safe.intersect(Interval::all());
        let inner = iv(s, ">=", "1.5").remove(0).intersect(iv(s, "<", "2.0").remove(0));
        assert_eq!(show(&complement(vec![safe, inner])), ["(-inf,1.0)", "[3.0,+inf)"]);
    }

    #[test]
    fn ranges_from_intervals() {
        let s = Scheme::RubyGems;
        let aff = complement(iv(s, ">", "1.0"));
        let r = interval_to_range(&aff[0], true).unwrap();
        assert!(r.affects(s, "1.0").unwrap());
        assert!(!r.affects(s, "1.0.1").unwrap());
        let aff = complement(iv(s, "<=", "1.0"));
        let r = interval_to_range(&aff[0], true).unwrap();
        assert!(!r.affects(s, "1.0").unwrap());
        assert!(r.affects(s, "1.0.1").unwrap());
    }
}
