//! Property tests: no masked value, `Debug` output or serialized finding ever contains the full
//! secret, whatever surrounds it; and planted tokens are found wherever they are put.

use std::sync::LazyLock;

use plimsoll_model::secret::SecretSource;
use plimsoll_secrets::{mask, Scanner};
use proptest::prelude::*;

static SCANNER: LazyLock<Scanner> = LazyLock::new(Scanner::builtin);

const ALNUM: &str = "[0-9A-Za-z]";

/// (rule id, token strategy) for token formats with a fixed shape.
fn token() -> impl Strategy<Value = (&'static str, String)> {
    let t = |rule: &'static str, prefix: &'static str, body: String| {
        proptest::string::string_regex(&body).unwrap().prop_map(move |b| (rule, format!("{prefix}{b}")))
    };
    prop_oneof![
        t("github-pat", "ghp_", format!("{ALNUM}{{36}}")),
        t("npm-access-token", "npm_", format!("{ALNUM}{{36}}")),
        t("gitlab-pat", "glpat-", "[0-9A-Za-z_]{20}".into()),
        t("aws-access-key-id", "AKIA", "[A-Z2-7]{16}".into()),
        t("gcp-api-key", "AIza", "[0-9A-Za-z_]{35}".into()),
        t("stripe-secret-key", "sk_live_", format!("{ALNUM}{{24,40}}")),
        t("dockerhub-pat", "dckr_pat_", "[A-Za-z0-9_]{27}".into()),
        t("slack-bot-token", "xoxb-", format!("[0-9]{{12}}-[0-9]{{13}}-{ALNUM}{{24}}")),
    ]
    // Low-entropy bodies (all one character) are rejected by design; keep realistic tokens.
    .prop_filter("realistic entropy", |(_, tok)| plimsoll_secrets::shannon_entropy(tok.as_bytes()) >= 3.5)
}

/// Text around the token: arbitrary printable lines, then a separator the token formats allow.
fn surroundings() -> impl Strategy<Value = (String, &'static str, &'static str)> {
    (
        proptest::collection::vec("[ -~]{0,60}", 0..6).prop_map(|l| l.join("\n")),
        prop_oneof![Just(" = \""), Just(": "), Just("="), Just(" "), Just("\n"), Just("\t'")],
        prop_oneof![Just("\""), Just("\n"), Just(""), Just("' # note"), Just(", x=1")],
    )
}

fn assert_redacted(content: &[u8]) -> Result<(), TestCaseError> {
    for m in SCANNER.scan("app/config.env", content) {
        let secret = String::from_utf8_lossy(m.secret(content).unwrap()).into_owned();
        prop_assert!(!m.masked.contains(&secret), "masked {:?} contains {secret:?}", m.masked);
        let debug = format!("{m:?}");
        prop_assert!(!debug.contains(&secret), "Debug of the match leaks {:?}", secret);
        let finding = m.to_finding("app/config.env", SecretSource::File);
        let debug = format!("{finding:?}");
        prop_assert!(!debug.contains(&secret), "Debug of the finding leaks {:?}", secret);
        let json = serde_json::to_string(&finding).unwrap();
        prop_assert!(!json.contains(&secret), "JSON leaks {secret:?}: {json}");
        if let Some(pair) = &m.pair {
            prop_assert!(pair.masked.ends_with("*****"));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn planted_tokens_are_found_and_never_leak((rule, tok) in token(), (before, sep, after) in surroundings()) {
        let content = format!("{before}\nKEY{sep}{tok}{after}\n");
        let matches = SCANNER.scan("app/config.env", content.as_bytes());
        prop_assert!(
            matches.iter().any(|m| m.rule_id == rule && m.secret(content.as_bytes()) == Some(tok.as_bytes())),
            "{rule} not found in {content:?}: {matches:?}"
        );
        assert_redacted(content.as_bytes())?;
    }

    #[test]
    fn generic_passwords_never_leak(value in "[!-~&&[^\"'`$\\\\]]{8,40}", key in "(DB_)?(PASSWORD|password|passwd|api_key|client_secret)") {
        for line in [format!("{key}={value}\n"), format!("{key}: \"{value}\"\n"), format!("{{\"{key}\": \"{value}\"}}\n")] {
            assert_redacted(line.as_bytes())?;
        }
    }

    #[test]
    fn arbitrary_bytes_never_leak(content in proptest::collection::vec(any::<u8>(), 0..2048)) {
        assert_redacted(&content)?;
    }

    #[test]
    fn mask_never_contains_a_secret_of_seven_or_more_characters(secret in "\\PC{7,80}") {
        let masked = mask(&secret);
        prop_assert!(!masked.contains(&secret));
        prop_assert!(masked.ends_with("*****"));
        let visible = masked.chars().count() - 5;
        prop_assert!(visible <= 4 && visible <= secret.chars().count() / 4);
    }
}
