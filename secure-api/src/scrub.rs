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
use actix_web::http::Uri;
use actix_web::http::header::{HeaderMap, HeaderName};

use crate::secret::{API_KEY_PREFIX, CREDENTIAL_PARAMS};
pub use crate::secret::{REDACTED, SENSITIVE_HEADERS};

/// The most characters of a path (with its query) written to a log; a
/// longer one is cut and ends with `…`.
pub const MAX_LOGGED_PATH_CHARS: usize = 2048;

/// The most characters of a principal's subject written to a log.
pub const MAX_LOGGED_SUBJECT_CHARS: usize = 256;

/// [`SENSITIVE_HEADERS`] as header names, for lookups without parsing.
const SENSITIVE_HEADER_NAMES: [HeaderName; 5] = [
    HeaderName::from_static(SENSITIVE_HEADERS[0]),
    HeaderName::from_static(SENSITIVE_HEADERS[1]),
    HeaderName::from_static(SENSITIVE_HEADERS[2]),
    HeaderName::from_static(SENSITIVE_HEADERS[3]),
    HeaderName::from_static(SENSITIVE_HEADERS[4]),
];

/// Whether `headers` holds any of [`SENSITIVE_HEADERS`].
pub(crate) fn has_sensitive(headers: &HeaderMap) -> bool {
    SENSITIVE_HEADER_NAMES
        .iter()
        .any(|name| headers.contains_key(name))
}

/// Whether the header `name` carries a credential (see [`SENSITIVE_HEADERS`]).
pub fn is_sensitive_header(name: &HeaderName) -> bool {
    SENSITIVE_HEADERS.contains(&name.as_str())
}

/// Query parameter names whose values are redacted in logs besides the
/// credential parameters refused with 400, compared after lower-casing and
/// keeping only letters and digits (`Access-Token`, `user[password]`): a
/// name equal to one of these...
const SECRET_PARAMS: [&str; 8] = [
    "key",
    "pwd",
    "bearer",
    "auth",
    "authorization",
    "session",
    "sessionid",
    "jwt",
];

/// ...or ending with one of these (`new_password`, `client_secret`,
/// `refresh_token`, `x-api-key`).
const SECRET_SUFFIXES: [&str; 6] = [
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "signature",
];

/// Whether the value of query parameter `name` (percent-decoded) is kept
/// out of logs: the credential parameters refused with 400 (`access_token`,
/// `token`, `api_key`, `apikey`, `jwt`, `id_token`; RFC 6750 §2.3),
/// compared case-insensitively after trimming spaces, and other names that
/// usually carry secrets (`password`, `client_secret`, `x-api-key`, ...),
/// compared without case, `-`, `_` or spaces.
pub fn is_credential_param(name: &str) -> bool {
    let trimmed = name.trim();
    if CREDENTIAL_PARAMS
        .iter()
        .any(|c| trimmed.eq_ignore_ascii_case(c))
    {
        return true;
    }
    let folded: String = trimmed
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_PARAMS.contains(&folded.as_str()) || SECRET_SUFFIXES.iter().any(|s| folded.ends_with(s))
}

/// `query` (without the `?`) with the value of every credential parameter
/// replaced by [`REDACTED`]; every other parameter, and each parameter's
/// name, stays as it was sent (still percent-encoded), in order.
///
/// A parameter is recognised after percent-decoding its name
/// (`acc%65ss_token=..` too). `application/x-www-form-urlencoded` (WHATWG
/// URL Standard §5.1) splits on `&`, then at the first `=`; some servers
/// also split on `;`. Both readings are covered: in one `&`-separated pair,
/// from the first `;`-separated part named as a credential (with a value
/// or without: `token;x=..`), or from the start when the whole pair's name
/// is one (`to;ken=..`), everything after the next `=` to the end of the
/// pair is redacted, so a value holding `;` is never cut short.
pub fn query(query: &str) -> Cow<'_, str> {
    fn name_of(part: &str) -> &str {
        part.split_once('=').map_or(part, |(name, _)| name)
    }
    let names_credential =
        |name: &str| form_urlencoded::parse(name.as_bytes()).any(|(n, _)| is_credential_param(&n));
    // Where the secret of `pair` starts: the byte after the `=` that
    // follows its first credential name.
    let secret_at = |pair: &str| -> Option<usize> {
        let from = if names_credential(name_of(pair)) {
            0
        } else {
            let mut offset = 0;
            pair.split(';').find_map(|part| {
                let at = offset;
                offset += part.len() + 1;
                names_credential(name_of(part)).then_some(at)
            })?
        };
        pair[from..].find('=').map(|eq| from + eq + 1)
    };
    // Copied only once a secret is found: most queries hold none.
    let mut out: Option<String> = None;
    let (mut start, mut copied) = (0, 0);
    for pair in query.split('&') {
        if let Some(at) = secret_at(pair) {
            let o = out.get_or_insert_with(|| String::with_capacity(query.len()));
            o.push_str(&query[copied..start + at]);
            o.push_str(REDACTED);
            copied = start + pair.len();
        }
        start += pair.len() + 1;
    }
    match out {
        None => Cow::Borrowed(query),
        Some(mut o) => {
            o.push_str(&query[copied..]);
            Cow::Owned(o)
        }
    }
}

/// `value` with every run that has the shape of a secret replaced by
/// [`REDACTED`], wherever it stands (path segments, parameters without a
/// name): a JWT (`eyJ` then base64url parts joined by `.`, RFC 7519 §3)
/// and a generated API key (`sapi_` and 64 hex digits).
pub fn shapes(value: &str) -> Cow<'_, str> {
    // Runs of the characters a JWT or a key is made of; each is looked at
    // once, so the scan is linear in the length of `value`.
    // `%` too: a `.` may come percent-encoded (`%2E`).
    let in_run = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=' | '%');
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut at = 0;
    while let Some(start) = value[at..].find(in_run).map(|n| at + n) {
        let end = value[start..]
            .find(|c: char| !in_run(c))
            .map_or(value.len(), |n| start + n);
        if let Some(secret) = secret_start(&value[start..end]) {
            let o = out.get_or_insert_with(String::new);
            o.push_str(&value[copied..start + secret]);
            o.push_str(REDACTED);
            copied = end;
        }
        at = end;
    }
    match out {
        None => Cow::Borrowed(value),
        Some(mut o) => {
            o.push_str(&value[copied..]);
            Cow::Owned(o)
        }
    }
}

/// Where a secret starts in `run`, one run of JWT characters: at the first
/// `eyJ` followed by a `.` and 16 characters in all, or at the first
/// `sapi_` with 16 characters in all. The first occurrence has the longest
/// tail, so if it does not qualify, no later one does.
fn secret_start(run: &str) -> Option<usize> {
    const SHORTEST: usize = 16;
    let dot = |tail: &str| tail.contains('.') || tail.contains("%2E") || tail.contains("%2e");
    let jwt = run
        .find("eyJ")
        .filter(|&at| run.len() - at >= SHORTEST && dot(&run[at..]));
    let key = run
        .find(API_KEY_PREFIX)
        .filter(|&at| run.len() - at >= SHORTEST);
    match (jwt, key) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The request target as it is logged: the path, then `?` and the
/// [`query`] with credentials redacted, secret-shaped runs redacted
/// ([`shapes`]), [`escape`]d and cut to [`MAX_LOGGED_PATH_CHARS`].
pub fn path_and_query(req: &HttpRequest) -> String {
    uri_path_and_query(req.uri())
}

/// [`path_and_query`] of a request target `uri`.
pub fn uri_path_and_query(uri: &Uri) -> String {
    let path = uri.path();
    // Matrix parameters (`/a;password=..`, RFC 3986 §3.3) are redacted as
    // query parameters are.
    let path = match path.split_once(';') {
        Some((before, params)) => Cow::Owned(format!("{before};{}", query(params))),
        None => Cow::Borrowed(path),
    };
    let target = match uri.query().unwrap_or_default() {
        "" => path,
        q => Cow::Owned(format!("{path}?{}", query(q))),
    };
    truncate(&escape(&shapes(&target)), MAX_LOGGED_PATH_CHARS).into_owned()
}

/// `value` with every control character (C0, DEL, C1), U+2028/U+2029 and
/// invisible format character (bidirectional controls such as U+202E,
/// zero-width characters, U+FEFF; Unicode TR #9, TR #36 §2.3) written as
/// an escape (`\r`, `\n`, `\t`, `\u{1b}`, `\u{202e}`), so that it stays
/// on one log line and reads as it is, whatever the log viewer. Borrowed
/// when there is nothing to escape.
pub fn escape(value: &str) -> Cow<'_, str> {
    let needs = |c: char| {
        c.is_control()
            || matches!(c,
                '\u{2028}' | '\u{2029}' | '\u{061c}' | '\u{180e}' | '\u{feff}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{fff9}'..='\u{fffb}')
    };
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
    for name in &SENSITIVE_HEADER_NAMES {
        if headers.get_all(name).count() <= 1 {
            // None, or one value: marked in place.
            if let Some(value) = headers.get_mut(name) {
                value.set_sensitive(true);
            }
            continue;
        }
        // `get_all` gives shared references; rebuild the values marked.
        let values: Vec<_> = headers
            .get_all(name)
            .cloned()
            .map(|mut v| {
                v.set_sensitive(true);
                v
            })
            .collect();
        headers.remove(name);
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
    fn other_secret_names_and_semicolons_are_redacted_too() {
        assert_eq!(
            query("x=1;access_token=abc&Client-Secret=s&X-API-Key=k&password=p&limit=2"),
            "x=1;access_token=[REDACTED]&Client-Secret=[REDACTED]&X-API-Key=[REDACTED]&password=[REDACTED]&limit=2"
        );
        // To a parser that splits on `&` only, a value runs to the next `&`,
        // `;` included: a password may hold one.
        assert_eq!(query("accessToken=a;b=2"), "accessToken=[REDACTED]");
        assert_eq!(query("password=abc;123&x=1"), "password=[REDACTED]&x=1");
        assert_eq!(
            query("x=1;client_secret=s;t&y=2"),
            "x=1;client_secret=[REDACTED]&y=2"
        );
        // A credential name without a value of its own: what follows in the
        // pair is its value to such a parser.
        assert_eq!(
            query("access_token;=v;w&x=1"),
            "access_token;=[REDACTED]&x=1"
        );
        assert_eq!(query("token;x=v;y=w&z=1"), "token;x=[REDACTED]&z=1");
        assert_eq!(query("to;ken=v"), "to;ken=[REDACTED]");
        assert_eq!(query("a;token"), "a;token");
        assert_eq!(query("é=1&token=é;x&ü"), "é=1&token=[REDACTED]&ü");
        assert_eq!(query("&&jwt=1&"), "&&jwt=[REDACTED]&");
        assert_eq!(query("a=1;b;c=2"), "a=1;b;c=2");
        assert!(matches!(query("a=1;b;c=2&d"), Cow::Borrowed(_)));
        assert_eq!(
            query("user%5Bpassword%5D=s&new_password=t&page_token=u&page=2"),
            "user%5Bpassword%5D=[REDACTED]&new_password=[REDACTED]&page_token=[REDACTED]&page=2"
        );
    }

    #[test]
    fn secret_shapes_are_redacted_anywhere() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln";
        let key = format!("{}{}", API_KEY_PREFIX, "ab".repeat(32));
        assert_eq!(
            shapes(&format!("/items/{key}/x?{jwt}&q=eyJ&s=sapi_")),
            "/items/[REDACTED]/x?[REDACTED]&q=eyJ&s=sapi_"
        );
        assert!(matches!(shapes("/v1/customers?limit=5"), Cow::Borrowed(_)));
        assert_eq!(shapes("/eyJustAWord"), "/eyJustAWord");
        assert_eq!(
            shapes("q=eyJhbGciOiJIUzI1NiJ9%2EeyJzdWIiOiJhIn0%2Ec2ln&x=1"),
            "q=[REDACTED]&x=1"
        );
        assert_eq!(shapes(&format!("/é{jwt}é")), "/é[REDACTED]é");
        // Long runs are scanned once, not once per position.
        let long = "eyJ".repeat(100_000);
        assert!(matches!(shapes(&long), Cow::Borrowed(_)));
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            escape("user\u{202e}nimda\u{200b}"),
            "user\\u{202e}nimda\\u{200b}"
        );
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
