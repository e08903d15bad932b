//! The admission door of plimsoll: Kubernetes deploys only images that clear the policy.
//!
//! - [`policy`]: the `AdmissionPolicy` file (`plimsoll.dev/v1alpha1`), parsed strictly (an
//!   unknown key is an error, so a misspelt rule never silently allows), keys loaded up front.
//! - [`decide`]: the decision over one workload object (Pod, or the pod template of a
//!   Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, ReplicationController) and
//!   over an `admission.k8s.io/v1` AdmissionReview body, answering the review the API server
//!   expects (with a JSONPatch pinning verified images to their digest for the mutating hook).
//!
//! - [`serve`]: the HTTPS webhook server (`/validate`, `/mutate`, `/healthz`, `/readyz`).
//! - [`certs`]: a CA and serving certificate for clusters without cert-manager.
//! - [`manifest`]: objects of manifest files on disk, for `plimsoll admission check`.
//!
//! Every check goes through the facade (`plimsoll::admission`): the Pod Security Standards
//! verdict is the one `plimsoll config` gives, and signatures are the Cosign signatures
//! `plimsoll sign` writes. Registry failures fail closed: the image is denied, naming the
//! registry and the error.

pub mod certs;
pub mod decide;
pub mod manifest;
pub mod metrics;
pub mod policy;
pub mod serve;

pub use decide::{Admission, Decision, Denial, ReviewError, ReviewRequest};
pub use policy::{AdmissionPolicy, Mode, PolicyError};
