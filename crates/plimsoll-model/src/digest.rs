use std::fmt;
use std::str::FromStr;

/// A content digest as the OCI image spec writes it: `algorithm:encoded`.
///
/// Only `sha256` and `sha512` are accepted (the spec's registered algorithms); the encoded part
/// must be lowercase hex of the right length, so a digest read from a hostile manifest can be used
/// as a file name (`blobs/<alg>/<hex>`) without path traversal.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: Algorithm,
    hex: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Algorithm {
    Sha256,
    Sha512,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DigestError {
    #[error("digest `{0}` has no `algorithm:` prefix")]
    MissingAlgorithm(String),
    #[error("digest `{0}` uses an unsupported algorithm (only sha256 and sha512 are accepted)")]
    UnsupportedAlgorithm(String),
    #[error("digest `{0}` is not lowercase hex of the algorithm's length")]
    BadEncoding(String),
}

impl Digest {
    /// Builds a sha256 digest from raw hash bytes (a hasher's 32-byte output; anything else is a
    /// programming error, caught in debug builds).
    pub fn sha256_from_bytes(bytes: &[u8]) -> Self {
        debug_assert_eq!(bytes.len(), 32, "a sha256 digest is 32 bytes");
        Digest { algorithm: Algorithm::Sha256, hex: to_hex(bytes) }
    }

    /// Builds a sha512 digest from raw hash bytes (64 bytes, as for sha256 above).
    pub fn sha512_from_bytes(bytes: &[u8]) -> Self {
        debug_assert_eq!(bytes.len(), 64, "a sha512 digest is 64 bytes");
        Digest { algorithm: Algorithm::Sha512, hex: to_hex(bytes) }
    }

    /// `sha256` or `sha512`.
    pub fn algorithm(&self) -> &'static str {
        match self.algorithm {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    pub fn is_sha256(&self) -> bool {
        self.algorithm == Algorithm::Sha256
    }

    /// The encoded (hex) part.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// A short form for tables: the first 12 hex characters.
    pub fn short(&self) -> &str {
        // `get`, not indexing: never a panic, whatever built the digest.
        self.hex.get(..12).unwrap_or(&self.hex)
    }
}

fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 0xf) as usize] as char);
    }
    s
}

impl FromStr for Digest {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (alg, hex) = s.split_once(':').ok_or_else(|| DigestError::MissingAlgorithm(s.to_owned()))?;
        let (algorithm, len) = match alg {
            "sha256" => (Algorithm::Sha256, 64),
            "sha512" => (Algorithm::Sha512, 128),
            _ => return Err(DigestError::UnsupportedAlgorithm(s.to_owned())),
        };
        if hex.len() != len || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(DigestError::BadEncoding(s.to_owned()));
        }
        Ok(Digest { algorithm, hex: hex.to_owned() })
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm(), self.hex)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let s = "sha256:a0887aa08f62cd9ca7544d351fa8cf7f2f6a0a2a28dce51fcb5bc58a1cdd5b90";
        let d: Digest = s.parse().unwrap();
        assert_eq!(d.to_string(), s);
        assert_eq!(d.short(), "a0887aa08f62");
    }

    #[test]
    fn rejects_traversal_and_bad_hex() {
        assert!("sha256:../../etc/passwd".parse::<Digest>().is_err());
        assert!("sha256:A0887AA08F62CD9CA7544D351FA8CF7F2F6A0A2A28DCE51FCB5BC58A1CDD5B90".parse::<Digest>().is_err());
        assert!("md5:d41d8cd98f00b204e9800998ecf8427e".parse::<Digest>().is_err());
        assert!("nocolon".parse::<Digest>().is_err());
    }

    #[test]
    fn from_bytes_is_lower_hex() {
        let d = Digest::sha256_from_bytes(&[0xab; 32]);
        assert_eq!(d.hex(), "ab".repeat(32));
    }
}
