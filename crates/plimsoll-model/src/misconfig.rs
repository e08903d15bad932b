//! Misconfiguration findings (issue 6). Owned by the lint work; placeholder.
