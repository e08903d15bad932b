//! Image references: `docker-archive:PATH`, `oci-archive:PATH[:TAG]`, `oci:DIR[:TAG]`, a registry
//! image (`registry:NAME`, `docker://NAME`, or a bare `host[:port]/repo[:tag|@digest]`), or a
//! bare path whose format is sniffed; or an image in a local engine (`docker:NAME`,
//! `docker-daemon:NAME`, `podman:NAME`).

use std::cell::Cell;
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::archive::{sniff, Compression};
use crate::engine::EngineKind;
use crate::error::ImageError;
use crate::registry::RegistryRef;
use crate::walk::Budgeted;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageRef {
    /// A `docker save` archive (tar, possibly gzip- or zstd-compressed).
    DockerArchive { path: PathBuf },
    /// An OCI image layout in a tar file.
    OciArchive { path: PathBuf, tag: Option<String> },
    /// An OCI image layout directory.
    OciDir { path: PathBuf, tag: Option<String> },
    /// An image in an OCI distribution registry.
    Registry(RegistryRef),
    /// An image in a local Docker Engine or Podman, by name, `name:tag`, `name@digest` or id.
    Engine { engine: EngineKind, name: String },
}

impl ImageRef {
    /// Parses a reference. With a transport prefix nothing is read from disk (beyond telling a
    /// tag from a colon in the path); a bare path is opened and sniffed.
    ///
    /// `oci:DIR:TAG`: the tag follows the *last* colon, and only when what follows has no `/`
    /// (so `oci:/data/a:b/c` is a directory). If the whole string names an existing path and the
    /// part before the colon does not, the whole string is the path.
    pub fn parse(s: &str) -> Result<ImageRef, ImageError> {
        let invalid =
            |reason: &str| ImageError::InvalidReference { reference: s.to_owned(), reason: reason.to_owned() };
        if let Some(rest) = s.strip_prefix("docker-archive:") {
            if rest.is_empty() {
                return Err(invalid("no path after `docker-archive:`"));
            }
            return Ok(ImageRef::DockerArchive { path: PathBuf::from(rest) });
        }
        if let Some(rest) = s.strip_prefix("oci-archive:") {
            let (path, tag) = split_tag(rest).ok_or_else(|| invalid("expected oci-archive:PATH[:TAG]"))?;
            return Ok(ImageRef::OciArchive { path, tag });
        }
        if let Some(rest) = s.strip_prefix("oci:") {
            let (path, tag) = split_tag(rest).ok_or_else(|| invalid("expected oci:DIR[:TAG]"))?;
            return Ok(ImageRef::OciDir { path, tag });
        }
        for scheme in ["registry:", "docker://"] {
            if let Some(rest) = s.strip_prefix(scheme) {
                return RegistryRef::parse(rest).map(ImageRef::Registry).map_err(|reason| invalid(&reason));
            }
        }
        // `docker:` (Trivy's spelling is the bare name, skopeo's `docker-daemon:`); `docker://` is
        // a registry and was handled above.
        for (scheme, engine) in
            [("docker:", EngineKind::Docker), ("docker-daemon:", EngineKind::Docker), ("podman:", EngineKind::Podman)]
        {
            if let Some(name) = s.strip_prefix(scheme) {
                if crate::engine::export_path(name).is_none() {
                    return Err(invalid("expected an image name, name:tag, name@digest or image id after the engine"));
                }
                return Ok(ImageRef::Engine { engine, name: name.to_owned() });
            }
        }
        if s.starts_with("containers-storage:") {
            return Err(invalid(
                "containers-storage is not read directly: use podman:IMAGE (Podman's API socket), or `podman save \
                 IMAGE -o image.tar` and scan docker-archive:image.tar",
            ));
        }
        if s.is_empty() {
            return Err(invalid("empty reference"));
        }
        let path = Path::new(s);
        // A name that is not on disk and does not look like a file name is a registry image.
        if !path.exists() && !looks_like_path(s) {
            return RegistryRef::parse(s).map(ImageRef::Registry).map_err(|reason| {
                invalid(&format!("no such file or directory, and not a registry image name either: {reason}"))
            });
        }
        sniff_path(path).map_err(|e| match e {
            ImageError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => invalid(
                "no such file or directory (for a registry image write registry:NAME or HOST/REPO:TAG; for a local \
                 engine's image run `docker save IMAGE -o image.tar` and scan docker-archive:image.tar)",
            ),
            other => other,
        })
    }

    /// The file or directory of a local image; for a registry image, its repository.
    pub fn path(&self) -> &Path {
        match self {
            ImageRef::DockerArchive { path } | ImageRef::OciArchive { path, .. } | ImageRef::OciDir { path, .. } => {
                path
            }
            ImageRef::Registry(r) => Path::new(r.repository.as_str()),
            ImageRef::Engine { name, .. } => Path::new(name.as_str()),
        }
    }
}

/// Names written as file paths: absolute or relative with `./`, or ending like an archive.
fn looks_like_path(s: &str) -> bool {
    const EXTS: [&str; 8] = [".tar", ".tgz", ".tar.gz", ".tar.zst", ".tar.zstd", ".oci", ".tar.xz", ".zip"];
    s.starts_with(['/', '.', '~']) || s.contains('\\') || EXTS.iter().any(|e| s.to_ascii_lowercase().ends_with(e))
}

fn split_tag(rest: &str) -> Option<(PathBuf, Option<String>)> {
    if rest.is_empty() {
        return None;
    }
    if let Some((path, tag)) = rest.rsplit_once(':') {
        if !tag.contains('/') && !path.is_empty() {
            // `oci:/dir/with:colon` that exists as a whole beats a tag `colon` on a missing `/dir/with`.
            if Path::new(rest).exists() && !Path::new(path).exists() {
                return Some((PathBuf::from(rest), None));
            }
            if tag.is_empty() {
                return None;
            }
            return Some((PathBuf::from(path), Some(tag.to_owned())));
        }
    }
    Some((PathBuf::from(rest), None))
}

/// Decides what a bare path is by looking at it.
fn sniff_path(path: &Path) -> Result<ImageRef, ImageError> {
    let meta = std::fs::metadata(path).map_err(|source| ImageError::Io { path: path.to_owned(), source })?;
    if meta.is_dir() {
        if path.join("oci-layout").exists() || path.join("index.json").exists() {
            return Ok(ImageRef::OciDir { path: path.to_owned(), tag: None });
        }
        return Err(ImageError::UnknownFormat {
            path: path.to_owned(),
            reason: "a directory without oci-layout or index.json (to scan a root filesystem, scan it as a directory)"
                .into(),
        });
    }
    let io_err = |source| ImageError::Io { path: path.to_owned(), source };
    let mut file = File::open(path).map_err(io_err)?;
    let mut head = [0u8; 8];
    let n = file.read(&mut head).map_err(io_err)?;
    let file = File::open(path).map_err(io_err)?;
    let unknown = |reason: String| ImageError::UnknownFormat { path: path.to_owned(), reason };
    let names = match sniff(&head[..n]) {
        Compression::None => top_names(BufReader::new(file)),
        Compression::Gzip => top_names(flate2::bufread::MultiGzDecoder::new(BufReader::new(file))),
        Compression::Zstd => match zstd::stream::read::Decoder::with_buffer(BufReader::new(file)) {
            Ok(d) => top_names(d),
            Err(e) => Err(e.to_string()),
        },
        Compression::Other(kind) => return Err(unknown(format!("{kind}-compressed files are not supported"))),
    }
    .map_err(|e| unknown(format!("not a tar archive ({e})")))?;
    if names.manifest_json {
        Ok(ImageRef::DockerArchive { path: path.to_owned() })
    } else if names.oci {
        Ok(ImageRef::OciArchive { path: path.to_owned(), tag: None })
    } else {
        Err(unknown("a tar archive without manifest.json, index.json or oci-layout".into()))
    }
}

#[derive(Default)]
struct TopNames {
    manifest_json: bool,
    oci: bool,
}

/// Scans entry names, stopping at `manifest.json` (docker archives may also hold an OCI index,
/// and are read as docker archives then). Bounded by the archive's own length.
fn top_names(r: impl Read) -> Result<TopNames, String> {
    // Long-name and PAX records are buffered whole by the tar crate: bound them.
    const META: u64 = 1 << 20;
    let budget = Rc::new(Cell::new(META));
    let mut archive = tar::Archive::new(Budgeted { inner: r, budget: budget.clone(), limit: META });
    let mut out = TopNames::default();
    let entries = archive.entries().map_err(|e| e.to_string())?;
    for (i, entry) in entries.enumerate() {
        let entry = entry.map_err(|e| e.to_string())?;
        budget.set(entry.size().saturating_add(511) / 512 * 512 + META);
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        match name.trim_start_matches("./").trim_start_matches('/') {
            "manifest.json" => {
                out.manifest_json = true;
                break;
            }
            "index.json" | "oci-layout" => out.oci = true,
            _ => {}
        }
        if i > 1_000_000 {
            return Err("too many entries".into());
        }
    }
    Ok(out)
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageRef::DockerArchive { path } => write!(f, "docker-archive:{}", path.display()),
            ImageRef::OciArchive { path, tag } => {
                write!(f, "oci-archive:{}", path.display())?;
                tag.as_ref().map_or(Ok(()), |t| write!(f, ":{t}"))
            }
            ImageRef::OciDir { path, tag } => {
                write!(f, "oci:{}", path.display())?;
                tag.as_ref().map_or(Ok(()), |t| write!(f, ":{t}"))
            }
            ImageRef::Registry(r) => write!(f, "{r}"),
            ImageRef::Engine { engine, name } => write!(f, "{}:{name}", engine.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_tags() {
        assert_eq!(
            ImageRef::parse("oci:/no/such/dir:v1").unwrap(),
            ImageRef::OciDir { path: "/no/such/dir".into(), tag: Some("v1".into()) }
        );
        assert_eq!(
            ImageRef::parse("oci:/no/such/with:colon/inside").unwrap(),
            ImageRef::OciDir { path: "/no/such/with:colon/inside".into(), tag: None }
        );
        assert_eq!(
            ImageRef::parse("oci-archive:img.tar").unwrap(),
            ImageRef::OciArchive { path: "img.tar".into(), tag: None }
        );
        assert_eq!(
            ImageRef::parse("docker-archive:a:b.tar").unwrap(),
            ImageRef::DockerArchive { path: "a:b.tar".into() }
        );
        assert!(ImageRef::parse("oci:").is_err());
        assert!(ImageRef::parse("oci:dir:").is_err());
        let e = ImageRef::parse("/definitely/not/here.tar").unwrap_err();
        assert!(e.to_string().contains("docker save"), "{e}");
        assert!(ImageRef::parse("missing-image.tar.gz").is_err());
        assert_eq!(
            ImageRef::parse("docker-daemon:alpine").unwrap(),
            ImageRef::Engine { engine: EngineKind::Docker, name: "alpine".into() }
        );
        assert_eq!(ImageRef::parse("podman:quay.io/app:1").unwrap().to_string(), "podman:quay.io/app:1");
        assert_eq!(ImageRef::parse("docker:debian-app:1").unwrap().to_string(), "docker:debian-app:1");
        assert!(ImageRef::parse("docker:").is_err());
        assert!(ImageRef::parse("docker:a b").is_err());
        assert!(ImageRef::parse("containers-storage:x").is_err());
    }

    #[test]
    fn registry_references() {
        let hub = ImageRef::parse("docker://alpine:3.19").unwrap();
        let ImageRef::Registry(r) = &hub else { panic!("{hub:?}") };
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("docker.io", "library/alpine", Some("3.19"))
        );
        assert_eq!(hub.to_string(), "docker.io/library/alpine:3.19");
        assert_eq!(
            ImageRef::parse("registry:127.0.0.1:5000/app:v1").unwrap(),
            ImageRef::parse("127.0.0.1:5000/app:v1").unwrap()
        );
        let ImageRef::Registry(r) = ImageRef::parse("ghcr.io/org/app").unwrap() else { panic!() };
        assert_eq!((r.registry.as_str(), r.tag.as_deref()), ("ghcr.io", None));
        assert!(ImageRef::parse("registry:Bad/Name").unwrap_err().to_string().contains("repository name"));
        assert!(ImageRef::parse("No Such Thing").is_err());
    }

    #[test]
    fn whole_path_with_colon_wins_when_it_exists() {
        let dir = tempfile::tempdir().unwrap();
        let odd = dir.path().join("img:v2");
        std::fs::create_dir(&odd).unwrap();
        let r = ImageRef::parse(&format!("oci:{}", odd.display())).unwrap();
        assert_eq!(r, ImageRef::OciDir { path: odd.clone(), tag: None });
        assert_eq!(r.to_string(), format!("oci:{}", odd.display()));
    }

    #[test]
    fn display_round_trips() {
        for s in ["docker-archive:/x/y.tar", "oci-archive:/x/y.tar:1", "oci:/x/dir:latest", "oci:/x/dir"] {
            assert_eq!(ImageRef::parse(s).unwrap().to_string(), s);
        }
    }
}
