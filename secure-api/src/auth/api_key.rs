//! API keys: random secrets sent in the `X-API-Key` header, stored only as
//! SHA-256 hashes in a TOML file (`SECURE_API_API_KEYS_FILE`), compared in
//! constant time.
//!
//! The file lists keys; several keys may share an `id` (the principal), so a
//! new key can be added beside the old one and the old one removed once
//! callers have moved (rotation without a window where valid callers fail):
//!
//! ```toml
//! [[keys]]
//! id = "reports-bot"                   # becomes the principal
//! sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
//! roles = ["reporting"]
//! scopes = ["reports:read"]            # optional; each a scope-token (RFC 6749 §3.3)
//! not_after = "2027-06-30T00:00:00Z"   # optional, RFC 3339
//! ```
//!
//! `sha256` is the lower-case hex SHA-256 (FIPS 180-4) of the key's UTF-8
//! bytes. Unknown fields are refused, so a typo cannot silently drop a
//! setting such as `not_after`.

use std::fmt;

use actix_web::HttpRequest;
use secrecy::SecretString;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::principal::Principal;

/// The header API keys are sent in. Keys are never accepted in the URL.
pub use crate::secret::API_KEY_HEADER as HEADER;

/// The prefix of generated keys, so secret scanners can recognise them.
pub use crate::secret::API_KEY_PREFIX as KEY_PREFIX;

/// How many bytes of a key's SHA-256 identify it in logs (12 hex digits).
const FINGERPRINT_BYTES: usize = 6;

/// The longest `X-API-Key` value looked at, in bytes; longer ones are invalid.
const MAX_KEY_BYTES: usize = 512;

/// The `X-API-Key` credential a request presents, if any.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Presented<'a> {
    /// No `X-API-Key` header.
    Absent,
    /// One header of visible ASCII, at most 512 bytes.
    Key(&'a str),
    /// Two headers, an empty one, or one with other bytes.
    Malformed,
}

/// Reads the `X-API-Key` header of `req`.
pub(crate) fn presented(req: &HttpRequest) -> Presented<'_> {
    let mut values = req.headers().get_all(HEADER);
    let Some(value) = values.next() else {
        return Presented::Absent;
    };
    if values.next().is_some() {
        return Presented::Malformed;
    }
    match value.to_str() {
        Ok(key)
            if !key.is_empty()
                && key.len() <= MAX_KEY_BYTES
                && key.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Presented::Key(key)
        }
        _ => Presented::Malformed,
    }
}

/// Why a presented key was refused; for logs only (every case is 401).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyError {
    /// No stored hash matches.
    Unknown,
    /// The key matches an entry whose `not_after` is past.
    Expired {
        /// The entry's `id`.
        id: String,
    },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Unknown => f.write_str("unknown API key"),
            KeyError::Expired { id } => write!(f, "expired API key of `{id}`"),
        }
    }
}

/// One stored key.
struct Entry {
    id: String,
    sha256: [u8; 32],
    roles: Vec<String>,
    scopes: Vec<String>,
    /// Unix seconds after which the key is refused.
    not_after: Option<i64>,
}

/// The keys of one API-key file.
pub(crate) struct ApiKeys {
    entries: Vec<Entry>,
}

impl fmt::Debug for ApiKeys {
    /// Ids and expiries only; hashes are left out as well as keys.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|e| (&e.id, e.not_after)))
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    keys: Vec<FileEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    id: String,
    sha256: String,
    roles: Vec<String>,
    #[serde(default)]
    scopes: Vec<String>,
    not_after: Option<toml::Value>,
}

impl ApiKeys {
    /// Parses an API-key file (the format of the module documentation).
    ///
    /// # Errors
    /// What is wrong, naming the entry: not TOML of that shape, an empty or
    /// odd `id`, a `sha256` that is not 64 hex digits, the same hash twice,
    /// a scope that is not a scope-token, a role outside `known_roles`
    /// (when given), a `not_after` that is not an RFC 3339 date-time with
    /// an offset.
    pub(crate) fn parse(bytes: &[u8], known_roles: Option<&[String]>) -> Result<Self, String> {
        let text = std::str::from_utf8(bytes).map_err(|_| "is not UTF-8".to_owned())?;
        let file: File = toml::from_str(text).map_err(|e| {
            // The message and the line, not TOML's multi-line excerpt.
            let line = e.span().map_or(String::new(), |span| {
                let before = bytes.get(..span.start).unwrap_or(bytes);
                let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
                format!(" at line {line}")
            });
            format!("not a key file{line}: {}", e.message().trim())
        })?;
        let mut entries: Vec<Entry> = Vec::with_capacity(file.keys.len());
        for (n, key) in file.keys.into_iter().enumerate() {
            let at = format!("key {} (`{}`)", n + 1, key.id);
            check_id(&key.id).map_err(|e| format!("key {}: `id` {e}", n + 1))?;
            let sha256 = crate::hex::decode::<32>(&key.sha256)
                .ok_or_else(|| format!("{at}: `sha256` must be 64 hexadecimal digits"))?;
            if entries.iter().any(|e| e.sha256 == sha256) {
                return Err(format!("{at}: the same `sha256` appears twice"));
            }
            for scope in &key.scopes {
                check_scope(scope).map_err(|e| format!("{at}: `scopes`: {e}"))?;
            }
            if let Some(known) = known_roles
                && let Some(role) = key.roles.iter().find(|r| !known.contains(r))
            {
                return Err(format!(
                    "{at}: the role {role:?} is not declared (declared: {})",
                    known.join(", ")
                ));
            }
            let not_after = match key.not_after {
                None => None,
                Some(v) => Some(rfc3339(&v).ok_or_else(|| {
                    format!("{at}: `not_after` must be an RFC 3339 date-time such as 2027-06-30T00:00:00Z")
                })?),
            };
            entries.push(Entry {
                id: key.id,
                sha256,
                roles: key.roles,
                scopes: key.scopes,
                not_after,
            });
        }
        Ok(Self { entries })
    }

    /// The principal of `key`: its hash is compared with every stored hash
    /// in constant time, so timing tells nothing of how much of a guess was
    /// right.
    ///
    /// # Errors
    /// [`KeyError::Unknown`] when no hash matches, [`KeyError::Expired`]
    /// when the matching entry's `not_after` is past.
    pub(crate) fn verify(&self, key: &str) -> Result<Principal, KeyError> {
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        let mut found = None;
        for entry in &self.entries {
            if bool::from(entry.sha256.ct_eq(&digest)) {
                found = Some(entry);
            }
        }
        let entry = found.ok_or(KeyError::Unknown)?;
        if entry
            .not_after
            .is_some_and(|t| OffsetDateTime::now_utc().unix_timestamp() > t)
        {
            return Err(KeyError::Expired {
                id: entry.id.clone(),
            });
        }
        Ok(Principal::from_api_key(
            entry.id.clone(),
            entry.roles.clone(),
            entry.scopes.clone(),
            crate::hex::encode(&entry.sha256[..FINGERPRINT_BYTES]),
        ))
    }
}

/// A new API key and the line that stores it.
pub struct NewApiKey {
    /// The key, shown once to whoever will use it; never stored.
    pub key: SecretString,
    /// The lower-case hex SHA-256 of the key, for the key file.
    pub sha256: String,
}

impl fmt::Debug for NewApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewApiKey")
            .field("key", &crate::secret::REDACTED)
            .field("sha256", &self.sha256)
            .finish()
    }
}

impl NewApiKey {
    /// Generates a key: [`KEY_PREFIX`] and 32 random bytes from the
    /// operating system (256 bits of entropy) as 64 hex digits.
    ///
    /// # Errors
    /// The operating system's random source failing.
    pub fn generate() -> Result<Self, std::io::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| {
            std::io::Error::other(format!("no randomness from the operating system: {e}"))
        })?;
        let key = format!("{KEY_PREFIX}{}", crate::hex::encode(&bytes));
        let sha256 = sha256_hex(&key);
        Ok(Self {
            key: SecretString::from(key),
            sha256,
        })
    }

    /// The `[[keys]]` entry of this key for the key file, with `id`,
    /// `roles`, `scopes` (written only when there are some) and an optional
    /// `not_after` (RFC 3339 §5.6 date-time).
    ///
    /// # Errors
    /// A message when `id` fails [`check_id`], a role holds a control
    /// character, a scope fails [`check_scope`], or `not_after` is not an
    /// RFC 3339 date-time.
    pub fn toml_entry(
        &self,
        id: &str,
        roles: &[&str],
        scopes: &[&str],
        not_after: Option<&str>,
    ) -> Result<String, String> {
        check_id(id).map_err(|e| format!("the id {e}"))?;
        for scope in scopes {
            check_scope(scope)?;
        }
        // `{:?}` below writes a TOML basic string for printable text only.
        if let Some(role) = roles.iter().find(|r| r.chars().any(char::is_control)) {
            return Err(format!("the role {role:?} holds a control character"));
        }
        if let Some(t) = not_after
            && OffsetDateTime::parse(t, &Rfc3339).is_err()
        {
            return Err(format!(
                "`{t}` is not an RFC 3339 date-time such as 2027-06-30T00:00:00Z"
            ));
        }
        let list = |items: &[&str]| {
            items
                .iter()
                .map(|r| format!("{:?}", r))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut entry = format!(
            "[[keys]]\nid = {id:?}\nsha256 = \"{}\"\nroles = [{}]\n",
            self.sha256,
            list(roles)
        );
        if !scopes.is_empty() {
            entry.push_str(&format!("scopes = [{}]\n", list(scopes)));
        }
        if let Some(t) = not_after {
            entry.push_str(&format!("not_after = {t:?}\n"));
        }
        Ok(entry)
    }
}

/// Checks a scope granted to a key: a scope-token of RFC 6749 §3.3, one or
/// more printable ASCII characters other than space, `"` and `\`, as
/// `#[secure(scope = ..)]` takes (the macro crate checks the same rule in
/// its own `attr::check_scope`, as it cannot depend on this crate).
///
/// # Errors
/// A message saying so, for anything else.
pub fn check_scope(scope: &str) -> Result<(), String> {
    let ok = !scope.is_empty()
        && scope
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the scope {scope:?} is not a scope-token (printable ASCII, no space, `\"` or `\\`; RFC 6749 §3.3)"
        ))
    }
}

/// Checks a key id (which becomes the principal, and reaches logs): 1 to
/// 128 of `A-Z a-z 0-9 - _ . : @`.
///
/// # Errors
/// A message saying so, for anything else.
pub fn check_id(id: &str) -> Result<(), String> {
    let ok = (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:@".contains(&b));
    if ok {
        Ok(())
    } else {
        Err("must be 1 to 128 of A-Z a-z 0-9 - _ . : @".into())
    }
}

/// The lower-case hex SHA-256 of `key`'s UTF-8 bytes: the `sha256` of its
/// entry in the key file.
pub fn sha256_hex(key: &str) -> String {
    crate::hex::encode(&Sha256::digest(key.as_bytes()))
}

/// Unix seconds of an RFC 3339 date-time, given as a string or a TOML
/// offset date-time.
fn rfc3339(v: &toml::Value) -> Option<i64> {
    let text = match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) => d.to_string(),
        _ => return None,
    };
    OffsetDateTime::parse(&text, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn keys(toml: &str) -> Result<ApiKeys, String> {
        ApiKeys::parse(toml.as_bytes(), None)
    }

    #[test]
    fn a_key_matches_its_hash_and_not_a_near_miss() {
        let hash = sha256_hex("test");
        assert_eq!(
            hash,
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        );
        let set = keys(&format!(
            "[[keys]]\nid = \"bot\"\nsha256 = \"{hash}\"\nroles = [\"reporting\"]\n"
        ));
        let Ok(set) = set else { panic!("{set:?}") };
        let p = set.verify("test");
        assert_eq!(p.as_ref().map(|p| p.subject()), Ok("bot"));
        assert!(matches!(set.verify("tesT"), Err(KeyError::Unknown)));
    }

    #[test]
    fn an_expired_key_is_refused() {
        let set = keys(&format!(
            "[[keys]]\nid = \"bot\"\nsha256 = \"{}\"\nroles = []\nnot_after = 2020-01-01T00:00:00Z\n",
            sha256_hex("k")
        ));
        let Ok(set) = set else { panic!("{set:?}") };
        assert_eq!(
            set.verify("k").err(),
            Some(KeyError::Expired { id: "bot".into() })
        );
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let h = sha256_hex("k");
        for (file, expected) in [
            (
                "[[keys]]\nid = \"a\"\nsha256 = \"abc\"\nroles = []\n",
                "64 hexadecimal",
            ),
            (
                &format!(
                    "[[keys]]\nid = \"a\"\nsha256 = \"+f{}\"\nroles = []\n",
                    &h[2..]
                ),
                "64 hexadecimal",
            ),
            (
                &format!(
                    "[[keys]]\nid = \"a\"\nsha256 = \"{h}\"\nroles = []\nnot_after = \"tomorrow\"\n"
                ),
                "RFC 3339",
            ),
            (
                &format!(
                    "[[keys]]\nid = \"a\"\nsha256 = \"{h}\"\nroles = []\nnotafter = \"2027-01-01T00:00:00Z\"\n"
                ),
                "unknown field",
            ),
            (
                &format!(
                    "[[keys]]\nid = \"a\"\nsha256 = \"{h}\"\nroles = []\n[[keys]]\nid = \"b\"\nsha256 = \"{h}\"\nroles = []\n"
                ),
                "twice",
            ),
            (
                &format!("[[keys]]\nid = \"a b\"\nsha256 = \"{h}\"\nroles = []\n"),
                "`id`",
            ),
            (
                &format!(
                    "[[keys]]\nid = \"a\"\nsha256 = \"{h}\"\nroles = []\nscopes = [\"a b\"]\n"
                ),
                "`scopes`",
            ),
        ] {
            let e = keys(file).err().unwrap_or_default();
            assert!(e.contains(expected), "{e}");
        }
    }

    #[test]
    fn generated_keys_are_long_random_and_hashed() {
        let (Ok(a), Ok(b)) = (NewApiKey::generate(), NewApiKey::generate()) else {
            panic!("no randomness")
        };
        assert_ne!(a.key.expose_secret(), b.key.expose_secret());
        assert_eq!(a.key.expose_secret().len(), KEY_PREFIX.len() + 64);
        assert_eq!(sha256_hex(a.key.expose_secret()), a.sha256);
        let entry = a
            .toml_entry(
                "bot",
                &["reporting"],
                &["reports:read"],
                Some("2099-01-01T00:00:00Z"),
            )
            .unwrap_or_default();
        assert!(entry.contains("scopes = [\"reports:read\"]"), "{entry}");
        assert!(a.toml_entry("bot", &[], &[], Some("soon")).is_err());
        assert!(a.toml_entry("bot", &[], &["a b"], None).is_err());
        let set = keys(&entry);
        let Ok(set) = set else { panic!("{set:?}") };
        let principal = set.verify(a.key.expose_secret());
        assert_eq!(
            principal.map(|p| p.scopes().to_vec()).ok(),
            Some(vec!["reports:read".to_owned()])
        );
        assert!(!format!("{a:?}").contains(a.key.expose_secret()));
    }
}
