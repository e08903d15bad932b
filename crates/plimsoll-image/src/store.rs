//! Where an image's files live: an OCI layout directory or an (indexed) archive file.
//!
//! Blob names are built only from validated [`Digest`]s (`blobs/<alg>/<hex>`), and names taken
//! from a docker `manifest.json` are looked up in the archive's index, never joined to a disk
//! path, so a hostile manifest cannot make us read outside the image.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use plimsoll_model::Digest;

use crate::archive::OuterArchive;
use crate::error::ImageError;
use crate::registry::RegistryStore;
use crate::stream::{read_limited, verify_bytes};

#[derive(Debug)]
pub(crate) enum Store {
    Dir(PathBuf),
    Archive(OuterArchive),
    Registry(RegistryStore),
}

impl Store {
    /// `err`, restated as truncation when this is an archive that was cut short (see
    /// [`OuterArchive::explain`]).
    pub(crate) fn explain(&self, err: ImageError) -> ImageError {
        match self {
            Store::Archive(a) => a.explain(err),
            _ => err,
        }
    }
}

pub(crate) fn blob_path(d: &Digest) -> String {
    format!("blobs/{}/{}", d.algorithm(), d.hex())
}

impl Store {
    /// The file or directory the image is read from, for error messages.
    pub fn location(&self, rel: &str) -> PathBuf {
        match self {
            Store::Dir(root) => root.join(rel),
            Store::Archive(a) => a.path().to_owned(),
            Store::Registry(r) => r.label().join(rel),
        }
    }

    fn io_err(&self, rel: &str) -> impl Fn(io::Error) -> ImageError + '_ {
        let path = self.location(rel);
        move |source| ImageError::Io { path: path.clone(), source }
    }

    /// Opens a file of the image; `None` if it does not exist.
    pub fn open(&self, rel: &str) -> Result<Option<Box<dyn Read + Send>>, ImageError> {
        self.open_sized(rel, None)
    }

    /// [`Store::open`] of a blob whose descriptor states its size (a registry download's
    /// deadline scales with it).
    pub fn open_sized(&self, rel: &str, size: Option<u64>) -> Result<Option<Box<dyn Read + Send>>, ImageError> {
        match self {
            Store::Dir(root) => {
                let path = root.join(rel);
                // Opening a FIFO (or a device) for reading blocks until a writer appears: look
                // before opening, so an `index.json` that is a FIFO is an error, not a hang.
                match std::fs::metadata(&path) {
                    Ok(m) if !m.is_file() => {
                        return Err(self.io_err(rel)(io::Error::new(
                            io::ErrorKind::InvalidInput,
                            "not a regular file (a FIFO, device or directory); refusing to read it",
                        )))
                    }
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(self.io_err(rel)(e)),
                }
                match File::open(&path) {
                    Ok(f) => Ok(Some(Box::new(f))),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(self.io_err(rel)(e)),
                }
            }
            Store::Archive(a) => a.open(rel),
            Store::Registry(r) => r.open(rel, size),
        }
    }

    pub fn exists(&self, rel: &str) -> bool {
        match self {
            Store::Dir(root) => root.join(rel).is_file(),
            Store::Archive(a) => a.contains(rel),
            Store::Registry(r) => r.exists(rel),
        }
    }

    /// Size and first bytes (at most 8) of a file.
    pub fn stat(&self, rel: &str) -> Result<Option<(u64, Vec<u8>)>, ImageError> {
        match self {
            Store::Archive(a) => Ok(a.stat(rel).map(|(s, h)| (s, h.to_vec()))),
            // Only docker archives are stat'ed.
            Store::Registry(_) => Ok(None),
            Store::Dir(root) => {
                let path = root.join(rel);
                let meta = match std::fs::metadata(&path) {
                    Ok(m) if m.is_file() => m,
                    Ok(_) => return Ok(None),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(self.io_err(rel)(e)),
                };
                let f = File::open(&path).map_err(self.io_err(rel))?;
                let head = read_limited(f.take(8), 8, rel, self.io_err(rel))?;
                Ok(Some((meta.len(), head)))
            }
        }
    }

    /// Reads a small file that has no digest to check (`index.json`, `oci-layout`,
    /// `manifest.json`). `None` if absent.
    pub fn read_file(&self, rel: &str, limit: u64) -> Result<Option<Vec<u8>>, ImageError> {
        match self.open(rel)? {
            None => Ok(None),
            Some(r) => read_limited(r, limit, rel, self.io_err(rel)).map(Some),
        }
    }

    /// Reads a JSON blob and checks it against its descriptor.
    pub fn read_blob(&self, digest: &Digest, size: Option<u64>, limit: u64, what: &str) -> Result<Vec<u8>, ImageError> {
        if let Some(s) = size {
            if s > limit {
                return Err(ImageError::TooLarge { what: what.to_owned(), limit });
            }
        }
        let rel = blob_path(digest);
        let r = self.open_sized(&rel, size)?.ok_or_else(|| ImageError::BlobMissing { digest: digest.clone() })?;
        let data = read_limited(r, limit, what, self.io_err(&rel))?;
        verify_bytes(what, &data, digest, size)?;
        Ok(data)
    }

    pub fn describe(&self) -> &Path {
        match self {
            Store::Dir(root) => root,
            Store::Archive(a) => a.path(),
            Store::Registry(r) => r.label(),
        }
    }
}
