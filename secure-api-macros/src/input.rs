//! `#[derive(Input)]`: maps `validator`'s errors, keyed by Rust field names,
//! to the fields as the client wrote them.
//!
//! `validator` reports a broken rule under the Rust name of the field
//! (`postal_code`); the client sent `postalCode`, or `address.postalCode`
//! for a nested struct. The derive reads the names serde reads
//! (`serde_attr.rs`, deserialising side) and which fields are
//! `#[validate(nested)]`, then generates `impl Input` and `impl NestedInput`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Fields, Meta, Token, Type};

use crate::errors::Errors;
use crate::serde_attr::{self, Direction};

/// `#[derive(Input)]` on `input`: parse, check, expand.
pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<DeriveInput>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut errors = Errors::default();
    let model = Container::parse(&input, &mut errors);
    match (errors.finish(), model) {
        (Ok(()), Some(model)) => expand(&input, &model),
        (Err(error), _) => error.to_compile_error(),
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
    /// `#[serde(flatten)]`: its members sit in the parent object, so its
    /// errors are named without its own name.
    flatten: bool,
}

impl<'a> Container<'a> {
    /// Reads the struct; `None` for anything `validator` cannot derive
    /// `Validate` for (reported).
    fn parse(input: &'a DeriveInput, errors: &mut Errors) -> Option<Self> {
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(fields) => Some(&fields.named),
                Fields::Unit => None,
                Fields::Unnamed(fields) => {
                    errors.spanned(
                        fields,
                        "`#[derive(Input)]` needs named fields, as `#[derive(validator::Validate)]` does: `struct NewCustomer { name: String }`",
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                errors.spanned(
                    data.enum_token,
                    "`#[derive(Input)]` can only be used on a struct with named fields, as `#[derive(validator::Validate)]`",
                );
                return None;
            }
            Data::Union(data) => {
                errors.spanned(
                    data.union_token,
                    "`#[derive(Input)]` can only be used on a struct with named fields, as `#[derive(validator::Validate)]`",
                );
                return None;
            }
        };
        let serde = serde_attr::Container::from_attrs(&input.attrs);
        let rule = *serde.rename_all.get(Direction::Deserialize);
        let nest_all = validate_keys(&input.attrs).any(|key| key == "nest_all_fields");
        let fields = fields
            .into_iter()
            .flatten()
            .filter_map(|field| {
                let ident = field.ident.as_ref()?;
                let field_serde = serde_attr::Field::from_attrs(&field.attrs);
                Some(Field {
                    key: ident.to_string(),
                    json_name: field_serde.name(ident, rule, Direction::Deserialize),
                    ty: &field.ty,
                    nested: nest_all || validate_keys(&field.attrs).any(|key| key == "nested"),
                    flatten: field_serde.flatten.is_some(),
                })
            })
            .collect();
        Some(Container { fields })
    }
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

/// `impl Input` and `impl NestedInput`.
fn expand(input: &DeriveInput, container: &Container<'_>) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let fields = container.fields.iter().map(|field| {
        let key = &field.key;
        let path = if field.flatten {
            quote! { ::std::borrow::ToOwned::to_owned(__secure_prefix) }
        } else {
            let json_name = &field.json_name;
            quote! { ::secure_api::__private::join(__secure_prefix, #json_name) }
        };
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
        #[automatically_derived]
        impl #impl_generics ::secure_api::__private::Input for #ident #ty_generics #where_clause {
            type Extractor<__E> = ::secure_api::__private::Validated<__E>;

            fn field_errors(
                __secure_errors: &::secure_api::__private::ValidationErrors,
                __secure_prefix: &str,
                __secure_out: &mut ::std::vec::Vec<::secure_api::__private::FieldError>,
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
        impl #impl_generics ::secure_api::__private::NestedInput for #ident #ty_generics #where_clause {
            fn nested_errors(
                __secure_kind: &::secure_api::__private::ValidationErrorsKind,
                __secure_path: &str,
                __secure_out: &mut ::std::vec::Vec<::secure_api::__private::FieldError>,
            ) {
                ::secure_api::__private::nested_errors::<Self>(__secure_kind, __secure_path, __secure_out);
            }
        }
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
    fn only_structs_with_named_fields() {
        assert!(expand("enum E { A }").contains("can only be used on a struct"));
        assert!(expand("struct T(u32);").contains("needs named fields"));
        assert!(!expand("struct U;").contains("compile_error"));
    }
}
