//! Serving over HTTPS: the rustls configuration of an actix-web listener,
//! from PEM files, or from a development certificate generated at start.
//!
//! Needs the `tls` cargo feature (on by default); turn it off
//! (`default-features = false`) when TLS ends at a proxy in front of the
//! app, and list that proxy in `SECURE_API_TRUSTED_PROXIES` so that its
//! `X-Forwarded-Proto: https` counts.
//!
//! ```no_run
//! use actix_web::{App, HttpServer};
//! use secure_api::server::Tls;
//! use secure_api::{HttpsAuthority, Security, SecurityConfig};
//!
//! #[actix_web::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let security = Security::new(SecurityConfig::from_env()?);
//!     // A generated certificate for localhost, written where clients can trust it.
//!     let tls = Tls::development(".my-api/dev-cert.pem")?;
//!     let api = security.clone();
//!     let https = HttpServer::new(move || App::new().wrap(api.clone()))
//!         .bind_rustls_0_23(("127.0.0.1", 8443), tls.server_config())?;
//!     // Plain HTTP only redirects (or refuses) to the HTTPS listener.
//!     let plain = security.plain_http(HttpsAuthority::parse("localhost:8443")?);
//!     let http = HttpServer::new(move || App::new().wrap(plain.clone()))
//!         .bind(("127.0.0.1", 8080))?;
//!     futures_util::future::try_join(https.run(), http.run()).await?;
//!     Ok(())
//! }
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::crypto::aws_lc_rs;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The names a development certificate is valid for (its subject
/// alternative names, RFC 5280 §4.2.1.6).
pub const DEV_CERT_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The TLS configuration of an HTTPS listener: TLS 1.2 and 1.3 with
/// rustls' safe defaults and the aws-lc-rs provider, no client
/// certificates; ALPN is set by actix-web (`http/1.1`).
#[derive(Debug, Clone)]
pub struct Tls {
    config: ServerConfig,
    dev_cert: Option<PathBuf>,
}

impl Tls {
    /// The certificate chain of the PEM file `cert` (leaf first) and the
    /// private key of the PEM file `key` (PKCS#8, PKCS#1 or SEC1).
    ///
    /// # Errors
    /// A [`TlsError`] naming the file and the problem: it cannot be read,
    /// holds no certificate or no private key, or the key does not fit the
    /// certificate.
    pub fn from_pem_files(cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<Self, TlsError> {
        let (cert, key) = (cert.as_ref(), key.as_ref());
        let chain = read_chain(cert)?;
        let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| {
            TlsError::new(TlsFile::Key, key, format!("cannot read a private key: {e}"))
        })?;
        Ok(Self {
            config: server_config(chain, key_der, key)?,
            dev_cert: None,
        })
    }

    /// A self-signed certificate for [`DEV_CERT_NAMES`], generated now,
    /// written as PEM to `cert_out` (its directory is created) for clients
    /// to trust (`curl --cacert`). The private key stays in memory. For
    /// development only: browsers and clients do not trust it by default.
    ///
    /// # Errors
    /// A [`TlsError`] naming `cert_out` when the certificate cannot be
    /// generated or written.
    pub fn development(cert_out: impl AsRef<Path>) -> Result<Self, TlsError> {
        let path = cert_out.as_ref();
        let fail = |problem: String| TlsError::new(TlsFile::Certificate, path, problem);
        let names = DEV_CERT_NAMES.map(String::from).to_vec();
        let generated = rcgen::generate_simple_self_signed(names)
            .map_err(|e| fail(format!("cannot generate a development certificate: {e}")))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
        }
        std::fs::write(path, generated.cert.pem())
            .map_err(|e| fail(format!("cannot be written: {e}")))?;
        let chain = vec![generated.cert.der().clone()];
        let key = PrivateKeyDer::from(generated.signing_key);
        Ok(Self {
            config: server_config(chain, key, path)?,
            dev_cert: Some(path.to_path_buf()),
        })
    }

    /// The rustls configuration, for
    /// `HttpServer::bind_rustls_0_23(addr, tls.server_config())`.
    pub fn server_config(&self) -> ServerConfig {
        self.config.clone()
    }

    /// Where the development certificate was written, when this is one.
    pub fn dev_cert(&self) -> Option<&Path> {
        self.dev_cert.as_deref()
    }
}

/// The server configuration for `chain` and `key`; `key_file` is named
/// when they do not fit.
fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    key_file: &Path,
) -> Result<ServerConfig, TlsError> {
    ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::new(TlsFile::Key, key_file, format!("cannot configure TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            TlsError::new(
                TlsFile::Key,
                key_file,
                format!("the key does not fit the certificate: {e}"),
            )
        })
}

/// Reads every certificate of the PEM file `path`, leaf first.
fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let fail = |e: &dyn fmt::Display| {
        TlsError::new(
            TlsFile::Certificate,
            path,
            format!("cannot read a certificate: {e}"),
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

/// Which file a [`TlsError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsFile {
    /// The certificate chain (or where a development certificate goes).
    Certificate,
    /// The private key.
    Key,
}

/// A certificate or key that cannot be used; start-up must stop on it.
///
/// Its `Display` is one line naming the file and the problem, e.g.
/// `certificate file cert.pem: cannot read a certificate: No such file or directory`.
#[derive(Debug)]
pub struct TlsError {
    which: TlsFile,
    file: PathBuf,
    problem: String,
}

impl TlsError {
    fn new(which: TlsFile, file: &Path, problem: String) -> Self {
        Self {
            which,
            file: file.to_path_buf(),
            problem,
        }
    }

    /// Whether the certificate or the key is at fault.
    pub fn which(&self) -> TlsFile {
        self.which
    }

    /// The file at fault.
    pub fn file(&self) -> &Path {
        &self.file
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let which = match self.which {
            TlsFile::Certificate => "certificate",
            TlsFile::Key => "private key",
        };
        write!(f, "{which} file {}: {}", self.file.display(), self.problem)
    }
}

impl std::error::Error for TlsError {}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary directory.
    fn dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("secure-api-tls-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_development_certificate_is_written_and_served() {
        let path = dir("dev").join("nested").join("dev-cert.pem");
        let tls = Tls::development(&path);
        assert!(tls.is_ok(), "{:?}", tls.err());
        assert_eq!(
            tls.ok().and_then(|t| t.dev_cert().map(Path::to_path_buf)),
            Some(path.clone())
        );
        let pem = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
        assert!(!pem.contains("PRIVATE KEY"), "the key stays in memory");
    }

    #[test]
    fn errors_name_the_file_and_the_problem() {
        let dir = dir("errors");
        let _ = std::fs::create_dir_all(&dir);
        let missing = Tls::from_pem_files(dir.join("missing.pem"), dir.join("key.pem")).err();
        assert_eq!(
            missing.as_ref().map(TlsError::which),
            Some(TlsFile::Certificate)
        );
        let message = missing.map(|e| e.to_string()).unwrap_or_default();
        assert!(message.starts_with("certificate file "), "{message}");
        assert!(message.contains("missing.pem"), "{message}");

        // A certificate whose key is another certificate's.
        let one = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]);
        let two = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]);
        let (Ok(one), Ok(two)) = (one, two) else {
            panic!("rcgen failed");
        };
        let (cert, key, empty) = (
            dir.join("cert.pem"),
            dir.join("key.pem"),
            dir.join("empty.pem"),
        );
        let written = std::fs::write(&cert, one.cert.pem())
            .and_then(|()| std::fs::write(&key, two.signing_key.serialize_pem()))
            .and_then(|()| std::fs::write(&empty, ""));
        assert!(written.is_ok());
        let mismatch = Tls::from_pem_files(&cert, &key).err();
        assert_eq!(mismatch.as_ref().map(TlsError::which), Some(TlsFile::Key));
        let message = mismatch.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.contains("does not fit the certificate"),
            "{message}"
        );
        let no_key = Tls::from_pem_files(&cert, &empty).err();
        assert_eq!(no_key.as_ref().map(TlsError::file), Some(empty.as_path()));
        let no_cert = Tls::from_pem_files(&empty, &key).err();
        assert!(no_cert.is_some_and(|e| e.to_string().contains("no CERTIFICATE")));
    }
}
