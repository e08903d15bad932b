//! Identifiers the SBOM formats share: the document UUID, the tool's name and version, the
//! image's purl, and SPDX-safe id strings.

use plimsoll_model::{purl, Artifact, ArtifactKind, Digest, ScanReport};
use sha2::{Digest as _, Sha256};

use crate::ReportError;

/// A UUID for a document rendered from `report`, derived from a hash of the whole report.
///
/// CycloneDX wants a unique serial number per BOM and SPDX a unique namespace per document;
/// the report carries its own creation time, so two scans get different UUIDs while re-rendering
/// one report (or a scan under `SOURCE_DATE_EPOCH`) reproduces the same bytes. The bits are
/// hash output with the RFC 9562 version-4 and variant bits set: indistinguishable from a random
/// v4 UUID, which is all either spec asks for (CycloneDX's pattern does not allow v8).
/// `domain` keeps the CycloneDX and SPDX documents of one report apart.
pub(crate) fn document_uuid(report: &ScanReport, domain: &str) -> Result<String, ReportError> {
    let mut h = Sha256::new();
    h.update(b"plimsoll-report/");
    h.update(domain.as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(report)?);
    let hash = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&hash[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]))
}

/// The tool's name and version from `ScanReport::tool` (`plimsoll 0.1.0`).
pub(crate) fn tool(report: &ScanReport) -> (String, Option<String>) {
    let mut parts = report.tool.split_whitespace();
    let name = parts.next().unwrap_or("plimsoll").to_owned();
    (name, parts.next().map(str::to_owned))
}

/// The digest that identifies the scanned image: the manifest digest (what a registry and the
/// OCI purl type call the image's digest), else the image ID.
pub(crate) fn image_digest(artifact: &Artifact) -> Option<&Digest> {
    artifact.manifest_digest.as_ref().or(artifact.image_id.as_ref())
}

/// The image's purl (`pkg:oci/<name>@<digest>?arch=..&repository_url=..&tag=..`, purl-spec's
/// `oci` type), when the artifact is an image with a digest and a usable name.
pub(crate) fn image_purl(artifact: &Artifact) -> Option<String> {
    if artifact.kind != ArtifactKind::ContainerImage {
        return None;
    }
    let digest = image_digest(artifact)?.to_string();
    let reference = match artifact.repo_tags.first() {
        // `docker save` records `repo:tag`; an OCI layout's `org.opencontainers.image.ref.name`
        // is often a bare tag (`1.0`, `latest`), which names no repository.
        Some(tag) if tag.contains([':', '/']) => parse_repo_tag(tag),
        Some(tag) => Reference { tag: Some(tag.clone()), ..parse_user_reference(&artifact.name) },
        None => parse_user_reference(&artifact.name),
    };
    if reference.name.is_empty() {
        return None;
    }
    let arch = artifact.platform.as_deref().and_then(|p| p.split('/').nth(1)).unwrap_or("");
    let repository_url = reference.repository_url.as_deref().unwrap_or("");
    let tag = reference.tag.as_deref().unwrap_or("");
    Some(purl::build(
        "oci",
        None,
        &reference.name,
        Some(&digest),
        &[("arch", arch), ("repository_url", repository_url), ("tag", tag)],
    ))
}

#[derive(Debug, PartialEq, Eq)]
struct Reference {
    /// Last path segment of the repository, lowercased (the oci purl type's name).
    name: String,
    tag: Option<String>,
    repository_url: Option<String>,
}

/// A `RepoTags` entry (`alpine:3.19`, `registry:5000/team/app:1.0`). Docker Hub's implicit
/// registry and `library/` namespace are made explicit, as `docker pull` resolves them.
fn parse_repo_tag(s: &str) -> Reference {
    let s = s.split('@').next().unwrap_or(s);
    let (repo, tag) = split_tag(s);
    let name = repo.rsplit('/').next().unwrap_or(repo).to_lowercase();
    let repository_url = match repo.split_once('/') {
        Some((host, _)) if host.contains(['.', ':']) || host == "localhost" => repo.to_owned(),
        Some(_) => format!("docker.io/{repo}"),
        None => format!("docker.io/library/{repo}"),
    };
    Reference { name, tag, repository_url: (!repo.is_empty()).then_some(repository_url) }
}

/// What the user typed (`oci:DIR:tag`, `docker-archive:x.tar`, `/tmp/alpine.tar`): no registry
/// to name, so only a name (the file or directory, extensions dropped) and perhaps a tag.
fn parse_user_reference(s: &str) -> Reference {
    let s = match s.split_once(':') {
        Some(("oci" | "oci-archive" | "docker-archive" | "dir", rest)) => rest,
        _ => s,
    };
    let s = s.trim_end_matches('/');
    let (path, tag) = split_tag(s);
    let mut name = path.rsplit('/').next().unwrap_or(path);
    for ext in [".oci.tar", ".tar.gz", ".tar.zst", ".tgz", ".tar"] {
        if let Some(stripped) = name.strip_suffix(ext) {
            name = stripped;
            break;
        }
    }
    Reference { name: name.to_lowercase(), tag, repository_url: None }
}

/// Splits `repo:tag` at a colon that comes after the last `/` (so a registry port stays).
fn split_tag(s: &str) -> (&str, Option<String>) {
    let slash = s.rfind('/').map_or(0, |i| i + 1);
    match s[slash..].rfind(':') {
        Some(i) => (&s[..slash + i], Some(s[slash + i + 1..].to_owned()).filter(|t| !t.is_empty())),
        None => (s, None),
    }
}

/// Keeps `[A-Za-z0-9.-]` (what SPDX allows in `SPDXRef-` and `LicenseRef-` ids) and turns
/// anything else into `-`.
pub(crate) fn spdx_id_part(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '-' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(name: &str, tags: &[&str]) -> Artifact {
        Artifact {
            name: name.into(),
            kind: ArtifactKind::ContainerImage,
            image_id: Some(Digest::sha256_from_bytes(&[1; 32])),
            manifest_digest: Some(Digest::sha256_from_bytes(&[2; 32])),
            repo_tags: tags.iter().map(|t| t.to_string()).collect(),
            platform: Some("linux/arm64/v8".into()),
        }
    }

    #[test]
    fn purl_from_repo_tag() {
        let d = "0202020202020202020202020202020202020202020202020202020202020202";
        assert_eq!(
            image_purl(&image("alpine.tar", &["alpine:3.19"])).unwrap(),
            format!("pkg:oci/alpine@sha256:{d}?arch=arm64&repository_url=docker.io%2Flibrary%2Falpine&tag=3.19")
        );
        assert_eq!(
            parse_repo_tag("localhost:5000/Team/App:1.0"),
            Reference {
                name: "app".into(),
                tag: Some("1.0".into()),
                repository_url: Some("localhost:5000/Team/App".into())
            }
        );
        assert_eq!(parse_repo_tag("bitnami/redis").repository_url.as_deref(), Some("docker.io/bitnami/redis"));
    }

    #[test]
    fn purl_from_user_reference() {
        assert_eq!(
            parse_user_reference("oci:/tmp/layouts/MyImg:v2"),
            Reference { name: "myimg".into(), tag: Some("v2".into()), repository_url: None }
        );
        assert_eq!(parse_user_reference("/tmp/x/debian-12.tar.gz").name, "debian-12");
        // An OCI archive whose index names the image with a bare tag.
        let mut oci = image("oci-archive:/srv/images/debian-app.oci.tar", &["1"]);
        oci.platform = None;
        let d = "0202020202020202020202020202020202020202020202020202020202020202";
        assert_eq!(image_purl(&oci).unwrap(), format!("pkg:oci/debian-app@sha256:{d}?tag=1"));
        let mut fs = image("/", &[]);
        assert_eq!(image_purl(&fs), None, "no name, no purl");
        fs.kind = ArtifactKind::Filesystem;
        fs.name = "/srv/root".into();
        assert_eq!(image_purl(&fs), None, "only images get an oci purl");
    }

    #[test]
    fn id_parts_keep_only_spdx_characters() {
        assert_eq!(spdx_id_part("libstdc++6:amd64 ü"), "libstdc--6-amd64--");
        assert_eq!(spdx_id_part("a.B-9"), "a.B-9");
    }
}
