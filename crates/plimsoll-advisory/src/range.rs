//! The one canonical range type: OSV `affected[].ranges[]`, evaluated as the OSV schema's
//! pseudocode says.
//!
//! Every source (OSV or a native feed) is converted into [`Range`]s of [`Event`]s. The serde
//! form is OSV's (`{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2"}]}`), and
//! deserializing validates the schema's MUSTs, so a range that exists is well formed.
//!
//! One extension: [`Event::IntroducedAfter`] (`{"introduced_after": "1.0"}`) marks versions
//! *strictly* above a bound as affected. OSV cannot say this; the native converters need it for
//! `> 1.0` constraints (RubySec, FriendsOfPHP) so as not to flag the boundary version.

use std::cmp::Ordering;

use crate::version::{Scheme, Version, VersionError};

/// How a range's versions are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum RangeKind {
    /// SemVer 2.0 precedence.
    #[serde(rename = "SEMVER")]
    Semver,
    /// The ecosystem's own ordering.
    #[serde(rename = "ECOSYSTEM")]
    Ecosystem,
    /// Git commits; needs the repository's history, so never evaluated against versions.
    #[serde(rename = "GIT")]
    Git,
}

/// One point on a range's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Event {
    /// Versions at or above this are affected. `"0"` means "from the beginning".
    Introduced(String),
    /// Versions at or above this are not affected.
    Fixed(String),
    /// Versions above this are not affected.
    LastAffected(String),
    /// Versions at or above this are outside the range. `"*"` means infinity.
    Limit(String),
    /// Versions strictly above this are affected (plimsoll extension, see the module doc).
    IntroducedAfter(String),
}

impl Event {
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v)
            | Event::Fixed(v)
            | Event::LastAffected(v)
            | Event::Limit(v)
            | Event::IntroducedAfter(v) => v,
        }
    }

    /// Order of events at the same version, so that evaluation is the interval reading: an
    /// `introduced` and a `fixed` at one version make an empty interval, and `last_affected`
    /// closes an interval before an `introduced_after` at the same version reopens it.
    fn rank(&self) -> u8 {
        match self {
            Event::Introduced(_) => 0,
            Event::Fixed(_) => 1,
            Event::LastAffected(_) => 2,
            Event::IntroducedAfter(_) => 3,
            Event::Limit(_) => 4,
        }
    }
}

/// A range of affected versions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "RawRange", into = "RawRange")]
pub struct Range {
    pub kind: RangeKind,
    /// The repository URL; required for `GIT` ranges.
    pub repo: Option<String>,
    pub events: Vec<Event>,
}

/// Why a range is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RangeError {
    #[error("range has no events")]
    NoEvents,
    /// OSV: "There must be at least one `introduced` object in the `events` array."
    #[error("range has no introduced event")]
    NoIntroduced,
    /// OSV: "Entries in the `events` array can contain either `last_affected` or `fixed`
    /// events, but not both."
    #[error("range has both fixed and last_affected events")]
    FixedAndLastAffected,
    /// OSV: `repo` "is required if `affected[].ranges[].type` is `GIT`."
    #[error("GIT range without repo")]
    GitWithoutRepo,
    /// OSV: "Only a single type ... is allowed in each event object."
    #[error("event must have exactly one of introduced, fixed, last_affected, limit (found {0})")]
    BadEvent(usize),
    #[error("event with an empty version")]
    EmptyVersion,
    #[error("too many events ({0})")]
    TooManyEvents(usize),
}

/// Bounds work per range for hostile input; real ranges have a handful of events.
const MAX_EVENTS: usize = 4096;

#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct RawRange {
    #[serde(rename = "type")]
    kind: RangeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    repo: Option<String>,
    #[serde(default)]
    events: Vec<Event>,
}

/// The keys an event object may have.
#[derive(serde::Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum EventKey {
    Introduced,
    Fixed,
    LastAffected,
    Limit,
    IntroducedAfter,
}

impl<'de> serde::Deserialize<'de> for Event {
    /// An event is an object with exactly one key (OSV: "Only a single type ... is allowed in
    /// each event object"). Decoded by hand so that only the version string is allocated.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Event;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object with one of introduced, fixed, last_affected, limit")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
                use serde::de::Error;
                let Some(key) = map.next_key::<EventKey>()? else {
                    return Err(A::Error::custom(RangeError::BadEvent(0)));
                };
                let v: String = map.next_value()?;
                if map.next_key::<EventKey>()?.is_some() {
                    return Err(A::Error::custom(RangeError::BadEvent(2)));
                }
                if v.trim().is_empty() {
                    return Err(A::Error::custom(RangeError::EmptyVersion));
                }
                Ok(match key {
                    EventKey::Introduced => Event::Introduced(v),
                    EventKey::Fixed => Event::Fixed(v),
                    EventKey::LastAffected => Event::LastAffected(v),
                    EventKey::Limit => Event::Limit(v),
                    EventKey::IntroducedAfter => Event::IntroducedAfter(v),
                })
            }
        }
        d.deserialize_map(V)
    }
}

impl serde::Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let key = match self {
            Event::Introduced(_) => "introduced",
            Event::Fixed(_) => "fixed",
            Event::LastAffected(_) => "last_affected",
            Event::Limit(_) => "limit",
            Event::IntroducedAfter(_) => "introduced_after",
        };
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(key, self.version())?;
        m.end()
    }
}

impl TryFrom<RawRange> for Range {
    type Error = RangeError;

    fn try_from(raw: RawRange) -> Result<Self, RangeError> {
        if raw.events.len() > MAX_EVENTS {
            return Err(RangeError::TooManyEvents(raw.events.len()));
        }
        Range::new(raw.kind, raw.repo, raw.events)
    }
}

impl From<Range> for RawRange {
    fn from(r: Range) -> Self {
        RawRange { kind: r.kind, repo: r.repo, events: r.events }
    }
}

/// The outcome of evaluating a version against ranges: affected, with the version that fixes it
/// (the lowest `fixed` event above the version) if one is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub fixed: Option<String>,
}

enum Bound {
    Min,
    Max,
    V(Version),
}

impl Bound {
    fn cmp_version(&self, v: &Version) -> Ordering {
        match self {
            Bound::Min => Ordering::Less,
            Bound::Max => Ordering::Greater,
            Bound::V(b) => b.partial_cmp(v).unwrap_or(Ordering::Equal),
        }
    }

    fn cmp_bound(&self, other: &Bound) -> Ordering {
        match (self, other) {
            (Bound::Min, Bound::Min) | (Bound::Max, Bound::Max) => Ordering::Equal,
            (Bound::Min, _) | (_, Bound::Max) => Ordering::Less,
            (Bound::Max, _) | (_, Bound::Min) => Ordering::Greater,
            (Bound::V(a), Bound::V(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
        }
    }
}

impl Range {
    /// A validated range.
    pub fn new(kind: RangeKind, repo: Option<String>, events: Vec<Event>) -> Result<Self, RangeError> {
        if events.is_empty() {
            return Err(RangeError::NoEvents);
        }
        if !events.iter().any(|e| matches!(e, Event::Introduced(_) | Event::IntroducedAfter(_))) {
            return Err(RangeError::NoIntroduced);
        }
        let fixed = events.iter().any(|e| matches!(e, Event::Fixed(_)));
        let last = events.iter().any(|e| matches!(e, Event::LastAffected(_)));
        if fixed && last {
            return Err(RangeError::FixedAndLastAffected);
        }
        if kind == RangeKind::Git && repo.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(RangeError::GitWithoutRepo);
        }
        Ok(Range { kind, repo, events })
    }

    /// Shorthand for the common `[introduced, fixed)` range.
    pub fn introduced_fixed(kind: RangeKind, introduced: &str, fixed: Option<&str>) -> Self {
        let mut events = vec![Event::Introduced(introduced.to_owned())];
        events.extend(fixed.map(|f| Event::Fixed(f.to_owned())));
        Range { kind, repo: None, events }
    }

    /// The scheme that orders this range's versions in `ecosystem_scheme`'s ecosystem: SEMVER
    /// ranges use SemVer precedence (Go's flavour for Go), ECOSYSTEM ranges the ecosystem's own.
    pub fn scheme(&self, ecosystem_scheme: Option<Scheme>) -> Option<Scheme> {
        match self.kind {
            RangeKind::Git => None,
            RangeKind::Semver if ecosystem_scheme == Some(Scheme::Go) => Some(Scheme::Go),
            RangeKind::Semver => Some(Scheme::Semver),
            RangeKind::Ecosystem => ecosystem_scheme,
        }
    }

    fn bound(scheme: Scheme, e: &Event) -> Result<Bound, VersionError> {
        match e {
            Event::Introduced(v) if v == "0" => Ok(Bound::Min),
            Event::Limit(v) if v.contains('*') => Ok(Bound::Max),
            _ => scheme.parse(e.version()).map(Bound::V),
        }
    }

    /// Evaluates `v` (already parsed with `scheme`) against this range, per the OSV
    /// `IncludedInRanges` pseudocode. `Ok(None)`: not affected. An event version the scheme
    /// cannot parse makes the whole range unevaluable (an error, never a silent "safe").
    pub fn evaluate(&self, scheme: Scheme, v: &Version) -> Result<Option<Hit>, VersionError> {
        let mut events = Vec::with_capacity(self.events.len());
        for e in &self.events {
            events.push((Self::bound(scheme, e)?, e));
        }
        // BeforeLimits: with limit events, v must be below at least one of them.
        let limits: Vec<&Bound> = events.iter().filter(|(_, e)| matches!(e, Event::Limit(_))).map(|(b, _)| b).collect();
        if !limits.is_empty() && !limits.iter().any(|b| b.cmp_version(v) == Ordering::Greater) {
            return Ok(None);
        }
        events.sort_by(|(a, ea), (b, eb)| a.cmp_bound(b).then(ea.rank().cmp(&eb.rank())));
        let mut vulnerable = false;
        for (b, e) in &events {
            let ord = b.cmp_version(v); // bound vs version
            match e {
                Event::Introduced(_) if ord != Ordering::Greater => vulnerable = true,
                Event::IntroducedAfter(_) if ord == Ordering::Less => vulnerable = true,
                Event::Fixed(_) if ord != Ordering::Greater => vulnerable = false,
                Event::LastAffected(_) if ord == Ordering::Less => vulnerable = false,
                _ => {}
            }
        }
        if !vulnerable {
            return Ok(None);
        }
        // The fix: the lowest `fixed` above v.
        let fixed = events
            .iter()
            .find(|(b, e)| matches!(e, Event::Fixed(_)) && b.cmp_version(v) == Ordering::Greater)
            .map(|(_, e)| e.version().to_owned());
        Ok(Some(Hit { fixed }))
    }

    /// Whether version string `version` is in this range, ordering with `scheme`.
    pub fn affects(&self, scheme: Scheme, version: &str) -> Result<bool, VersionError> {
        let v = scheme.parse(version)?;
        Ok(self.evaluate(scheme, &v)?.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(json: &str) -> Range {
        serde_json::from_str(json).unwrap()
    }

    fn hits(r: &Range, scheme: Scheme, v: &str) -> Option<Option<String>> {
        let v = scheme.parse(v).unwrap();
        r.evaluate(scheme, &v).unwrap().map(|h| h.fixed)
    }

    #[test]
    fn osv_schema_examples() {
        let r = range(r#"{"type":"SEMVER","events":[{"introduced":"0"}]}"#);
        assert!(r.affects(Scheme::Semver, "0.0.1").unwrap());
        let r = range(r#"{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.2"}]}"#);
        assert!(r.affects(Scheme::Semver, "1.0.1").unwrap());
        assert!(!r.affects(Scheme::Semver, "1.0.2").unwrap());
        let r = range(
            r#"{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"fixed":"1.0.2"},{"introduced":"3.0.0"},{"fixed":"3.2.5"}]}"#,
        );
        assert_eq!(hits(&r, Scheme::Semver, "0.9.0"), None);
        assert_eq!(hits(&r, Scheme::Semver, "1.0.1"), Some(Some("1.0.2".into())));
        assert_eq!(hits(&r, Scheme::Semver, "2.0.0"), None);
        assert_eq!(hits(&r, Scheme::Semver, "3.1.0"), Some(Some("3.2.5".into())));
        assert_eq!(hits(&r, Scheme::Semver, "3.2.5"), None);
        let r = range(r#"{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"last_affected":"2.1.214"}]}"#);
        assert!(r.affects(Scheme::Maven, "2.1.214").unwrap());
        assert!(!r.affects(Scheme::Maven, "2.1.215").unwrap());
        assert_eq!(hits(&r, Scheme::Maven, "2.0"), Some(None), "no fixed version known");
    }

    #[test]
    fn limit_events_bound_the_range() {
        let r = range(r#"{"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"limit":"2.0"}]}"#);
        assert!(r.affects(Scheme::Pep440, "1.5").unwrap());
        assert!(!r.affects(Scheme::Pep440, "2.0").unwrap());
        let r = range(r#"{"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"limit":"*"}]}"#);
        assert!(r.affects(Scheme::Pep440, "99").unwrap());
    }

    #[test]
    fn unsorted_events_are_sorted_by_version() {
        let r = range(r#"{"type":"ECOSYSTEM","events":[{"fixed":"1:3.0.1-41.el9_0"},{"introduced":"0"}]}"#);
        assert!(r.affects(Scheme::Rpm, "1:3.0.1-27.el9").unwrap());
        assert!(!r.affects(Scheme::Rpm, "1:3.0.7-24.el9").unwrap());
        assert!(r.affects(Scheme::Rpm, "3.0.7-24.el9").unwrap(), "epoch 0 sorts below epoch 1");
    }

    #[test]
    fn introduced_after_excludes_the_bound() {
        // Affected: (1.0, 2.0) — e.g. from a `> 1.0, < 2.0` constraint.
        let r = Range::new(
            RangeKind::Ecosystem,
            None,
            vec![Event::IntroducedAfter("1.0".into()), Event::Fixed("2.0".into())],
        )
        .unwrap();
        assert!(!r.affects(Scheme::Composer, "1.0").unwrap());
        assert!(r.affects(Scheme::Composer, "1.0.1").unwrap());
        // [0, 1.0] ∪ (1.0, 2.0) = [0, 2.0): the boundary stays affected.
        let r = Range::new(
            RangeKind::Ecosystem,
            None,
            vec![
                Event::Introduced("0".into()),
                Event::LastAffected("1.0".into()),
                Event::IntroducedAfter("1.0".into()),
                Event::LastAffected("1.5".into()),
            ],
        )
        .unwrap();
        assert!(r.affects(Scheme::Composer, "1.0").unwrap());
        assert!(r.affects(Scheme::Composer, "1.2").unwrap());
        assert!(!r.affects(Scheme::Composer, "1.6").unwrap());
    }

    #[test]
    fn validation_follows_the_schema() {
        let bad = [
            (r#"{"type":"SEMVER","events":[]}"#, "no events"),
            (r#"{"type":"SEMVER","events":[{"fixed":"1.0.0"}]}"#, "no introduced"),
            (r#"{"type":"SEMVER","events":[{"introduced":"0","fixed":"1.0.0"}]}"#, "two keys"),
            (r#"{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"},{"last_affected":"1.0.0"}]}"#, "both"),
            (r#"{"type":"GIT","events":[{"introduced":"abc"}]}"#, "git without repo"),
            (r#"{"type":"WHATEVER","events":[{"introduced":"0"}]}"#, "unknown type"),
            (r#"{"type":"SEMVER","events":[{"introduced":""}]}"#, "empty version"),
            (r#"{"type":"SEMVER","events":[{"fixedd":"1"},{"introduced":"0"}]}"#, "unknown key"),
        ];
        for (json, why) in bad {
            assert!(serde_json::from_str::<Range>(json).is_err(), "{why}");
        }
    }

    #[test]
    fn unparseable_event_is_an_error_not_a_pass() {
        let r = range(r#"{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"not-a-version"}]}"#);
        let v = Scheme::Semver.parse("1.0.0").unwrap();
        assert!(r.evaluate(Scheme::Semver, &v).is_err());
    }

    #[test]
    fn serde_round_trip_is_osv_shaped() {
        let json = r#"{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.7.2"}]}"#;
        let r = range(json);
        assert_eq!(serde_json::to_string(&r).unwrap(), json);
    }
}
