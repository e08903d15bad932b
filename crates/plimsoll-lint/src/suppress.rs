//! Inline suppression comments: `# plimsoll:ignore=CODE[,CODE...]` silences those rules on the
//! comment's own line and on the line after it (so it can sit above an instruction or at the end
//! of a YAML line); `# plimsoll:ignore-file=CODE` silences a rule for the whole file.

#[derive(Debug, Default, Clone)]
pub(crate) struct Suppressions {
    /// (line, code) pairs, code upper-cased.
    lines: Vec<(u32, String)>,
    file: Vec<String>,
}

impl Suppressions {
    pub(crate) fn scan(text: &str) -> Suppressions {
        let mut s = Suppressions::default();
        for (i, line) in text.lines().enumerate() {
            let Some(hash) = line.find('#') else { continue };
            let comment = &line[hash..];
            let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
            for (marker, whole_file) in [("plimsoll:ignore-file=", true), ("plimsoll:ignore=", false)] {
                if let Some(pos) = comment.find(marker) {
                    let list = comment[pos + marker.len()..].split_whitespace().next().unwrap_or("");
                    for code in list.split(',').filter(|c| !c.is_empty()) {
                        let code = code.to_ascii_uppercase();
                        if whole_file {
                            s.file.push(code);
                        } else {
                            s.lines.push((n, code));
                        }
                    }
                    break;
                }
            }
        }
        s
    }

    pub(crate) fn suppressed(&self, code: &str, line: u32) -> bool {
        self.file.iter().any(|c| c.eq_ignore_ascii_case(code))
            || self
                .lines
                .iter()
                .any(|(l, c)| (*l == line || l.saturating_add(1) == line) && c.eq_ignore_ascii_case(code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_file() {
        let s = Suppressions::scan("# plimsoll:ignore=PL-DF-001,pl-df-002\nRUN x\nkey: v # plimsoll:ignore=PL-K8S-001\n# plimsoll:ignore-file=PL-DF-009\n");
        assert!(s.suppressed("PL-DF-001", 2) && s.suppressed("PL-DF-002", 1));
        assert!(!s.suppressed("PL-DF-001", 3));
        assert!(s.suppressed("PL-K8S-001", 3) && !s.suppressed("PL-K8S-002", 3));
        assert!(s.suppressed("PL-DF-009", 100));
    }
}
