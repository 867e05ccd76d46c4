//! Role-aware redaction of response fields, and of `Debug` output (OWASP
//! API3:2023, excessive data exposure).
//!
//! `#[derive(Redact)]` marks sensitive fields; `#[secure]` handlers that
//! return `web::Json<T>` or [`Reply<T>`] have the response redacted for the
//! caller's roles. Redaction works on the JSON form of the value, while it
//! is written: the type's own `Serialize` writes it, and a [`Plan`] that
//! the derive builds from the same names serde uses says which members to
//! mask or remove on the way (no `serde_json::Value` is built in between).
//! The redacted form is only ever written out: nothing deserialises it
//! back into `T`, so a masked value can never be taken for real data.
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
//! `Serialize` must write the members the derived one would (and an
//! internally or adjacently tagged enum's tag before the variant's
//! members, as serde does).
//!
//! Two shapes are built as a `Value`, redacted, then written, because
//! which rule a member falls under is only known once their whole object
//! is: a struct with `#[serde(flatten)]` fields, and an enum with untagged
//! variants. The JSON is the same either way; only the cost differs.

mod mask;
mod plan;
mod stream;
mod viewer;

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

pub use self::mask::{mask, mask_json};
pub use self::plan::{
    Action, EnumPlan, Member, ObjectPlan, Plan, PlanFn, Rule, Tagging, VariantPlan,
};
pub use self::viewer::Viewer;

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
    /// The plan that redacts the JSON form of a `Self` for any viewer:
    /// which members are masked or removed, and the plans of the types
    /// inside (see [`Plan`]). A constant: the derive builds it at compile
    /// time.
    fn plan() -> &'static Plan;

    /// Redacts `value`, the JSON serialisation of a `Self`, in place for
    /// `viewer`, with [`Redact::plan`]. Responses do not go through here:
    /// they are redacted while they are written ([`to_vec`]).
    fn redact_json(value: &mut Value, viewer: &Viewer<'_>) {
        plan::apply(Self::plan(), value, viewer);
    }
}

macro_rules! redact_nothing {
    ($($t:ty),* $(,)?) => {
        $(impl Redact for $t {
            fn plan() -> &'static Plan {
                &Plan::Keep
            }
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

/// Written as `null`: nothing to redact.
impl<T: ?Sized> Redact for PhantomData<T> {
    fn plan() -> &'static Plan {
        &Plan::Keep
    }
}

/// Types serde writes as the value they hold (`None` as `null`, which no
/// plan changes).
macro_rules! redact_as_inner {
    ($(impl<$t:ident $(: $bound:path)?> for $ty:ty;)*) => {
        $(impl<$t: Redact $(+ $bound)? + ?Sized> Redact for $ty {
            fn plan() -> &'static Plan {
                $t::plan()
            }
        })*
    };
}

redact_as_inner! {
    impl<T> for &T;
    impl<T> for Box<T>;
    impl<T> for Rc<T>;
    impl<T> for Arc<T>;
    impl<T: ToOwned> for Cow<'_, T>;
}

impl<T: Redact> Redact for Option<T> {
    fn plan() -> &'static Plan {
        T::plan()
    }
}

/// Types serde writes as an array of `T`.
macro_rules! redact_items {
    ($(impl<$($param:ident),*> for $ty:ty;)*) => {
        $(impl<T: Redact, $($param),*> Redact for $ty {
            fn plan() -> &'static Plan {
                const { &Plan::Items(T::plan) }
            }
        })*
    };
}

redact_items! {
    impl<> for [T];
    impl<> for Vec<T>;
    impl<> for VecDeque<T>;
    impl<S> for HashSet<T, S>;
    impl<> for BTreeSet<T>;
}

impl<T: Redact, const N: usize> Redact for [T; N] {
    fn plan() -> &'static Plan {
        const { &Plan::Items(T::plan) }
    }
}

/// Tuples are written as arrays, element by element.
macro_rules! redact_tuple {
    ($(($($t:ident),+))*) => {
        $(impl<$($t: Redact),+> Redact for ($($t,)+) {
            fn plan() -> &'static Plan {
                const { &Plan::Tuple(&[$(Plan::Like($t::plan)),+]) }
            }
        })*
    };
}

redact_tuple! {
    (A)
    (A, B)
    (A, B, C)
    (A, B, C, D)
    (A, B, C, D, E)
    (A, B, C, D, E, F)
}

/// Maps are written as objects whose member values are the map's values.
macro_rules! redact_values {
    ($(impl<$($param:ident),*> for $ty:ty;)*) => {
        $(impl<K, T: Redact, $($param),*> Redact for $ty {
            fn plan() -> &'static Plan {
                const { &Plan::Values(T::plan) }
            }
        })*
    };
}

redact_values! {
    impl<S> for HashMap<K, T, S>;
    impl<> for BTreeMap<K, T>;
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

/// The JSON of `body`, redacted for `viewer` while it is serialised (no
/// `serde_json::Value` is built), as bytes: what a [`Reply`] answers with.
///
/// # Errors
/// `serde_json`'s error when `body` cannot be serialised (a map with
/// non-string keys, a failing `Serialize` impl).
pub fn to_vec<T: Serialize + Redact + ?Sized>(
    body: &T,
    viewer: &Viewer<'_>,
) -> Result<Vec<u8>, serde_json::Error> {
    stream::json_bytes(body, T::plan(), *viewer)
}

/// The JSON of `body`, redacted for `viewer`, as a `serde_json::Value`
/// (for tests and inspection; a response is written with [`to_vec`]).
///
/// # Errors
/// `serde_json`'s error when `body` cannot be serialised (a map with
/// non-string keys, a failing `Serialize` impl).
pub fn redacted<T: Serialize + Redact + ?Sized>(
    body: &T,
    viewer: &Viewer<'_>,
) -> Result<Value, serde_json::Error> {
    stream::write(body, T::plan(), *viewer, serde_json::value::Serializer)
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
    /// `T::plan`, taken when the reply is built: the constructors require
    /// `T: Redact`, so the `Responder` impl does not, and a `T` without
    /// `Redact` is reported once, where the reply is built.
    plan: PlanFn,
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
            plan: T::plan,
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

    /// The body redacted for the request's principal, `application/json`
    /// unless a header of the reply says otherwise; 500 problem details
    /// when the body cannot be serialised.
    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        let extensions = req.extensions();
        let roles: &[String] = extensions.get::<Principal>().map_or(&[], |p| p.roles());
        let body = stream::json_bytes(&self.body, (self.plan)(), Viewer::with_roles(roles));
        drop(extensions);
        match body {
            Ok(body) => {
                let mut res = HttpResponse::build(self.status);
                let typed = self
                    .headers
                    .iter()
                    .any(|(name, _)| name == header::CONTENT_TYPE);
                for (name, v) in self.headers {
                    res.insert_header((name, v));
                }
                if !typed {
                    res.insert_header(header::ContentType::json());
                }
                res.body(body)
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

    #[test]
    fn a_mask_keeping_more_than_there_is_shows_everything() {
        assert_eq!(mask("abc", usize::MAX), "abc");
        assert_eq!(mask("é-1", 3), "é-1");
        assert_eq!(mask("é-1", 1), "*-1");
    }
}
