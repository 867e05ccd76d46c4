//! Role-aware redaction of response fields, and of `Debug` output (OWASP
//! API3:2023, excessive data exposure).
//!
//! `#[derive(Redact)]` marks sensitive fields; `#[secure]` handlers that
//! return `web::Json<T>` or [`Reply<T>`] have the response redacted for the
//! caller's roles. Redaction works on the JSON form of the value, after
//! serialisation, and the redacted form is only ever written out: nothing
//! deserialises it back into `T`, so a masked value can never be taken for
//! real data.
//!
//! Field attributes of `#[derive(Redact)]`:
//!
//! | attribute | JSON for a caller without the role | `Debug` |
//! | --- | --- | --- |
//! | `#[redact(mask(last = 4))]` | every letter and digit but the last 4 characters becomes `*`, separators stay: `***-**-6789` | masked the same |
//! | `#[redact(hide)]` | the member is removed | `[REDACTED]` |
//! | `unless_role = "admin"` (with either) | shown in full to `admin` and roles above it | still masked |
//! | `#[redact(skip)]` | as it is; its type need not implement [`Redact`] (a type of another crate holding nothing sensitive) | as it is |
//!
//! Fields without an attribute are redacted through their own type: nested
//! structs and enums that derive `Redact`, `Vec`, `Option`, `Box`, maps.
//!
//! A mask keeps the value's length and its separators (every character that
//! is not a letter or digit): right for identifiers whose shape is public
//! (card numbers, SSNs, phone numbers), wrong for secrets. Passwords, keys,
//! tokens and anything else whose length or punctuation would help a guess
//! are `#[redact(hide)]`.
//!
//! Only responses that go through [`Reply`] are redacted: a `#[secure]`
//! handler declared to return `web::Json<T>`, `Result<web::Json<T>, E>`,
//! `Reply<T>` or `Result<Reply<T>, E>`. A handler returning
//! `impl Responder` or `HttpResponse` is answered as it is, whatever it
//! holds: return one of those types for data with sensitive fields.
//!
//! Redaction finds fields by the member names of the JSON serde derives for
//! the type, so that JSON must be the type's own: `#[serde(into)]`,
//! `try_into` and `remote` are refused by the derive, a field written by
//! `serialize_with` must carry its own `#[redact]`, and a hand-written
//! `Serialize` must write the members the derived one would.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue, TryIntoHeaderValue};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, Responder};
use serde::Serialize;
use serde_json::Value;

use crate::auth::Principal;
use crate::authz::Role;

/// Who is reading a response: the roles that may lift a redaction.
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    roles: &'a [String],
}

impl<'a> Viewer<'a> {
    /// A reader holding `roles` (as in the `roles` claim).
    pub fn with_roles(roles: &'a [String]) -> Self {
        Self { roles }
    }

    /// A reader with no role: everything sensitive is redacted.
    pub fn anonymous() -> Viewer<'static> {
        Viewer { roles: &[] }
    }

    /// Whether the reader holds `role`, directly or through the hierarchy.
    pub fn has_role(&self, role: &Role) -> bool {
        role.is_held_by(self.roles)
    }
}

/// A type whose JSON form can be redacted for a [`Viewer`].
///
/// Derive it with `#[derive(secure_api::Redact)]` (see the module docs for
/// the field attributes); the derive also implements `Debug` with the same
/// fields masked. Implemented here for scalars, strings, `serde_json::Value`
/// (free-form data declares nothing sensitive), `PhantomData`, and for
/// `Option`, `Vec`, `VecDeque`, sets, slices, arrays, tuples, `Box`, `Rc`,
/// `Arc`, `Cow` and maps of redactable types. A field whose type is from
/// another crate and holds nothing sensitive (`uuid::Uuid`, a timestamp) is
/// marked `#[redact(skip)]` instead.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `secure_api::Redact`, so a `#[secure]` response of it cannot be redacted",
    label = "`{Self}` needs `#[derive(secure_api::Redact)]`",
    note = "derive `secure_api::Redact` on `{Self}`; a type with no sensitive fields derives it with no attributes"
)]
pub trait Redact {
    /// Redacts `value`, the JSON serialisation of a `Self`, in place for
    /// `viewer`.
    fn redact_json(value: &mut Value, viewer: &Viewer<'_>);
}

macro_rules! redact_nothing {
    ($($t:ty),* $(,)?) => {
        $(impl Redact for $t {
            fn redact_json(_: &mut Value, _: &Viewer<'_>) {}
        })*
    };
}

redact_nothing!(
    bool,
    char,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    f32,
    f64,
    String,
    str,
    Value,
    ()
);

impl<T: Redact + ?Sized> Redact for &T {
    fn redact_json(value: &mut Value, viewer: &Viewer<'_>) {
        T::redact_json(value, viewer);
    }
}

impl<T: Redact + ?Sized> Redact for Box<T> {
    fn redact_json(value: &mut Value, viewer: &Viewer<'_>) {
        T::redact_json(value, viewer);
    }
}

impl<T: Redact> Redact for Option<T> {
    fn redact_json(value: &mut Value, viewer: &Viewer<'_>) {
        if !value.is_null() {
            T::redact_json(value, viewer);
        }
    }
}

impl<T: Redact> Redact for [T] {
    fn redact_json(value: &mut Value, viewer: &Viewer<'_>) {
        if let Value::Array(items) = value {
            items.iter_mut().for_each(|v| T::redact_json(v, viewer));
        }
    }
}

impl<T: Redact, const N: usize> Redact for [T; N] {
    fn redact_json(value: &mut Value, viewer: &Viewer<'_>) {
        <[T]>::redact_json(value, viewer);
    }
}

impl<T: Redact> Redact for Vec<T> {
    fn redact_json(value: &mut Value, viewer: &Viewer<'_>) {
        <[T]>::redact_json(value, viewer);
    }
}

impl<T: Redact> Redact for VecDeque<T> {
    fn redact_json(value: &mut Value, viewer: &Viewer<'_>) {
        <[T]>::redact_json(value, viewer);
    }
}

impl<T: Redact, S> Redact for HashSet<T, S> {
    fn redact_json(value: &mut Value, viewer: &Viewer<'_>) {
        <[T]>::redact_json(value, viewer);
    }
}

impl<T: Redact> Redact for BTreeSet<T> {
    fn redact_json(value: &mut Value, viewer: &Viewer<'_>) {
        <[T]>::redact_json(value, viewer);
    }
}

impl<T: Redact + ?Sized> Redact for Rc<T> {
    fn redact_json(value: &mut Value, viewer: &Viewer<'_>) {
        T::redact_json(value, viewer);
    }
}

impl<T: Redact + ?Sized> Redact for Arc<T> {
    fn redact_json(value: &mut Value, viewer: &Viewer<'_>) {
        T::redact_json(value, viewer);
    }
}

impl<T: Redact + ToOwned + ?Sized> Redact for Cow<'_, T> {
    fn redact_json(value: &mut Value, viewer: &Viewer<'_>) {
        T::redact_json(value, viewer);
    }
}

/// Written as `null`: nothing to redact.
impl<T: ?Sized> Redact for PhantomData<T> {
    fn redact_json(_: &mut Value, _: &Viewer<'_>) {}
}

/// Tuples are written as arrays, element by element.
macro_rules! redact_tuple {
    ($(($($t:ident $i:tt),+))*) => {
        $(impl<$($t: Redact),+> Redact for ($($t,)+) {
            fn redact_json(value: &mut Value, viewer: &Viewer<'_>) {
                if let Value::Array(items) = value {
                    $(if let Some(item) = items.get_mut($i) {
                        $t::redact_json(item, viewer);
                    })+
                }
            }
        })*
    };
}

redact_tuple! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
}

impl<K, T: Redact, S> Redact for HashMap<K, T, S> {
    fn redact_json(value: &mut Value, viewer: &Viewer<'_>) {
        if let Value::Object(members) = value {
            members.values_mut().for_each(|v| T::redact_json(v, viewer));
        }
    }
}

impl<K, T: Redact> Redact for BTreeMap<K, T> {
    fn redact_json(value: &mut Value, viewer: &Viewer<'_>) {
        if let Value::Object(members) = value {
            members.values_mut().for_each(|v| T::redact_json(v, viewer));
        }
    }
}

/// Masks `text`, keeping its last `keep` characters: every other letter or
/// digit becomes `*`, other characters (separators) stay.
/// `mask("123-45-6789", 4)` is `***-**-6789`; `mask("4111111111111111", 4)`
/// is `************1111`. Counts Unicode scalar values.
pub fn mask(text: &str, keep: usize) -> String {
    let total = text.chars().count();
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if i + keep < total && c.is_alphanumeric() {
                '*'
            } else {
                c
            }
        })
        .collect()
}

/// Masks a JSON value in place: strings as [`mask`]; arrays element by
/// element; numbers and booleans become masked strings; objects, which
/// cannot be masked piecewise, become `"[REDACTED]"`; `null` stays.
#[doc(hidden)]
pub fn mask_json(value: &mut Value, keep: usize) {
    match value {
        Value::Null => {}
        Value::String(s) => *s = mask(s, keep),
        Value::Array(items) => items.iter_mut().for_each(|v| mask_json(v, keep)),
        Value::Number(n) => *value = Value::String(mask(&n.to_string(), keep)),
        Value::Bool(b) => *value = Value::String(mask(&b.to_string(), keep)),
        Value::Object(_) => *value = Value::String(REDACTED.to_owned()),
    }
}

/// What `Debug` prints for a hidden field.
pub use crate::secret::REDACTED;

/// `Debug` of a masked field: its `Debug` text masked with [`mask`].
///
/// The quotes of a string (`"123-45-6789"`, `Some("123-45-6789")`) stay
/// around the masked text, so that the characters kept are the string's
/// own, as in the JSON: `"***-**-6789"`. Any other text is masked whole.
#[doc(hidden)]
pub struct MaskedDebug<'a, T: ?Sized>(pub &'a T, pub usize);

impl<T: fmt::Debug + ?Sized> fmt::Debug for MaskedDebug<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = format!("{:?}", self.0);
        let (open, close) = if text.starts_with("Some(\"") {
            ("Some(\"", "\")")
        } else {
            ("\"", "\"")
        };
        let quoted = text
            .strip_prefix(open)
            .and_then(|rest| rest.strip_suffix(close));
        match quoted {
            Some(inner) => write!(f, "{open}{}{close}", mask(inner, self.1)),
            None => f.write_str(&mask(&text, self.1)),
        }
    }
}

/// `Debug` of a hidden field: `[REDACTED]`.
#[doc(hidden)]
pub struct HiddenDebug;

impl fmt::Debug for HiddenDebug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Serialises `body` and redacts it for `viewer`.
///
/// # Errors
/// `serde_json`'s error when `body` cannot be serialised (a map with
/// non-string keys, a failing `Serialize` impl).
pub fn redacted<T: Serialize + Redact + ?Sized>(
    body: &T,
    viewer: &Viewer<'_>,
) -> Result<Value, serde_json::Error> {
    let mut value = serde_json::to_value(body)?;
    T::redact_json(&mut value, viewer);
    Ok(value)
}

/// A JSON response redacted for the caller: the responder of `#[secure]`
/// handlers (a handler returning `web::Json<T>` is answered through it).
///
/// The caller is the [`Principal`] of the request; on `public` routes, or
/// without one, everything sensitive is redacted.
pub struct Reply<T> {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: T,
    /// `T::redact_json`, taken when the reply is built: the constructors
    /// require `T: Redact`, so the `Responder` impl does not, and a `T`
    /// without `Redact` is reported once, where the reply is built.
    redact: fn(&mut Value, &Viewer<'_>),
}

impl<T: fmt::Debug> fmt::Debug for Reply<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish_non_exhaustive()
    }
}

impl<T: Serialize + Redact> Reply<T> {
    /// 200 OK with `body`.
    pub fn ok(body: T) -> Self {
        Self::with_status(StatusCode::OK, body)
    }

    /// 201 Created with `Location: location` (RFC 9110 §15.3.2) and `body`.
    /// A `location` that is not a valid header value is left out.
    pub fn created(location: &str, body: T) -> Self {
        let reply = Self::with_status(StatusCode::CREATED, body);
        match HeaderValue::from_str(location) {
            Ok(v) => reply.header(header::LOCATION, v),
            Err(_) => reply,
        }
    }

    /// `status` with `body`.
    pub fn with_status(status: StatusCode, body: T) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body,
            redact: T::redact_json,
        }
    }

    /// Adds a response header.
    pub fn header(mut self, name: HeaderName, value: impl TryIntoHeaderValue) -> Self {
        if let Ok(v) = value.try_into_value() {
            self.headers.push((name, v));
        }
        self
    }
}

impl<T: Serialize> Responder for Reply<T> {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        let extensions = req.extensions();
        let roles: &[String] = extensions.get::<Principal>().map_or(&[], |p| p.roles());
        let value = serde_json::to_value(&self.body).map(|mut value| {
            (self.redact)(&mut value, &Viewer::with_roles(roles));
            value
        });
        drop(extensions);
        match value {
            Ok(value) => {
                let mut res = HttpResponse::build(self.status);
                for (name, v) in self.headers {
                    res.insert_header((name, v));
                }
                res.json(value)
            }
            Err(e) => {
                tracing::error!(target: "secure_api::redact", error = %e, "response body cannot be serialised");
                crate::problem::Problem::for_status(StatusCode::INTERNAL_SERVER_ERROR).to_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{MaskedDebug, mask};

    #[test]
    fn masked_debug_keeps_the_quotes_of_strings() {
        let ssn = String::from("123-45-6789");
        assert_eq!(format!("{:?}", MaskedDebug(&ssn, 4)), r#""***-**-6789""#);
        assert_eq!(
            format!("{:?}", MaskedDebug(&Some(ssn), 4)),
            r#"Some("***-**-6789")"#
        );
        assert_eq!(
            format!("{:?}", MaskedDebug(&4_111_111_111_111_111_u64, 4)),
            "************1111"
        );
        assert_eq!(
            format!("{:?}", MaskedDebug(&vec![1234, 5678], 4)),
            "[****, *678]"
        );
    }

    #[test]
    fn masks_keep_the_last_characters_and_separators() {
        assert_eq!(mask("123-45-6789", 4), "***-**-6789");
        assert_eq!(mask("4111111111111111", 4), "************1111");
        assert_eq!(mask("abc", 4), "abc");
        assert_eq!(mask("", 4), "");
        assert_eq!(mask("😀😀😀😀😀", 1), "😀😀😀😀😀");
        assert_eq!(mask("secret", 0), "******");
    }
}
