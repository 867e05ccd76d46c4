//! customer-api: a customer data API secured with secure-api.
//!
//! `cargo run --release -p customer-api` serves it with no set-up: HTTPS on
//! `127.0.0.1:8443` with a generated development certificate, plain HTTP on
//! `127.0.0.1:8080` that only redirects, and, with no JWT key configured,
//! development tokens printed for each role. `customer-api token --sub ID
//! --role ROLE` prints a token signed with `SECURE_API_JWT_SECRET`. The
//! contract it follows is `shared/customer-api.md`.

mod alerts;
mod config;
mod model;
mod routes;

use std::error::Error;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use actix_web::{App, HttpServer, web};
use clap::Parser;
use secrecy::ExposeSecret;
use secure_api::auth::api_key::NewApiKey;
use secure_api::server::{Tls, TlsFile};
use secure_api::{HttpsAuthority, Security, SecurityConfig};
use tracing_subscriber::filter::{FilterExt, filter_fn};
use tracing_subscriber::prelude::*;

use config::{
    ApiKeyArgs, ApiKeyCommand, Cli, Command, Settings, StartError, TlsSource, TokenArgs, env,
};
use model::Store;

secure_api::roles! {
    admin > editor > viewer;
    reporting;
}

/// How long in-flight requests may run on after SIGINT or SIGTERM, in
/// seconds, before the process exits anyway.
const SHUTDOWN_TIMEOUT_SECS: u64 = 5;

/// How long the development tokens printed at start are valid.
const DEV_TOKEN_TTL: Duration = Duration::from_secs(3_600);

/// Where the development certificate is written, relative to the working
/// directory, for clients to trust (`curl --cacert`).
const DEV_CERT_PATH: &str = ".customer-api/dev-cert.pem";

/// Runs the command line; on error prints one line to stderr and exits 1.
fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Some(Command::Token(args)) => print_token(&args),
        Some(Command::ApiKey(ApiKeyCommand::New(args))) => print_new_api_key(&args),
        None => serve(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("customer-api: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `customer-api token`: prints only the token, signed with the configured
/// secret (never a development one).
fn print_token(args: &TokenArgs) -> Result<(), Box<dyn Error>> {
    let roles: Vec<&str> = args.roles.iter().map(String::as_str).collect();
    let token = config::security_config(false)?.issue_token(&args.sub, &roles, args.ttl)?;
    println!("{token}");
    Ok(())
}

/// `customer-api api-key new`: prints a new key alone on the first line of
/// stdout (shown this once; only its hash is stored), then the entry for
/// the key file. Guidance goes to stderr, so `| head -1` gives the key.
fn print_new_api_key(args: &ApiKeyArgs) -> Result<(), Box<dyn Error>> {
    let key = NewApiKey::generate()?;
    let roles: Vec<&str> = args.roles.iter().map(String::as_str).collect();
    let scopes: Vec<&str> = args.scopes.iter().map(String::as_str).collect();
    let entry = key
        .toml_entry(&args.id, &roles, &scopes, args.not_after.as_deref())
        .map_err(|e| format!("--not-after: {e}"))?;
    println!("{}", key.key.expose_secret());
    println!();
    print!("{entry}");
    eprintln!(
        "customer-api: the first line is the key; it is shown only now. Give it to the caller, who sends it in X-API-Key.\n\
         customer-api: add the [[keys]] entry to the file named by {}; it is reloaded within a second, or on SIGHUP.",
        secure_api::config::env::API_KEYS_FILE
    );
    Ok(())
}

/// Reads the configuration, then serves HTTPS and plain HTTP until SIGINT
/// or SIGTERM.
fn serve() -> Result<(), Box<dyn Error>> {
    init_logging()?;
    let settings = Settings::from_env()?;
    let security = config::security_config(true)?;
    let tls = load_tls(&settings.tls)?;
    actix_web::rt::System::new().block_on(run(&settings, tls, security))
}

/// The HTTPS certificate: the operator's PEM files, or a development
/// certificate generated now and written to [`DEV_CERT_PATH`].
///
/// # Errors
/// A [`StartError`] naming `CUSTOMER_API_TLS_CERT` or `CUSTOMER_API_TLS_KEY`,
/// the file and the problem.
fn load_tls(source: &TlsSource) -> Result<Tls, StartError> {
    let tls = match source {
        TlsSource::Development => Tls::development(DEV_CERT_PATH),
        TlsSource::Files { cert, key } => Tls::from_pem_files(cert, key),
    };
    tls.map_err(|e| {
        let setting = match e.which() {
            TlsFile::Certificate => env::TLS_CERT,
            TlsFile::Key => env::TLS_KEY,
        };
        StartError::new(setting, e.to_string())
    })
}

/// JSON lines on stderr: the framework's audit line for every request
/// (flat, whatever `RUST_LOG` says), and every other event filtered by
/// `RUST_LOG` (default `info`).
///
/// # Errors
/// A [`StartError`] naming `RUST_LOG` when it is set but not a filter.
fn init_logging() -> Result<(), StartError> {
    let filter = config::log_filter()?;
    let not_audit = filter_fn(|meta| meta.target() != secure_api::audit::TARGET);
    tracing_subscriber::registry()
        .with(secure_api::audit::layer(std::io::stderr))
        .with(
            tracing_subscriber::fmt::layer()
                .json()
                .with_writer(std::io::stderr)
                .with_filter(filter.and(not_audit)),
        )
        .init();
    Ok(())
}

/// Binds both listeners, says where they are, and runs them until a stop
/// signal; both stop together, gracefully.
async fn run(settings: &Settings, tls: Tls, config: SecurityConfig) -> Result<(), Box<dyn Error>> {
    let bind_error = |setting, addr: SocketAddr| {
        move |e| StartError::new(setting, format!("cannot listen on {addr}: {e}"))
    };
    let security = Security::new(config);

    let store = web::Data::new(Store::seeded());
    let (api_store, api_security) = (store.clone(), security.clone());
    let https = HttpServer::new(move || {
        App::new()
            .app_data(api_store.clone())
            .configure(routes::configure)
            .wrap(api_security.clone())
    })
    .shutdown_timeout(SHUTDOWN_TIMEOUT_SECS)
    .disable_signals()
    .bind_rustls_0_23(settings.https_addr, tls.server_config())
    .map_err(bind_error(env::HTTPS_ADDR, settings.https_addr))?;
    let https_addr = https
        .addrs()
        .first()
        .copied()
        .unwrap_or(settings.https_addr);

    // Plain HTTP never serves the API: the framework redirects or refuses
    // every request, except what a trusted proxy received over HTTPS,
    // which is served as on the HTTPS listener.
    let plain = security.plain_http(HttpsAuthority::of(https_addr));
    let http = HttpServer::new(move || {
        App::new()
            .app_data(store.clone())
            .configure(routes::configure)
            .wrap(plain.clone())
    })
    .shutdown_timeout(SHUTDOWN_TIMEOUT_SECS)
    .disable_signals()
    .bind(settings.http_addr)
    .map_err(bind_error(env::HTTP_ADDR, settings.http_addr))?;
    let http_addr = http.addrs().first().copied().unwrap_or(settings.http_addr);

    println!("customer-api: serving the API on https://{https_addr}");
    println!(
        "customer-api: plain HTTP on http://{http_addr} (redirects to HTTPS, never serves the API)"
    );
    if let Some(cert) = tls.dev_cert() {
        println!(
            "customer-api: development certificate written to {}",
            cert.display()
        );
    }
    tracing::info!(https = %https_addr, http = %http_addr, "listening");
    if security.config().is_development_mode() {
        announce_development_mode(security.config(), tls.dev_cert(), https_addr)?;
    }

    // One stop for both listeners, each waiting for its own in-flight
    // requests. (actix-server's `shutdown_signal` would stop the whole
    // runtime as soon as the first listener is done, cutting the other's
    // requests short.)
    let (https, http) = (https.run(), http.run());
    let (https_handle, http_handle) = (https.handle(), http.handle());
    actix_web::rt::spawn(async move {
        stop_requested().await;
        tokio::join!(https_handle.stop(true), http_handle.stop(true));
    });
    tokio::try_join!(https, http)?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves at the first SIGINT or SIGTERM (Ctrl-C elsewhere). [`run`]
/// then stops both listeners gracefully: no new connections, in-flight
/// requests finish within [`SHUTDOWN_TIMEOUT_SECS`].
async fn stop_requested() {
    #[cfg(unix)]
    {
        use actix_web::rt::signal::unix::{SignalKind, signal};
        use std::task::Poll;
        let (Ok(mut interrupt), Ok(mut terminate)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            tracing::error!("cannot listen for SIGINT and SIGTERM; stop the process with SIGKILL");
            return std::future::pending().await;
        };
        std::future::poll_fn(|cx| {
            if interrupt.poll_recv(cx).is_ready() || terminate.poll_recv(cx).is_ready() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }
    #[cfg(not(unix))]
    if actix_web::rt::signal::ctrl_c().await.is_err() {
        return std::future::pending().await;
    }
    tracing::info!("stop requested; finishing in-flight requests");
}

/// Says loudly on stderr that tokens are signed with a throw-away secret,
/// and prints on stdout one token per role and `curl` lines to try them.
///
/// # Errors
/// When a token cannot be signed.
fn announce_development_mode(
    config: &SecurityConfig,
    dev_cert: Option<&Path>,
    https_addr: SocketAddr,
) -> Result<(), Box<dyn Error>> {
    tracing::warn!(
        "development mode: no JWT key configured, tokens are signed with a random secret"
    );
    let rule = "*".repeat(76);
    eprintln!(
        "\n{rule}\n\
         *  DEVELOPMENT MODE: none of {}, {} or {} is set.\n\
         *  Tokens are signed with a random secret that dies with this process.\n\
         *  NEVER RUN LIKE THIS IN PRODUCTION.\n\
         {rule}\n",
        secure_api::config::env::JWT_SECRET,
        secure_api::config::env::JWKS_FILE,
        secure_api::config::env::JWKS_URL,
    );
    let host = if https_addr.ip().is_loopback() || https_addr.ip().is_unspecified() {
        format!("localhost:{}", https_addr.port())
    } else {
        HttpsAuthority::of(https_addr).as_str().to_owned()
    };
    let cacert = dev_cert
        .map(|p| format!(" --cacert {}", p.display()))
        .unwrap_or_default();
    println!(
        "Development tokens, valid {} minutes:",
        DEV_TOKEN_TTL.as_secs() / 60
    );
    for (var, sub, role) in [
        ("ADMIN_TOKEN", "dev-admin", roles::ADMIN),
        ("EDITOR_TOKEN", "dev-editor", roles::EDITOR),
        ("VIEWER_TOKEN", "c-1001", roles::VIEWER),
    ] {
        let token = config.issue_token(sub, &[role.name()], DEV_TOKEN_TTL)?;
        println!(
            "  export {var}='{token}'   # sub {sub}, role {}",
            role.name()
        );
    }
    println!("Then:");
    println!(
        "  curl{cacert} -H \"Authorization: Bearer $VIEWER_TOKEN\" https://{host}/v1/customers/c-1001"
    );
    println!(
        "  curl{cacert} -H \"Authorization: Bearer $EDITOR_TOKEN\" https://{host}/v1/customers"
    );
    println!(
        "  curl{cacert} -H \"Authorization: Bearer $ADMIN_TOKEN\" -X DELETE https://{host}/v1/customers/c-1003"
    );
    println!();
    Ok(())
}
