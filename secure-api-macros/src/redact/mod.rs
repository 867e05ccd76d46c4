//! `#[derive(Redact)]`: role-aware redaction of a type's JSON form, and a
//! `Debug` that masks the same fields.
//!
//! The derive reads the type into a model that keeps each `#[redact(...)]`
//! and the names serde gives members and variants (`serde_attr.rs`), checks
//! the rules that relate the two (a flattened or untagged field cannot be
//! found in the JSON), then generates `impl Redact`, whose plan (a
//! constant) names the members to mask or remove and the types to redact
//! the others with, and `impl Debug`. On
//! error, one `compile_error!` per mistake plus stand-in impls, so that the
//! uses of the type report nothing more.

mod attr;
mod check;
mod expand;

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::ctxt::Ctxt;

/// `#[derive(Redact)]` on `input`: parse, check, expand. On error, one
/// `compile_error!` per mistake, then stand-in impls.
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
        (Err(errors), _) => {
            let errors = errors.to_compile_error();
            let stand_in = expand::stand_in(&input);
            quote! { #errors #stand_in }
        }
        // Unreachable: a union is reported as an error.
        (Ok(()), None) => TokenStream::new(),
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;

    use super::expand as derive;

    /// The expansion of `#[derive(Redact)]` on `item`, as text.
    fn expand(item: &str) -> String {
        let tokens: TokenStream = match item.parse() {
            Ok(tokens) => tokens,
            Err(error) => panic!("{item}: {error}"),
        };
        derive(tokens).to_string()
    }

    #[test]
    fn members_are_named_as_serde_names_them() {
        let out = expand(
            r#"#[serde(rename_all = "camelCase")]
            struct Customer {
                full_name: String,
                #[serde(rename = "SSN")]
                #[redact(mask(last = 4))]
                ssn: String,
                #[redact(hide)]
                card_number: String,
                #[serde(skip)]
                #[redact(hide)]
                internal: String,
            }"#,
        );
        assert!(out.contains(r#"name : "fullName""#), "{out}");
        assert!(out.contains(r#"name : "SSN""#), "{out}");
        assert!(out.contains(r#"name : "cardNumber""#), "{out}");
        assert!(!out.contains(r#"name : "internal""#), "{out}");
        assert!(
            out.contains(r#"field ("internal" , & :: secure_api"#),
            "{out}"
        );
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn json_written_by_another_type_is_refused() {
        for key in ["into", "try_into"] {
            let out = expand(&format!(
                r#"#[serde({key} = "Wire")] struct S {{ #[redact(hide)] a: String }}"#
            ));
            assert!(
                out.contains(&format!("cannot be used with `#[serde({key} = ")),
                "{out}"
            );
            assert!(
                out.contains("derive `Redact` on the type serde writes"),
                "{out}"
            );
        }
        let out = expand(r#"#[serde(remote = "other::S")] struct S { a: String }"#);
        assert!(out.contains("`#[serde(remote = "), "{out}");
        // `from` changes only what is read: nothing to refuse.
        let out = expand(r#"#[serde(from = "Wire")] struct S { a: String }"#);
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn a_field_written_by_a_function_says_what_happens_to_it() {
        let out = expand(r#"struct S { #[serde(with = "hex")] a: Card }"#);
        assert!(out.contains("needs `#[redact(...)]`"), "{out}");
        for told in [
            r#"#[serde(with = "hex")] #[redact(skip)] a: Card"#,
            r#"#[serde(serialize_with = "f")] #[redact(mask(last = 2))] a: Card"#,
            r#"#[serde(skip_serializing, serialize_with = "f")] a: Card"#,
        ] {
            let out = expand(&format!("struct S {{ {told} }}"));
            assert!(!out.contains("compile_error"), "{told}: {out}");
        }
    }

    #[test]
    fn a_visible_derived_debug_is_refused_without_a_second_debug() {
        for attr in [
            "#[derive(Clone, Debug)]",
            "#[derive(std::fmt::Debug)]",
            r#"#[cfg_attr(feature = "x", derive(Debug))]"#,
        ] {
            let out = expand(&format!("{attr} struct S {{ #[redact(hide)] a: String }}"));
            assert!(out.contains("implements `Debug` itself"), "{attr}: {out}");
            assert!(!out.contains("fmt :: Debug for"), "{attr}: {out}");
        }
        let out = expand("#[derive(Clone)] struct S { a: String }");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn externally_tagged_variants_are_found_among_other_members() {
        let out = expand("enum E { A { #[redact(hide)] pin: String }, B(u8) }");
        assert!(out.contains("Tagging :: External"), "{out}");
        assert!(out.contains(r#"VariantPlan { name : "A""#), "{out}");
    }

    #[test]
    fn variants_are_named_as_serde_names_them_and_units_have_no_plan() {
        let out = expand(
            r#"#[serde(tag = "kind", rename_all = "snake_case")]
            enum E { FirstOne { #[redact(hide)] pin: String }, B(u8), Unit, #[serde(untagged)] C(u8) }"#,
        );
        assert!(out.contains(r#"Internal { tag : "kind" }"#), "{out}");
        assert!(out.contains(r#"name : "first_one""#), "{out}");
        assert!(out.contains(r#"name : "b""#), "{out}");
        assert!(!out.contains(r#"name : "unit""#), "{out}");
        assert!(!out.contains(r#"name : "c""#), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn a_union_is_refused() {
        let out = expand("union U { a: u32 }");
        assert!(out.contains("cannot be used on a union"), "{out}");
    }

    #[test]
    fn a_redact_without_an_action_is_refused() {
        let out = expand(r#"struct S { #[redact(unless_role = "admin")] a: String }"#);
        assert!(out.contains("needs `mask(last = N)` or `hide`"), "{out}");
        let out = expand("struct S { #[redact] a: String }");
        assert!(out.contains("needs `mask(last = N)` or `hide`"), "{out}");
        let out = expand("struct S { #[redact(mask(last = 4), mask(last = 2))] a: String }");
        assert!(out.contains("duplicate `redact` option `mask`"), "{out}");
        let out = expand("struct S { #[redact(mask(last = -1))] a: String }");
        assert!(out.contains("`last` expects a whole number"), "{out}");
        let out = expand("struct S { #[redact(hid)] a: String }");
        assert!(out.contains("(did you mean `hide`?)"), "{out}");
    }
}
