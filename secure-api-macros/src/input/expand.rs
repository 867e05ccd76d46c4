//! Code generation of `#[derive(Input)]`: `impl Input` and
//! `impl NestedInput`, and the compile-time assertions that the struct
//! derives `Validate` and that no field holding a validated input lacks
//! `#[validate(nested)]`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::attr::{Container, Field};

/// `impl Input` and `impl NestedInput`, and the assertions that the struct
/// derives `Validate` and that no field holding a validated input lacks
/// `#[validate(nested)]`.
pub(crate) fn expand(container: &Container<'_>) -> TokenStream {
    let ident = container.ident;
    let (impl_generics, ty_generics, _) = container.generics.split_for_impl();
    // `Input: Validate`, stated as a bound of the impl. Written under a
    // `for<'__secure>`, it is not a "trivial" bound that rustc checks at the
    // impl when the type is concrete: a struct without `Validate` is then
    // reported once, by `validates` below, with a message that says what to
    // do, instead of as an unsatisfied supertrait. (On a struct without
    // `Validate`, the impls simply do not apply.)
    let mut input_generics = container.generics.clone();
    input_generics
        .make_where_clause()
        .predicates
        .push(syn::parse_quote! {
            for<'__secure> #ident #ty_generics: ::secure_api::__private::DerivesValidate
        });
    let (_, _, input_where) = input_generics.split_for_impl();
    let mut nested_generics = container.generics.clone();
    nested_generics
        .make_where_clause()
        .predicates
        .push(syn::parse_quote! {
            for<'__secure> #ident #ty_generics: ::secure_api::__private::Input
        });
    let (_, _, nested_where) = nested_generics.split_for_impl();
    let validates = container.generics.params.is_empty().then(|| {
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
