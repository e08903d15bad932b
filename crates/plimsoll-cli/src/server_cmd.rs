//! `plimsoll server` (the fleet server), `plimsoll server token create`, and the
//! `--server URL` upload of `plimsoll image`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use plimsoll_server::store::sqlite::SqliteStore;
use plimsoll_server::{auth::Role, serve, App, Config};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ServerArgs {
    #[command(subcommand)]
    command: Option<ServerCommand>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum ServerCommand {
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a token and print it (shown once; the server stores its SHA-256).
    #[command(after_help = "\
Examples:
  plimsoll server token create --role write --name ci --data /var/lib/plimsoll
  export PLIMSOLL_SERVER_TOKEN=$(plimsoll server token create --role read --data ./fleet)")]
    Create {
        /// read (the API and page), write (uploads, workload reports), admin (re-match, tokens, audit).
        #[arg(long, value_name = "ROLE")]
        role: String,
        /// A label for the audit log.
        #[arg(long, default_value = "")]
        name: String,
        /// The server's data directory.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
    },
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: SocketAddr,
    /// Data directory: the SQLite store `plimsoll-server.db` lives here.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Advisory database; a replaced file (`db build --output`, `db update`) re-matches every
    /// stored image [default: $PLIMSOLL_DB or <cache dir>/advisories.db].
    #[arg(long, value_name = "FILE", env = "PLIMSOLL_DB")]
    db: Option<PathBuf>,
    /// Server configuration (TOML: stale_days, [notify] min_severity and webhooks).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// A file holding the bootstrap admin token (created with a new token, mode 0600, if missing).
    #[arg(long, value_name = "FILE")]
    admin_token_file: Option<PathBuf>,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

/// `plimsoll image --server URL`: upload the report after the scan.
#[derive(Debug, Args)]
pub struct UploadArgs {
    /// Upload the JSON report to this plimsoll fleet server (http(s)://host:port) after scanning.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// Bearer token with the write role for --server.
    #[arg(long, value_name = "TOKEN", env = "PLIMSOLL_SERVER_TOKEN", hide_env_values = true)]
    pub server_token: Option<String>,
}

/// Refuses `--server` without a token before the scan starts.
pub fn check_upload(args: &UploadArgs) -> Result<()> {
    if args.server.is_some() && args.server_token.as_deref().is_none_or(|t| t.trim().is_empty()) {
        bail!("--server needs a token: --server-token or PLIMSOLL_SERVER_TOKEN");
    }
    Ok(())
}

/// Uploads `report` when `--server` was given.
pub fn upload(args: &UploadArgs, report: &plimsoll_model::ScanReport) -> Result<()> {
    check_upload(args)?;
    let (Some(url), Some(token)) = (&args.server, &args.server_token) else { return Ok(()) };
    let body = serde_json::to_vec(report).context("cannot encode the report")?;
    let digest = plimsoll_server::client::upload(url, token, &body)?;
    eprintln!("uploaded {digest} to {url}");
    Ok(())
}

pub fn run_server(args: ServerArgs) -> Result<ExitCode> {
    let ServerArgs { command, run } = args;
    match command {
        Some(ServerCommand::Token(TokenCommand::Create { role, name, data })) => {
            let role: Role = role.parse().map_err(anyhow::Error::msg)?;
            let store =
                SqliteStore::open(&data).with_context(|| format!("cannot open the store in {}", data.display()))?;
            let token = plimsoll_server::create_token(&store, role, &name, None)?;
            writeln!(std::io::stdout().lock(), "{token}")?;
            Ok(ExitCode::SUCCESS)
        }
        None => serve_forever(run),
    }
}

fn serve_forever(args: RunArgs) -> Result<ExitCode> {
    let RunArgs { listen, data, db, config, admin_token_file, tls_cert, tls_key } = args;
    let Some(data) = data else { bail!("--data DIR is required (where the store lives)") };
    let config = match &config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let db = db.or_else(plimsoll::db::default_db_path);
    let store = SqliteStore::open(&data).with_context(|| format!("cannot open the store in {}", data.display()))?;
    let log: Arc<dyn Fn(&str) + Send + Sync> = Arc::new(|m: &str| eprintln!("plimsoll server: {m}"));
    let log2 = Arc::clone(&log);
    let app = Arc::new(App::new(Arc::new(store), db, config, Box::new(move |m| log2(m))));
    if let Some(file) = &admin_token_file {
        app.bootstrap_admin(file)?;
    }
    // The first load (and a re-match, when the database changed while the server was down)
    // happens before the port opens.
    app.check_advisories().context("cannot load the advisory database")?;
    let tls = match (&tls_cert, &tls_key) {
        (Some(c), Some(k)) => Some(serve::Tls::load(c, k)?),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let running = serve::start(listen, tls, app, log)?;
    // Tests and scripts read the address from this line (port 0 picks a free one).
    eprintln!("plimsoll server listening on {scheme}://{}", running.addr);
    running.wait();
    Ok(ExitCode::SUCCESS)
}
