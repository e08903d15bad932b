//! Maven versions, ordered as `org.apache.maven.artifact.versioning.ComparableVersion`.
//!
//! Written by hand from `ComparableVersion` as Maven 3.8.7 ships it (Debian's, which the
//! differential test runs: a qualifier after a number opens a sub-list, `release` means `ga`).
//! No Rust crate reproduces its item lists, qualifier table and null-trimming. Every string is
//! a valid Maven version. Deviation: only ASCII digits count as
//! digits (Java's `Character.isDigit` also accepts other Unicode decimal digits).

use std::cmp::Ordering;

use super::{cmp_digit_strings, Scheme, VersionError};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    /// Digits with leading zeros removed (`""` is zero).
    Int(String),
    Str(String),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
/// `comparableQualifier("")`: the index of the release qualifier.
const RELEASE_VERSION_INDEX: &str = "5";

/// Known qualifiers sort by their index, unknown ones after all of them, lexically.
fn comparable_qualifier(q: &str) -> String {
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => i.to_string(),
        None => format!("{}-{q}", QUALIFIERS.len()),
    }
}

fn string_item(value: &str, followed_by_digit: bool) -> Item {
    let mut v = value;
    if followed_by_digit && value.len() == 1 {
        // a1 = alpha-1, b1 = beta-1, m1 = milestone-1
        v = match value {
            "a" => "alpha",
            "b" => "beta",
            "m" => "milestone",
            _ => value,
        };
    }
    let v = match v {
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    };
    Item::Str(v.to_owned())
}

fn parse_item(is_digit: bool, buf: &str) -> Item {
    if is_digit {
        Item::Int(buf.trim_start_matches('0').to_owned())
    } else {
        string_item(buf, false)
    }
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(d) => d.is_empty(),
            Item::Str(s) => comparable_qualifier(s) == RELEASE_VERSION_INDEX,
            Item::List(l) => l.is_empty(),
        }
    }

    /// `Item.compareTo`, where `None` is Java's `null` (a missing item).
    fn compare(&self, other: Option<&Item>) -> Ordering {
        match (self, other) {
            (Item::Int(d), None) => {
                if d.is_empty() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            (Item::Int(a), Some(Item::Int(b))) => cmp_digit_strings(a, b),
            (Item::Int(_), Some(_)) => Ordering::Greater,
            (Item::Str(s), None) => comparable_qualifier(s).as_str().cmp(RELEASE_VERSION_INDEX),
            (Item::Str(_), Some(Item::Int(_))) => Ordering::Less,
            (Item::Str(a), Some(Item::Str(b))) => comparable_qualifier(a).cmp(&comparable_qualifier(b)),
            (Item::Str(_), Some(Item::List(_))) => Ordering::Less,
            (Item::List(l), None) => {
                // Every item is compared with null, not only the first (MNG-6964).
                for item in l {
                    let r = item.compare(None);
                    if r != Ordering::Equal {
                        return r;
                    }
                }
                Ordering::Equal
            }
            (Item::List(_), Some(Item::Int(_))) => Ordering::Less,
            (Item::List(_), Some(Item::Str(_))) => Ordering::Greater,
            (Item::List(a), Some(Item::List(b))) => compare_lists(a, b),
        }
    }
}

fn compare_lists(a: &[Item], b: &[Item]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let r = match (a.get(i), b.get(i)) {
            (None, None) => Ordering::Equal,
            // "If this is shorter, then invert the compare."
            (None, Some(r)) => r.compare(None).reverse(),
            (Some(l), r) => l.compare(r),
        };
        if r != Ordering::Equal {
            return r;
        }
    }
    Ordering::Equal
}

/// Removes trailing null items (`0`, `""`, empty lists), looking past non-null sub-lists.
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if list[i].is_null() {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

/// The parser state: a path of nested lists, innermost last. Each list is attached to its parent
/// when it is closed, so that normalisation runs innermost first, as Maven's stack does.
struct Builder {
    stack: Vec<Vec<Item>>,
}

impl Builder {
    fn add(&mut self, item: Item) {
        if let Some(top) = self.stack.last_mut() {
            top.push(item);
        }
    }

    fn top_is_empty(&self) -> bool {
        self.stack.last().is_none_or(Vec::is_empty)
    }

    /// `list.add(list = new ListItem()); stack.push(list)`.
    fn open_list(&mut self) {
        self.stack.push(Vec::new());
    }

    fn finish(mut self) -> Vec<Item> {
        while self.stack.len() > 1 {
            let mut inner = self.stack.pop().unwrap_or_default();
            normalize(&mut inner);
            self.add(Item::List(inner));
        }
        let mut root = self.stack.pop().unwrap_or_default();
        normalize(&mut root);
        root
    }
}

/// A Maven version.
#[derive(Debug, Clone)]
pub struct MavenVersion {
    items: Vec<Item>,
}

impl MavenVersion {
    /// `ComparableVersion.parseVersion`. Never fails except on overlong input.
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        if s.len() > super::MAX_VERSION_LEN {
            return Err(VersionError::new(Scheme::Maven, s, "longer than 256 bytes"));
        }
        let version = s.to_lowercase();
        let b = version.as_bytes();
        let mut st = Builder { stack: vec![Vec::new()] };
        let mut is_digit = false;
        let mut start = 0;
        for (i, &c) in b.iter().enumerate() {
            if c == b'.' || c == b'-' {
                if i == start {
                    st.add(Item::Int(String::new()));
                } else {
                    st.add(parse_item(is_digit, &version[start..i]));
                }
                start = i + 1;
                if c == b'-' {
                    st.open_list();
                }
            } else if c.is_ascii_digit() {
                if !is_digit && i > start {
                    // A qualifier followed by digits goes into its own sub-list (Maven 3.8).
                    if !st.top_is_empty() {
                        st.open_list();
                    }
                    st.add(string_item(&version[start..i], true));
                    start = i;
                    st.open_list();
                }
                is_digit = true;
            } else {
                if is_digit && i > start {
                    st.add(parse_item(true, &version[start..i]));
                    start = i;
                    st.open_list();
                }
                is_digit = false;
            }
        }
        if b.len() > start {
            if !is_digit && !st.top_is_empty() {
                st.open_list();
            }
            st.add(parse_item(is_digit, &version[start..]));
        }
        Ok(MavenVersion { items: st.finish() })
    }

    /// Maven's canonical form (`ComparableVersion.getCanonical`), e.g. `1.0-alpha` -> `1-alpha`.
    pub fn canonical(&self) -> String {
        fn render(items: &[Item], out: &mut String) {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(if matches!(item, Item::List(_)) { '-' } else { '.' });
                }
                match item {
                    Item::Int(d) if d.is_empty() => out.push('0'),
                    Item::Int(d) | Item::Str(d) => out.push_str(d),
                    Item::List(l) => render(l, out),
                }
            }
        }
        let mut out = String::new();
        render(&self.items, &mut out);
        out
    }
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_lists(&self.items, &other.items)
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for MavenVersion {}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        MavenVersion::parse(a).unwrap().cmp(&MavenVersion::parse(b).unwrap())
    }

    #[test]
    fn maven_documented_order() {
        // From ComparableVersionTest: each version is less than the next.
        let chain = [
            "1-alpha2snapshot",
            "1-alpha2",
            "1-alpha-123",
            "1-beta-2",
            "1-beta123",
            "1-m2",
            "1-m11",
            "1-rc",
            "1-cr2",
            "1-rc123",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-sp2",
            "1-sp123",
            "1-abc",
            "1-def",
            "1-pom-1",
            "1-1-snapshot",
            "1-1",
            "1-2",
            "1-123",
        ];
        for w in chain.windows(2) {
            assert_eq!(cmp(w[0], w[1]), Less, "{} < {}", w[0], w[1]);
        }
        for (a, b) in [("1", "1.0.0"), ("1-ga", "1"), ("1.0-final", "1"), ("1a1", "1-alpha-1"), ("1cr", "1rc")] {
            assert_eq!(cmp(a, b), Equal, "{a} == {b}");
        }
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(MavenVersion::parse("1.0-alpha").unwrap().canonical(), "1-alpha");
        assert_eq!(MavenVersion::parse("1.0.0").unwrap().canonical(), "1");
        assert_eq!(MavenVersion::parse("1-sp").unwrap().canonical(), "1-sp");
    }
}
