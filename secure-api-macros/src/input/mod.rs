//! `#[derive(Input)]`: maps `validator`'s errors, keyed by Rust field names,
//! to the fields as the client wrote them.
//!
//! `validator` reports a broken rule under the Rust name of the field
//! (`postal_code`); the client sent `postalCode`, or `address.postalCode`
//! for a nested struct. The derive reads the names serde reads
//! (`serde_attr.rs`, deserialising side) and which fields are
//! `#[validate(nested)]`, then generates `impl Input` and `impl NestedInput`.
//!
//! It also refuses what would let input through unchecked: a
//! `#[serde(flatten)]` field (serde buffers its members, so unknown ones
//! could not be refused), and, through compile-time assertions on the field
//! types, a field holding a validated input without `#[validate(nested)]`
//! (its rules would never run) or a struct without `validator::Validate`.

mod attr;
mod check;
mod expand;

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::ctxt::Ctxt;

/// `#[derive(Input)]` on `input`: parse, check, expand. On error, one
/// `compile_error!` per mistake, then the impls when the struct could be
/// read, so that the uses of the type report nothing more.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<DeriveInput>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let cx = Ctxt::new();
    let model = attr::parse(&cx, &input);
    if let Some(model) = &model {
        check::check(&cx, model);
    }
    match (cx.check(), model) {
        (Ok(()), Some(model)) => expand::expand(&model),
        (Err(errors), Some(model)) => {
            let errors = errors.to_compile_error();
            let impls = expand::expand(&model);
            quote! { #errors #impls }
        }
        (Err(errors), None) => errors.to_compile_error(),
        // Unreachable: `parse` reports why it has no model.
        (Ok(()), None) => TokenStream::new(),
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;

    use super::expand as derive;

    /// The expansion of `#[derive(Input)]` on `item`, as text.
    fn expand(item: &str) -> String {
        let tokens: TokenStream = match item.parse() {
            Ok(tokens) => tokens,
            Err(error) => panic!("{item}: {error}"),
        };
        derive(tokens).to_string()
    }

    #[test]
    fn errors_are_keyed_by_rust_names_and_named_as_serde_reads_them() {
        let out = expand(
            r#"#[serde(rename_all = "camelCase")]
            struct NewCustomer {
                #[validate(length(min = 1))]
                full_name: String,
                #[serde(rename(serialize = "out", deserialize = "zip"))]
                postal_code: String,
                #[validate(nested)]
                address: Address,
                r#type: String,
            }"#,
        );
        assert!(
            out.contains(r#"__secure_errors . get ("full_name")"#),
            "{out}"
        );
        assert!(
            out.contains(r#"join (__secure_prefix , "fullName")"#),
            "{out}"
        );
        assert!(out.contains(r#"join (__secure_prefix , "zip")"#), "{out}");
        assert!(
            out.contains(r#"< Address as :: secure_api :: __private :: NestedInput >"#),
            "{out}"
        );
        assert!(out.contains(r#"__secure_errors . get ("r#type")"#), "{out}");
        assert!(out.contains(r#"join (__secure_prefix , "type")"#), "{out}");
    }

    #[test]
    fn a_flattened_field_is_refused() {
        let out = expand("struct S { #[serde(flatten)] meta: Meta }");
        assert!(
            out.contains("`#[serde(flatten)]` cannot be used in a `#[derive(Input)]` struct"),
            "{out}"
        );
        // The impls are emitted all the same, so uses report nothing more.
        assert!(out.contains("Input for S"), "{out}");
    }

    #[test]
    fn fields_without_nested_are_probed_unless_told_or_generic() {
        let out = expand(
            r#"struct S<'a, T> {
                address: Address,
                #[validate(nested)]
                home: Address,
                #[validate(skip)]
                legacy: Address,
                #[serde(skip)]
                computed: Address,
                generic: Vec<T>,
                borrowed: std::borrow::Cow<'a, str>,
            }"#,
        );
        assert_eq!(out.matches("NestedProbe ::").count(), 1, "{out}");
        assert!(
            out.contains("field `address` holds a validated input"),
            "{out}"
        );
        // No `Validate` assertion on a generic struct: the bound is on the impl.
        assert!(!out.contains("assert_validate"), "{out}");
        let out = expand("struct S { r#type: Address }");
        assert!(out.contains("field `type` holds"), "{out}");
        assert!(out.contains("assert_validate :: < S >"), "{out}");
    }

    #[test]
    fn only_structs_with_named_fields() {
        assert!(expand("enum E { A }").contains("can only be used on a struct"));
        assert!(expand("struct T(u32);").contains("needs named fields"));
        assert!(!expand("struct U;").contains("compile_error"));
    }
}
