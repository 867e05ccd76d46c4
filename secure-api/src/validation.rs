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

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::marker::PhantomData;

use actix_web::http::StatusCode;
use actix_web::http::header::{
    ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue,
};
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use futures_util::StreamExt as _;
use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use validator::{ValidationErrors, ValidationErrorsKind};

use crate::problem::{FieldError, Problem};

/// The default body limit of a `#[secure]` route, in bytes (64 KiB).
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// The deepest nesting of arrays and objects accepted in a JSON body.
/// Deeper documents get 400 before any typed parsing (no stack overflow).
pub const MAX_DEPTH: usize = 32;

/// Maps `validator`'s errors, keyed by Rust field names, to the names the
/// client wrote. Implemented by `#[derive(secure_api::Input)]`, which reads
/// `#[serde(rename)]`/`rename_all` and `#[validate(nested)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a validated input of a `#[secure]` handler",
    label = "`{Self}` needs `#[derive(validator::Validate, secure_api::Input)]`",
    note = "derive both on `{Self}`; a type with nothing to check opts out with `#[secure(..., unvalidated(<argument>))]`"
)]
pub trait Input: validator::Validate {
    /// The extractor of a `#[secure]` argument `E` holding `Self`
    /// (`Json<Self>`, `Form<Self>`, `Query<Self>`, `Path<Self>`):
    /// `Validated<E>`, set by the derive.
    ///
    /// `#[secure]` names the extractor through it
    /// (`<T as Input>::Extractor<Json<T>>`), so that a `T` without `Input`
    /// is reported once, at `T`, and not again where the handler's
    /// arguments are extracted.
    #[doc(hidden)]
    type Extractor<E>;

    /// Appends one [`FieldError`] per error in `errors`, each field path
    /// prefixed with `prefix` (empty at the top level).
    fn field_errors(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>);
}

/// A JSON array of inputs, `Json<Vec<T>>`: each element is validated, its
/// errors named by index (`[0].email`).
impl<T: Input> Input for Vec<T> {
    type Extractor<E> = Validated<E>;

    fn field_errors(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
        // `validator` reports a collection under this made-up key.
        if let Some(kind) = errors.errors().get("_tmp_validator") {
            nested_errors::<T>(kind, prefix, out);
        }
    }
}

/// A field of an [`Input`] marked `#[validate(nested)]`: a struct deriving
/// `Input` (the derive implements this trait too), or an `Option`, `Vec`,
/// `VecDeque`, slice, array or `Box` of one.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a nested validated input",
    label = "a `#[validate(nested)]` field needs a type that derives `secure_api::Input`",
    note = "derive `validator::Validate` and `secure_api::Input` on the nested struct; `Option`, `Vec`, `VecDeque`, slices, arrays and `Box` of it work too"
)]
pub trait NestedInput {
    /// Appends the errors of `kind`, found at `path`.
    fn nested_errors(kind: &ValidationErrorsKind, path: &str, out: &mut Vec<FieldError>);
}

/// [`NestedInput::nested_errors`] of a type deriving [`Input`]: a nested
/// struct's errors under `path`, a list's under `path[index]`, and the
/// field's own errors at `path`.
#[doc(hidden)]
pub fn nested_errors<T: Input + ?Sized>(
    kind: &ValidationErrorsKind,
    path: &str,
    out: &mut Vec<FieldError>,
) {
    match kind {
        ValidationErrorsKind::Struct(inner) => T::field_errors(inner, path, out),
        ValidationErrorsKind::List(items) => {
            for (index, inner) in items {
                T::field_errors(inner, &format!("{path}[{index}]"), out);
            }
        }
        ValidationErrorsKind::Field(list) => push_field(list, path, out),
    }
}

/// Wrappers whose nested errors are those of the type they hold: `validator`
/// reports an `Option` as its value and a collection as a list by index.
macro_rules! nested_through {
    ($($t:ty),* $(,)?) => {
        $(impl<T: NestedInput> NestedInput for $t {
            fn nested_errors(kind: &ValidationErrorsKind, path: &str, out: &mut Vec<FieldError>) {
                T::nested_errors(kind, path, out);
            }
        })*
    };
}

nested_through!(
    Option<T>,
    Box<T>,
    Vec<T>,
    std::collections::VecDeque<T>,
    [T]
);

impl<T: NestedInput, const N: usize> NestedInput for [T; N] {
    fn nested_errors(kind: &ValidationErrorsKind, path: &str, out: &mut Vec<FieldError>) {
        T::nested_errors(kind, path, out);
    }
}

/// The probe behind `#[derive(Input)]`'s check that a field holding a
/// validated input is marked `#[validate(nested)]`:
/// `NestedProbe::<T>::NESTED` is `true` when `T: NestedInput` (the inherent
/// constant below) and `false` otherwise ([`NotNested`]'s default, found
/// only when the inherent impl does not apply). Generated code asserts
/// `!NestedProbe::<FieldType>::NESTED` for every field without `nested`.
#[doc(hidden)]
pub struct NestedProbe<T: ?Sized>(PhantomData<T>);

/// The fallback of [`NestedProbe`]: `NESTED` is `false`.
#[doc(hidden)]
pub trait NotNested {
    /// Whether the probed type is a [`NestedInput`]: not, here.
    const NESTED: bool = false;
}

impl<T: ?Sized> NotNested for NestedProbe<T> {}

impl<T: NestedInput + ?Sized> NestedProbe<T> {
    /// Whether the probed type is a [`NestedInput`]: it is, here.
    pub const NESTED: bool = true;
}

/// `validator::Validate`, under a name whose error says what to do: the
/// bound `#[derive(Input)]` asserts, so that a struct that derives `Input`
/// but not `Validate` is told to derive it.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` derives `secure_api::Input` but not `validator::Validate`",
    label = "derive `validator::Validate` on `{Self}` too",
    note = "`Input` reports the errors of the rules `validator` checks: write `#[derive(Deserialize, Validate, Input)]`, with `#[validate(...)]` on the fields to check"
)]
pub trait DerivesValidate: validator::Validate {}

impl<T: validator::Validate + ?Sized> DerivesValidate for T {}

/// Compiles only when `T` implements `validator::Validate`; see
/// [`DerivesValidate`].
#[doc(hidden)]
pub const fn assert_validate<T: DerivesValidate + ?Sized>() {}

/// Appends a field's own errors: their codes only, never params or messages.
#[doc(hidden)]
pub fn push_field(list: &[validator::ValidationError], path: &str, out: &mut Vec<FieldError>) {
    out.extend(
        list.iter()
            .map(|e| FieldError::new(path, e.code.to_string())),
    );
}

/// `prefix.name`, or `name` at the top level.
#[doc(hidden)]
pub fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// The body limit in force for the current request, set by `#[secure]`
/// from the route's `body_limit` (bytes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimit(pub(crate) usize);

/// Why a body was refused, before it reached the handler.
#[derive(Debug)]
pub(crate) enum InputRejection {
    UnsupportedMediaType,
    UnsupportedEncoding,
    TooLarge,
    Timeout,
    Malformed,
    Unprocessable(Vec<FieldError>),
}

impl InputRejection {
    fn problem(self) -> Problem {
        match self {
            InputRejection::UnsupportedMediaType => Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "The request body has an unsupported content type.",
            ),
            // RFC 9110 §15.5.16: say which codings would have been accepted.
            InputRejection::UnsupportedEncoding => Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "The request body has an unsupported content coding; send it uncompressed.",
            )
            .with_header(ACCEPT_ENCODING, HeaderValue::from_static("identity")),
            InputRejection::TooLarge => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request body is too large.",
            ),
            InputRejection::Timeout => Problem::new(
                StatusCode::REQUEST_TIMEOUT,
                "The request body did not arrive in time.",
            ),
            InputRejection::Malformed => Problem::new(
                StatusCode::BAD_REQUEST,
                "The request body is malformed: invalid syntax, a duplicate key, or nesting too deep.",
            ),
            InputRejection::Unprocessable(errors) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The request does not fit the expected shape or rules; see `errors`.",
            )
            .with_errors(errors),
        }
    }
}

/// An extractor `#[secure]` puts in place of `web::Json<T>`, `web::Form<T>`,
/// `web::Query<T>` or `web::Path<T>`: strict parsing, then validation.
#[doc(hidden)]
pub struct Validated<E>(pub E);

/// Like [`Validated`] with strict parsing but no `validator` rules, for
/// arguments named in `unvalidated(...)`.
#[doc(hidden)]
pub struct Unvalidated<E>(pub E);

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
fn body_headers(req: &HttpRequest, expected: &str) -> Result<(), InputRejection> {
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
async fn read_limited(req: &HttpRequest, payload: &mut Payload) -> Result<Bytes, InputRejection> {
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

/// The longest field path echoed in an `errors` entry, in characters; a
/// longer client-chosen member name is cut and ends in `…`.
pub const MAX_FIELD_CHARS: usize = 64;

/// A client-chosen path, cut to [`MAX_FIELD_CHARS`].
fn shown(path: String) -> String {
    if path.chars().count() <= MAX_FIELD_CHARS {
        return path;
    }
    let mut cut: String = path.chars().take(MAX_FIELD_CHARS).collect();
    cut.push('…');
    cut
}

/// Strict JSON: a first pass that refuses duplicate keys and deep nesting,
/// then typed parsing that reports unknown members and type errors by path.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, InputRejection> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Shape { depth: 0 }
        .deserialize(&mut de)
        .map_err(|_| InputRejection::Malformed)?;
    de.end().map_err(|_| InputRejection::Malformed)?;

    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut unknown = Vec::new();
    let mut track = serde_path_to_error::Track::new();
    let typed = serde_ignored::deserialize(
        serde_path_to_error::Deserializer::new(&mut de, &mut track),
        |path| unknown.push(FieldError::new(shown(ignored_path(&path)), "unknown_field")),
    );
    match typed {
        Ok(value) if unknown.is_empty() => Ok(value),
        Ok(_) => Err(InputRejection::Unprocessable(unknown)),
        Err(e) if e.is_data() => {
            unknown.push(data_error(&track.path(), &e.to_string()));
            Err(InputRejection::Unprocessable(unknown))
        }
        Err(_) => Err(InputRejection::Malformed),
    }
}

/// `application/x-www-form-urlencoded` (a body, or a query string when
/// `reject_unknown` is false: unknown query parameters are ignored).
fn urlencoded<T: DeserializeOwned>(
    bytes: &[u8],
    reject_unknown: bool,
) -> Result<T, InputRejection> {
    let mut unknown = Vec::new();
    let mut track = serde_path_to_error::Track::new();
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(bytes));
    let typed = serde_ignored::deserialize(
        serde_path_to_error::Deserializer::new(de, &mut track),
        |path| unknown.push(FieldError::new(shown(ignored_path(&path)), "unknown_field")),
    );
    match typed {
        Ok(value) if unknown.is_empty() || !reject_unknown => Ok(value),
        Ok(_) => Err(InputRejection::Unprocessable(unknown)),
        Err(e) => {
            if !reject_unknown {
                unknown.clear();
            }
            unknown.push(data_error(&track.path(), &e.to_string()));
            Err(InputRejection::Unprocessable(unknown))
        }
    }
}

/// A typed-parsing error as a field error. The message is read only to
/// classify it; none of its text (which may quote input) is returned.
fn data_error(path: &serde_path_to_error::Path, message: &str) -> FieldError {
    let at = error_path(path);
    // serde's fixed wording: "missing field `name`", "duplicate field
    // `name`" (a query or form parameter given twice), reported at the
    // struct that lacks or repeats the member.
    for (prefix, code) in [
        ("missing field", "missing_field"),
        ("duplicate field", "duplicate_field"),
    ] {
        if message.starts_with(prefix) {
            let name = message.split('`').nth(1).unwrap_or_default();
            return FieldError::new(shown(join(&at, name)), code);
        }
    }
    let code = if message.starts_with("unknown field") {
        "unknown_field"
    } else if message.starts_with("invalid type") {
        "invalid_type"
    } else if message.starts_with("unknown variant") {
        "unknown_variant"
    } else {
        "invalid_value"
    };
    FieldError::new(shown(at), code)
}

/// `address.postal`, `items[0].postal` from serde_path_to_error.
fn error_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                let _ = write!(out, "[{index}]");
            }
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// `address.extra`, `items[0].extra` from serde_ignored.
fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        Path::Map { parent, key } => join(&ignored_path(parent), key),
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}

/// The first pass over a JSON document: any value, with no duplicate key in
/// any object and at most [`MAX_DEPTH`] levels of nesting.
struct Shape {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Shape {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Shape {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let depth = self.deeper::<A::Error>()?;
        while seq.next_element_seed(Shape { depth })?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let depth = self.deeper::<A::Error>()?;
        let mut keys: HashSet<Cow<'de, str>> = HashSet::new();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if !keys.insert(key) {
                return Err(serde::de::Error::custom("duplicate key"));
            }
            map.next_value_seed(Shape { depth })?;
        }
        Ok(())
    }
}

impl Shape {
    fn deeper<E: serde::de::Error>(&self) -> Result<usize, E> {
        if self.depth >= MAX_DEPTH {
            Err(E::custom("nesting too deep"))
        } else {
            Ok(self.depth + 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn shape(s: &str) -> bool {
        parse_json::<Value>(s.as_bytes()).is_ok()
    }

    #[test]
    fn duplicate_keys_are_malformed_at_any_depth() {
        assert!(shape(r#"{"a":1,"b":{"c":[{"d":1}]}}"#));
        assert!(!shape(r#"{"a":1,"a":2}"#));
        assert!(!shape(r#"{"x":{"a":1,"a":2}}"#));
        assert!(!shape(r#"[{"a":1,"\u0061":2}]"#));
    }

    #[test]
    fn nesting_is_capped_without_overflowing_the_stack() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(shape(&ok));
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(!shape(&deep));
        let huge = "[".repeat(1_000_000);
        assert!(!shape(&huge));
    }

    /// The module docs' "Limits of unknown-member refusal", pinned:
    /// unknown members are found inside externally tagged enums, and
    /// adjacently tagged ones whose tag comes first; not inside internally
    /// tagged or untagged ones, nor adjacently tagged content sent before
    /// its tag.
    #[test]
    fn unknown_members_are_found_through_externally_tagged_enums_only() {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Card {
            number: String,
        }
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        enum External {
            Card { number: String },
            Wrapped(Card),
        }
        #[derive(serde::Deserialize)]
        #[serde(tag = "type")]
        #[allow(dead_code)]
        enum Internal {
            Card { number: String },
        }
        #[derive(serde::Deserialize)]
        #[serde(tag = "t", content = "c")]
        #[allow(dead_code)]
        enum Adjacent {
            Card { number: String },
        }
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        #[allow(dead_code)]
        enum Untagged {
            Card { number: String },
        }
        fn unknown<T: DeserializeOwned>(json: &str) -> Vec<FieldError> {
            match parse_json::<T>(json.as_bytes()) {
                Ok(_) => Vec::new(),
                Err(InputRejection::Unprocessable(errors)) => errors,
                Err(other) => panic!("{json}: {other:?}"),
            }
        }
        // (`serde_ignored` does not name the variant in the path.)
        assert_eq!(
            unknown::<External>(r#"{"Card":{"number":"1","isAdmin":true}}"#),
            [FieldError::new("isAdmin", "unknown_field")]
        );
        assert_eq!(
            unknown::<External>(r#"{"Wrapped":{"number":"1","isAdmin":true}}"#),
            [FieldError::new("isAdmin", "unknown_field")]
        );
        assert!(unknown::<Internal>(r#"{"type":"Card","number":"1","isAdmin":true}"#).is_empty());
        assert!(
            unknown::<Adjacent>(r#"{"c":{"number":"1","isAdmin":true},"t":"Card"}"#).is_empty()
        );
        assert_eq!(
            unknown::<Adjacent>(r#"{"t":"Card","c":{"number":"1","isAdmin":true}}"#),
            [FieldError::new("c.isAdmin", "unknown_field")]
        );
        assert!(unknown::<Untagged>(r#"{"number":"1","isAdmin":true}"#).is_empty());
    }

    #[test]
    fn trailing_garbage_is_malformed() {
        assert!(!shape(r#"{"a":1} x"#));
        assert!(!shape(""));
    }
}
