//! Bearer tokens: 256 random bits, shown once, stored as their SHA-256 (a database leak gives no
//! usable token; the tokens are random, so no salt or slow hash is needed). Roles are ordered:
//! `read` < `write` (ingest) < `admin` (re-match, tokens, audit log).

use rand_core::{OsRng, RngCore};
use sha2::{Digest as _, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Read,
    Write,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Write => "write",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "read" => Ok(Role::Read),
            "write" => Ok(Role::Write),
            "admin" => Ok(Role::Admin),
            other => Err(format!("unknown role `{other}` (read, write or admin)")),
        }
    }
}

/// A new token: `plm_` and 64 hex digits.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("plm_{}", hex::encode(bytes))
}

/// What the store keeps of a token.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}
