//! OCI 1.1 referrers: artifacts (signatures, attestations, SBOMs) whose manifest names another
//! manifest as its `subject`.
//!
//! Reading: `GET /v2/<name>/referrers/<digest>` answers an image index of descriptors (with
//! `artifactType`). A registry without the API answers 404; then the referrers tag schema is
//! used: the tag `sha256-<hex>` holds an image index of the referrers, maintained by whoever
//! pushes them (Cosign v3, ORAS). Writing: the manifest is put by digest; a registry that
//! handled the `subject` says so with an `OCI-Subject` header, otherwise the fallback index is
//! updated (read, add, put), as the distribution spec asks clients to.
//!
//! Everything is bounded: the index size, the number of pages and of descriptors.

use std::collections::BTreeMap;

use plimsoll_model::Digest;
use serde::{Deserialize, Serialize};

use super::client::{next_link, pull_scope, push_scope, Client, ATTEMPTS};
use crate::error::ImageError;
use crate::oci::OCI_INDEX;
use crate::stream::read_limited;

/// Largest referrers index (one page) or fallback index read.
pub const INDEX_LIMIT: u64 = 4 << 20;
/// At most this many pages of the referrers API are followed.
const MAX_PAGES: usize = 64;
/// At most this many referrers are kept for one digest.
pub const MAX_REFERRERS: usize = 10_000;

/// A descriptor in a referrers index.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ReferrerDescriptor {
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    pub digest: Digest,
    pub size: u64,
    #[serde(rename = "artifactType", default, skip_serializing_if = "String::is_empty")]
    pub artifact_type: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// Where the referrers list came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReferrersSource {
    /// `GET /v2/<name>/referrers/<digest>`.
    Api,
    /// The `sha256-<hex>` tag holding an index (the registry has no referrers API).
    TagSchema,
}

/// The referrers of one digest.
#[derive(Clone, Debug)]
pub struct Referrers {
    pub source: ReferrersSource,
    pub descriptors: Vec<ReferrerDescriptor>,
}

#[derive(Serialize, Deserialize)]
struct Index {
    #[serde(rename = "schemaVersion")]
    schema_version: u32,
    #[serde(rename = "mediaType", default)]
    media_type: String,
    #[serde(default)]
    manifests: Vec<ReferrerDescriptor>,
}

/// The fallback tag of a digest: `sha256-<hex>`.
pub fn fallback_tag(d: &Digest) -> String {
    format!("{}-{}", d.algorithm(), d.hex())
}

impl Client {
    /// The referrers of `digest` in `repo`, optionally only those of `artifact_type` (filtered
    /// here too: a registry may ignore the filter). Uses the referrers API, or the tag schema
    /// when the registry answers 404; no referrers at all is an empty list.
    pub fn referrers(&self, repo: &str, digest: &Digest, artifact_type: Option<&str>) -> Result<Referrers, ImageError> {
        let what = format!("referrers of {repo}@{digest}");
        let mut path = format!("/v2/{repo}/referrers/{digest}");
        if let Some(t) = artifact_type {
            path.push_str(&format!("?artifactType={}", percent_encode(t)));
        }
        let mut next = Some(path);
        let mut pages = 0;
        let mut out = Vec::new();
        while let Some(p) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(ImageError::TooMany { what: format!("pages of {what}"), limit: MAX_PAGES as u64 });
            }
            let resp = self.send("GET", &p, &pull_scope(repo), &[("Accept", OCI_INDEX)], None, ATTEMPTS)?;
            if resp.status() == 404 && pages == 1 {
                // Drain the small error body; no API here.
                let _ = read_limited(resp.into_reader(), INDEX_LIMIT, &what, |e| self.err(e.to_string()));
                return self.referrers_from_tag(repo, digest, artifact_type);
            }
            let resp = self.check(resp, &what)?;
            next = resp.header("Link").and_then(next_link);
            let body = read_limited(resp.into_reader(), INDEX_LIMIT, &what, |e| self.err(format!("{what}: {e}")))?;
            let index = parse_index(&body, &what)?;
            out.extend(index.manifests);
            if out.len() > MAX_REFERRERS {
                return Err(ImageError::TooMany { what, limit: MAX_REFERRERS as u64 });
            }
        }
        Ok(Referrers { source: ReferrersSource::Api, descriptors: filter(out, artifact_type) })
    }

    /// The referrers index kept under the `sha256-<hex>` tag (empty if there is none).
    pub fn referrers_from_tag(
        &self,
        repo: &str,
        digest: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Referrers, ImageError> {
        let tag = fallback_tag(digest);
        let what = format!("referrers index {repo}:{tag}");
        let descriptors = match self.get_manifest(repo, &tag, INDEX_LIMIT)? {
            None => Vec::new(),
            Some(f) => {
                let index = parse_index(&f.bytes, &what)?;
                if index.manifests.len() > MAX_REFERRERS {
                    return Err(ImageError::TooMany { what, limit: MAX_REFERRERS as u64 });
                }
                index.manifests
            }
        };
        Ok(Referrers { source: ReferrersSource::TagSchema, descriptors: filter(descriptors, artifact_type) })
    }

    /// Pushes a manifest that has a `subject` (by its digest) and makes it findable: when the
    /// registry does not confirm the subject with `OCI-Subject`, the `sha256-<hex>` index of
    /// the subject is updated. Returns the manifest's descriptor and where it is listed.
    pub fn put_referrer(
        &self,
        repo: &str,
        subject: &Digest,
        media_type: &str,
        artifact_type: &str,
        annotations: BTreeMap<String, String>,
        bytes: &[u8],
    ) -> Result<(ReferrerDescriptor, ReferrersSource), ImageError> {
        let digest = crate::stream::sha256(bytes);
        let what = format!("upload of manifest {repo}@{digest}");
        let resp = self.send(
            "PUT",
            &format!("/v2/{repo}/manifests/{digest}"),
            &push_scope(repo),
            &[("Content-Type", media_type)],
            Some(bytes),
            ATTEMPTS,
        )?;
        let resp = self.check(resp, &what)?;
        let confirmed = resp.header("OCI-Subject").is_some_and(|s| s.trim() == subject.to_string());
        let desc = ReferrerDescriptor {
            media_type: media_type.to_owned(),
            digest,
            size: bytes.len() as u64,
            artifact_type: artifact_type.to_owned(),
            annotations,
        };
        if confirmed {
            return Ok((desc, ReferrersSource::Api));
        }
        let tag = fallback_tag(subject);
        let iwhat = format!("referrers index {repo}:{tag}");
        let mut index = match self.get_manifest(repo, &tag, INDEX_LIMIT)? {
            Some(f) => parse_index(&f.bytes, &iwhat)?,
            None => Index { schema_version: 2, media_type: OCI_INDEX.to_owned(), manifests: Vec::new() },
        };
        if !index.manifests.iter().any(|d| d.digest == desc.digest) {
            if index.manifests.len() >= MAX_REFERRERS {
                return Err(ImageError::TooMany { what: iwhat, limit: MAX_REFERRERS as u64 });
            }
            index.manifests.push(desc.clone());
        }
        index.media_type = OCI_INDEX.to_owned();
        let bytes = serde_json::to_vec(&index).map_err(|source| ImageError::Json { what: iwhat, source })?;
        self.put_manifest(repo, &tag, OCI_INDEX, &bytes)?;
        Ok((desc, ReferrersSource::TagSchema))
    }
}

fn parse_index(bytes: &[u8], what: &str) -> Result<Index, ImageError> {
    let index: Index =
        serde_json::from_slice(bytes).map_err(|source| ImageError::Json { what: what.to_owned(), source })?;
    if !index.media_type.is_empty() && index.media_type != OCI_INDEX {
        return Err(ImageError::UnsupportedMediaType { what: what.to_owned(), media_type: index.media_type });
    }
    Ok(index)
}

fn filter(mut d: Vec<ReferrerDescriptor>, artifact_type: Option<&str>) -> Vec<ReferrerDescriptor> {
    if let Some(t) = artifact_type {
        d.retain(|x| x.artifact_type == t);
    }
    d
}

/// Query-string escaping for an artifact type (`application/vnd.x+json`).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_artifact_types_and_parses_indexes() {
        assert_eq!(percent_encode("application/vnd.a+json"), "application%2Fvnd.a%2Bjson");
        let d = format!("sha256:{}", "ab".repeat(32));
        let j = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{{"mediaType":"m","digest":"{d}","size":3,"artifactType":"t"}}]}}"#
        );
        let i = parse_index(j.as_bytes(), "x").unwrap();
        assert_eq!(filter(i.manifests.clone(), Some("t")).len(), 1);
        assert_eq!(filter(i.manifests, Some("u")).len(), 0);
        assert!(parse_index(br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}"#, "x")
            .is_err());
        assert!(parse_index(b"[]", "x").is_err());
    }
}
