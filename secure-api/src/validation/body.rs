//! Reading a request body: the headers that say how (media type,
//! content coding; RFC 9110 §8.3, §8.4), the route's size limit, and the
//! time a client may take to send it.

use actix_web::http::header::{CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::web::{Bytes, BytesMut};
use actix_web::{HttpMessage, HttpRequest, dev::Payload};
use futures_util::StreamExt as _;

use crate::rejection::InputRejection;

/// The default body limit of a `#[secure]` route, in bytes (64 KiB).
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// The body limit in force for the current request, set by `#[secure]`
/// from the route's `body_limit` (bytes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimit(pub(crate) usize);

/// Checks the headers that say how to read the body, before reading it:
/// exactly one `Content-Type`, whose media type (parameters aside) is
/// `expected` (RFC 9110 §8.3), and no content coding but `identity`
/// (RFC 9110 §8.4): bodies are not decompressed, so a compressed one is
/// refused rather than parsed as it is.
///
/// # Errors
///
/// [`InputRejection::UnsupportedMediaType`] for a missing, repeated or
/// other `Content-Type`; [`InputRejection::UnsupportedEncoding`] for a
/// `Content-Encoding` other than `identity`. Both are 415.
pub(super) fn body_headers(req: &HttpRequest, expected: &str) -> Result<(), InputRejection> {
    let mut types = req.headers().get_all(CONTENT_TYPE);
    let media_type_is_expected = match (types.next(), types.next()) {
        (Some(value), None) => value
            .to_str()
            .ok()
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case(expected)),
        // None, or two: which one the client meant cannot be known.
        _ => false,
    };
    if !media_type_is_expected {
        return Err(InputRejection::UnsupportedMediaType);
    }
    let identity_only = req.headers().get_all(CONTENT_ENCODING).all(|value| {
        value.to_str().is_ok_and(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|coding| !coding.is_empty())
                .all(|coding| coding.eq_ignore_ascii_case("identity"))
        })
    });
    if !identity_only {
        return Err(InputRejection::UnsupportedEncoding);
    }
    Ok(())
}

/// Reads the body, refusing it as soon as it is known to exceed the limit:
/// from `Content-Length` before reading, or while streaming (chunked).
pub(super) async fn read_limited(
    req: &HttpRequest,
    payload: &mut Payload,
) -> Result<Bytes, InputRejection> {
    let limit = req
        .extensions()
        .get::<BodyLimit>()
        .map_or(DEFAULT_BODY_LIMIT, |l| l.0);
    if let Some(len) = req.headers().get(CONTENT_LENGTH) {
        let len = len
            .to_str()
            .ok()
            .and_then(|l| l.trim().parse::<u64>().ok())
            .ok_or(InputRejection::Malformed)?;
        if len > limit as u64 {
            return Err(InputRejection::TooLarge);
        }
    }
    let read = async {
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| match e {
                actix_web::error::PayloadError::Overflow => InputRejection::TooLarge,
                _ => InputRejection::Malformed,
            })?;
            if body.len() + chunk.len() > limit {
                return Err(InputRejection::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    actix_web::rt::time::timeout(BODY_TIMEOUT, read)
        .await
        .unwrap_or(Err(InputRejection::Timeout))
}

/// How long a client may take to send a whole request body (30 seconds),
/// so a slow sender cannot hold a worker's connection open for ever.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
