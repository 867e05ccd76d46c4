//! JWT bearer token validation (RFC 7519, RFC 8725).
//!
//! Signatures are checked by `jsonwebtoken` (aws-lc-rs backend). Around it,
//! this module pins the algorithm to the key (RFC 8725 §3.1: the header's
//! `alg` never chooses the key type and `none` never passes), chooses a JWKS
//! key only by an exact `kid` match, and checks every registered claim with
//! its JSON type (RFC 8725 §3.10): a claim of the wrong type is a rejection,
//! never a claim that is silently skipped.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value};

use super::claims::VerifiedClaims;
use super::jwks::{KeySet, RemoteJwks};
use super::reload::Watched;
use super::token_cache::TokenCache;

/// Why a token was refused. Every variant answers 401 `invalid_token`; the
/// variant is only for logs and never reaches the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// Not three base64url parts, a header that does not parse, or an
    /// algorithm that is unknown or `none`.
    Malformed,
    /// No configured key fits the header's `kid` and `alg`.
    NoMatchingKey,
    /// The signature does not verify.
    BadSignature,
    /// `exp` (plus leeway) is past.
    Expired,
    /// `nbf` (minus leeway) is in the future, or `iat` is beyond the leeway.
    NotYetValid,
    /// `iss` is not the configured issuer.
    WrongIssuer,
    /// `aud` does not contain the configured audience.
    WrongAudience,
    /// A claim is missing or has the wrong JSON type.
    BadClaim(&'static str),
    /// The header's `typ` is not the required token type (RFC 8725 §3.11).
    WrongType,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Malformed => f.write_str("malformed token"),
            TokenError::NoMatchingKey => f.write_str("no key matches the token's kid and alg"),
            TokenError::BadSignature => f.write_str("bad signature"),
            TokenError::Expired => f.write_str("token expired"),
            TokenError::NotYetValid => f.write_str("token not yet valid"),
            TokenError::WrongIssuer => f.write_str("wrong issuer"),
            TokenError::WrongAudience => f.write_str("wrong audience"),
            TokenError::BadClaim(c) => write!(f, "claim `{c}` missing or of the wrong type"),
            TokenError::WrongType => f.write_str("header `typ` is not the required token type"),
        }
    }
}

const HMAC_ALGORITHMS: [Algorithm; 3] = [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];

/// Every algorithm a configured key can be pinned to.
const ALGORITHMS: [Algorithm; 12] = [
    Algorithm::HS256,
    Algorithm::HS384,
    Algorithm::HS512,
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Where the public keys of a [`JwtVerifier`] come from.
#[derive(Default)]
pub(crate) struct PublicKeys {
    /// `SECURE_API_JWKS_FILE`, reloaded when it changes.
    pub(crate) file: Option<Arc<Watched<KeySet>>>,
    /// `SECURE_API_JWKS_URL`, cached.
    pub(crate) remote: Option<Arc<RemoteJwks>>,
}

/// Validates bearer tokens against the configured keys and claim rules.
pub(crate) struct JwtVerifier {
    secret: Option<DecodingKey>,
    public: PublicKeys,
    validations: HashMap<Algorithm, Validation>,
    issuer: String,
    audience: String,
    leeway: u64,
    /// The required `typ` header, lower-case, without `application/`.
    token_type: Option<String>,
    /// Tokens verified recently (see [`TokenCache`]).
    cache: TokenCache,
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtVerifier")
            .field(
                "secret",
                &self.secret.as_ref().map(|_| crate::secret::REDACTED),
            )
            .field(
                "jwks_file_kids",
                &self
                    .public
                    .file
                    .as_ref()
                    .map(|f| f.current().kids().join(",")),
            )
            .field("jwks_url", &self.public.remote)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_seconds", &self.leeway)
            .field("token_type", &self.token_type)
            .finish()
    }
}

impl JwtVerifier {
    pub(crate) fn new(
        secret: Option<&[u8]>,
        public: PublicKeys,
        issuer: String,
        audience: String,
        leeway: u64,
        token_type: Option<&str>,
        cache: TokenCache,
    ) -> Self {
        let secret = secret.and_then(|s| DecodingKey::from_secret(s).ok());
        let validations = ALGORITHMS
            .into_iter()
            .map(|alg| {
                let mut v = Validation::new(alg);
                v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
                v.set_issuer(&[&issuer]);
                v.set_audience(&[&audience]);
                v.leeway = leeway;
                v.validate_nbf = true;
                (alg, v)
            })
            .collect();
        Self {
            secret,
            public,
            validations,
            issuer,
            audience,
            leeway,
            token_type: token_type.map(normalize_type),
            cache,
        }
    }

    /// The configured leeway, in seconds.
    pub(crate) fn leeway(&self) -> u64 {
        self.leeway
    }

    /// Verifies `token` (the bearer credential, RFC 6750 §2.1) and returns
    /// its claims. May fetch the JWKS endpoint once when the token names a
    /// `kid` not cached yet (see [`RemoteJwks`]).
    ///
    /// # Errors
    /// A [`TokenError`] for anything short of a valid, correctly signed,
    /// correctly addressed token within its validity period.
    pub(crate) async fn verify(&self, token: &str) -> Result<Arc<VerifiedClaims>, TokenError> {
        let now = unix_now();
        let generation = self.key_generation();
        if let Some(claims) = self.cache.get(token, now, generation) {
            return Ok(claims);
        }
        let claims = Arc::new(self.verify_uncached(token).await?);
        if self.cache.is_enabled()
            && let Ok(Some(exp)) = numeric_date(&claims.claims, "exp")
        {
            let valid_until = exp.saturating_add(self.leeway);
            self.cache
                .insert(token, &claims, valid_until, now, generation);
        }
        Ok(claims)
    }

    /// The claims of `token` when it was verified recently and its entry in
    /// the verified-token cache still holds (see [`token_cache`](super::token_cache));
    /// `None` otherwise, and then only [`verify`](Self::verify) can tell.
    pub(crate) fn verified_before(&self, token: &str) -> Option<Arc<VerifiedClaims>> {
        self.cache.get(token, unix_now(), self.key_generation())
    }

    /// A number that changes whenever a JWKS key set is replaced (a file
    /// reloaded, the endpoint fetched again); the HMAC secret never changes.
    fn key_generation(&self) -> u64 {
        let file = self.public.file.as_ref().map_or(0, |f| f.generation());
        let remote = self.public.remote.as_ref().map_or(0, |r| r.generation());
        file.wrapping_add(remote)
    }

    /// [`verify`](Self::verify) without the cache. The clock is read after
    /// any key fetch.
    async fn verify_uncached(&self, token: &str) -> Result<VerifiedClaims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if let Some(required) = &self.token_type
            && header.typ.as_deref().map(normalize_type).as_ref() != Some(required)
        {
            return Err(TokenError::WrongType);
        }
        let remote = match (&header.kid, &self.public.remote) {
            (Some(kid), Some(remote)) if self.file_key(kid).is_none() => {
                Some(remote.keys_for(kid).await)
            }
            _ => None,
        };
        let file = self.public.file.as_ref().map(|f| f.current());
        let (key, alg) = self.key_for(&header, file.as_deref(), remote.as_deref())?;
        self.decode(token, key, alg, unix_now())
    }

    fn file_key(&self, kid: &str) -> Option<Algorithm> {
        let file = self.public.file.as_ref()?.current();
        file.get(kid).map(|k| k.alg)
    }

    fn decode(
        &self,
        token: &str,
        key: &DecodingKey,
        alg: Algorithm,
        now: u64,
    ) -> Result<VerifiedClaims, TokenError> {
        let validation = self
            .validations
            .get(&alg)
            .ok_or(TokenError::NoMatchingKey)?;
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(token, key, validation).map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                match e.kind() {
                    K::InvalidSignature => TokenError::BadSignature,
                    K::ExpiredSignature => TokenError::Expired,
                    K::ImmatureSignature => TokenError::NotYetValid,
                    K::InvalidIssuer => TokenError::WrongIssuer,
                    K::InvalidAudience => TokenError::WrongAudience,
                    K::MissingRequiredClaim(_) | K::InvalidClaimFormat(_) | K::InvalidSubject => {
                        TokenError::BadClaim("registered claim")
                    }
                    K::InvalidAlgorithm | K::MissingAlgorithm => TokenError::NoMatchingKey,
                    _ => TokenError::Malformed,
                }
            })?;
        self.check_claims(data.claims, now)
    }

    /// The key for a token header: a JWKS key (file first, then endpoint)
    /// by exact `kid`, whose pinned `alg` must equal the header's; else the
    /// HMAC secret, for HS* only.
    fn key_for<'a>(
        &'a self,
        header: &Header,
        file: Option<&'a KeySet>,
        remote: Option<&'a KeySet>,
    ) -> Result<(&'a DecodingKey, Algorithm), TokenError> {
        if let Some(kid) = &header.kid
            && let Some(pinned) = file
                .and_then(|f| f.get(kid))
                .or_else(|| remote.and_then(|r| r.get(kid)))
        {
            return if pinned.alg == header.alg {
                Ok((&pinned.key, pinned.alg))
            } else {
                Err(TokenError::NoMatchingKey)
            };
        }
        match &self.secret {
            Some(secret) if HMAC_ALGORITHMS.contains(&header.alg) => Ok((secret, header.alg)),
            _ => Err(TokenError::NoMatchingKey),
        }
    }

    /// Our own typed pass over the claims (after jsonwebtoken's): each
    /// registered claim must have its JSON type (RFC 7519 §4.1), and `iat`,
    /// which jsonwebtoken does not check, must not be in the future.
    fn check_claims(
        &self,
        claims: Map<String, Value>,
        now: u64,
    ) -> Result<VerifiedClaims, TokenError> {
        let sub = match claims.get("sub") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(TokenError::BadClaim("sub")),
        };
        match claims.get("iss") {
            Some(Value::String(s)) if *s == self.issuer => {}
            Some(Value::String(_)) => return Err(TokenError::WrongIssuer),
            _ => return Err(TokenError::BadClaim("iss")),
        }
        let audience_ok = match claims.get("aud") {
            Some(Value::String(s)) => *s == self.audience,
            Some(Value::Array(items)) => {
                let mut found = false;
                for item in items {
                    match item {
                        Value::String(s) => found |= *s == self.audience,
                        _ => return Err(TokenError::BadClaim("aud")),
                    }
                }
                found
            }
            _ => return Err(TokenError::BadClaim("aud")),
        };
        if !audience_ok {
            return Err(TokenError::WrongAudience);
        }
        let exp = numeric_date(&claims, "exp")?.ok_or(TokenError::BadClaim("exp"))?;
        if now >= exp.saturating_add(self.leeway) {
            return Err(TokenError::Expired);
        }
        if numeric_date(&claims, "nbf")?.is_some_and(|nbf| nbf > now.saturating_add(self.leeway)) {
            return Err(TokenError::NotYetValid);
        }
        if numeric_date(&claims, "iat")?.is_some_and(|iat| iat > now.saturating_add(self.leeway)) {
            return Err(TokenError::NotYetValid);
        }
        // A token identifier is a string (RFC 7519 §4.1.7), on every route,
        // not only on those that spend it.
        if claims.get("jti").is_some_and(|jti| !jti.is_string()) {
            return Err(TokenError::BadClaim("jti"));
        }
        let roles = match claims.get("roles") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|r| {
                    r.as_str()
                        .map(str::to_owned)
                        .ok_or(TokenError::BadClaim("roles"))
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(TokenError::BadClaim("roles")),
        };
        let scopes = scopes(&claims)?;
        Ok(VerifiedClaims {
            sub,
            roles,
            scopes,
            claims,
        })
    }

    /// Signs an HS256 token for `sub` with `roles`, valid for `ttl` (whole
    /// seconds), addressed to the configured issuer and audience.
    pub(crate) fn issue_hs256(
        &self,
        secret: &[u8],
        sub: &str,
        roles: &[&str],
        ttl: Duration,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = unix_now();
        let claims = serde_json::json!({
            "sub": sub,
            "roles": roles,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now.saturating_add(ttl.as_secs()),
        });
        let key = EncodingKey::from_secret(secret)?;
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key)
    }
}

/// The granted scopes: the `scope` claim, a space-separated string
/// (RFC 8693 §4.2, RFC 6749 §3.3), or else `scp`, an array of strings (or
/// one space-separated string, as some issuers send it). Any other type is
/// an error.
fn scopes(claims: &Map<String, Value>) -> Result<Vec<String>, TokenError> {
    let split = |s: &str| {
        s.split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    match (claims.get("scope"), claims.get("scp")) {
        (Some(Value::String(s)), _) => Ok(split(s)),
        (Some(_), _) => Err(TokenError::BadClaim("scope")),
        (None, None) => Ok(Vec::new()),
        (None, Some(Value::String(s))) => Ok(split(s)),
        (None, Some(Value::Array(items))) => items
            .iter()
            .map(|s| {
                s.as_str()
                    .map(str::to_owned)
                    .ok_or(TokenError::BadClaim("scp"))
            })
            .collect(),
        (None, Some(_)) => Err(TokenError::BadClaim("scp")),
    }
}

/// A NumericDate claim (RFC 7519 §2): a non-negative JSON number of seconds
/// since the epoch. `Ok(None)` when absent; `null`, strings and negative or
/// non-finite numbers are errors.
fn numeric_date(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<u64>, TokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(v) = n.as_u64() {
                Ok(Some(v))
            } else {
                match n.as_f64() {
                    Some(f) if f.is_finite() && f >= 0.0 && f < u64::MAX as f64 => {
                        Ok(Some(f as u64))
                    }
                    _ => Err(TokenError::BadClaim(name)),
                }
            }
        }
        Some(_) => Err(TokenError::BadClaim(name)),
    }
}

/// A `typ` (RFC 7515 §4.1.9) compared as a media type: case-insensitively,
/// with `application/` optional (`at+jwt` is `application/at+jwt`).
fn normalize_type(typ: &str) -> String {
    let lower = typ.trim().to_ascii_lowercase();
    match lower.strip_prefix("application/") {
        Some(rest) => rest.to_owned(),
        None => lower,
    }
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
