//! The policy file:
//!
//! ```yaml
//! apiVersion: plimsoll.dev/v1alpha1
//! kind: AdmissionPolicy
//! spec:
//!   mode: enforce                                 # or warn: allowed, with warnings
//!   insecureRegistries: ["127.0.0.1:5000"]        # plain HTTP allowed only for these
//!   allowedRegistries: ["127.0.0.1:5000/", "registry.example.com/team/"]
//!   verifyImages:
//!     - images: ["127.0.0.1:5000/*"]
//!       keys: ["/etc/plimsoll/cosign.pub"]        # a path, or the PEM itself
//!       threshold: 1
//!     - images: ["ghcr.io/org/*"]
//!       keyless:                                  # Fulcio certificate identities
//!         - issuer: https://token.actions.githubusercontent.com
//!           subjectRegExp: "https://github.com/org/.*/.github/workflows/release.yml@refs/tags/.*"
//!       trustedRoot: /etc/plimsoll/trusted_root.json   # default: the Sigstore production root
//!   podSecurity: {level: baseline, version: latest}
//!   namespaces: {include: [], exclude: [kube-system]}
//! ```
//!
//! Parsing is strict: unknown keys anywhere are errors, so that a misspelt rule cannot turn into
//! an allow-everything policy.

use std::path::{Path, PathBuf};

use plimsoll::admission::{PssLevel, PssVersion};
use plimsoll::sign::VerifyingKey;
use plimsoll::sigstore::{GithubClaims, IdentityPolicy, Matcher, TrustedRoot};
use plimsoll_model::Severity;
use serde::Deserialize;

pub const API_VERSION: &str = "plimsoll.dev/v1alpha1";
pub const KIND: &str = "AdmissionPolicy";

/// Largest policy file read (a policy is a few KiB; this bounds a wrong path to a huge file).
const MAX_POLICY_BYTES: u64 = 1 << 20;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    #[error("cannot read the policy {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{origin} is not a valid AdmissionPolicy: {reason}")]
    Invalid { origin: String, reason: String },
    #[error("{origin}: {rule}.keys[{key}] ({what}): {reason}")]
    Key { origin: String, rule: String, key: usize, what: String, reason: String },
}

/// `enforce` denies; `warn` allows and returns what it would have denied as warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Enforce,
    Warn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawLevel {
    Baseline,
    Restricted,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawPolicy {
    api_version: String,
    kind: String,
    #[serde(default)]
    #[allow(dead_code)] // accepted (kubectl-style files carry a name); not used
    metadata: Option<RawMetadata>,
    spec: RawSpec,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetadata {
    #[serde(default)]
    #[allow(dead_code)]
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawSpec {
    #[serde(default)]
    mode: Mode,
    #[serde(default)]
    allowed_registries: Option<Vec<String>>,
    #[serde(default)]
    insecure_registries: Vec<String>,
    #[serde(default)]
    verify_images: Vec<RawVerify>,
    #[serde(default)]
    pod_security: Option<RawPodSecurity>,
    #[serde(default)]
    namespaces: Option<RawNamespaces>,
    #[serde(default)]
    vulnerabilities: Option<RawVulnerabilities>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawVulnerabilities {
    #[serde(default)]
    images: Vec<String>,
    max_severity: Severity,
    #[serde(default)]
    ignore_unfixed: bool,
    #[serde(default)]
    max_age: Option<String>,
    keys: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawVerify {
    images: Vec<String>,
    #[serde(default)]
    keys: Vec<String>,
    #[serde(default)]
    keyless: Vec<RawKeyless>,
    #[serde(default)]
    trusted_root: Option<String>,
    #[serde(default)]
    threshold: Option<usize>,
}

/// A keyless signer: the certificate's OIDC issuer and identity (SAN), each exactly or by an
/// anchored regular expression (Kyverno's `keyless` attestor names).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKeyless {
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default, rename = "issuerRegExp")]
    issuer_regexp: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default, rename = "subjectRegExp")]
    subject_regexp: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPodSecurity {
    level: RawLevel,
    #[serde(default)]
    version: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNamespaces {
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
}

/// One `verifyImages` rule with its keys loaded.
#[derive(Debug, Clone)]
pub struct VerifyRule {
    /// Globs over the normalised reference (`*` matches any run of characters, `/` included,
    /// as Kyverno's `imageReferences`; `?` one character).
    pub images: Vec<String>,
    pub keys: Vec<VerifyingKey>,
    /// Keyless signers (identity and issuer of a Fulcio certificate).
    pub keyless: Vec<IdentityPolicy>,
    /// The root keyless signatures (and key-signed bundles with log entries) verify against.
    pub trusted_root: TrustedRoot,
    /// Distinct signers (keys and keyless identities) that must have a valid signature on the
    /// digest (default 1).
    pub threshold: usize,
}

/// The `vulnerabilities` rule: the image must carry a scan attestation (`plimsoll attest` of a
/// plimsoll JSON report) signed by one of `keys`, no older than `max_age`, with no finding above
/// `max_severity` (unfixed ones left out when `ignore_unfixed`).
#[derive(Debug, Clone)]
pub struct VulnerabilityRule {
    /// Globs as in `verifyImages`; empty: every image.
    pub images: Vec<String>,
    pub max_severity: Severity,
    pub ignore_unfixed: bool,
    pub max_age: Option<std::time::Duration>,
    pub keys: Vec<VerifyingKey>,
}

/// A loaded, validated policy.
#[derive(Debug, Clone)]
pub struct AdmissionPolicy {
    pub mode: Mode,
    /// Prefixes of the normalised reference; `None` allows every registry.
    pub allowed_registries: Option<Vec<String>>,
    /// Registries (`host[:port]`) reached over plain HTTP / unverified TLS.
    pub insecure_registries: Vec<String>,
    pub verify_images: Vec<VerifyRule>,
    pub pod_security: Option<(PssLevel, PssVersion)>,
    /// Namespaces evaluated (empty: all).
    pub include_namespaces: Vec<String>,
    /// Namespaces never evaluated (allowed as they are).
    pub exclude_namespaces: Vec<String>,
    pub vulnerabilities: Option<VulnerabilityRule>,
}

impl AdmissionPolicy {
    pub fn load(path: &Path) -> Result<AdmissionPolicy, PolicyError> {
        use std::io::Read;
        let read = |source| PolicyError::Read { path: path.to_owned(), source };
        let mut text = String::new();
        std::fs::File::open(path).map_err(read)?.take(MAX_POLICY_BYTES + 1).read_to_string(&mut text).map_err(read)?;
        let origin = path.display().to_string();
        if text.len() as u64 > MAX_POLICY_BYTES {
            return Err(PolicyError::Invalid { origin, reason: format!("larger than {MAX_POLICY_BYTES} bytes") });
        }
        AdmissionPolicy::parse(&text, &origin, path.parent())
    }

    /// Parses a policy; relative key paths are taken from `base` (the policy's directory).
    pub fn parse(text: &str, origin: &str, base: Option<&Path>) -> Result<AdmissionPolicy, PolicyError> {
        let invalid = |reason: String| PolicyError::Invalid { origin: origin.to_owned(), reason };
        let raw: RawPolicy = serde_saphyr::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let RawPolicy { api_version, kind, metadata: _, spec } = raw;
        if api_version != API_VERSION {
            return Err(invalid(format!("apiVersion is `{api_version}`, expected `{API_VERSION}`")));
        }
        if kind != KIND {
            return Err(invalid(format!("kind is `{kind}`, expected `{KIND}`")));
        }
        let RawSpec {
            mode,
            allowed_registries,
            insecure_registries,
            verify_images,
            pod_security,
            namespaces,
            vulnerabilities,
        } = spec;
        if let Some(a) = &allowed_registries {
            if a.iter().any(|p| p.is_empty()) {
                return Err(invalid("allowedRegistries holds an empty prefix, which would allow every image".into()));
            }
        }
        let mut rules = Vec::new();
        for (ri, RawVerify { images, keys, keyless, trusted_root, threshold }) in verify_images.into_iter().enumerate()
        {
            if images.is_empty() {
                return Err(invalid(format!("verifyImages[{ri}].images is empty")));
            }
            if keys.is_empty() && keyless.is_empty() {
                return Err(invalid(format!("verifyImages[{ri}] has neither keys nor keyless signers")));
            }
            let signers = keys.len() + keyless.len();
            let threshold = threshold.unwrap_or(1);
            if threshold == 0 || threshold > signers {
                return Err(invalid(format!(
                    "verifyImages[{ri}].threshold is {threshold}; it must be between 1 and the number of keys and \
                     keyless signers ({signers})"
                )));
            }
            let loaded = load_keys(&keys, origin, base, &format!("verifyImages[{ri}]"))?;
            let mut ids = Vec::new();
            for (ki, k) in keyless.into_iter().enumerate() {
                let at = format!("verifyImages[{ri}].keyless[{ki}]");
                ids.push(keyless_policy(k).map_err(|r| invalid(format!("{at}: {r}")))?);
            }
            let trusted_root = match trusted_root {
                None => TrustedRoot::production().map_err(|e| invalid(format!("the built-in trusted root: {e}")))?,
                Some(path) => {
                    let p = match base {
                        Some(b) if Path::new(&path).is_relative() => b.join(&path),
                        _ => PathBuf::from(&path),
                    };
                    let at = format!("verifyImages[{ri}].trustedRoot {}", p.display());
                    let json = read_bounded(&p).map_err(|e| invalid(format!("{at}: {e}")))?;
                    TrustedRoot::from_json(&json).map_err(|e| invalid(format!("{at}: {e}")))?
                }
            };
            rules.push(VerifyRule { images, keys: loaded, keyless: ids, trusted_root, threshold });
        }
        let pod_security = match pod_security {
            None => None,
            Some(RawPodSecurity { level, version }) => {
                let level = match level {
                    RawLevel::Baseline => PssLevel::Baseline,
                    RawLevel::Restricted => PssLevel::Restricted,
                };
                let version = match version {
                    None => PssVersion::LATEST,
                    Some(v) => PssVersion::parse(&v)
                        .ok_or_else(|| invalid(format!("podSecurity.version `{v}` is not `latest` or `v1.N`")))?,
                };
                Some((level, version))
            }
        };
        let vulnerabilities = match vulnerabilities {
            None => None,
            Some(RawVulnerabilities { images, max_severity, ignore_unfixed, max_age, keys }) => {
                if keys.is_empty() {
                    return Err(invalid("vulnerabilities.keys is empty".into()));
                }
                let max_age = match max_age {
                    None => None,
                    Some(a) => Some(humantime::parse_duration(&a).map_err(|e| {
                        invalid(format!("vulnerabilities.maxAge `{a}` is not a duration such as `24h`: {e}"))
                    })?),
                };
                let keys = load_keys(&keys, origin, base, "vulnerabilities")?;
                Some(VulnerabilityRule { images, max_severity, ignore_unfixed, max_age, keys })
            }
        };
        let RawNamespaces { include, exclude } =
            namespaces.unwrap_or(RawNamespaces { include: Vec::new(), exclude: Vec::new() });
        Ok(AdmissionPolicy {
            mode,
            allowed_registries,
            insecure_registries,
            verify_images: rules,
            pod_security,
            include_namespaces: include,
            exclude_namespaces: exclude,
            vulnerabilities,
        })
    }

    /// Whether objects in `namespace` are evaluated at all.
    pub fn covers_namespace(&self, namespace: &str) -> bool {
        !self.exclude_namespaces.iter().any(|n| n == namespace)
            && (self.include_namespaces.is_empty() || self.include_namespaces.iter().any(|n| n == namespace))
    }
}

/// A `keyless` entry as a policy: exactly one of `subject`/`subjectRegExp` and one of
/// `issuer`/`issuerRegExp`.
fn keyless_policy(k: RawKeyless) -> Result<IdentityPolicy, String> {
    let one = |exact: Option<String>, re: Option<String>, name: &str| -> Result<Matcher, String> {
        match (exact, re) {
            (Some(e), None) if !e.is_empty() => Ok(Matcher::Exact(e)),
            (None, Some(r)) => {
                Matcher::regex(&r).map_err(|e| format!("{name}RegExp is not a valid regular expression: {e}"))
            }
            (Some(_), Some(_)) => Err(format!("give {name} or {name}RegExp, not both")),
            _ => Err(format!("{name} (or {name}RegExp) is required")),
        }
    };
    Ok(IdentityPolicy {
        identity: one(k.subject, k.subject_regexp, "subject")?,
        issuer: one(k.issuer, k.issuer_regexp, "issuer")?,
        github: GithubClaims::default(),
    })
}

/// A trusted root file (a few KiB; bounded like the policy itself).
fn read_bounded(p: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut v = Vec::new();
    std::fs::File::open(p)
        .and_then(|f| f.take(MAX_POLICY_BYTES * 4 + 1).read_to_end(&mut v))
        .map_err(|e| e.to_string())?;
    if v.len() as u64 > MAX_POLICY_BYTES * 4 {
        return Err(format!("larger than {} bytes", MAX_POLICY_BYTES * 4));
    }
    Ok(v)
}

/// Loads keys given as paths (relative to `base`) or inline PEM.
fn load_keys(keys: &[String], origin: &str, base: Option<&Path>, rule: &str) -> Result<Vec<VerifyingKey>, PolicyError> {
    let mut loaded = Vec::new();
    for (ki, k) in keys.iter().enumerate() {
        let key_err = |what: String, reason: String| PolicyError::Key {
            origin: origin.to_owned(),
            rule: rule.to_owned(),
            key: ki,
            what,
            reason,
        };
        let key = if k.trim_start().starts_with("-----BEGIN") {
            VerifyingKey::from_pem(k, "inline PEM").map_err(|e| key_err("inline PEM".into(), e.to_string()))?
        } else {
            let p = match base {
                Some(b) if Path::new(k).is_relative() => b.join(k),
                _ => PathBuf::from(k),
            };
            VerifyingKey::load(&p).map_err(|e| key_err(p.display().to_string(), e.to_string()))?
        };
        loaded.push(key);
    }
    Ok(loaded)
}

/// Glob match: `*` any run of characters (`/` included), `?` any one character.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Iterative matcher with one backtrack point: linear in practice, no recursion to blow up
    // on a hostile pattern such as `*****...`.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "apiVersion: plimsoll.dev/v1alpha1\nkind: AdmissionPolicy\n";

    #[test]
    fn parses_the_documented_example_without_keys() {
        let p = AdmissionPolicy::parse(
            &format!(
                "{HEAD}spec:\n  mode: warn\n  insecureRegistries: [\"127.0.0.1:5000\"]\n  allowedRegistries: [\"127.0.0.1:5000/\"]\n  podSecurity: {{level: restricted, version: v1.28}}\n  namespaces: {{exclude: [kube-system]}}\n"
            ),
            "p.yaml",
            None,
        )
        .unwrap();
        assert_eq!(p.mode, Mode::Warn);
        assert_eq!(p.pod_security, Some((PssLevel::Restricted, PssVersion(28))));
        assert!(!p.covers_namespace("kube-system"));
        assert!(p.covers_namespace("default"));
    }

    #[test]
    fn unknown_keys_are_errors() {
        let e = AdmissionPolicy::parse(&format!("{HEAD}spec:\n  allowedRegistry: [\"x/\"]\n"), "p.yaml", None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("allowedRegistry"), "{e}");
        let e =
            AdmissionPolicy::parse(&format!("{HEAD}spec:\n  podSecurity: {{level: baseline, levle: x}}\n"), "p", None)
                .unwrap_err()
                .to_string();
        assert!(e.contains("levle"), "{e}");
    }

    #[test]
    fn wrong_kind_and_bad_values_are_errors() {
        let e = AdmissionPolicy::parse("apiVersion: v1\nkind: AdmissionPolicy\nspec: {}\n", "p", None).unwrap_err();
        assert!(e.to_string().contains("apiVersion is `v1`"), "{e}");
        let e = AdmissionPolicy::parse(&format!("{HEAD}spec: {{mode: audit}}\n"), "p", None).unwrap_err();
        assert!(e.to_string().contains("audit"), "{e}");
        let e = AdmissionPolicy::parse(&format!("{HEAD}spec: {{podSecurity: {{level: privileged}}}}\n"), "p", None)
            .unwrap_err();
        assert!(e.to_string().contains("privileged"), "{e}");
    }

    #[test]
    fn keys_inline_and_by_path_and_threshold_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let pem = plimsoll::sign::SigningKey::generate().verifying_key().to_pem().unwrap();
        std::fs::write(dir.path().join("k.pub"), &pem).unwrap();
        let inline = serde_json::to_string(&pem).unwrap();
        let ok = format!("{HEAD}spec:\n  verifyImages:\n    - images: [\"r/*\"]\n      keys: [k.pub, {inline}]\n      threshold: 2\n");
        let p = AdmissionPolicy::parse(&ok, "p", Some(dir.path())).unwrap();
        assert_eq!(p.verify_images[0].keys.len(), 2);
        assert_eq!(p.verify_images[0].threshold, 2);
        let too_many = ok.replace("threshold: 2", "threshold: 3");
        assert!(AdmissionPolicy::parse(&too_many, "p", Some(dir.path()))
            .unwrap_err()
            .to_string()
            .contains("threshold"));
        let missing = ok.replace("k.pub", "absent.pub");
        let e = AdmissionPolicy::parse(&missing, "p", Some(dir.path())).unwrap_err().to_string();
        assert!(e.contains("absent.pub"), "{e}");
        let bad_pem = format!("{HEAD}spec:\n  verifyImages:\n    - images: [\"*\"]\n      keys: [\"-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\"]\n");
        assert!(AdmissionPolicy::parse(&bad_pem, "p", None).is_err());
    }

    #[test]
    fn globs() {
        assert!(glob_match("127.0.0.1:5000/*", "127.0.0.1:5000/team/app:1"));
        assert!(glob_match("docker.io/library/ngin?:*", "docker.io/library/nginx:latest"));
        assert!(!glob_match("127.0.0.1:5000/*", "127.0.0.1:5001/app:1"));
        assert!(!glob_match("a*b", "acbc"));
        assert!(glob_match(&"*".repeat(10_000), "x"));
    }
}
