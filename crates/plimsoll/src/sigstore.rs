//! Sigstore bundle verification for the front doors (`plimsoll verify-blob`): offline, against
//! the built-in production (or staging) trusted root or a `trusted_root.json` given by the user.

pub use plimsoll_sigstore::attached;
pub use plimsoll_sigstore::{
    parse_sha256, Artifact, Bundle, Error as SigstoreError, GithubClaims, Identity, IdentityPolicy, Matcher, Policy,
    PublicKey, TrustedRoot, Verified, Verifier,
};

/// Which trusted root to verify against.
#[derive(Debug, Clone, Copy)]
pub enum RootChoice<'a> {
    /// The public-good production root built into the binary.
    Production,
    /// The public-good staging root built into the binary.
    Staging,
    /// A `trusted_root.json` (a private Sigstore deployment).
    Json(&'a [u8]),
}

/// Verify a bundle (its JSON) over an artifact.
pub fn verify_blob(
    bundle_json: &[u8],
    root: RootChoice<'_>,
    artifact: &Artifact,
    policy: &Policy,
) -> Result<Verified, SigstoreError> {
    let root = match root {
        RootChoice::Production => TrustedRoot::production()?,
        RootChoice::Staging => TrustedRoot::staging()?,
        RootChoice::Json(json) => TrustedRoot::from_json(json)?,
    };
    let bundle = Bundle::from_json(bundle_json)?;
    Verifier::new(root).verify(&bundle, artifact, policy)
}
