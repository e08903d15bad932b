//! CVSS v3.0 and v3.1 base score (v3.1 specification, section 7.1 and appendix A).

use super::{metrics, CvssError};

/// v3.1 `Roundup`: the smallest number with one decimal that is >= the input, computed on
/// integers to avoid float artefacts (appendix A).
fn roundup_31(x: f64) -> f64 {
    let i = (x * 100_000.0).round() as i64;
    if i % 10_000 == 0 {
        i as f64 / 100_000.0
    } else {
        ((i / 10_000) + 1) as f64 / 10.0
    }
}

/// v3.0 `Roundup`: plain ceiling to one decimal.
fn roundup_30(x: f64) -> f64 {
    (x * 10.0).ceil() / 10.0
}

/// The base score of a `CVSS:3.0/...` or `CVSS:3.1/...` vector. Temporal and environmental
/// metrics may be present; they are validated and do not change the base score.
pub fn base_score(vector: &str) -> Result<f64, CvssError> {
    let (v31, body) = if let Some(b) = vector.strip_prefix("CVSS:3.1/") {
        (true, b)
    } else if let Some(b) = vector.strip_prefix("CVSS:3.0/") {
        (false, b)
    } else {
        return Err(CvssError::Prefix(vector.chars().take(12).collect()));
    };
    let (mut av, mut ac, mut pr, mut ui, mut s, mut c, mut i, mut a) = (None, None, None, None, None, None, None, None);
    for (k, v) in metrics(body)? {
        let bad = || CvssError::Unknown(format!("{k}:{v}"));
        match k {
            "AV" => {
                av = Some(match v {
                    "N" => 0.85,
                    "A" => 0.62,
                    "L" => 0.55,
                    "P" => 0.2,
                    _ => return Err(bad()),
                })
            }
            "AC" => {
                ac = Some(match v {
                    "L" => 0.77,
                    "H" => 0.44,
                    _ => return Err(bad()),
                })
            }
            "PR" => {
                pr = Some(match v {
                    "N" | "L" | "H" => v,
                    _ => return Err(bad()),
                })
            }
            "UI" => {
                ui = Some(match v {
                    "N" => 0.85,
                    "R" => 0.62,
                    _ => return Err(bad()),
                })
            }
            "S" => {
                s = Some(match v {
                    "U" => false,
                    "C" => true,
                    _ => return Err(bad()),
                })
            }
            "C" | "I" | "A" => {
                let w = match v {
                    "H" => 0.56,
                    "L" => 0.22,
                    "N" => 0.0,
                    _ => return Err(bad()),
                };
                match k {
                    "C" => c = Some(w),
                    "I" => i = Some(w),
                    _ => a = Some(w),
                }
            }
            // Temporal and environmental metrics: checked, not scored here.
            "E" if matches!(v, "X" | "U" | "P" | "F" | "H") => {}
            "RL" if matches!(v, "X" | "O" | "T" | "W" | "U") => {}
            "RC" if matches!(v, "X" | "U" | "R" | "C") => {}
            "CR" | "IR" | "AR" if matches!(v, "X" | "L" | "M" | "H") => {}
            "MAV" if matches!(v, "X" | "N" | "A" | "L" | "P") => {}
            "MAC" if matches!(v, "X" | "L" | "H") => {}
            "MPR" if matches!(v, "X" | "N" | "L" | "H") => {}
            "MUI" if matches!(v, "X" | "N" | "R") => {}
            "MS" if matches!(v, "X" | "U" | "C") => {}
            "MC" | "MI" | "MA" if matches!(v, "X" | "N" | "L" | "H") => {}
            _ => return Err(bad()),
        }
    }
    let av = av.ok_or(CvssError::Missing("AV"))?;
    let ac = ac.ok_or(CvssError::Missing("AC"))?;
    let pr = pr.ok_or(CvssError::Missing("PR"))?;
    let ui = ui.ok_or(CvssError::Missing("UI"))?;
    let changed = s.ok_or(CvssError::Missing("S"))?;
    let c = c.ok_or(CvssError::Missing("C"))?;
    let i = i.ok_or(CvssError::Missing("I"))?;
    let a = a.ok_or(CvssError::Missing("A"))?;
    // Privileges Required weighs more when the scope changes.
    let pr = match (pr, changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        ("H", false) => 0.27,
        _ => 0.5,
    };
    let iss: f64 = 1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a);
    let impact: f64 = if changed { 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15) } else { 6.42 * iss };
    let exploitability: f64 = 8.22 * av * ac * pr * ui;
    if impact <= 0.0 {
        return Ok(0.0);
    }
    let roundup = if v31 { roundup_31 } else { roundup_30 };
    Ok(if changed {
        roundup((1.08 * (impact + exploitability)).min(10.0))
    } else {
        roundup((impact + exploitability).min(10.0))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specification_examples() {
        // CVSS v3.1 Examples document (FIRST).
        let cases = [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1), // CVE-2013-1937 phpMyAdmin XSS
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4), // CVE-2013-0375 MySQL
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1), // CVE-2014-3566 POODLE
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9), // CVE-2012-1516 VMware
            ("CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2), // CVE-2009-0783 Tomcat
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8), // CVE-2012-0384 Cisco IOS
            ("CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8), // CVE-2015-1098 iWork
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5), // CVE-2014-0160 Heartbleed
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8), // CVE-2014-6271 Shellshock
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8), // CVE-2008-1447 DNS
            ("CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8), // CVE-2014-2005 Sophos
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8), // CVE-2010-0467 Joomla
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
        ];
        for (v, want) in cases {
            assert_eq!(base_score(v).unwrap(), want, "{v}");
        }
    }

    #[test]
    fn roundup_avoids_float_artefacts() {
        // Appendix A: Roundup(4.000 0002) must be 4.0 under v3.1 (float noise), 4.1 under v3.0.
        assert_eq!(roundup_31(4.000_000_2), 4.0);
        assert_eq!(roundup_31(4.02), 4.1);
        assert_eq!(roundup_30(4.02), 4.1);
    }

    #[test]
    fn temporal_metrics_do_not_change_the_base() {
        assert_eq!(base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C").unwrap(), 9.8);
    }

    #[test]
    fn malformed_vectors() {
        for bad in [
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:H",
            "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1",
            "CVSS:3.1/AV:N//AC:L",
            "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        ] {
            assert!(base_score(bad).is_err(), "{bad}");
        }
    }
}
