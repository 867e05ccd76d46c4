//! RFC 9457 problem details: the one error body of secure-api.
//!
//! Every rejection the framework produces, and every error response that
//! passes through [`Security`](crate::Security) without a body of its own, is
//! answered with `Content-Type: application/problem+json` and a body of this
//! shape. A problem never echoes a token, a key, a submitted value or an
//! internal error message: its `detail` is one of the fixed strings chosen by
//! the code that rejects the request.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, HttpResponseBuilder};
use serde::Serialize;

/// The most entries of the `errors` member of one problem.
pub const MAX_ERRORS: usize = 100;

/// The media type of a problem details body (RFC 9457 §3).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem details object (RFC 9457 §3.1): `type`, `title`, `status`,
/// `detail`.
///
/// `type` is `about:blank` (RFC 9457 §4.2.1), so `title` is the HTTP reason
/// phrase of `status`; what went wrong is in `detail`, a fixed sentence that
/// holds no client input. Extra headers (for example `WWW-Authenticate` or
/// `Retry-After`) travel with the problem and are set on the response.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError>,
    #[serde(skip)]
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Problem {
    /// The generic problem for `status` (RFC 9457 §3): its `detail` is a fixed
    /// sentence for that status. Used for error responses that carry no
    /// problem body of their own (actix-web's 404 for an unknown path, 405),
    /// and wherever one answer must equal another word for word (a 404 for
    /// someone else's object and for a missing one, OWASP API1:2023).
    pub fn for_status(status: StatusCode) -> Problem {
        let detail = match status {
            StatusCode::BAD_REQUEST => "The request is malformed.",
            StatusCode::UNAUTHORIZED => "Authentication is required.",
            StatusCode::FORBIDDEN => "The request is not allowed.",
            StatusCode::NOT_FOUND => "The resource does not exist.",
            StatusCode::METHOD_NOT_ALLOWED => "The method is not allowed on this resource.",
            StatusCode::NOT_ACCEPTABLE => "No acceptable representation is available.",
            StatusCode::GONE => "The resource has been retired.",
            StatusCode::PAYLOAD_TOO_LARGE => "The request body is too large.",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                "The request body has an unsupported content type."
            }
            StatusCode::UNPROCESSABLE_ENTITY => "The request body does not fit the expected shape.",
            StatusCode::TOO_MANY_REQUESTS => "Too many requests.",
            s if s.is_server_error() => "The server could not complete the request.",
            _ => "The request could not be completed.",
        };
        Problem::new(status, detail)
    }

    /// A problem with the given HTTP status and a fixed `detail` sentence.
    ///
    /// Input: any status (client errors and server errors in practice) and a
    /// static string that must not contain client input.
    pub fn new(status: StatusCode, detail: &'static str) -> Self {
        Self {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail,
            errors: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// Adds a header sent with the problem (for example `WWW-Authenticate`,
    /// RFC 6750 §3, or `Retry-After`, RFC 9110 §10.2.3). A header of the same
    /// name added earlier is replaced.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.retain(|(n, _)| n != name);
        self.headers.push((name, value));
        self
    }

    /// Adds the `errors` extension member (RFC 9457 §3.2): one entry per
    /// field that does not fit, naming the field and a code, never the
    /// submitted value; at most [`MAX_ERRORS`] of them, so that a body of
    /// many short unknown members cannot make a much larger answer.
    pub fn with_errors(mut self, mut errors: Vec<FieldError>) -> Self {
        errors.truncate(MAX_ERRORS);
        self.errors = errors;
        self
    }

    /// The `errors` extension member.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// The HTTP status code of this problem.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The `detail` member: a fixed sentence with no client input.
    pub fn detail(&self) -> &'static str {
        self.detail
    }

    /// Renders the problem as an HTTP response: the status, the problem's
    /// headers and a `application/problem+json` body.
    pub fn to_response(&self) -> HttpResponse {
        let mut builder = HttpResponseBuilder::new(self.status());
        builder.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        for (name, value) in &self.headers {
            builder.insert_header((name.clone(), value.clone()));
        }
        // Serialising a struct of strings and integers cannot fail; the
        // fallback keeps the body well-formed all the same.
        let body = serde_json::to_string(self).unwrap_or_else(|_| {
            format!(
                r#"{{"type":"about:blank","title":"Error","status":{}}}"#,
                self.status
            )
        });
        builder.body(body)
    }
}

/// One entry of a problem's `errors` member: a field, named as it appears in
/// the request (`address.postal`, `items[0].postal`), and a machine-readable
/// code (`length`, `email`, `unknown_field`, `missing_field`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's path as the client wrote it; empty for the whole document.
    pub field: String,
    /// What is wrong, as a code: validator's rule name or one of
    /// `unknown_field`, `missing_field`, `duplicate_field`, `invalid_type`,
    /// `invalid_value`, `unknown_variant`.
    pub code: String,
}

impl FieldError {
    /// An error `code` on the field at `field`.
    pub fn new(field: impl Into<String>, code: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.title, self.detail)
    }
}

impl actix_web::ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.to_response()
    }
}
