//! The named [`Validator`]s: checks on a candidate secret that a regex cannot express.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

use crate::spec::Validator;

/// Standard alphabet, padding optional: credential files write both.
const STANDARD_ANY_PAD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// JWT headers are small; anything longer is not one we want to decode.
const MAX_JWT_HEADER: usize = 4096;

impl Validator {
    pub(crate) fn check(self, secret: &[u8]) -> bool {
        match self {
            Validator::Jwt => is_jwt(secret),
            Validator::BasicAuthBase64 => is_basic_auth_base64(secret),
            Validator::Base64PrivateKey => is_base64_private_key(secret),
            Validator::NotPlaceholder => !is_placeholder(secret),
            Validator::NotCodeReference => !is_code_reference(secret),
            Validator::MixedCharacters => has_mixed_characters(secret),
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Validator::Jwt => "jwt",
            Validator::BasicAuthBase64 => "basic-auth-base64",
            Validator::Base64PrivateKey => "base64-private-key",
            Validator::NotPlaceholder => "not-placeholder",
            Validator::NotCodeReference => "not-code-reference",
            Validator::MixedCharacters => "mixed-characters",
        }
    }
}

/// RFC 7519: a JWT is a JWS or JWE in compact form whose first part is the base64url-encoded
/// JOSE header, a JSON object that always carries `alg` (RFC 7515 section 4.1.1).
fn is_jwt(token: &[u8]) -> bool {
    let header = token.split(|&b| b == b'.').next().unwrap_or_default();
    if header.len() > MAX_JWT_HEADER {
        return false;
    }
    let Ok(json) = URL_SAFE_NO_PAD.decode(header) else { return false };
    match serde_json::from_slice::<serde_json::Value>(&json) {
        Ok(serde_json::Value::Object(map)) => map.get("alg").is_some_and(serde_json::Value::is_string),
        _ => false,
    }
}

/// `base64("user:password")` with both parts non-empty, printable, and the password not a
/// placeholder.
fn is_basic_auth_base64(b64: &[u8]) -> bool {
    let Ok(decoded) = STANDARD_ANY_PAD.decode(b64) else { return false };
    if !decoded.iter().all(|b| (0x20..0x7f).contains(b)) {
        return false;
    }
    match decoded.iter().position(|&b| b == b':') {
        Some(colon) if colon > 0 && colon + 1 < decoded.len() => !is_placeholder(&decoded[colon + 1..]),
        _ => false,
    }
}

/// Base64 of a PEM private key (`LS0tLS1CRUdJTi...` is `-----BEGIN`). Only the first 64 base64
/// characters are decoded: the label is in the first line.
fn is_base64_private_key(b64: &[u8]) -> bool {
    let prefix = &b64[..b64.len().min(64) / 4 * 4];
    let Ok(decoded) = STANDARD_NO_PAD.decode(prefix) else { return false };
    decoded.starts_with(b"-----BEGIN ") && memchr::memmem::find(&decoded, b"PRIVATE KEY").is_some()
}

/// Words that mark a value as a placeholder or an example rather than a credential. Matched as
/// case-insensitive substrings.
const PLACEHOLDER_WORDS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "example",
    "placeholder",
    "dummy",
    "redacted",
    "your_",
    "your-",
    "yourpass",
    "yoursecret",
    "yourtoken",
    "replace_me",
    "replaceme",
    "replace-me",
    "insert_",
    "insert-",
    "fixme",
    "todo",
    "xxxx",
    "****",
    "....",
    "password",
    "passwd",
    "secret",
    "sample",
    "notreal",
    "not_real",
    "not-real",
    "fake",
    "foobar",
    "lorem",
];

/// Whole values (case-insensitive) that are keywords or defaults, not credentials.
const PLACEHOLDER_VALUES: &[&str] = &[
    "null",
    "none",
    "nil",
    "true",
    "false",
    "undefined",
    "required",
    "optional",
    "string",
    "empty",
    "test",
    "testing",
    "test123",
    "test1234",
    "admin",
    "root",
    "guest",
    "user",
    "pass",
    "default",
    "postgres",
    "mysql",
    "redis",
    "123456",
    "12345678",
    "qwerty",
];

pub(crate) fn is_placeholder(value: &[u8]) -> bool {
    let lower = value.to_ascii_lowercase();
    let trimmed = lower.trim_ascii();
    if trimmed.is_empty() {
        return true;
    }
    // Template and variable syntax: `${X}`, `$(cmd)`, `{{ x }}`, `%(x)s`, `%s`, `#{x}`, `<x>`,
    // `__X__`, and a leading `$X` (a shell or compose variable).
    const TEMPLATE_MARKERS: &[&[u8]] = &[b"${", b"$(", b"{{", b"}}", b"%(", b"%s", b"%d", b"#{", b"__"];
    if TEMPLATE_MARKERS.iter().any(|m| memchr::memmem::find(trimmed, m).is_some()) {
        return true;
    }
    if trimmed.first() == Some(&b'$') && trimmed.get(1).is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') {
        return true;
    }
    if let Some(open) = trimmed.iter().position(|&b| b == b'<') {
        if trimmed[open..].contains(&b'>') {
            return true;
        }
    }
    // One character repeated (`aaaaaaaa`, `00000000`) or a trivial sequence.
    if trimmed.iter().all(|&b| b == trimmed[0]) {
        return true;
    }
    if PLACEHOLDER_VALUES.iter().any(|v| trimmed == v.as_bytes()) {
        return true;
    }
    PLACEHOLDER_WORDS.iter().any(|w| memchr::memmem::find(trimmed, w.as_bytes()).is_some())
}

/// Values that are references in code or config, not literals: `self.password`,
/// `settings.DB_PASSWORD`, `DB_PASSWORD` (a constant or env var name), `*anchor`, `!Ref x`,
/// `@Value`, `getPassword()`.
pub(crate) fn is_code_reference(value: &[u8]) -> bool {
    let v = value.trim_ascii();
    let Some(&first) = v.first() else { return true };
    if matches!(first, b'*' | b'&' | b'!' | b'@' | b'%' | b'$') {
        return true;
    }
    // A file path or URL names where the secret lives, it is not the secret.
    if first == b'/' || v.starts_with(b"./") || v.starts_with(b"~/") || memchr::memmem::find(v, b"://").is_some() {
        return true;
    }
    if v.ends_with(b")") && v.contains(&b'(') {
        return true;
    }
    let is_ident = |part: &[u8]| {
        part.first().is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
            && part.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    };
    // `a.b.c` with identifier parts.
    if v.contains(&b'.') && v.split(|&b| b == b'.').all(is_ident) {
        return true;
    }
    // `SOME_CONSTANT`: upper case with an underscore.
    if is_ident(v) && v.contains(&b'_') && !v.iter().any(u8::is_ascii_lowercase) {
        return true;
    }
    // A type name in an annotation (`password: ReadableBuffer`, `token: Optional`): a capital and
    // letters only.
    first.is_ascii_uppercase() && v.iter().all(u8::is_ascii_alphabetic) && v.iter().any(u8::is_ascii_lowercase)
}

fn has_mixed_characters(value: &[u8]) -> bool {
    let (mut lower, mut upper, mut digit, mut symbol) = (false, false, false, false);
    for &b in value {
        match b {
            b'a'..=b'z' => lower = true,
            b'A'..=b'Z' => upper = true,
            b'0'..=b'9' => digit = true,
            b'-' | b'_' | b'.' => {}
            _ => symbol = true,
        }
    }
    (digit || symbol) && [lower, upper, digit, symbol].iter().filter(|&&x| x).count() >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_header_must_be_json_with_alg() {
        let good = b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.sig";
        assert!(is_jwt(good));
        // {"typ":"JWT"}: no alg.
        assert!(!is_jwt(b"eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.sig"));
        assert!(!is_jwt(b"eyJub3QganNvbg.x.y"));
        assert!(!is_jwt(b"!!!.x.y"));
    }

    #[test]
    fn basic_auth() {
        // dXNlcjpTM2NyM3RQQHNz = user:S3cr3tP@ss
        assert!(is_basic_auth_base64(b"dXNlcjpTM2NyM3RQQHNz"));
        // dXNlcjpwYXNzd29yZA== = user:password (a placeholder)
        assert!(!is_basic_auth_base64(b"dXNlcjpwYXNzd29yZA=="));
        // dXNlcm9ubHk= = useronly
        assert!(!is_basic_auth_base64(b"dXNlcm9ubHk="));
        assert!(!is_basic_auth_base64(b"not base64!"));
    }

    #[test]
    fn base64_private_key() {
        // -----BEGIN RSA PRIVATE KEY-----\nMIIE
        assert!(is_base64_private_key(b"LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF"));
        // -----BEGIN CERTIFICATE-----\nMIIE
        assert!(!is_base64_private_key(b"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUU="));
    }

    #[test]
    fn placeholders() {
        for p in [
            "${DB_PASSWORD}",
            "$DB_PASSWORD",
            "{{ .Values.password }}",
            "<your-token-here>",
            "%(password)s",
            "xxxxxxxxxxxx",
            "********",
            "changeme",
            "CHANGE_ME_PLEASE",
            "my-example-key",
            "__TOKEN__",
            "null",
            "postgres",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p} should be a placeholder");
        }
        for real in ["S3cr3tP@ss", "hunter2x9", "q8Zr!vT2#mLp", "wJalrXUtnFEMI/K7MDENG/bPxRfiCY"] {
            assert!(!is_placeholder(real.as_bytes()), "{real} is not a placeholder");
        }
    }

    #[test]
    fn mixed_characters() {
        for word in ["elevated-privileges", "no-debconf-config", "ALLCAPS_WORD", "12345678", "dataStoreTestQuery"] {
            assert!(!has_mixed_characters(word.as_bytes()), "{word}");
        }
        for mixed in ["hunter2x9", "Sup3rS3cret!", "7c6be9ff907a", "p@ssphrase"] {
            assert!(has_mixed_characters(mixed.as_bytes()), "{mixed}");
        }
    }

    #[test]
    fn code_references() {
        for c in [
            "self.password",
            "settings.DB_PASSWORD",
            "DB_PASSWORD",
            "*default_pw",
            "getPassword()",
            "!Ref Pw",
            "/run/secrets/db",
            "https://vault/x",
            "ReadableBuffer",
            "Incomplete",
        ] {
            assert!(is_code_reference(c.as_bytes()), "{c} is a reference");
        }
        for v in ["hunter2x9", "P4ss.w0rd!", "Zq3v9Xb1", "abc.def.1x"] {
            assert!(!is_code_reference(v.as_bytes()), "{v} is a literal");
        }
    }
}
