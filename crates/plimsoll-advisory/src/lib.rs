//! The advisory database and vulnerability matching.
//!
//! Data flow: advisory files ([`load`]: OSV JSON/YAML via [`osv`], native feeds via [`native`])
//! become [`model::Advisory`] values whose affected versions are canonical [`range::Range`]s;
//! [`index::Database::build`] writes them into one SQLite file keyed by (ecosystem, normalised
//! package name, see [`ecosystem`]); [`query::match_packages`] looks up an inventory's packages
//! (OS packages through the [`distro`] rules) and evaluates each affected entry with the
//! ecosystem's [`version`] ordering, producing [`plimsoll_model::vuln::Vulnerability`] findings
//! whose severity comes from the source or is computed from CVSS vectors ([`cvss`]).
//! [`update`] refreshes the database from osv.dev's per-ecosystem zip exports.
//!
//! ```no_run
//! use plimsoll_advisory::{Database, match_packages};
//! # fn main() -> Result<(), plimsoll_advisory::DbError> {
//! let stats = Database::build(&["../shared/advisories".into()], "advisories.db".as_ref())?;
//! let db = Database::open("advisories.db".as_ref())?;
//! let findings = match_packages(&db, None, &[])?;
//! # let _ = (stats, findings); Ok(()) }
//! ```

pub mod coverage;
pub mod cvss;
pub mod distro;
pub mod ecosystem;
pub mod index;
pub mod load;
pub mod model;
pub mod native;
pub mod osv;
pub mod query;
pub mod range;
pub mod update;
pub mod version;

pub use coverage::coverage;
pub use index::{BuildStats, Database, DbError, DbInfo};
pub use model::{Advisory, Affected};
pub use query::{match_packages, match_packages_detailed, MatchOutput};
pub use range::{Event, Range, RangeKind};
pub use update::{staleness_warning, update, UpdateError, UpdateOptions, UpdateStats};
pub use version::{Scheme, Version, VersionError};
