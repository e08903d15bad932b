//! RFC 3339 timestamps, normalised to the one form both SBOM formats accept.
//!
//! SPDX 2.3 requires `YYYY-MM-DDThh:mm:ssZ` exactly (UTC, no fraction; the 2.3 schema's pattern
//! and spdx-tools' parser both insist), while `ScanReport::created_at` is any RFC 3339 date-time
//! (a report read back from JSON may carry an offset or fractional seconds). Converting means
//! applying the offset, hence the small civil-calendar arithmetic below.

use crate::ReportError;

/// Parses an RFC 3339 date-time and prints it as UTC `YYYY-MM-DDThh:mm:ssZ`, dropping any
/// fraction of a second.
pub(crate) fn utc_seconds(value: &str) -> Result<String, ReportError> {
    parse(value).map(format).ok_or_else(|| ReportError::BadTimestamp { value: value.to_owned() })
}

/// Seconds since the Unix epoch (leap seconds folded into the next minute, as Unix time does).
fn parse(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    // date-time = full-date "T" full-time; RFC 3339 allows a lowercase "t" and (section 5.6 note)
    // a space.
    if b.len() < 20 || !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    if b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &b[19..];
    if rest.first() == Some(&b'.') {
        let frac = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if frac == 0 {
            return None;
        }
        rest = &rest[1 + frac..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), ..] if rest.len() == 6 && rest[3] == b':' => {
            let (h, m) = (digits(rest, 1, 2)?, digits(rest, 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let off = h * 3600 + m * 60;
            if *sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

fn digits(b: &[u8], start: usize, len: usize) -> Option<i64> {
    let slice = b.get(start..start + len)?;
    slice.iter().try_fold(0i64, |acc, c| c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0')))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, exact for all i64
// days we can produce from four-digit years).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn format(secs: i64) -> String {
    plimsoll_model::time::rfc3339_utc(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_passes_through() {
        assert_eq!(utc_seconds("2024-02-29T23:59:59Z").unwrap(), "2024-02-29T23:59:59Z");
        assert_eq!(utc_seconds("1970-01-01T00:00:00Z").unwrap(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn offsets_fractions_and_case_are_normalised() {
        assert_eq!(utc_seconds("2024-03-01T01:30:00.123456+02:00").unwrap(), "2024-02-29T23:30:00Z");
        assert_eq!(utc_seconds("2023-12-31t22:00:00-03:30").unwrap(), "2024-01-01T01:30:00Z");
        assert_eq!(utc_seconds("2024-06-30 12:00:00z").unwrap(), "2024-06-30T12:00:00Z");
    }

    #[test]
    fn rejects_what_is_not_rfc3339() {
        for bad in [
            "",
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+0200",
            "2024-01-01T00:00:00+24:00",
            "2024-01-01",
            "2024-01-01T00:00:00Zjunk",
            "２０２４-01-01T00:00:00Z",
        ] {
            assert!(utc_seconds(bad).is_err(), "{bad:?} accepted");
        }
    }
}
