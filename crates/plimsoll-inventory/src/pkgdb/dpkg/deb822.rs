//! A zero-copy reader of deb822 control data (deb822(5), Debian Policy 5.1): the format of dpkg's
//! `status` file, distroless `status.d/*` files and machine-readable `copyright` files.
//!
//! Paragraphs are separated by blank lines; a field is `Name: value`; a line that starts with a
//! space or tab continues the previous field. Field names are case-insensitive. The reader is
//! tolerant where dpkg is strict (dpkg refuses the whole database on one bad line): a line that is
//! neither a field nor a continuation is counted and skipped, so one damaged stanza cannot hide
//! the packages of the others.

/// One paragraph (stanza).
#[derive(Debug, Default)]
pub(crate) struct Paragraph<'a> {
    fields: Vec<(&'a str, &'a str)>,
    /// Lines that were neither a field nor a continuation line.
    pub(crate) bad_lines: usize,
    /// 1-based number of the paragraph's first line, for messages.
    pub(crate) line: usize,
}

impl<'a> Paragraph<'a> {
    /// The raw value of the first field called `name` (case-insensitive): the text after the
    /// colon, continuation lines included with their newlines.
    pub(crate) fn raw(&self, name: &str) -> Option<&'a str> {
        self.fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
    }

    /// The field as a single line: a simple or folded field, where line breaks are insignificant
    /// (deb822(5)), so lines are trimmed and joined with one space. `None` when absent or empty.
    pub(crate) fn folded(&self, name: &str) -> Option<String> {
        let raw = self.raw(name)?;
        let mut out = String::new();
        for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(line);
        }
        (!out.is_empty()).then_some(out)
    }

    /// The first line of the field (the synopsis of a multiline field), trimmed.
    pub(crate) fn first_line(&self, name: &str) -> Option<&'a str> {
        let raw = self.raw(name)?;
        let first = raw.lines().next().unwrap_or("").trim();
        (!first.is_empty()).then_some(first)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// Splits `text` into paragraphs, lazily: a status database of hundreds of thousands of stanzas is
/// read one stanza at a time. Paragraphs with neither fields nor bad lines are not returned.
pub(crate) fn paragraphs(text: &str) -> Paragraphs<'_> {
    Paragraphs { text, lines: text.split_inclusive('\n').enumerate(), offset: 0, done: false }
}

/// The iterator of [`paragraphs`].
pub(crate) struct Paragraphs<'a> {
    text: &'a str,
    lines: std::iter::Enumerate<std::str::SplitInclusive<'a, char>>,
    offset: usize,
    done: bool,
}

impl<'a> Iterator for Paragraphs<'a> {
    type Item = Paragraph<'a>;

    fn next(&mut self) -> Option<Paragraph<'a>> {
        if self.done {
            return None;
        }
        let text = self.text;
        let mut para = Paragraph::default();
        // The field being read: name, and the byte range of its value so far.
        let mut cur: Option<(&str, usize, usize)> = None;
        for (idx, raw_line) in self.lines.by_ref() {
            let start = self.offset;
            self.offset += raw_line.len();
            if para.is_empty() && para.bad_lines == 0 && cur.is_none() {
                para.line = idx + 1;
            }
            let line = raw_line.trim_end_matches(['\n', '\r']);
            let end = start + line.len();

            if line.trim_matches([' ', '\t']).is_empty() {
                // Policy 5.1: parsers may accept whitespace-only lines as separators; dpkg does.
                finish_field(text, &mut cur, &mut para);
                if !para.is_empty() || para.bad_lines > 0 {
                    return Some(para);
                }
                continue;
            }
            if line.starts_with([' ', '\t']) {
                match &mut cur {
                    Some((_, _, value_end)) => *value_end = end,
                    None => para.bad_lines += 1,
                }
                continue;
            }
            finish_field(text, &mut cur, &mut para);
            match line.split_once(':') {
                Some((name, _)) if valid_field_name(name) => {
                    let value_start = start + name.len() + 1;
                    cur = Some((name, value_start, end));
                }
                _ => para.bad_lines += 1,
            }
        }
        self.done = true;
        finish_field(text, &mut cur, &mut para);
        (!para.is_empty() || para.bad_lines > 0).then_some(para)
    }
}

fn finish_field<'a>(text: &'a str, cur: &mut Option<(&'a str, usize, usize)>, para: &mut Paragraph<'a>) {
    if let Some((name, start, end)) = cur.take() {
        let value = text.get(start..end).unwrap_or("");
        para.fields.push((name, value.trim_start_matches([' ', '\t'])));
    }
}

/// deb822(5): a field name is printable US-ASCII other than space and colon, and does not start
/// with `#` or `-`.
fn valid_field_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with(['#', '-']) && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_continuations_and_separators() {
        let text = "Package: a\r\nDescription: short\r\n long line\r\n .\r\n more\r\n\r\n \t \nPACKAGE: b\nversion:1.0";
        let ps: Vec<_> = paragraphs(text).collect();
        assert_eq!(ps.len(), 2);
        assert_eq!((ps[0].line, ps[1].line), (1, 8));
        assert_eq!(ps[0].raw("package"), Some("a"));
        assert_eq!(ps[0].first_line("Description"), Some("short"));
        assert_eq!(ps[0].folded("Description").as_deref(), Some("short long line . more"));
        assert_eq!(ps[1].folded("Package").as_deref(), Some("b"));
        assert_eq!(ps[1].folded("Version").as_deref(), Some("1.0"));
        assert_eq!(ps[1].raw("Description"), None);
    }

    #[test]
    fn bad_lines_are_counted_not_fatal() {
        let ps: Vec<_> = paragraphs(" stray continuation\nno colon here\nPackage: x\n#comment\n").collect();
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].bad_lines, 3);
        assert_eq!(ps[0].folded("Package").as_deref(), Some("x"));
    }

    #[test]
    fn first_field_wins_and_empty_values_are_none() {
        let ps: Vec<_> = paragraphs("A: 1\nA: 2\nB:\nC:\n folded\n").collect();
        assert_eq!(ps[0].raw("a"), Some("1"));
        assert_eq!(ps[0].folded("B"), None);
        assert_eq!(ps[0].first_line("C"), None);
        assert_eq!(ps[0].folded("C").as_deref(), Some("folded"));
    }

    #[test]
    fn multibyte_and_huge_input_do_not_panic() {
        let text = format!("Package: é\u{fffd}\n{}: x\n\u{1F600}\n", "N".repeat(1 << 20));
        let ps: Vec<_> = paragraphs(&text).collect();
        assert_eq!(ps[0].folded("Package").as_deref(), Some("é\u{fffd}"));
        assert_eq!(ps[0].bad_lines, 1);
    }
}
