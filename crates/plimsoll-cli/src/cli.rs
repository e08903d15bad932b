//! Command-line definitions. Flags follow Trivy's spelling where Trivy has one.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  plimsoll image oci-archive:app.oci.tar          scan an OCI archive
  plimsoll image --input app.tar                  scan a `docker save` archive
  plimsoll image oci:./layout:1.0 --platform linux/arm64
  plimsoll image app.tar --format cyclonedx --output sbom.cdx.json
  plimsoll fs ./rootfs                            scan a root filesystem or project directory";

#[derive(Debug, Parser)]
#[command(name = "plimsoll", version, about = "Container image security scanner: inventory, SBOM and more.", after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a container image (docker archive, OCI layout directory or archive, registry image).
    #[command(after_help = "\
Image references:
  docker-archive:PATH        a `docker save` archive (tar or tar.gz)
  oci-archive:PATH[:TAG]     an OCI image layout packed as a tar
  oci:DIR[:TAG]              an OCI image layout directory
  PATH                       any of the above, detected from its content
  HOST[:PORT]/REPO[:TAG|@DIGEST]
                             an image in a registry (also registry:REF, docker://REF)
  docker:NAME                an image of the local Docker Engine (--docker-host, DOCKER_HOST)
  podman:NAME                an image of the local Podman (its API socket)

The first scan without --db fetches the advisory database into the default path (as
`plimsoll db update`, from --db-repository) when it is missing or older than --db-max-age;
--skip-db-update or --offline-scan turn that off.

Examples:
  plimsoll image oci-archive:app.oci.tar:1
  plimsoll image --input app.tar --format json --output report.json
  plimsoll image oci:./layout --platform linux/arm64/v8
  plimsoll image app.tar --skip-db-update --severity HIGH,CRITICAL --exit-code 1
  plimsoll image app.tar --skip-dirs /usr/share/doc --skip-files '**/*.pem' --pkg-types os
  plimsoll image app.tar --list-all-pkgs --timeout 300
  plimsoll image docker:debian:12
  plimsoll image app.tar --format html --output report.html")]
    Image(ImageArgs),
    /// Scan a directory: a root filesystem or a project checkout.
    #[command(after_help = "\
Examples:
  plimsoll fs ./rootfs
  plimsoll fs . --format spdx-json --output sbom.spdx.json
  plimsoll fs . --scanners secret --exit-code 1
  plimsoll fs . --skip-dirs node_modules,vendor --pkg-types library --timeout 120
  plimsoll fs . --offline-scan --db-max-age 30")]
    Fs(FsArgs),
    /// Scan an existing SBOM (CycloneDX or SPDX JSON, ours or another tool's) for vulnerabilities.
    #[command(after_help = "\
A CycloneDX input written as CycloneDX keeps its components and bom-refs: the same document
comes back with `vulnerabilities` (VEX `analysis` for suppressed ones) and a new version.

Examples:
  plimsoll sbom sbom.cdx.json --db advisories.db
  plimsoll sbom sbom.cdx.json --format cyclonedx --vex app.vex.json --output sbom-vex.cdx.json
  plimsoll sbom sbom.spdx.json --format cyclonedx --output with-vulns.cdx.json")]
    Sbom(SbomArgs),
    /// Check configuration files: Dockerfiles, Kubernetes manifests, compose files.
    #[command(after_help = "\
Examples:
  plimsoll config Dockerfile
  plimsoll config ./deploy --severity HIGH,CRITICAL --exit-code 1
  plimsoll config . --skip-rule PL-DF-012 --format json
  plimsoll config ./deploy --scanners secret   (also look for secrets in the configuration files)")]
    Config(ConfigArgs),
    /// Generate a Cosign-compatible key pair (ECDSA P-256, passphrase-encrypted private key).
    Key(crate::sign_cmds::KeyArgs),
    /// Sign an image by digest in the registry, as Cosign does (`sha256-<hex>.sig` tag).
    Sign(crate::sign_cmds::SignArgs),
    /// Verify an image's signatures (legacy tag, OCI 1.1 referrers, tag-schema index) with a key or keyless identity.
    Verify(crate::sign_cmds::VerifyArgs),
    /// Attach an in-toto attestation (DSSE envelope, `.att` tag), e.g. an SBOM or scan result.
    Attest(crate::sign_cmds::AttestArgs),
    /// Verify an image's attestations with a public key.
    VerifyAttestation(crate::sign_cmds::VerifyAttestationArgs),
    /// Verify a Sigstore bundle over a file or digest, offline (keyless identity or --key).
    VerifyBlob(crate::verify_blob_cmd::VerifyBlobArgs),
    /// Print the digest reference of an image, for deployments that must not follow moving tags.
    Resolve(crate::sign_cmds::ResolveArgs),
    /// List what is attached to an image (signatures, attestations, SBOMs) in both Cosign layouts.
    Tree(crate::tree_cmd::TreeArgs),
    /// Scan every image of a registry (or of some repositories): each distinct digest once, with a summary.
    #[command(
        mut_arg("format", |a| a.help("Output format: table (a summary row per image) or json (an array, one object per image)")),
        after_help = "\
Every tag is resolved to its digest first; tags sharing a digest are scanned once and share a row.
Cosign signature, attestation and SBOM tags (sha256-<hex>.sig/.att/.sbom) are skipped.

Exit codes:
  0     every image scanned, and no finding passed the severity filter (or no --exit-code)
  CODE  --exit-code CODE: some image has a finding of the selected severities
  2     some image could not be listed, resolved or scanned (see --error-exit-code), or a hard error

Examples:
  plimsoll registry registry.example.com:5000 --username ci
  plimsoll registry registry.example.com/team/app --severity HIGH,CRITICAL --exit-code 1
  plimsoll registry localhost:5000 --repo team/app --repo team/db --parallel 4 -f json -o scan.json
  plimsoll registry ghcr.io/org/app --db advisories.db -f json --counts-only --error-exit-code 0"
    )]
    Registry(crate::registry_cmd::RegistryScanArgs),
    /// Audit a live Docker Engine: daemon and container settings (CIS Docker Benchmark 2 and 5),
    /// Engine/containerd/runc versions against the advisories, optionally the containers' images.
    #[command(after_help = "\
Every container is audited, running or stopped. The runtime versions come from the engine's
/version: a runc, containerd or Docker installed by the host's distribution package (its dpkg
status says so) is judged by the distribution's advisories, any other build by the Go
vulnerability database.

Examples:
  plimsoll docker
  plimsoll docker --docker-host unix:///run/user/1000/docker.sock --format sarif -o docker.sarif
  plimsoll docker --daemon-config /etc/docker/daemon.json --severity HIGH,CRITICAL --exit-code 1
  plimsoll docker --scan-images --db advisories.db --format json -o fleet.json")]
    Docker(crate::docker_cmd::DockerArgs),
    /// Kubernetes admission: decide workloads against an AdmissionPolicy (`check` for manifests).
    Admission(crate::admission_cmd::AdmissionArgs),
    /// Check a node's Docker and Kubernetes files (daemon.json, static pods, kubelet, file modes) against the CIS benchmarks.
    #[command(after_help = crate::host_cmd::AFTER_HELP)]
    Host(crate::host_cmd::HostArgs),
    /// Audit a live Kubernetes cluster through its API: workloads (Pod Security Standards), RBAC,
    /// NetworkPolicy coverage, Secrets in env, image digests, node versions against advisories.
    #[command(after_help = "\
Reads every namespace's Pods, Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs,
Roles, RoleBindings and NetworkPolicies, and the cluster's Namespaces, Nodes, ClusterRoles and
ClusterRoleBindings (read-only `list` calls, paginated). Pods and ReplicaSets owned by a listed
controller are reported once, at the controller. The table output starts with a summary per
namespace. Credentials come from the kubeconfig (client certificates, bearer tokens, token files,
exec plugins); `insecure-skip-tls-verify` is warned about.

Exit codes:
  0     no finding passed the severity filter (or no --exit-code)
  CODE  --exit-code CODE: some finding remains
  3     --exit-code given, no finding, but the audit is incomplete: some resource type answered
        403 (see --allow-forbidden), the advisory database could not check the node versions, or
        (--scan-images) an image could not be pulled or its packages checked
  2     the cluster could not be reached or read (401, TLS, timeout, oversized answer)

Examples:
  plimsoll k8s
  plimsoll k8s --context prod --namespace shop --severity HIGH,CRITICAL --exit-code 1
  plimsoll k8s --kubeconfig ci.kubeconfig --format sarif --output cluster.sarif
  plimsoll k8s --allow-forbidden --format json | jq '.misconfigurations[].resource'
  plimsoll k8s --scan-images --ca-file registry-ca.pem --format json | jq '.images[] | {reference, workloads}'")]
    K8s(crate::k8s_cmd::K8sArgs),
    /// The fleet server: stores uploaded scans per layer, re-matches them when the advisory
    /// database changes, serves a JSON API and a web page (`token create` for API tokens).
    #[command(after_help = "\
Examples:
  plimsoll server --listen 127.0.0.1:8080 --data ./fleet --db advisories.db --admin-token-file ./fleet/admin.token
  plimsoll server token create --role write --name ci --data ./fleet
  plimsoll image registry.example.com/team/app:1.4 --server http://127.0.0.1:8080 --server-token $TOKEN")]
    Server(crate::server_cmd::ServerArgs),
    /// Build or inspect the local advisory database.
    #[command(subcommand)]
    Db(DbCommand),
    /// Print the documentation of a rule (misconfiguration code or secret rule id).
    #[command(after_help = "\
Examples:
  plimsoll rule PL-DF-001
  plimsoll rule --list")]
    Rule(RuleArgs),
}

#[derive(Debug, Args)]
pub struct SbomArgs {
    /// The SBOM file.
    #[arg(value_name = "FILE")]
    pub path: PathBuf,
    /// Give up when the whole scan takes longer than SECONDS (exit code 2).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// A configuration file or a directory to search for them.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// Give up when the whole scan takes longer than SECONDS (exit code 2).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Build a database from OSV files and native advisory formats (directories are searched).
    #[command(after_help = "\
Examples:
  plimsoll db build --from ./osv-dumps --from ./alpine-secdb
  plimsoll db build --from demo/advisories --output advisories.db
  plimsoll db build --from ./osv-dumps --format json   (the build summary as JSON, for machines)")]
    Build {
        /// Advisory files or directories (OSV JSON/YAML, Alpine secdb, Debian DSA/DLA lists, RubySec, FriendsOfPHP).
        #[arg(long, required = true, value_name = "PATH")]
        from: Vec<PathBuf>,
        /// How to print the build summary: table (for people) or json.
        #[arg(short, long, default_value = "table", value_name = "FORMAT")]
        format: String,
        /// Where to write the database [default: the default database path].
        #[arg(long, short, value_name = "FILE", env = "PLIMSOLL_DB")]
        output: Option<PathBuf>,
    },
    /// Download osv.dev's per-ecosystem OSV exports and rebuild the database from them.
    #[command(after_help = "\
Examples:
  plimsoll db update
  plimsoll db update --ecosystem PyPI,Debian
  plimsoll db update --base-url file:///srv/osv-mirror   (air-gapped: <mirror>/<Ecosystem>/all.zip)")]
    Update {
        /// Archives are fetched from {URL}/{ecosystem}/all.zip; https:// or file:///DIR.
        #[arg(long, value_name = "URL", env = "PLIMSOLL_DB_URL", default_value = plimsoll::db::DEFAULT_BASE_URL)]
        base_url: String,
        /// osv.dev ecosystem names, comma-separated [default: every ecosystem plimsoll matches].
        #[arg(long = "ecosystem", value_delimiter = ',', value_name = "LIST")]
        ecosystems: Vec<String>,
        /// Accept any TLS certificate and allow a plain http:// base URL.
        #[arg(long)]
        insecure: bool,
        /// Extra CA certificate(s) (PEM) to trust besides the system roots, e.g. for a mirror behind a private CA.
        #[arg(long = "ca-file", value_name = "PEM")]
        ca_files: Vec<PathBuf>,
        /// Largest archive accepted per ecosystem, in MiB.
        #[arg(long, default_value_t = 2048, value_name = "MIB")]
        max_zip_mib: u64,
        /// Where to write the database [default: the default database path].
        #[arg(long, short, value_name = "FILE", env = "PLIMSOLL_DB")]
        output: Option<PathBuf>,
    },
    /// Show what a database holds: when it was built, from which sources, how many advisories.
    Info {
        #[arg(long, value_name = "FILE", env = "PLIMSOLL_DB")]
        db: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// The rule code or id.
    #[arg(value_name = "CODE", required_unless_present = "list")]
    pub code: Option<String>,
    /// List every rule.
    #[arg(long)]
    pub list: bool,
}

#[derive(Debug, Args)]
pub struct ImageArgs {
    /// Image reference (see below). Alternatively use --input.
    #[arg(value_name = "IMAGE", required_unless_present = "input", conflicts_with = "input")]
    pub image: Option<String>,
    /// Path to an image archive or layout, as `trivy image --input`.
    #[arg(long, value_name = "PATH")]
    pub input: Option<PathBuf>,
    /// Platform to pick from a multi-platform image: os/arch[/variant] [default: linux/amd64].
    /// Given explicitly, a single-platform image of another platform is an error.
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// Engine API socket for docker:NAME and podman:NAME (unix:///path)
    /// [default: unix:///var/run/docker.sock; Podman's socket for podman:].
    #[arg(long, env = "DOCKER_HOST", value_name = "URL")]
    pub docker_host: Option<String>,
    #[command(flatten)]
    pub registry: crate::sign_cmds::RegistryArgs,
    #[command(flatten)]
    pub upload: crate::server_cmd::UploadArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct FsArgs {
    /// Directory to scan.
    #[arg(value_name = "DIR")]
    pub path: PathBuf,
    /// Give up when the whole scan takes longer than SECONDS (exit code 2).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Output format: table, json, cyclonedx (CycloneDX 1.6 JSON), spdx-json (SPDX 2.3 JSON),
    /// sarif (SARIF 2.1.0), junit (JUnit XML), html (one self-contained page with the per-layer
    /// chart and sortable tables).
    #[arg(short, long, default_value = "table", value_name = "FORMAT")]
    pub format: String,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Directory of the per-layer cache [default: $XDG_CACHE_HOME/plimsoll or ~/.cache/plimsoll].
    #[arg(long, value_name = "DIR", env = "PLIMSOLL_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Do not read or write the per-layer cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Hide the progress bar.
    #[arg(short, long)]
    pub quiet: bool,
    /// Scanners to run, comma-separated: vuln, secret, misconfig (package inventory always runs)
    /// [default: all; without --db a missing or stale database is fetched first, see
    /// --skip-db-update; with none, vuln is skipped and the report says so].
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub scanners: Option<Vec<String>>,
    /// Advisory database for the vuln scanner [default: $PLIMSOLL_DB or <cache dir>/advisories.db].
    #[arg(long, value_name = "FILE", env = "PLIMSOLL_DB")]
    pub db: Option<PathBuf>,
    /// Do not fetch the advisory database, even when it is missing or older than --db-max-age
    /// (by default a scan without --db runs `plimsoll db update` into the default path first).
    #[arg(long, env = "PLIMSOLL_SKIP_DB_UPDATE", value_parser = clap::builder::BoolishValueParser::new())]
    pub skip_db_update: bool,
    /// Use no network for anything optional: no database fetch (as --skip-db-update).
    #[arg(long, env = "PLIMSOLL_OFFLINE_SCAN", value_parser = clap::builder::BoolishValueParser::new())]
    pub offline_scan: bool,
    /// Where a scan fetches a missing or stale database from: `{URL}/{ecosystem}/all.zip`, as
    /// `plimsoll db update --base-url` (https://, file:///DIR; http:// with `image --insecure`).
    #[arg(long, value_name = "URL", env = "PLIMSOLL_DB_URL", default_value = plimsoll::db::DEFAULT_BASE_URL)]
    pub db_repository: String,
    /// Do not report vulnerabilities that have no fix yet.
    #[arg(long)]
    pub ignore_unfixed: bool,
    /// Ignore file (YAML: id, package, paths, expires, reason; a file named .trivyignore is read
    /// in Trivy's format: one id per line, optional exp:YYYY-MM-DD)
    /// [default: .plimsollignore, else .trivyignore, when present].
    #[arg(long, value_name = "FILE")]
    pub ignorefile: Option<PathBuf>,
    /// OpenVEX document; `not_affected` and `fixed` statements suppress findings (repeatable).
    #[arg(long, value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    /// An advisory database built more than this many days ago is stale: a warning, and with
    /// --exit-code the gate fails with exit code 3 unless --allow-stale-db.
    #[arg(long, default_value_t = 7, value_name = "DAYS", env = "PLIMSOLL_DB_MAX_AGE")]
    pub db_max_age: u64,
    /// With --exit-code, do not fail (exit code 3) when the vulnerability scan was skipped (no
    /// database) or the database has no advisory for an OS release or ecosystem of the target;
    /// the report still says what was not checked.
    #[arg(long)]
    pub allow_uncovered: bool,
    /// With --exit-code, do not fail (exit code 3) when the advisory database is older than
    /// --db-max-age; the report still says so.
    #[arg(long)]
    pub allow_stale_db: bool,
    /// With --exit-code, do not fail (exit code 3) when a file a scanner was asked to check was
    /// skipped, whole or in part, at a limit (size, nesting, package count); the report still
    /// lists each as an error.
    #[arg(long)]
    pub allow_skipped_files: bool,
    /// Severities to report, comma-separated (UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL).
    #[arg(short, long, value_delimiter = ',', default_value = "UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL", value_name = "LIST")]
    pub severity: Vec<String>,
    /// Exit with this code when any finding of the selected severities is reported; with no
    /// finding, exit 3 when the vulnerability scan could not check everything (no or stale
    /// database, uncovered OS release or ecosystem; see --allow-uncovered, --allow-stale-db).
    #[arg(long, default_value_t = 0, value_name = "CODE")]
    pub exit_code: u8,
    /// Also report secrets in files installed by OS packages.
    #[arg(long)]
    pub include_os_files: bool,
    /// Show secrets in full instead of masked (never cached on disk).
    #[arg(long)]
    pub reveal_secrets: bool,
    /// Secret scanning configuration (TOML: extra rules, disabled rules, allowlists).
    #[arg(long, value_name = "FILE")]
    pub secret_config: Option<PathBuf>,
    /// Do not read files below directories matching these globs (comma-separated or repeated;
    /// relative to the image root or the scanned directory; `**` spans directories). Each skip
    /// is listed in the report's diagnostics.
    #[arg(long, value_delimiter = ',', value_name = "GLOB")]
    pub skip_dirs: Vec<String>,
    /// Do not read files matching these globs (comma-separated or repeated; as --skip-dirs).
    #[arg(long, value_delimiter = ',', value_name = "GLOB")]
    pub skip_files: Vec<String>,
    /// Package types to report and match, comma-separated: os, library [default: both].
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub pkg_types: Vec<String>,
    /// The table lists every package (by layer) after the findings, not only their count
    /// (JSON, SARIF and the SBOM formats always carry every package).
    #[arg(long)]
    pub list_all_pkgs: bool,
    /// Skip a misconfiguration rule (repeatable).
    #[arg(long, value_name = "CODE")]
    pub skip_rule: Vec<String>,
    /// Rule settings file (TOML): `[misconfig] disabled = ["PL-DF-001"]`, `pss_version = "v1.30"`
    /// [default: .plimsoll.toml in the current directory, when present].
    #[arg(long, value_name = "FILE")]
    pub rules_config: Option<PathBuf>,
}
