//! The last step of every response: an error without a problem body of
//! its own gets one (RFC 9457), then the secure headers are set; and the
//! same answer for a request whose service failed with an error.

use std::sync::Arc;

use actix_web::HttpResponse;
use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};

use crate::problem::{PROBLEM_JSON, Problem};
use crate::request_id::RequestId;
use crate::state::SecurityState;

/// Problem+json for bare error bodies, then the secure headers.
pub(super) fn finish(
    res: ServiceResponse<BoxBody>,
    https: bool,
    state: &SecurityState,
) -> ServiceResponse<BoxBody> {
    let mut res = if needs_problem_body(&res) {
        let status = res.status();
        res.map_body(|head, _| {
            head.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
            head.headers_mut().remove(header::CONTENT_LENGTH);
            Problem::for_status(status).to_response().into_body()
        })
    } else {
        res
    };
    state
        .config
        .secure_headers()
        .apply(res.headers_mut(), https);
    res
}

/// An error raised by a service inside [`Security`], answered as
/// problem+json for its status with the secure headers.
pub(super) struct ServiceFailure {
    pub(super) status: StatusCode,
    pub(super) https: bool,
    pub(super) state: Arc<SecurityState>,
    pub(super) request_id: RequestId,
}

impl std::fmt::Debug for ServiceFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceFailure")
            .field("status", &self.status)
            .field("https", &self.https)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Display for ServiceFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "request failed with status {}", self.status)
    }
}

impl actix_web::ResponseError for ServiceFailure {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = self
            .request_id
            .stamp(Problem::for_status(self.status).to_response());
        self.state
            .config
            .secure_headers()
            .apply(res.headers_mut(), self.https);
        res
    }
}

/// An error status whose body is not already problem+json and is empty or
/// plain text (actix-web's own error bodies, which may echo parser detail).
fn needs_problem_body(res: &ServiceResponse<BoxBody>) -> bool {
    if !(res.status().is_client_error() || res.status().is_server_error()) {
        return false;
    }
    match res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        None => true,
        Some(ct) => ct.starts_with("text/plain"),
    }
}
