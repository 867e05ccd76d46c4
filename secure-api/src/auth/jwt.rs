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
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value};

use crate::config::{ConfigError, env};

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
        }
    }
}

/// The claims of a token that passed every check.
#[derive(Clone)]
pub(crate) struct VerifiedClaims {
    pub(crate) sub: String,
    pub(crate) roles: Vec<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) claims: Map<String, Value>,
}

/// One public key of the JWKS, pinned to its algorithm.
struct PinnedKey {
    alg: Algorithm,
    key: DecodingKey,
}

/// Public keys loaded from a JWKS file (RFC 7517 §5), by `kid`.
pub(crate) struct Jwks {
    keys: HashMap<String, PinnedKey>,
}

impl Jwks {
    /// Reads and checks a JWKS file: every key needs a unique `kid`, an
    /// asymmetric signing `alg` that fits its key type and curve, and a
    /// `use` of `sig` if `use` is present.
    pub(crate) fn load(path: &Path) -> Result<Self, ConfigError> {
        let shown = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new(env::JWKS_FILE, format!("cannot read `{shown}`: {e}")))?;
        let set: JwkSet = serde_json::from_str(&text).map_err(|e| {
            ConfigError::new(env::JWKS_FILE, format!("`{shown}` is not a JWKS: {e}"))
        })?;
        Self::from_set(&set)
            .map_err(|problem| ConfigError::new(env::JWKS_FILE, format!("`{shown}`: {problem}")))
    }

    fn from_set(set: &JwkSet) -> Result<Self, String> {
        if set.keys.is_empty() {
            return Err("holds no keys".into());
        }
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let kid = jwk.common.key_id.clone().ok_or("a key has no `kid`")?;
            let key = pin(jwk).map_err(|p| format!("key `{kid}`: {p}"))?;
            if keys.insert(kid.clone(), key).is_some() {
                return Err(format!("`kid` `{kid}` appears twice"));
            }
        }
        Ok(Self { keys })
    }
}

/// Checks one JWK and returns its key pinned to its `alg`.
fn pin(jwk: &Jwk) -> Result<PinnedKey, String> {
    if jwk
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != PublicKeyUse::Signature)
    {
        return Err("`use` must be `sig`".into());
    }
    let key_alg = jwk.common.key_algorithm.ok_or("no `alg`")?;
    let alg = Algorithm::try_from(key_alg)
        .map_err(|_| format!("`alg` {key_alg} is not a signature algorithm"))?;
    let fits = match (&jwk.algorithm, alg) {
        (AlgorithmParameters::RSA(_), a) => a.family() == AlgorithmFamily::Rsa,
        (AlgorithmParameters::EllipticCurve(p), Algorithm::ES256) => p.curve == EllipticCurve::P256,
        (AlgorithmParameters::EllipticCurve(p), Algorithm::ES384) => p.curve == EllipticCurve::P384,
        (AlgorithmParameters::OctetKeyPair(p), Algorithm::EdDSA) => {
            p.curve == EllipticCurve::Ed25519
        }
        _ => false,
    };
    if !fits {
        return Err(format!(
            "`alg` {key_alg} does not fit the key type or curve (symmetric keys belong in SECURE_API_JWT_SECRET)"
        ));
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("unusable key: {e}"))?;
    Ok(PinnedKey { alg, key })
}

const HMAC_ALGORITHMS: [Algorithm; 3] = [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];

/// Validates bearer tokens against the configured keys and claim rules.
pub(crate) struct JwtVerifier {
    secret: Option<DecodingKey>,
    jwks: HashMap<String, PinnedKey>,
    validations: HashMap<Algorithm, Validation>,
    issuer: String,
    audience: String,
    leeway: u64,
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut kids: Vec<&String> = self.jwks.keys().collect();
        kids.sort();
        f.debug_struct("JwtVerifier")
            .field("secret", &self.secret.as_ref().map(|_| "[REDACTED]"))
            .field("jwks_kids", &kids)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_seconds", &self.leeway)
            .finish()
    }
}

impl JwtVerifier {
    pub(crate) fn new(
        secret: Option<&[u8]>,
        jwks: Option<Jwks>,
        issuer: String,
        audience: String,
        leeway: u64,
    ) -> Self {
        let secret = secret.and_then(|s| DecodingKey::from_secret(s).ok());
        let jwks = jwks.map(|j| j.keys).unwrap_or_default();
        let mut algs: Vec<Algorithm> = jwks.values().map(|k| k.alg).collect();
        if secret.is_some() {
            algs.extend(HMAC_ALGORITHMS);
        }
        let validations = algs
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
            jwks,
            validations,
            issuer,
            audience,
            leeway,
        }
    }

    /// Verifies `token` (the bearer credential, RFC 6750 §2.1) and returns
    /// its claims.
    ///
    /// # Errors
    /// A [`TokenError`] for anything short of a valid, correctly signed,
    /// correctly addressed token within its validity period.
    pub(crate) fn verify(&self, token: &str) -> Result<VerifiedClaims, TokenError> {
        self.verify_at(token, unix_now())
    }

    fn verify_at(&self, token: &str, now: u64) -> Result<VerifiedClaims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        let (key, alg) = self.key_for(&header)?;
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

    /// The key for a token header: a JWKS key by exact `kid`, whose pinned
    /// `alg` must equal the header's; else the HMAC secret, for HS* only.
    fn key_for(&self, header: &Header) -> Result<(&DecodingKey, Algorithm), TokenError> {
        if let Some(pinned) = header.kid.as_ref().and_then(|kid| self.jwks.get(kid)) {
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

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
