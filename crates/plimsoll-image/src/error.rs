//! The one error type of this crate.
//!
//! Every variant carries what the user needs to find the problem (the file, the blob, the layer)
//! and the message says what to do about it. Errors that happen inside a layer stream (digest and
//! diff_id checks, size limits, decompression) travel through `std::io::Read` as an
//! `io::Error` of kind `InvalidData` whose inner error is an [`ImageError`]; use
//! [`ImageError::from_io`] to get it back.

use std::io;
use std::path::PathBuf;

use plimsoll_model::Digest;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error(
        "{what} does not match its digest: expected {expected}, got {actual}; the image is corrupt or was \
         tampered with, fetch it again from a trusted source"
    )]
    DigestMismatch { what: String, expected: Digest, actual: Digest },

    #[error(
        "{what} has {actual} bytes but its descriptor says {expected}; the image is corrupt or was tampered \
         with, fetch it again from a trusted source"
    )]
    SizeMismatch { what: String, expected: u64, actual: u64 },

    #[error(
        "layer {layer}: the uncompressed layer does not match the image config's diff_id: expected {expected}, \
         got {actual}; the image is corrupt or was tampered with, fetch it again from a trusted source"
    )]
    DiffIdMismatch { layer: usize, expected: Digest, actual: Digest },

    #[error("the image has no manifest for platform {requested}; available: {}; choose one of them", list(available))]
    PlatformNotFound { requested: String, available: Vec<String> },

    #[error("the image has no tag `{tag}`; available tags: {}", list(available))]
    TagNotFound { tag: String, available: Vec<String> },

    #[error(
        "the image holds several images ({}); choose one: append `:TAG` to an oci: or oci-archive: reference, or \
         request the platform of one of them",
        list(available)
    )]
    TagRequired { available: Vec<String> },

    #[error("{what} is malformed: {reason}")]
    Malformed { what: String, reason: String },

    #[error("{what} has media type `{media_type}`, which plimsoll does not support (is this a container image?)")]
    UnsupportedMediaType { what: String, media_type: String },

    #[error("{what} exceeds the limit of {limit} bytes; raise the limit if the image is trusted")]
    TooLarge { what: String, limit: u64 },

    #[error("registry {registry}: the overall deadline (--timeout) passed before the image was read")]
    Timeout { registry: String },

    /// A count (entries, layers, manifests, nesting depth) over its limit.
    #[error("{what} exceeds the limit of {limit}; raise the limit if the image is trusted")]
    TooMany { what: String, limit: u64 },

    #[error(
        "{} is not an image plimsoll can read: {reason}; use docker-archive:PATH, oci-archive:PATH[:TAG] or \
         oci:DIR[:TAG]",
        path.display()
    )]
    UnknownFormat { path: PathBuf, reason: String },

    /// The archive file ends early: an interrupted download or copy.
    #[error(
        "{} is truncated ({detail}); it looks like an interrupted download or copy: fetch or export it again",
        path.display()
    )]
    Truncated { path: PathBuf, detail: String },

    #[error("invalid image reference `{reference}`: {reason}")]
    InvalidReference { reference: String, reason: String },

    #[error("blob {digest} is referenced by the image but missing from it; the image is incomplete, export it again")]
    BlobMissing { digest: Digest },

    #[error("{what} is not valid JSON of the expected shape: {source}")]
    Json {
        what: String,
        #[source]
        source: serde_json::Error,
    },

    /// A local container engine (Docker, Podman) could not be reached or refused the request.
    #[error("container engine {endpoint}: {reason}")]
    Engine { endpoint: String, reason: String },

    /// A registry failed or answered something unusable (after retries).
    #[error("registry {registry}: {reason}")]
    Registry { registry: String, reason: String },

    /// The registry asked for credentials and refused (or was not given) them.
    #[error("registry {registry} denied access: {reason}")]
    RegistryAuth { registry: String, reason: String },

    /// A manifest (tag or digest) or blob the registry does not have.
    #[error("{what} not found in registry {registry}")]
    NotFound { registry: String, what: String },

    #[error("layer index {index} is out of range (the image has {count} layers)")]
    NoSuchLayer { index: usize, count: usize },
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

impl ImageError {
    /// Recovers the [`ImageError`] carried by an `io::Error` from a layer stream (possibly wrapped
    /// by the `tar` crate); any other I/O error becomes [`ImageError::Malformed`] naming `what`.
    pub fn from_io(err: io::Error, what: &str) -> ImageError {
        if let Some(found) = find_in_chain(&err) {
            return found;
        }
        if err.get_ref().is_some_and(|inner| inner.is::<ImageError>()) {
            if let Some(inner) = err.into_inner() {
                if let Ok(image_err) = inner.downcast::<ImageError>() {
                    return *image_err;
                }
            }
            // Unreachable in practice: the check above saw an ImageError.
            return ImageError::Malformed { what: what.to_owned(), reason: "unreadable stream".to_owned() };
        }
        ImageError::Malformed { what: what.to_owned(), reason: err.to_string() }
    }

    /// Wraps this error in an `io::Error` of kind `InvalidData`, the way layer streams report it.
    pub(crate) fn into_io(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, self)
    }

    /// A copy of the data-only variants, which layer streams re-raise on every read after a failure.
    pub(crate) fn try_clone(&self) -> Option<ImageError> {
        Some(match self {
            ImageError::DigestMismatch { what, expected, actual } => {
                ImageError::DigestMismatch { what: what.clone(), expected: expected.clone(), actual: actual.clone() }
            }
            ImageError::SizeMismatch { what, expected, actual } => {
                ImageError::SizeMismatch { what: what.clone(), expected: *expected, actual: *actual }
            }
            ImageError::DiffIdMismatch { layer, expected, actual } => {
                ImageError::DiffIdMismatch { layer: *layer, expected: expected.clone(), actual: actual.clone() }
            }
            ImageError::Malformed { what, reason } => {
                ImageError::Malformed { what: what.clone(), reason: reason.clone() }
            }
            ImageError::TooLarge { what, limit } => ImageError::TooLarge { what: what.clone(), limit: *limit },
            ImageError::TooMany { what, limit } => ImageError::TooMany { what: what.clone(), limit: *limit },
            ImageError::BlobMissing { digest } => ImageError::BlobMissing { digest: digest.clone() },
            ImageError::UnsupportedMediaType { what, media_type } => {
                ImageError::UnsupportedMediaType { what: what.clone(), media_type: media_type.clone() }
            }
            ImageError::Io { path, source } => {
                ImageError::Io { path: path.clone(), source: io::Error::new(source.kind(), source.to_string()) }
            }
            _ => return None,
        })
    }
}

/// The `tar` crate wraps reader errors in its own error type, so the `ImageError` may sit a few
/// levels down the source chain; data-only variants are copied out from there.
fn find_in_chain(err: &io::Error) -> Option<ImageError> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = err.get_ref().map(|e| e as _);
    let mut depth = 0;
    while let Some(e) = cur {
        if let Some(image_err) = e.downcast_ref::<ImageError>() {
            if let Some(copy) = image_err.try_clone() {
                return Some(copy);
            }
        }
        depth += 1;
        if depth > 16 {
            break;
        }
        // `io::Error::source` skips the custom error it wraps, so step into it explicitly.
        cur = match e.downcast_ref::<io::Error>() {
            Some(ioe) => ioe.get_ref().map(|inner| inner as _),
            None => e.source(),
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_error_survives_tar_style_wrapping() {
        let d = Digest::sha256_from_bytes(&[1; 32]);
        let inner = ImageError::DiffIdMismatch { layer: 2, expected: d.clone(), actual: d.clone() }.into_io();
        #[derive(Debug)]
        struct Wrap(io::Error);
        impl std::fmt::Display for Wrap {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "wrapped: {}", self.0)
            }
        }
        impl std::error::Error for Wrap {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let outer = io::Error::other(Wrap(inner));
        match ImageError::from_io(outer, "layer tar") {
            ImageError::DiffIdMismatch { layer: 2, .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn plain_io_error_becomes_malformed() {
        let e = ImageError::from_io(io::Error::other("archive header checksum mismatch"), "layer tar");
        assert!(e.to_string().contains("layer tar is malformed: archive header checksum mismatch"), "{e}");
    }

    #[test]
    fn lists_available_choices() {
        let e = ImageError::PlatformNotFound {
            requested: "linux/s390x".into(),
            available: vec!["linux/amd64".into(), "linux/arm64/v8".into()],
        };
        assert_eq!(
            e.to_string(),
            "the image has no manifest for platform linux/s390x; available: linux/amd64, linux/arm64/v8; choose one \
             of them"
        );
    }
}
