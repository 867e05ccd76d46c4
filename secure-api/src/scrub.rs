//! Keeping secrets and forged lines out of logs: what the audit trail and
//! every other event of secure-api write about a request.
//!
//! - The values of `Authorization`, `Proxy-Authorization`, `X-API-Key`,
//!   `Cookie` and `Set-Cookie` never reach a log: [`RequestDebug`] prints
//!   them as [`REDACTED`], and the [`Security`](crate::Security) middleware
//!   marks them sensitive (`HeaderValue::set_sensitive`), so that even
//!   actix-web's own `Debug` of the headers hides them.
//! - Credential query parameters (`access_token`, `token`, `api_key`,
//!   `apikey`, `jwt`, `id_token`, in any case and percent-encoding) keep
//!   their name and lose their value: [`query`] turns
//!   `limit=5&access_token=eyJ..` into `limit=5&access_token=[REDACTED]`
//!   (RFC 6750 §5.3: bearer tokens in URLs end up in logs).
//! - Control characters (CR, LF, and every other C0 and C1 control, and the
//!   Unicode line and paragraph separators) are escaped by [`escape`], so a
//!   value cannot end a log line and forge the next one (OWASP Logging
//!   Cheat Sheet, "event data sources"; CWE-117).

use std::borrow::Cow;
use std::fmt;

use actix_web::HttpRequest;
use actix_web::http::header::{HeaderMap, HeaderName};

use crate::guard::CREDENTIAL_PARAMS;

/// What a secret is replaced by in logs and `Debug` output.
pub const REDACTED: &str = "[REDACTED]";

/// The request headers whose values are credentials, lower-case.
pub const SENSITIVE_HEADERS: [&str; 5] = [
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "cookie",
    "set-cookie",
];

/// The most characters of a path (with its query) written to a log; a
/// longer one is cut and ends with `…`.
pub const MAX_LOGGED_PATH_CHARS: usize = 2048;

/// The most characters of a principal's subject written to a log.
pub const MAX_LOGGED_SUBJECT_CHARS: usize = 256;

/// Whether the header `name` carries a credential (see [`SENSITIVE_HEADERS`]).
pub fn is_sensitive_header(name: &HeaderName) -> bool {
    SENSITIVE_HEADERS.contains(&name.as_str())
}

/// Whether the query parameter `name` (percent-decoded) names a credential:
/// `access_token`, `token`, `api_key`, `apikey`, `jwt` or `id_token`,
/// compared case-insensitively after trimming spaces, as the check that
/// answers 400 for them compares (RFC 6750 §2.3).
pub fn is_credential_param(name: &str) -> bool {
    let name = name.trim();
    CREDENTIAL_PARAMS
        .iter()
        .any(|c| name.eq_ignore_ascii_case(c))
}

/// `query` (without the `?`) with the value of every credential parameter
/// replaced by [`REDACTED`]; every other parameter, and each parameter's
/// name, stays as it was sent (still percent-encoded), in order.
///
/// A parameter is recognised after percent-decoding its name
/// (`acc%65ss_token=..` too), as `application/x-www-form-urlencoded`
/// (WHATWG URL Standard §5.1) splits it: on `&`, then at the first `=`.
pub fn query(query: &str) -> Cow<'_, str> {
    let credential = |pair: &str| {
        let name = pair.split_once('=').map_or(pair, |(name, _)| name);
        form_urlencoded::parse(name.as_bytes()).any(|(n, _)| is_credential_param(&n))
    };
    if !query
        .split('&')
        .any(|pair| pair.contains('=') && credential(pair))
    {
        return Cow::Borrowed(query);
    }
    let pairs: Vec<Cow<'_, str>> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if credential(pair) => Cow::Owned(format!("{name}={REDACTED}")),
            _ => Cow::Borrowed(pair),
        })
        .collect();
    Cow::Owned(pairs.join("&"))
}

/// The request target as it is logged: the path, then `?` and the
/// [`query`] with credentials redacted, [`escape`]d and cut to
/// [`MAX_LOGGED_PATH_CHARS`].
pub fn path_and_query(req: &HttpRequest) -> String {
    let path = req.path();
    let target = match req.query_string() {
        "" => Cow::Borrowed(path),
        q => Cow::Owned(format!("{path}?{}", query(q))),
    };
    truncate(&escape(&target), MAX_LOGGED_PATH_CHARS).into_owned()
}

/// `value` with every control character (C0, DEL, C1) and U+2028/U+2029
/// written as an escape (`\r`, `\n`, `\t`, `\u{1b}`), so it stays on one
/// log line whatever the log format. Borrowed when there is nothing to
/// escape.
pub fn escape(value: &str) -> Cow<'_, str> {
    let needs = |c: char| c.is_control() || c == '\u{2028}' || c == '\u{2029}';
    if !value.chars().any(needs) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if needs(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `value` cut to at most `max` characters, ending with `…` when cut.
pub(crate) fn truncate(value: &str, max: usize) -> Cow<'_, str> {
    match value.char_indices().nth(max) {
        None => Cow::Borrowed(value),
        Some((at, _)) => Cow::Owned(format!("{}…", &value[..at])),
    }
}

/// Marks the credential headers of `headers` sensitive, so that `Debug` of
/// the headers (`http::HeaderValue`) prints `Sensitive` instead of them and
/// HTTP/2 encoders never index them (RFC 7541 §7.1.3).
pub(crate) fn mark_sensitive(headers: &mut HeaderMap) {
    for name in SENSITIVE_HEADERS {
        // `get_all` gives shared references; rebuild the values marked.
        let values: Vec<_> = headers
            .get_all(name)
            .cloned()
            .map(|mut v| {
                v.set_sensitive(true);
                v
            })
            .collect();
        if values.is_empty() {
            continue;
        }
        let name = HeaderName::from_static(name);
        headers.remove(&name);
        for value in values {
            headers.append(name.clone(), value);
        }
    }
}

/// A request as it may be logged: `Debug` prints the method, the
/// [`path_and_query`] (credentials redacted), and the headers with the
/// values of [`SENSITIVE_HEADERS`] as [`REDACTED`] and every other value
/// [`escape`]d.
///
/// ```
/// use secure_api::scrub::RequestDebug;
///
/// let req = actix_web::test::TestRequest::get()
///     .uri("/v1/customers?limit=5&access_token=abc")
///     .insert_header(("authorization", "Bearer abc"))
///     .to_http_request();
/// let shown = format!("{:?}", RequestDebug(&req));
/// assert!(shown.contains("limit=5&access_token=[REDACTED]"));
/// assert!(!shown.contains("abc"));
/// ```
pub struct RequestDebug<'a>(pub &'a HttpRequest);

impl fmt::Debug for RequestDebug<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// One header, its value redacted or escaped.
        struct Header<'a>(&'a HeaderName, &'a actix_web::http::header::HeaderValue);
        impl fmt::Debug for Header<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if is_sensitive_header(self.0) {
                    write!(f, "{}: {REDACTED}", self.0)
                } else {
                    let value = String::from_utf8_lossy(self.1.as_bytes());
                    write!(f, "{}: {}", self.0, escape(&value))
                }
            }
        }
        let req = self.0;
        f.debug_struct("HttpRequest")
            .field("method", &req.method().as_str())
            .field("path", &path_and_query(req))
            .field(
                "headers",
                &req.headers()
                    .iter()
                    .map(|(n, v)| Header(n, v))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_values_are_redacted_and_the_rest_kept() {
        assert_eq!(query("limit=5&page=2"), "limit=5&page=2");
        assert_eq!(
            query("limit=5&access_token=abc.def&page=2"),
            "limit=5&access_token=[REDACTED]&page=2"
        );
        assert_eq!(
            query("Acc%65ss_Token=x&jwt=y"),
            "Acc%65ss_Token=[REDACTED]&jwt=[REDACTED]"
        );
        assert_eq!(query("api_key=a=b=c"), "api_key=[REDACTED]");
        assert_eq!(query("jwt&limit=1"), "jwt&limit=1");
        assert_eq!(query("tokens=3"), "tokens=3");
        assert_eq!(query("+token=x"), "+token=[REDACTED]");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape("plain"), "plain");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(escape("a\r\n{\"forged\":true}"), "a\\r\\n{\"forged\":true}");
        assert_eq!(
            escape("\u{1b}[31m\u{85}\u{2028}"),
            "\\u{1b}[31m\\u{85}\\u{2028}"
        );
    }

    #[test]
    fn long_values_are_cut() {
        assert_eq!(truncate("abcdef", 3), "abc…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("ééé", 2), "éé…");
    }

    #[test]
    fn sensitive_headers_are_marked() {
        let mut headers = HeaderMap::new();
        headers.append(
            HeaderName::from_static("x-api-key"),
            actix_web::http::header::HeaderValue::from_static("k-123"),
        );
        headers.append(
            HeaderName::from_static("accept"),
            actix_web::http::header::HeaderValue::from_static("text/plain"),
        );
        mark_sensitive(&mut headers);
        let shown = format!("{headers:?}");
        assert!(!shown.contains("k-123"), "{shown}");
        assert!(shown.contains("text/plain"), "{shown}");
    }
}
