//! The HTTPS listener's rustls configuration: a generated self-signed
//! development certificate, or the PEM files the operator names.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::crypto::aws_lc_rs;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::{StartError, TlsSource, env};

/// Where the development certificate is written, relative to the working
/// directory, for clients to trust (`curl --cacert`).
pub(crate) const DEV_CERT_PATH: &str = ".customer-api/dev-cert.pem";

/// The names the development certificate is valid for (its subject
/// alternative names, RFC 5280 §4.2.1.6).
const DEV_CERT_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// A server TLS configuration and, in development, the certificate file
/// clients should trust.
#[derive(Debug)]
pub(crate) struct Tls {
    /// The rustls configuration of the HTTPS listener.
    pub(crate) config: ServerConfig,
    /// The generated development certificate, when one was made.
    pub(crate) dev_cert: Option<PathBuf>,
}

/// Builds the HTTPS configuration from `source`: TLS 1.2 and 1.3 with
/// rustls' safe defaults and the aws-lc-rs provider, no client
/// certificates.
///
/// # Errors
/// A [`StartError`] naming the variable and the file: a certificate or key
/// file that cannot be read or holds no usable PEM item, a key that does
/// not fit the certificate, or a development certificate that cannot be
/// generated or written.
pub(crate) fn load(source: &TlsSource) -> Result<Tls, StartError> {
    let (chain, key, dev_cert) = match source {
        TlsSource::Development => {
            let (chain, key) = generate_dev_cert(Path::new(DEV_CERT_PATH))?;
            (chain, key, Some(PathBuf::from(DEV_CERT_PATH)))
        }
        TlsSource::Files { cert, key } => (read_chain(cert)?, read_key(key)?, None),
    };
    let config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| StartError::new(env::TLS_CERT, format!("cannot configure TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            StartError::new(
                env::TLS_KEY,
                format!("the key does not fit the certificate: {e}"),
            )
        })?;
    Ok(Tls { config, dev_cert })
}

/// Generates a self-signed certificate for [`DEV_CERT_NAMES`] and writes it
/// (not its key, which stays in memory) as PEM to `path`.
fn generate_dev_cert(
    path: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), StartError> {
    let fail = |problem: String| StartError::new(env::TLS_CERT, problem);
    let names = DEV_CERT_NAMES.map(String::from).to_vec();
    let generated = rcgen::generate_simple_self_signed(names).map_err(|e| {
        fail(format!(
            "not set, and no development certificate could be generated: {e}"
        ))
    })?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| {
            fail(format!(
                "not set, and {} cannot be created: {e}",
                dir.display()
            ))
        })?;
    }
    std::fs::write(path, generated.cert.pem()).map_err(|e| {
        fail(format!(
            "not set, and {} cannot be written: {e}",
            path.display()
        ))
    })?;
    Ok((
        vec![generated.cert.der().clone()],
        PrivateKeyDer::from(generated.signing_key),
    ))
}

/// Reads every certificate of the PEM file `path`, leaf first.
fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, StartError> {
    let fail = |e: &dyn std::fmt::Display| {
        StartError::new(
            env::TLS_CERT,
            format!("cannot read a certificate from {}: {e}", path.display()),
        )
    };
    let chain = CertificateDer::pem_file_iter(path)
        .map_err(|e| fail(&e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(&e))?;
    if chain.is_empty() {
        return Err(fail(&"no CERTIFICATE section found"));
    }
    Ok(chain)
}

/// Reads the first private key of the PEM file `path`.
fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, StartError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| {
        StartError::new(
            env::TLS_KEY,
            format!("cannot read a private key from {}: {e}", path.display()),
        )
    })
}
