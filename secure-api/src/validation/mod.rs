//! Validated input: JSON, form and query extractors that read the body
//! within a limit, parse it strictly and run `validator` before the handler
//! sees it (OWASP API3:2023 mass assignment, API4:2023 resource consumption).
//!
//! `#[secure]` wraps every `web::Json<T>`, `web::Form<T>`, `web::Query<T>`
//! and struct `web::Path<T>` argument in these extractors: [`Validated`]
//! when `T` derives [`Input`] (or is a `Vec` of such a type), [`Unvalidated`]
//! for arguments named in `unvalidated(...)` (free-form
//! `serde_json::Value`, types of other crates) and for plain data with no
//! rules to run (`Vec<String>`, `HashMap<String, String>`, ...). What a
//! client gets back:
//!
//! | input | status |
//! | --- | --- |
//! | `Content-Type` missing, sent twice, or other than `application/json` (form: `application/x-www-form-urlencoded`) | 415 |
//! | `Content-Encoding` other than `identity` (bodies are not decompressed) | 415, with `Accept-Encoding: identity` |
//! | body over the route's limit (default [`DEFAULT_BODY_LIMIT`] bytes; `Content-Length` or streamed, chunked included) | 413 |
//! | JSON that does not parse, has a duplicate key at any depth, or nests deeper than [`MAX_DEPTH`] | 400 |
//! | a member `T` does not declare (mass assignment) | 422, code `unknown_field` |
//! | a missing member, a value of the wrong type | 422, codes `missing_field`, `invalid_type`, `invalid_value` |
//! | a form or query parameter given twice (`?limit=1&limit=2`) | 422, code `duplicate_field` |
//! | a `validator` rule broken | 422, the rule's code (`length`, `email`, `range`, ...) |
//! | a struct `Path<T>` segment of the wrong type (`/orders/abc` for a `u32` field) | 404, as actix-web's `Path` answers: no such resource |
//!
//! 422 answers are problem+json with `errors: [{"field", "code"}]`; fields
//! are named as in the JSON (`address.postal`, `items[0].postal`), and no
//! submitted value and no validator `params` ever appear. Unknown query
//! parameters are ignored (a query string also carries tracking and cache
//! parameters); unknown members of a JSON or form body are refused.
//!
//! String lengths are `validator`'s: counted in Unicode scalar values
//! (`"😀"` is 1), so ten emoji pass `length(max = 10)` while `"a"` followed
//! by 5,000 combining marks does not. Bytes are capped separately by the
//! body limit.
//!
//! # Limits of unknown-member refusal
//!
//! Unknown members are found while serde reads the value into `T`
//! (`serde_ignored`). serde reads some shapes through a buffer of its own
//! that this cannot see into, where an unknown member is dropped silently
//! instead of refused:
//!
//! - a `#[serde(flatten)]` field: `#[derive(Input)]` refuses it at compile
//!   time;
//! - a field whose type is an internally tagged (`#[serde(tag = "..")]`)
//!   or `#[serde(untagged)]` enum, or an adjacently tagged one
//!   (`tag` + `content`) whose content the client sends before the tag:
//!   the members of the variant's content are not checked. Put
//!   `#[serde(deny_unknown_fields)]` on the enum (it covers its struct
//!   variants) and on each struct its newtype variants hold, so that serde
//!   refuses them itself (422, code `unknown_field`). Externally tagged
//!   enums (serde's default) are checked like structs.
//!
//! Layer 2: `derive` (what `#[derive(Input)]` generates against), `body`
//! (headers, limit and timeout of a body), `strict` (the strict parsers);
//! this module holds the extractors. Every refusal is an
//! input rejection of the one `rejection` module (problem+json).

mod body;
mod derive;
mod strict;

pub(crate) use body::BodyLimit;
pub use body::{BODY_TIMEOUT, DEFAULT_BODY_LIMIT};
pub use derive::{
    DerivesValidate, Input, NestedInput, NestedProbe, NotNested, Unvalidated, Validated,
    assert_validate, join, nested_errors, push_field,
};
pub use strict::{MAX_DEPTH, MAX_FIELD_CHARS};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;

use crate::problem::{FieldError, Problem};
use crate::rejection::InputRejection;
use body::{body_headers, read_limited};
use strict::{parse_json, urlencoded};

type Extracted<E> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<E, Problem>>>>;

/// `Validated<web::$wrapper<T>>` and `Unvalidated<web::$wrapper<T>>` for a
/// body extractor: `$read` reads and parses the body; only `Validated`
/// runs the rules.
macro_rules! body_extractors {
    ($wrapper:ident, $read:ident) => {
        impl<T: DeserializeOwned + Input + 'static> FromRequest for Validated<web::$wrapper<T>> {
            type Error = Problem;
            type Future = Extracted<Self>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let (req, mut payload) = (req.clone(), payload.take());
                Box::pin(async move {
                    let value: T = $read(&req, &mut payload)
                        .await
                        .map_err(InputRejection::problem)?;
                    validate(&value).map_err(InputRejection::problem)?;
                    Ok(Validated(web::$wrapper(value)))
                })
            }
        }

        impl<T: DeserializeOwned + 'static> FromRequest for Unvalidated<web::$wrapper<T>> {
            type Error = Problem;
            type Future = Extracted<Self>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let (req, mut payload) = (req.clone(), payload.take());
                Box::pin(async move {
                    let value: T = $read(&req, &mut payload)
                        .await
                        .map_err(InputRejection::problem)?;
                    Ok(Unvalidated(web::$wrapper(value)))
                })
            }
        }
    };
}

body_extractors!(Json, json_body);
body_extractors!(Form, form_body);

impl<T: DeserializeOwned + Input + 'static> FromRequest for Validated<web::Query<T>> {
    type Error = Problem;
    type Future = std::future::Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = urlencoded(req.query_string().as_bytes(), false)
            .and_then(|v: T| validate(&v).map(|()| v))
            .map(|v| Validated(web::Query(v)))
            .map_err(InputRejection::problem);
        std::future::ready(result)
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Unvalidated<web::Query<T>> {
    type Error = Problem;
    type Future = std::future::Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = urlencoded(req.query_string().as_bytes(), false)
            .map(|v| Unvalidated(web::Query(v)))
            .map_err(InputRejection::problem);
        std::future::ready(result)
    }
}

impl<T: DeserializeOwned + Input + 'static> FromRequest for Validated<web::Path<T>> {
    type Error = actix_web::Error;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let path = web::Path::<T>::from_request(req, payload);
        Box::pin(async move {
            let path = path.await?;
            validate(&*path).map_err(|r| r.problem())?;
            Ok(Validated(path))
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Unvalidated<web::Path<T>> {
    type Error = actix_web::Error;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let path = web::Path::<T>::from_request(req, payload);
        Box::pin(async move { Ok(Unvalidated(path.await?)) })
    }
}

/// Runs the `validator` rules of `value`.
fn validate<T: Input>(value: &T) -> Result<(), InputRejection> {
    value.validate().map_err(|errors| {
        let mut out = Vec::new();
        T::field_errors(&errors, "", &mut out);
        if out.is_empty() {
            out.push(FieldError::new("", "invalid"));
        }
        InputRejection::Unprocessable(out)
    })
}

/// Reads, checks and parses a JSON body.
async fn json_body<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: &mut Payload,
) -> Result<T, InputRejection> {
    body_headers(req, "application/json")?;
    let bytes = read_limited(req, payload).await?;
    parse_json(&bytes)
}

/// Reads, checks and parses an `application/x-www-form-urlencoded` body.
async fn form_body<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: &mut Payload,
) -> Result<T, InputRejection> {
    body_headers(req, "application/x-www-form-urlencoded")?;
    let bytes = read_limited(req, payload).await?;
    urlencoded(&bytes, true)
}
