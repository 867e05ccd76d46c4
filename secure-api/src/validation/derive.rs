//! What `#[derive(secure_api::Input)]` generates against: the [`Input`]
//! trait that maps `validator`'s errors to the names the client wrote, and
//! the hidden helpers and compile-time probes of the generated code.

use std::marker::PhantomData;

use validator::{ValidationErrors, ValidationErrorsKind};

use crate::problem::FieldError;

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

/// An extractor `#[secure]` puts in place of `web::Json<T>`, `web::Form<T>`,
/// `web::Query<T>` or `web::Path<T>`: strict parsing, then validation.
#[doc(hidden)]
pub struct Validated<E>(pub E);

/// Like [`Validated`] with strict parsing but no `validator` rules, for
/// arguments named in `unvalidated(...)`.
#[doc(hidden)]
pub struct Unvalidated<E>(pub E);
