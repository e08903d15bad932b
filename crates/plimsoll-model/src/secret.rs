//! Secret findings (issue 5). Owned by the secrets work; placeholder.
