//! What counts as a secret in a request, and what a secret is replaced by
//! wherever it could be shown: one copy of each list.
//!
//! Layer 0: imports nothing from the crate. [`scrub`](crate::scrub) keeps
//! secrets out of logs with these lists, [`auth`](crate::auth) refuses
//! credentials in the URL with them, and every `Debug` of a secret prints
//! [`REDACTED`].

/// What a secret is replaced by in logs, `Debug` output and redacted
/// response fields.
pub const REDACTED: &str = "[REDACTED]";

/// The request headers whose values are credentials, lower-case.
pub const SENSITIVE_HEADERS: [&str; 5] = [
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "cookie",
    "set-cookie",
];

/// Query parameter names that carry credentials, compared
/// case-insensitively (RFC 6750 §2.3 and §5.3: bearer tokens must not be in
/// URLs, where logs and `Referer` leak them).
pub(crate) const CREDENTIAL_PARAMS: [&str; 6] = [
    "access_token",
    "token",
    "api_key",
    "apikey",
    "jwt",
    "id_token",
];

/// The header API keys are sent in, lower-case. Keys are never accepted in
/// the URL.
pub const API_KEY_HEADER: &str = "x-api-key";

/// The prefix of generated API keys, so secret scanners can recognise them.
pub const API_KEY_PREFIX: &str = "sapi_";
