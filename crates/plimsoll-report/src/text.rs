//! Making attacker-controlled strings safe and measurable for a terminal.
//!
//! Package names, versions and Dockerfile steps come from the scanned image. Printed raw, an
//! escape sequence in them could rewrite the terminal (hide lines, change the title, fake
//! output) and a bidi override could reorder what the reader sees, so the table prints every
//! such string through [`clean`].

use unicode_width::UnicodeWidthStr;

/// Replaces control characters (C0, DEL, C1), bidi controls and other zero-width format
/// characters with a visible stand-in; newlines and tabs become spaces so that a multi-line
/// `created_by` stays on one row.
pub(crate) fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() || is_invisible_format(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Bidi embeddings/overrides/isolates and marks, zero-width characters, and the BOM: characters
/// that change how the rest of a line reads without being seen themselves.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Display width in terminal columns.
pub(crate) fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Shortens `s` to at most `max` columns, ending with `…` when something was cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_bidi_are_neutralised() {
        assert_eq!(clean("a\u{1b}[2Jb"), "a\u{FFFD}[2Jb");
        assert_eq!(clean("x\u{202E}y\u{9b}z"), "x\u{FFFD}y\u{FFFD}z");
        assert_eq!(clean("RUN a \\\n\tb"), "RUN a \\  b");
        assert_eq!(clean("libc6 ünïcode 中文"), "libc6 ünïcode 中文");
    }

    #[test]
    fn truncation_counts_columns() {
        assert_eq!(truncate("abcdef", 6), "abcdef");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("中文字", 4), "中…");
        assert_eq!(width(&truncate("中文字", 4)), 3);
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(truncate("abc", 1), "…");
    }
}
