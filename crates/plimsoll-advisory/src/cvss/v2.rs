//! CVSS v2 base score (FIRST, "A Complete Guide to the CVSS Version 2.0", section 3.2.1).

use super::{metrics, round1, CvssError};

/// The base score of a v2 vector (`AV:N/AC:L/Au:N/C:P/I:P/A:P`, optionally `CVSS:2.0/` prefixed
/// or in parentheses, as NVD used to write them).
pub fn base_score(vector: &str) -> Result<f64, CvssError> {
    let v = vector.trim();
    let v = v.strip_prefix("CVSS:2.0/").unwrap_or(v);
    let v = v.strip_prefix('(').and_then(|v| v.strip_suffix(')')).unwrap_or(v);
    let (mut av, mut ac, mut au, mut c, mut i, mut a) = (None, None, None, None, None, None);
    for (k, val) in metrics(v)? {
        let bad = || CvssError::Unknown(format!("{k}:{val}"));
        match k {
            "AV" => {
                av = Some(match val {
                    "L" => 0.395,
                    "A" => 0.646,
                    "N" => 1.0,
                    _ => return Err(bad()),
                })
            }
            "AC" => {
                ac = Some(match val {
                    "H" => 0.35,
                    "M" => 0.61,
                    "L" => 0.71,
                    _ => return Err(bad()),
                })
            }
            "Au" => {
                au = Some(match val {
                    "M" => 0.45,
                    "S" => 0.56,
                    "N" => 0.704,
                    _ => return Err(bad()),
                })
            }
            "C" | "I" | "A" => {
                let w = match val {
                    "N" => 0.0,
                    "P" => 0.275,
                    "C" => 0.660,
                    _ => return Err(bad()),
                };
                match k {
                    "C" => c = Some(w),
                    "I" => i = Some(w),
                    _ => a = Some(w),
                }
            }
            "E" if matches!(val, "U" | "POC" | "F" | "H" | "ND") => {}
            "RL" if matches!(val, "OF" | "TF" | "W" | "U" | "ND") => {}
            "RC" if matches!(val, "UC" | "UR" | "C" | "ND") => {}
            "CDP" if matches!(val, "N" | "L" | "LM" | "MH" | "H" | "ND") => {}
            "TD" if matches!(val, "N" | "L" | "M" | "H" | "ND") => {}
            "CR" | "IR" | "AR" if matches!(val, "L" | "M" | "H" | "ND") => {}
            _ => return Err(bad()),
        }
    }
    let av = av.ok_or(CvssError::Missing("AV"))?;
    let ac = ac.ok_or(CvssError::Missing("AC"))?;
    let au = au.ok_or(CvssError::Missing("Au"))?;
    let (c, i, a) =
        (c.ok_or(CvssError::Missing("C"))?, i.ok_or(CvssError::Missing("I"))?, a.ok_or(CvssError::Missing("A"))?);
    let impact = 10.41 * (1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a));
    let exploitability = 20.0 * av * ac * au;
    let f = if impact == 0.0 { 0.0 } else { 1.176 };
    Ok(round1(((0.6 * impact) + (0.4 * exploitability) - 1.5) * f).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guide_examples() {
        // The CVSS v2 guide's section 3.3 examples.
        assert_eq!(base_score("AV:N/AC:L/Au:N/C:N/I:N/A:C").unwrap(), 7.8); // CVE-2002-0392
        assert_eq!(base_score("AV:N/AC:L/Au:N/C:C/I:C/A:C").unwrap(), 10.0); // CVE-2003-0818
        assert_eq!(base_score("AV:L/AC:H/Au:N/C:C/I:C/A:C").unwrap(), 6.2); // CVE-2003-0062
        assert_eq!(base_score("(AV:N/AC:L/Au:N/C:P/I:P/A:P)").unwrap(), 7.5);
        assert_eq!(base_score("AV:N/AC:L/Au:N/C:N/I:N/A:N").unwrap(), 0.0);
        assert_eq!(base_score("AV:N/AC:M/Au:N/C:P/I:P/A:P/E:F/RL:OF/RC:C").unwrap(), 6.8);
    }

    #[test]
    fn malformed() {
        assert!(base_score("AV:N/AC:L/Au:N/C:P/I:P").is_err());
        assert!(base_score("AV:Q/AC:L/Au:N/C:P/I:P/A:P").is_err());
    }
}
