//! JSON Web Key Sets (RFC 7517 §5): public keys by `kid`, each pinned to
//! the algorithm of its own `alg` member, from a file
//! (`SECURE_API_JWKS_FILE`, reloaded on change) or an HTTPS endpoint
//! (`SECURE_API_JWKS_URL`, cached).
//!
//! Keys are found only by the token's `kid` in these configured sets. The
//! header fields `jku`, `x5u`, `jwk` and `x5c`, which would let the token
//! name its own key, are never read (RFC 8725 §3.10).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};

/// One public key, pinned to its algorithm.
pub(crate) struct PinnedKey {
    pub(crate) alg: Algorithm,
    pub(crate) key: DecodingKey,
}

/// Public keys by `kid`.
#[derive(Default)]
pub(crate) struct KeySet {
    keys: HashMap<String, PinnedKey>,
}

impl KeySet {
    /// The key named `kid`.
    pub(crate) fn get(&self, kid: &str) -> Option<&PinnedKey> {
        self.keys.get(kid)
    }

    /// The `kid`s, sorted (for `Debug`).
    pub(crate) fn kids(&self) -> Vec<&str> {
        let mut kids: Vec<&str> = self.keys.keys().map(String::as_str).collect();
        kids.sort_unstable();
        kids
    }

    /// Parses `bytes`, the content of a JWKS file, strictly: every key
    /// needs a unique `kid`, an asymmetric signing `alg` that fits its key
    /// type and curve, a `use` of `sig` and `key_ops` with `verify` where
    /// those are present; one bad key refuses the file, since the operator
    /// wrote it and a typo should not quietly drop a key.
    pub(crate) fn parse_file(bytes: &[u8]) -> Result<Self, String> {
        Self::parse(bytes, Source::File)
    }

    /// Parses a JWKS served by an identity provider, which may also list
    /// keys for other uses: keys that are not usable signing keys (by the
    /// rules of [`parse_file`](Self::parse_file)) are skipped with a
    /// warning.
    fn parse_remote(bytes: &[u8]) -> Result<Self, String> {
        Self::parse(bytes, Source::Endpoint)
    }

    /// Either parse: a `kid` that appears twice is refused from both, as
    /// the set is then ambiguous, and so is a set with no usable key.
    fn parse(bytes: &[u8], source: Source) -> Result<Self, String> {
        let set: JwkSet =
            serde_json::from_slice(bytes).map_err(|e| format!("is not a JWKS: {e}"))?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let pinned = match &jwk.common.key_id {
                None => Err("a key has no `kid`".to_owned()),
                Some(kid) => pin(jwk)
                    .map(|key| (kid.clone(), key))
                    .map_err(|problem| format!("key `{}`: {problem}", kid.escape_default())),
            };
            match (pinned, source) {
                (Ok((kid, key)), _) => {
                    if keys.insert(kid.clone(), key).is_some() {
                        return Err(format!("`kid` `{}` appears twice", kid.escape_default()));
                    }
                }
                (Err(problem), Source::File) => return Err(problem),
                (Err(problem), Source::Endpoint) => tracing::warn!(
                    target: "secure_api::auth",
                    problem,
                    "JWKS endpoint: skipping a key"
                ),
            }
        }
        if keys.is_empty() {
            return Err("holds no usable signing key".into());
        }
        Ok(Self { keys })
    }
}

/// Where a JWKS comes from, which sets how strictly it is read.
#[derive(Clone, Copy)]
enum Source {
    File,
    Endpoint,
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
    if jwk
        .common
        .key_operations
        .as_ref()
        .is_some_and(|ops| !ops.contains(&KeyOperations::Verify))
    {
        return Err("`key_ops` does not include `verify`".into());
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
        let hint = if matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_))
            || alg.family() == AlgorithmFamily::Hmac
        {
            " (symmetric keys belong in SECURE_API_JWT_SECRET)"
        } else {
            ""
        };
        return Err(format!(
            "`alg` {key_alg} does not fit the key type or curve{hint}"
        ));
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("unusable key: {e}"))?;
    Ok(PinnedKey { alg, key })
}

/// The largest JWKS document read from the endpoint, in bytes.
const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// How long one fetch may take, connection included.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// A JWKS endpoint and the keys last fetched from it.
///
/// Keys are cached for `ttl`; past it, a request starts a refresh in the
/// background and is served with the cached keys. A token naming a `kid`
/// that is not cached makes one fetch, awaited, at most once per
/// `cooldown` whatever the outcome, so tokens with made-up `kid`s cannot
/// make the service flood the endpoint. A failed fetch keeps the last good
/// set in service.
pub(crate) struct RemoteJwks {
    url: reqwest::Url,
    client: reqwest::Client,
    ttl: Duration,
    cooldown: Duration,
    state: RwLock<RemoteState>,
    /// How many sets were put in service; verified-token caches compare it
    /// to forget what an older set verified.
    generation: std::sync::atomic::AtomicU64,
    /// Held while fetching, so concurrent requests make one fetch.
    fetching: tokio::sync::Mutex<()>,
}

struct RemoteState {
    keys: Arc<KeySet>,
    /// When the keys in service were fetched.
    fetched: Option<Instant>,
    /// When a fetch last started, successful or not.
    attempted: Option<Instant>,
}

/// A JWKS URL as it may be logged: without its query and fragment, which
/// might hold a secret (`?api_key=..`); `[REDACTED]` stands in for them.
pub(crate) fn shown_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            let hidden = parsed.query().is_some() || parsed.fragment().is_some();
            parsed.set_query(None);
            parsed.set_fragment(None);
            let _ = parsed.set_password(None);
            let _ = parsed.set_username("");
            let mut shown = parsed.to_string();
            if hidden {
                shown.push('?');
                shown.push_str(crate::secret::REDACTED);
            }
            shown
        }
        Err(_) => crate::secret::REDACTED.to_owned(),
    }
}

impl std::fmt::Debug for RemoteJwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys = self.cached();
        f.debug_struct("RemoteJwks")
            .field("url", &shown_url(self.url.as_str()))
            .field("kids", &keys.kids())
            .field("ttl_seconds", &self.ttl.as_secs())
            .field("cooldown_seconds", &self.cooldown.as_secs())
            .finish()
    }
}

impl RemoteJwks {
    /// An endpoint whose keys are fetched on first use.
    ///
    /// # Errors
    /// What is wrong with `url`: not an absolute `https` URL (plain `http`
    /// only for a loopback host), or the HTTP client cannot be built.
    pub(crate) fn new(url: &str, ttl: Duration, cooldown: Duration) -> Result<Self, String> {
        // The URL is not echoed in errors: it might hold a password.
        let url = reqwest::Url::parse(url).map_err(|e| format!("is not a URL: {e}"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not hold a user name or password (a JWKS is public)".into());
        }
        let loopback = match url.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => {
                return Err(format!(
                    "`{}` must be an https URL (plain http only for a loopback host)",
                    shown_url(url.as_str())
                ));
            }
        }
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            // A connection is owned by the runtime that opened it; actix
            // runs one runtime per worker, so keep none between fetches.
            .pool_max_idle_per_host(0)
            .build()
            .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
        Ok(Self {
            url,
            client,
            ttl,
            cooldown,
            state: RwLock::new(RemoteState {
                keys: Arc::new(KeySet::default()),
                fetched: None,
                attempted: None,
            }),
            generation: std::sync::atomic::AtomicU64::new(0),
            fetching: tokio::sync::Mutex::new(()),
        })
    }

    /// How many key sets were put in service since start-up.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    fn cached(&self) -> Arc<KeySet> {
        self.state
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys
            .clone()
    }

    /// The keys to verify a token with `kid`: the cached set, after one
    /// fetch if `kid` is not in it and the cooldown allows. Starts a
    /// background refresh when the cache is older than the TTL.
    pub(crate) async fn keys_for(self: &Arc<Self>, kid: &str) -> Arc<KeySet> {
        let keys = self.cached();
        if keys.get(kid).is_some() {
            if self.stale() && self.may_fetch() {
                let this = Arc::clone(self);
                tokio::spawn(async move { this.refresh().await });
            }
            return keys;
        }
        if self.may_fetch() {
            self.refresh().await;
        } else {
            // A fetch may be under way (started by another request, perhaps
            // for this very `kid` after a rotation): wait for it to end,
            // at most FETCH_TIMEOUT, rather than refuse a valid token.
            drop(self.fetching.lock().await);
        }
        self.cached()
    }

    fn stale(&self) -> bool {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        state.fetched.is_none_or(|t| t.elapsed() >= self.ttl)
    }

    fn may_fetch(&self) -> bool {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        state.attempted.is_none_or(|t| t.elapsed() >= self.cooldown)
    }

    /// Fetches the set once (unless another request just did), and puts it
    /// in service if it parses; otherwise keeps the last good set.
    async fn refresh(&self) {
        let _fetching = self.fetching.lock().await;
        {
            let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
            if state.attempted.is_some_and(|t| t.elapsed() < self.cooldown) {
                return; // another request fetched while this one waited
            }
            state.attempted = Some(Instant::now());
        }
        match self.fetch().await {
            Ok(keys) => {
                tracing::info!(
                    target: "secure_api::auth",
                    url = %shown_url(self.url.as_str()),
                    kids = ?keys.kids(),
                    "JWKS fetched"
                );
                let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
                state.keys = Arc::new(keys);
                state.fetched = Some(Instant::now());
                self.generation
                    .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
            }
            Err(e) => tracing::error!(
                target: "secure_api::auth",
                url = %shown_url(self.url.as_str()),
                error = %e,
                "JWKS fetch failed; the last good keys stay in service"
            ),
        }
    }

    async fn fetch(&self) -> Result<KeySet, String> {
        let mut response = self
            .client
            .get(self.url.clone())
            .header(
                reqwest::header::ACCEPT,
                "application/jwk-set+json, application/json",
            )
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| e.without_url().to_string())?
        {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(format!("larger than {MAX_JWKS_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        KeySet::parse_remote(&body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_is_accepted() {
        let new = |u: &str| RemoteJwks::new(u, Duration::from_secs(1), Duration::from_secs(1));
        assert!(new("https://idp.example/jwks.json").is_ok());
        assert!(new("http://127.0.0.1:9/jwks.json").is_ok());
        assert!(new("http://[::1]:9/jwks.json").is_ok());
        assert!(new("http://localhost:9/jwks.json").is_ok());
        assert!(new("http://idp.example/jwks.json").is_err());
        assert!(new("ftp://127.0.0.1/jwks.json").is_err());
        assert!(new("/jwks.json").is_err());
        let e = new("https://user:hunter2@idp.example/jwks.json").err();
        assert!(e.is_some_and(|e| !e.contains("hunter2")));
        assert_eq!(
            shown_url("https://idp.example/jwks.json?api_key=s3cret#f"),
            "https://idp.example/jwks.json?[REDACTED]"
        );
        assert_eq!(shown_url("https://idp.example/k"), "https://idp.example/k");
    }

    #[test]
    fn a_remote_set_skips_keys_that_are_not_signing_keys() {
        let set = br#"{"keys":[
            {"kty":"oct","kid":"sym","alg":"HS256","k":"c2VjcmV0"},
            {"kty":"OKP","crv":"Ed25519","kid":"ed","alg":"EdDSA","use":"sig","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty":"OKP","crv":"Ed25519","kid":"enc","alg":"EdDSA","use":"enc","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
        ]}"#;
        let keys = KeySet::parse_remote(set);
        assert_eq!(keys.map(|k| k.kids().join(",")), Ok("ed".to_owned()));
        assert!(KeySet::parse_remote(br#"{"keys":[]}"#).is_err());
        // The same set is refused whole from a file, naming the bad key.
        let file = KeySet::parse_file(set).err();
        assert!(
            file.as_deref()
                .is_some_and(|e| e.contains("`sym`") && e.contains("SECURE_API_JWT_SECRET")),
            "{file:?}"
        );
    }

    #[test]
    fn key_ops_must_allow_verify() {
        let with_ops = |ops: &str| {
            format!(
                r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"ed","alg":"EdDSA","key_ops":{ops},"x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}]}}"#
            )
        };
        let parse = |ops: &str| KeySet::parse_file(with_ops(ops).as_bytes());
        assert!(parse(r#"["verify"]"#).is_ok());
        assert!(parse(r#"["sign","verify"]"#).is_ok());
        let e = parse(r#"["encrypt"]"#).err();
        assert!(e.as_deref().is_some_and(|e| e.contains("key_ops")), "{e:?}");
        assert!(KeySet::parse_remote(with_ops(r#"["encrypt"]"#).as_bytes()).is_err());
    }

    #[test]
    fn a_mismatched_alg_hints_at_the_secret_only_for_symmetric_keys() {
        let ec = br#"{"keys":[{"kty":"EC","crv":"P-256","kid":"ec","alg":"RS256",
            "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;
        let e = KeySet::parse_file(ec).err();
        assert!(
            e.as_deref()
                .is_some_and(|e| e.contains("does not fit") && !e.contains("SECRET")),
            "{e:?}"
        );
    }
}
