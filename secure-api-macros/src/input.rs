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

use std::collections::HashSet;

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Fields, Generics, Meta, Token, Type};

use crate::ctxt::Ctxt;
use crate::serde_attr::{self, Direction};

/// `#[derive(Input)]` on `input`: parse, check, expand.
pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<DeriveInput>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let cx = Ctxt::new();
    let model = Container::parse(&input, &cx);
    match (cx.check(), model) {
        (Ok(()), Some(model)) => expand(&input, &model),
        // The impls too, when the struct could be read, so that the uses of
        // the type report nothing more.
        (Err(error), Some(model)) => {
            let error = error.to_compile_error();
            let impls = expand(&input, &model);
            quote! { #error #impls }
        }
        (Err(error), None) => error.to_compile_error(),
        // Unreachable: `parse` reports why it has no model.
        (Ok(()), None) => TokenStream::new(),
    }
}

/// A struct deriving `Input`.
struct Container<'a> {
    /// Its fields, in declaration order (the order of the errors).
    fields: Vec<Field<'a>>,
}

/// One field.
struct Field<'a> {
    /// The key `validator` reports it under: the Rust name as written
    /// (`r#type` stays `r#type`).
    key: String,
    /// Its name in the request, as serde reads it.
    json_name: String,
    /// Its type.
    ty: &'a Type,
    /// `#[validate(nested)]` (or the struct's `nest_all_fields`): its type
    /// reports errors of its own fields.
    nested: bool,
    /// Whether its type must be checked for a missing `#[validate(nested)]`:
    /// not nested, read from the request (not `#[serde(skip)]`), not
    /// `#[validate(skip)]`, and with a type that names none of the struct's
    /// generic parameters (an assertion outside the impl cannot name them).
    probe: bool,
}

impl<'a> Container<'a> {
    /// Reads the struct; `None` for anything `validator` cannot derive
    /// `Validate` for (reported).
    fn parse(input: &'a DeriveInput, cx: &Ctxt) -> Option<Self> {
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(fields) => Some(&fields.named),
                Fields::Unit => None,
                Fields::Unnamed(fields) => {
                    cx.spanned(
                        fields,
                        "`#[derive(Input)]` needs named fields, as `#[derive(validator::Validate)]` does: `struct NewCustomer { name: String }`",
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                cx.spanned(
                    data.enum_token,
                    "`#[derive(Input)]` can only be used on a struct with named fields, as `#[derive(validator::Validate)]`",
                );
                return None;
            }
            Data::Union(data) => {
                cx.spanned(
                    data.union_token,
                    "`#[derive(Input)]` can only be used on a struct with named fields, as `#[derive(validator::Validate)]`",
                );
                return None;
            }
        };
        let serde = serde_attr::Container::from_attrs(&input.attrs);
        let rule = *serde.rename_all.get(Direction::Deserialize);
        let nest_all = validate_keys(&input.attrs).any(|key| key == "nest_all_fields");
        let generics = generic_names(&input.generics);
        let fields = fields
            .into_iter()
            .flatten()
            .filter_map(|field| {
                let ident = field.ident.as_ref()?;
                let field_serde = serde_attr::Field::from_attrs(&field.attrs);
                if let Some(flatten) = field_serde.flatten {
                    not_flattened(flatten, cx);
                }
                let keys: Vec<String> = validate_keys(&field.attrs).collect();
                let nested = nest_all || keys.iter().any(|key| key == "nested");
                Some(Field {
                    key: ident.to_string(),
                    json_name: field_serde.name(ident, rule, Direction::Deserialize),
                    ty: &field.ty,
                    nested,
                    probe: !nested
                        && !field_serde.skip.de
                        && !keys.iter().any(|key| key == "skip")
                        && !names_any(&field.ty, &generics),
                })
            })
            .collect();
        Some(Container { fields })
    }
}

/// serde reads the members of a `#[serde(flatten)]` field through a buffer
/// that `serde_ignored` does not see into, so a member that neither struct
/// declares would be dropped silently instead of refused (mass assignment,
/// OWASP API3:2023).
fn not_flattened(flatten: proc_macro2::Span, cx: &Ctxt) {
    cx.at(
        flatten,
        "`#[serde(flatten)]` cannot be used in a `#[derive(Input)]` struct: serde buffers a flattened field's members, so a member the request should not have could not be refused; declare the fields in this struct, or nest the other struct under its own member with `#[validate(nested)]`",
    );
}

/// The names of the generic parameters of the struct: types, lifetimes
/// (without the `'`) and consts.
fn generic_names(generics: &Generics) -> HashSet<String> {
    generics
        .params
        .iter()
        .map(|param| match param {
            syn::GenericParam::Type(param) => param.ident.to_string(),
            syn::GenericParam::Lifetime(param) => param.lifetime.ident.to_string(),
            syn::GenericParam::Const(param) => param.ident.to_string(),
        })
        .collect()
}

/// Whether `ty` names one of `names`, or `Self`, anywhere in it.
fn names_any(ty: &Type, names: &HashSet<String>) -> bool {
    fn walk(tokens: TokenStream, names: &HashSet<String>) -> bool {
        tokens.into_iter().any(|token| match token {
            TokenTree::Ident(ident) => ident == "Self" || names.contains(&ident.to_string()),
            TokenTree::Group(group) => walk(group.stream(), names),
            TokenTree::Punct(_) | TokenTree::Literal(_) => false,
        })
    }
    walk(ty.to_token_stream(), names)
}

/// The keys inside the `#[validate(...)]` attributes (`nested`, `length`,
/// `schema`, ...). An attribute that does not parse is skipped: `validator`
/// reports it.
fn validate_keys(attrs: &[Attribute]) -> impl Iterator<Item = String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("validate"))
        .filter_map(|attr| {
            attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
                .ok()
        })
        .flatten()
        .filter_map(|meta| meta.path().get_ident().map(ToString::to_string))
}

/// `impl Input` and `impl NestedInput`, and the assertions that the struct
/// derives `Validate` and that no field holding a validated input lacks
/// `#[validate(nested)]`.
fn expand(input: &DeriveInput, container: &Container<'_>) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, _) = input.generics.split_for_impl();
    // `Input: Validate`, stated as a bound of the impl. Written under a
    // `for<'__secure>`, it is not a "trivial" bound that rustc checks at the
    // impl when the type is concrete: a struct without `Validate` is then
    // reported once, by `validates` below, with a message that says what to
    // do, instead of as an unsatisfied supertrait. (On a struct without
    // `Validate`, the impls simply do not apply.)
    let mut input_generics = input.generics.clone();
    input_generics
        .make_where_clause()
        .predicates
        .push(syn::parse_quote! {
            for<'__secure> #ident #ty_generics: ::secure_api::__private::DerivesValidate
        });
    let (_, _, input_where) = input_generics.split_for_impl();
    let mut nested_generics = input.generics.clone();
    nested_generics
        .make_where_clause()
        .predicates
        .push(syn::parse_quote! {
            for<'__secure> #ident #ty_generics: ::secure_api::__private::Input
        });
    let (_, _, nested_where) = nested_generics.split_for_impl();
    let validates = input.generics.params.is_empty().then(|| {
        quote_spanned! {ident.span()=>
            const _: () = ::secure_api::__private::assert_validate::<#ident>();
        }
    });
    let probes = container
        .fields
        .iter()
        .filter(|field| field.probe)
        .map(|field| nested_probe(field));
    let fields = container.fields.iter().map(|field| {
        let key = &field.key;
        let json_name = &field.json_name;
        let path = quote! { ::secure_api::__private::join(__secure_prefix, #json_name) };
        let report = if field.nested {
            let ty = field.ty;
            let nested = quote_spanned! {ty.span()=>
                <#ty as ::secure_api::__private::NestedInput>::nested_errors
            };
            quote! { #nested(__secure_kind, &#path, __secure_out); }
        } else {
            quote! {
                if let ::secure_api::__private::ValidationErrorsKind::Field(__secure_list) = __secure_kind {
                    ::secure_api::__private::push_field(__secure_list, &#path, __secure_out);
                }
            }
        };
        quote! {
            if let ::core::option::Option::Some(__secure_kind) = __secure_errors.get(#key) {
                #report
            }
        }
    });
    quote! {
        #validates
        #(#probes)*

        #[automatically_derived]
        impl #impl_generics ::secure_api::__private::Input for #ident #ty_generics #input_where {
            type Extractor<__E> = ::secure_api::__private::Validated<__E>;

            fn field_errors(
                __secure_errors: &::secure_api::__private::ValidationErrors,
                __secure_prefix: &str,
                __secure_out: &mut ::secure_api::__private::FieldErrors,
            ) {
                let __secure_errors = __secure_errors.errors();
                #(#fields)*
                // Struct-level rules (`#[validate(schema(..))]`) are the
                // whole object's.
                if let ::core::option::Option::Some(
                    ::secure_api::__private::ValidationErrorsKind::Field(__secure_list),
                ) = __secure_errors.get("__all__")
                {
                    ::secure_api::__private::push_field(__secure_list, __secure_prefix, __secure_out);
                }
            }
        }

        #[automatically_derived]
        impl #impl_generics ::secure_api::__private::NestedInput for #ident #ty_generics #nested_where {
            fn nested_errors(
                __secure_kind: &::secure_api::__private::ValidationErrorsKind,
                __secure_path: &str,
                __secure_out: &mut ::secure_api::__private::FieldErrors,
            ) {
                ::secure_api::__private::nested_errors::<Self>(__secure_kind, __secure_path, __secure_out);
            }
        }
    }
}

/// A compile-time assertion that `field`'s type holds no validated input
/// (`NestedInput`: a struct deriving `Input`, or an `Option`, `Vec`, ...
/// of one): `validator` runs a nested struct's rules only when the field is
/// marked `#[validate(nested)]`, so without it they would be skipped
/// silently. Spanned at the field's type, which the error points at.
///
/// `NestedProbe::<T>::NESTED` is the inherent constant (`true`) when
/// `T: NestedInput`; otherwise that impl does not apply and the name
/// resolves to the trait `NotNested`'s default (`false`).
fn nested_probe(field: &Field<'_>) -> TokenStream {
    let ty = field.ty;
    let message = format!(
        "field `{}` holds a validated input (a type deriving `secure_api::Input`, or an `Option`, `Vec`, ... of one); add `#[validate(nested)]` so its rules run, or `#[validate(skip)]` to not check it",
        field.key.trim_start_matches("r#")
    );
    quote_spanned! {ty.span()=>
        const _: () = {
            #[allow(unused_imports)]
            use ::secure_api::__private::NotNested as _;
            ::core::assert!(!::secure_api::__private::NestedProbe::<#ty>::NESTED, #message);
        };
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;

    use super::derive;

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
