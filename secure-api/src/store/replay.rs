//! One-time use of tokens on `#[secure(replay = "jti")]` routes: a token's
//! `jti` (RFC 7519 §4.1.7) is accepted once within the token's lifetime.
//!
//! This is the in-memory replay store of `MemoryStore`:
//! bounded; a `jti` is remembered until its token's `exp` plus the leeway,
//! after which the token is refused anyway.

use std::collections::HashMap;
use std::sync::Mutex;

use super::ReplayError;

/// The default number of `jti`s remembered at once.
pub(crate) const DEFAULT_CAPACITY: usize = 100_000;

/// `jti` → the Unix second after which it can be forgotten.
#[derive(Debug)]
pub(crate) struct ReplayStore {
    seen: Mutex<HashMap<String, u64>>,
    capacity: usize,
}

impl ReplayStore {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            seen: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// Whether `jti` was spent and is still remembered at `now` (Unix
    /// seconds). Spends nothing.
    pub(crate) fn spent(&self, jti: &str, now: u64) -> bool {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.get(jti).is_some_and(|&until| until >= now)
    }

    /// Accepts `jti` if it was not seen before, remembering it until
    /// `forget_after` (Unix seconds). `now` is the current Unix time.
    ///
    /// # Errors
    /// [`ReplayError::Replayed`] for a `jti` seen before;
    /// [`ReplayError::Full`] when the store is full of unexpired `jti`s.
    pub(crate) fn accept(&self, jti: &str, forget_after: u64, now: u64) -> Result<(), ReplayError> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&until) = seen.get(jti) {
            if until >= now {
                return Err(ReplayError::Replayed);
            }
            seen.remove(jti);
        }
        if seen.len() >= self.capacity {
            seen.retain(|_, until| *until >= now);
            if seen.len() >= self.capacity {
                return Err(ReplayError::Full);
            }
        }
        seen.insert(jti.to_owned(), forget_after);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jti_is_accepted_once_until_it_expires() {
        let store = ReplayStore::new(10);
        assert!(!store.spent("a", 50));
        assert_eq!(store.accept("a", 100, 50), Ok(()));
        assert!(store.spent("a", 60));
        assert_eq!(store.accept("a", 100, 60), Err(ReplayError::Replayed));
        assert_eq!(store.accept("b", 100, 60), Ok(()));
        assert_eq!(store.accept("a", 200, 101), Ok(()));
    }

    #[test]
    fn a_full_store_refuses_until_entries_expire() {
        let store = ReplayStore::new(2);
        assert_eq!(store.accept("a", 100, 0), Ok(()));
        assert_eq!(store.accept("b", 200, 0), Ok(()));
        assert_eq!(store.accept("c", 200, 50), Err(ReplayError::Full));
        assert_eq!(store.accept("c", 200, 150), Ok(()));
    }
}
