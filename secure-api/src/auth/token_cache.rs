//! A bounded cache of verified tokens, so that a token presented again is
//! not verified again (the signature check and the claims parse are most
//! of an authenticated request's cost; ES256 and RS256 cost many times
//! HS256).
//!
//! Safe by construction:
//! - only tokens that passed every check of the JWT verifier are kept,
//!   keyed by the whole token (header, claims and signature: hashed for
//!   the map, compared in full on a hit), so a token that differs in one
//!   byte is verified afresh;
//! - an entry is used until the earlier of the token's `exp` plus the
//!   leeway (as verification would judge it) and its time to live
//!   (default [`DEFAULT_TTL_SECS`] seconds) after it was verified;
//! - an entry verified under key sets that have since been replaced (a
//!   JWKS file reloaded, the JWKS endpoint fetched again) is not used:
//!   a key rotated out stops accepting its tokens at once;
//! - at most `capacity` entries (default [`DEFAULT_CAPACITY`]), each of a
//!   token of at most [`MAX_TOKEN_BYTES`] bytes (longer ones are verified
//!   every time), so the cache holds at most about `capacity` × 8 KiB
//!   (the token and its parsed claims); when full, expired entries are
//!   dropped, and if none is, the cache is emptied, so a flood of distinct
//!   valid tokens costs at most what no cache costs.
//!
//! The trade-off: a token stays accepted for up to the time to live after
//! its key is removed at a JWKS endpoint that has not been fetched again,
//! which is no longer than without the cache, where the cached key set is
//! used for the JWKS TTL anyway.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::claims::VerifiedClaims;

/// The default number of verified tokens kept.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// The default time an entry is used after its token was verified, in
/// seconds.
pub const DEFAULT_TTL_SECS: u64 = 60;

/// The longest token kept, in bytes; longer tokens are verified every time.
pub const MAX_TOKEN_BYTES: usize = 4096;

/// One verified token.
struct Entry {
    claims: Arc<VerifiedClaims>,
    /// The Unix second from which the entry is no longer used.
    until: u64,
    /// The key-set generation the token was verified under.
    generation: u64,
}

/// Verified tokens by token; see the module documentation.
pub(crate) struct TokenCache {
    entries: Mutex<HashMap<Box<str>, Entry>>,
    capacity: usize,
    ttl_secs: u64,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("capacity", &self.capacity)
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    /// A cache of at most `capacity` tokens (0: nothing is cached), each
    /// used for at most `ttl_secs` seconds.
    pub(crate) fn new(capacity: usize, ttl_secs: u64) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity,
            ttl_secs,
        }
    }

    /// Whether anything is ever cached.
    pub(crate) fn is_enabled(&self) -> bool {
        self.capacity > 0 && self.ttl_secs > 0
    }

    /// The claims of `token` if it was verified under the key sets of
    /// `generation` and its entry is still in use at `now` (Unix seconds).
    pub(crate) fn get(
        &self,
        token: &str,
        now: u64,
        generation: u64,
    ) -> Option<Arc<VerifiedClaims>> {
        if !self.is_enabled() {
            return None;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get(token)?;
        if now < entry.until && entry.generation == generation {
            return Some(Arc::clone(&entry.claims));
        }
        entries.remove(token);
        None
    }

    /// Keeps `claims`, just verified at `now` under `generation`, until the
    /// earlier of `valid_until` (the token's `exp` plus the leeway) and the
    /// time to live.
    pub(crate) fn insert(
        &self,
        token: &str,
        claims: &Arc<VerifiedClaims>,
        valid_until: u64,
        now: u64,
        generation: u64,
    ) {
        if !self.is_enabled() || token.len() > MAX_TOKEN_BYTES {
            return;
        }
        let until = valid_until.min(now.saturating_add(self.ttl_secs));
        if until <= now {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity {
            entries.retain(|_, e| now < e.until && e.generation == generation);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(
            Box::from(token),
            Entry {
                claims: Arc::clone(claims),
                until,
                generation,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(sub: &str) -> Arc<VerifiedClaims> {
        Arc::new(VerifiedClaims {
            sub: sub.to_owned(),
            roles: vec!["viewer".to_owned()],
            scopes: Vec::new(),
            claims: serde_json::Map::new(),
        })
    }

    #[test]
    fn an_entry_is_used_until_exp_or_ttl_whichever_is_first() {
        let cache = TokenCache::new(10, 60);
        cache.insert("a.b.c", &claims("alice"), 1_030, 1_000, 0);
        assert_eq!(
            cache.get("a.b.c", 1_029, 0).map(|c| c.sub.clone()),
            Some("alice".into())
        );
        assert!(cache.get("a.b.c", 1_030, 0).is_none());
        cache.insert("d.e.f", &claims("bob"), 9_999, 1_000, 0);
        assert!(cache.get("d.e.f", 1_059, 0).is_some());
        assert!(cache.get("d.e.f", 1_060, 0).is_none());
    }

    #[test]
    fn a_new_key_set_or_another_token_misses() {
        let cache = TokenCache::new(10, 60);
        cache.insert("a.b.c", &claims("alice"), 2_000, 1_000, 3);
        assert!(cache.get("a.b.c", 1_001, 4).is_none());
        assert!(
            cache.get("a.b.c", 1_001, 3).is_none(),
            "a stale entry is dropped"
        );
        cache.insert("a.b.c", &claims("alice"), 2_000, 1_000, 3);
        assert!(cache.get("a.b.d", 1_001, 3).is_none());
    }

    #[test]
    fn it_never_holds_more_than_its_capacity_and_zero_disables_it() {
        let cache = TokenCache::new(3, 60);
        for n in 0..10 {
            cache.insert(&format!("t{n}"), &claims("x"), 2_000, 1_000, 0);
            let len = cache.entries.lock().map(|e| e.len()).unwrap_or(usize::MAX);
            assert!(len <= 3);
        }
        let long = "x".repeat(MAX_TOKEN_BYTES + 1);
        cache.insert(&long, &claims("x"), 2_000, 1_000, 0);
        assert!(cache.get(&long, 1_001, 0).is_none(), "too long to keep");
        let off = TokenCache::new(0, 60);
        off.insert("a.b.c", &claims("alice"), 2_000, 1_000, 0);
        assert!(off.get("a.b.c", 1_001, 0).is_none());
    }
}
