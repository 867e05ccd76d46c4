//! What the application is told: its command line, and the environment
//! variables it reads itself (listen addresses, TLS files).
//!
//! This is the one module that reads the app's own environment. The
//! framework's variables (`SECURE_API_*`) are read by
//! [`SecurityConfig`](secure_api::SecurityConfig) only, through
//! [`security_config`].

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand};
use secure_api::{ConfigError, SecurityConfig};
use tracing_subscriber::EnvFilter;

use crate::roles;

/// The names of the environment variables this module reads.
pub(crate) mod env {
    /// Address of the HTTPS listener that serves the API.
    pub(crate) const HTTPS_ADDR: &str = "CUSTOMER_API_HTTPS_ADDR";
    /// Address of the plain HTTP listener that only redirects or refuses.
    pub(crate) const HTTP_ADDR: &str = "CUSTOMER_API_HTTP_ADDR";
    /// PEM file of the certificate chain, leaf first.
    pub(crate) const TLS_CERT: &str = "CUSTOMER_API_TLS_CERT";
    /// PEM file of the private key (PKCS#8, PKCS#1 or SEC1).
    pub(crate) const TLS_KEY: &str = "CUSTOMER_API_TLS_KEY";
    /// `tracing-subscriber` filter of the log lines other than the audit's.
    pub(crate) const RUST_LOG: &str = "RUST_LOG";
}

/// The `realm` of `WWW-Authenticate` challenges and the default audience.
const REALM: &str = "customer-api";
/// The default required `iss` claim.
const ISSUER: &str = "https://auth.customer-api.test";
/// The default HTTPS listen address.
const DEFAULT_HTTPS_ADDR: &str = "127.0.0.1:8443";
/// The default plain HTTP listen address.
const DEFAULT_HTTP_ADDR: &str = "127.0.0.1:8080";

/// The command line: no subcommand serves the API.
#[derive(Debug, Parser)]
#[command(
    version,
    about = "A customer data API secured with secure-api: HTTPS, JWT roles, rate limits."
)]
pub(crate) struct Cli {
    /// What to do instead of serving.
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print a bearer token signed with SECURE_API_JWT_SECRET (HS256), for
    /// development and tests.
    Token(TokenArgs),
    /// Manage API keys (sent by integrations in the X-API-Key header).
    #[command(name = "api-key", subcommand)]
    ApiKey(ApiKeyCommand),
}

/// `customer-api api-key ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum ApiKeyCommand {
    /// Generate a new random key: prints the key once on the first line,
    /// then the entry to add to the file named by SECURE_API_API_KEYS_FILE
    /// (only the key's SHA-256 is stored).
    New(ApiKeyArgs),
}

/// `customer-api api-key new --id ID --role ROLE [--role ROLE].. [--scope SCOPE].. [--not-after DATE]`.
#[derive(Debug, Args)]
pub(crate) struct ApiKeyArgs {
    /// The key's id, which becomes the caller's principal, e.g. `reports-bot`.
    #[arg(long, value_parser = parse_key_id)]
    pub(crate) id: String,
    /// A role the key grants; repeat for several.
    #[arg(long = "role", required = true, value_parser = PossibleValuesParser::new(roles::names()))]
    pub(crate) roles: Vec<String>,
    /// An OAuth2 scope the key grants, e.g. `reports:read`; repeat for several.
    #[arg(long = "scope", value_parser = parse_scope)]
    pub(crate) scopes: Vec<String>,
    /// When the key stops working, RFC 3339, e.g. 2027-06-30T00:00:00Z.
    #[arg(long)]
    pub(crate) not_after: Option<String>,
}

/// A key id: 1 to 128 of `A-Z a-z 0-9 - _ . : @` (what the key file takes).
///
/// # Errors
/// A message for clap naming the allowed characters.
fn parse_key_id(value: &str) -> Result<String, String> {
    secure_api::auth::api_key::check_id(value).map(|()| value.to_owned())
}

/// A scope-token (RFC 6749 §3.3), as the key file takes.
///
/// # Errors
/// A message for clap naming the allowed characters.
fn parse_scope(value: &str) -> Result<String, String> {
    secure_api::auth::api_key::check_scope(value).map(|()| value.to_owned())
}

/// `customer-api token --sub ID --role ROLE [--role ROLE].. [--ttl 15m]`.
#[derive(Debug, Args)]
pub(crate) struct TokenArgs {
    /// The token's subject (`sub` claim), e.g. `c-1001`.
    #[arg(long, value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub(crate) sub: String,
    /// A role of the `roles` claim; repeat for several.
    #[arg(long = "role", required = true, value_parser = PossibleValuesParser::new(roles::names()))]
    pub(crate) roles: Vec<String>,
    /// How long the token is valid: a number and a unit, `s`, `m`, `h` or `d`.
    #[arg(long, default_value = "15m", value_parser = parse_ttl)]
    pub(crate) ttl: Duration,
}

/// Parses a lifetime such as `90s`, `15m`, `12h` or `7d` (at least one
/// second, at most 365 days).
///
/// # Errors
/// A message for clap when the number or the unit is missing or bad.
fn parse_ttl(value: &str) -> Result<Duration, String> {
    let unit_at = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(unit_at);
    let seconds_per_unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err("expected a number and a unit s, m, h or d, e.g. 15m".into()),
    };
    let number: u64 = number
        .parse()
        .map_err(|_| "expected a whole number before the unit, e.g. 15m")?;
    match number.checked_mul(seconds_per_unit) {
        Some(secs @ 1..=31_536_000) => Ok(Duration::from_secs(secs)),
        _ => Err("must be from 1s to 365d".into()),
    }
}

/// A start-up problem. Its `Display` is one line that names the setting at
/// fault (the environment variable) and, where there is one, the file.
#[derive(Debug)]
pub(crate) struct StartError {
    /// The environment variable at fault.
    setting: &'static str,
    /// What is wrong with it.
    problem: String,
}

impl StartError {
    /// A problem with `setting`.
    pub(crate) fn new(setting: &'static str, problem: impl Into<String>) -> Self {
        Self {
            setting,
            problem: problem.into(),
        }
    }
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.setting, self.problem)
    }
}

impl std::error::Error for StartError {}

/// Where the HTTPS certificate and key come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TlsSource {
    /// Generate a self-signed development certificate at start.
    Development,
    /// PEM files named by `CUSTOMER_API_TLS_CERT` and `CUSTOMER_API_TLS_KEY`.
    Files {
        /// The certificate chain.
        cert: PathBuf,
        /// The private key.
        key: PathBuf,
    },
}

/// The application's own settings, read from the environment.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Where the API is served over HTTPS.
    pub(crate) https_addr: SocketAddr,
    /// Where plain HTTP is answered with redirects and refusals.
    pub(crate) http_addr: SocketAddr,
    /// The certificate to serve.
    pub(crate) tls: TlsSource,
}

impl Settings {
    /// Reads `CUSTOMER_API_HTTPS_ADDR`, `CUSTOMER_API_HTTP_ADDR`,
    /// `CUSTOMER_API_TLS_CERT` and `CUSTOMER_API_TLS_KEY`.
    ///
    /// # Errors
    /// A [`StartError`] naming the variable: not UTF-8, not an `IP:port`
    /// address, or only one of the two TLS files set.
    pub(crate) fn from_env() -> Result<Self, StartError> {
        let tls = match (var(env::TLS_CERT)?, var(env::TLS_KEY)?) {
            (None, None) => TlsSource::Development,
            (Some(cert), Some(key)) => TlsSource::Files {
                cert: cert.into(),
                key: key.into(),
            },
            (Some(_), None) => {
                return Err(StartError::new(
                    env::TLS_KEY,
                    format!("is not set, but {} is", env::TLS_CERT),
                ));
            }
            (None, Some(_)) => {
                return Err(StartError::new(
                    env::TLS_CERT,
                    format!("is not set, but {} is", env::TLS_KEY),
                ));
            }
        };
        Ok(Self {
            https_addr: address(env::HTTPS_ADDR, DEFAULT_HTTPS_ADDR)?,
            http_addr: address(env::HTTP_ADDR, DEFAULT_HTTP_ADDR)?,
            tls,
        })
    }
}

/// The framework's configuration: this API's realm, issuer and audience as
/// defaults, overridden by the `SECURE_API_*` variables; alerts go to the
/// [`Pager`](crate::alerts::Pager).
///
/// With `development_mode`, a missing key means a random development secret
/// instead of an error.
///
/// # Errors
/// The framework's [`ConfigError`], naming the variable at fault.
pub(crate) fn security_config(development_mode: bool) -> Result<SecurityConfig, ConfigError> {
    SecurityConfig::builder()
        .realm(REALM)
        .issuer(ISSUER)
        .audience(REALM)
        .development_mode(development_mode)
        .roles(roles::names())
        .alert_sink(crate::alerts::Pager)
        .read_env()?
        .build()
}

/// The log filter of `RUST_LOG` (`tracing-subscriber` directives), or
/// `info` when it is unset or blank.
///
/// # Errors
/// A [`StartError`] naming `RUST_LOG` when it is not valid UTF-8 or not a
/// filter.
pub(crate) fn log_filter() -> Result<EnvFilter, StartError> {
    match var(env::RUST_LOG)? {
        Some(directives) if !directives.trim().is_empty() => EnvFilter::try_new(&directives)
            .map_err(|e| StartError::new(env::RUST_LOG, format!("not a log filter: {e}"))),
        _ => Ok(EnvFilter::new("info")),
    }
}

/// Reads `name`: `None` when unset (set but empty is a value, and a bad one).
fn var(name: &'static str) -> Result<Option<String>, StartError> {
    match std::env::var(name) {
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(StartError::new(name, "is not valid UTF-8")),
    }
}

/// Reads the listen address `name`, `IP:port` (`[::1]:8443` for IPv6);
/// port 0 lets the system choose.
fn address(name: &'static str, default: &str) -> Result<SocketAddr, StartError> {
    let value = var(name)?.unwrap_or_else(|| default.to_owned());
    value.trim().parse().map_err(|_| {
        StartError::new(
            name,
            format!("`{value}` is not an IP address and port, e.g. {default}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_takes_a_number_and_a_unit() {
        assert_eq!(parse_ttl("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_ttl("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_ttl("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_ttl("7d"), Ok(Duration::from_secs(604_800)));
        for bad in [
            "",
            "15",
            "m",
            "15x",
            "-5m",
            "0s",
            "1.5h",
            "366d",
            "99999999999999999999d",
        ] {
            assert!(parse_ttl(bad).is_err(), "{bad}");
        }
    }
}
