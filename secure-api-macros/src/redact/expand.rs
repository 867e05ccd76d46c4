//! Code generation of `#[derive(Redact)]`: `impl Redact`, whose plan says
//! how the type's JSON form is redacted (a constant, read while the JSON is
//! written), and `impl Debug`, which masks the same fields; and the
//! stand-in impls emitted with errors.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Generics, Ident, Type, parse_quote};

use crate::serde_attr::{Direction, RenameRule, Repr};
use crate::tokens::role_expr;

use super::attr::{Action, Body, Container, Field, Members, Rule, Variant, derived_debug};

/// `impl Redact` and `impl Debug` of a checked type.
pub(crate) fn expand(container: &Container<'_>) -> TokenStream {
    let redact = expand_redact(container);
    let debug = expand_debug(container);
    quote! { #redact #debug }
}

/// `impl Redact`: the type's plan, a constant built at compile time.
fn expand_redact(container: &Container<'_>) -> TokenStream {
    let ident = container.ident;
    let generics = with_bounds(
        container.generics,
        &parse_quote!(::secure_api::__private::Redact),
    );
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let plan = match &container.body {
        Body::Struct(members) if container.serde.transparent => transparent(members),
        Body::Struct(members) => {
            let rule = *container.serde.rename_all.get(Direction::Serialize);
            members_plan(members, rule)
        }
        Body::Enum(variants) => enum_plan(container, variants),
    };
    quote! {
        #[automatically_derived]
        impl #impl_generics ::secure_api::__private::Redact for #ident #ty_generics #where_clause {
            fn plan() -> &'static ::secure_api::__private::Plan {
                const { &#plan }
            }
        }
    }
}

/// `Plan::Keep`: nothing to redact.
fn keep() -> TokenStream {
    quote! { ::secure_api::__private::Plan::Keep }
}

/// A `#[serde(transparent)]` struct is written as its one field that is
/// not skipped: its rule or type applies to the whole value.
fn transparent(members: &Members<'_>) -> TokenStream {
    members
        .fields()
        .iter()
        .find(|field| !field.serde.skip.ser)
        .map_or_else(keep, value_plan)
}

/// The plan of the JSON of a struct or variant with these `members`. Named
/// fields take their names from `rule` (`rename_all` of a struct;
/// `rename_all` of a variant, else `rename_all_fields` of its enum).
fn members_plan(members: &Members<'_>, rule: RenameRule) -> TokenStream {
    match members {
        Members::Unit => keep(),
        Members::Named(fields) => {
            let named = fields
                .iter()
                .filter(|field| !field.serde.skip.ser && field.serde.flatten.is_none())
                .map(|field| {
                    let name = field
                        .ident
                        .map(|ident| field.serde.name(ident, rule, Direction::Serialize))
                        .unwrap_or_default();
                    let plan = value_plan(field);
                    let optional = field.serde.skip_serializing_if;
                    quote! {
                        ::secure_api::__private::Member { name: #name, plan: #plan, optional: #optional }
                    }
                });
            let flattened = fields
                .iter()
                .filter(|field| {
                    !field.serde.skip.ser && field.serde.flatten.is_some() && !field.skipped()
                })
                .map(|field| plan_fn(field.ty));
            quote! {
                ::secure_api::__private::Plan::Object(::secure_api::__private::ObjectPlan {
                    members: &[#(#named),*],
                    flattened: &[#(#flattened),*],
                })
            }
        }
        Members::Tuple(fields) => match fields.as_slice() {
            // A newtype is written as its field.
            [field] => value_plan(field),
            fields => {
                let elements = fields
                    .iter()
                    .filter(|field| !field.serde.skip.ser)
                    .map(value_plan);
                quote! { ::secure_api::__private::Plan::Tuple(&[#(#elements),*]) }
            }
        },
    }
}

/// The plan of a value that is a field's whole JSON: its rule, or else its
/// type's plan.
fn value_plan(field: &Field<'_>) -> TokenStream {
    let Some(rule) = &field.rule else {
        let plan = plan_fn(field.ty);
        return quote! { ::secure_api::__private::Plan::Like(#plan) };
    };
    let action = match rule.action {
        Action::Mask { last } => quote! { ::secure_api::__private::Action::Mask { last: #last } },
        Action::Hide => quote! { ::secure_api::__private::Action::Hide },
        Action::Skip => return keep(),
    };
    let unless = match &rule.unless {
        Some(role) => {
            let role = role_expr(role);
            quote! { ::core::option::Option::Some(#role) }
        }
        None => quote! { ::core::option::Option::None },
    };
    quote! {
        ::secure_api::__private::Plan::Rule(::secure_api::__private::Rule {
            action: #action,
            unless: #unless,
        })
    }
}

/// `<Ty as Redact>::plan`, spanned at the type so that a type without
/// `Redact` is reported at it.
fn plan_fn(ty: &Type) -> TokenStream {
    quote_spanned! {ty.span()=> <#ty as ::secure_api::__private::Redact>::plan }
}

/// The plan of an enum: how the variant is told from the JSON, and the
/// content of each variant that has anything to redact (see the runtime's
/// `EnumPlan`). Untagged variants (all of them in an untagged enum) cannot
/// be told apart: their plans are listed apart, to apply in turn.
fn enum_plan(container: &Container<'_>, variants: &[Variant<'_>]) -> TokenStream {
    let enum_untagged = matches!(container.serde.repr, Repr::Untagged);
    let (untagged, tagged): (Vec<&Variant<'_>>, Vec<&Variant<'_>>) = variants
        .iter()
        .filter(|variant| redacts(&variant.members))
        .partition(|variant| enum_untagged || variant.serde.untagged.is_some());
    let content = |variant: &Variant<'_>| {
        let rule = variant
            .serde
            .field_rule(&container.serde, Direction::Serialize);
        members_plan(&variant.members, rule)
    };
    let tagged = tagged.iter().map(|variant| {
        let name = variant
            .serde
            .name(variant.ident, &container.serde, Direction::Serialize);
        let content = content(variant);
        quote! { ::secure_api::__private::VariantPlan { name: #name, content: #content } }
    });
    let untagged = untagged.iter().map(|variant| content(variant));
    let tagging = match &container.serde.repr {
        Repr::External => quote! { External },
        Repr::Internal { tag } => quote! { Internal { tag: #tag } },
        Repr::Adjacent { tag, content } => quote! { Adjacent { tag: #tag, content: #content } },
        Repr::Untagged => quote! { Untagged },
    };
    quote! {
        ::secure_api::__private::Plan::Enum(::secure_api::__private::EnumPlan {
            tagging: ::secure_api::__private::Tagging::#tagging,
            variants: &[#(#tagged),*],
            untagged: &[#(#untagged),*],
        })
    }
}

/// Whether a variant's content has anything to redact: not a unit, nor a
/// newtype whose field is `#[redact(skip)]`.
fn redacts(members: &Members<'_>) -> bool {
    match members {
        Members::Unit => false,
        Members::Tuple(fields) => !matches!(fields.as_slice(), [field] if field.skipped()),
        Members::Named(_) => true,
    }
}

/// `impl Debug`: as `#[derive(Debug)]`, but masked fields print masked and
/// hidden fields `[REDACTED]`, whoever reads the log.
fn expand_debug(container: &Container<'_>) -> TokenStream {
    let ident = container.ident;
    let generics = with_bounds(container.generics, &parse_quote!(::core::fmt::Debug));
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let arms: Vec<TokenStream> = match &container.body {
        Body::Struct(members) => vec![debug_arm(&quote!(Self), ident, members)],
        Body::Enum(variants) => variants
            .iter()
            .map(|variant| {
                let variant_ident = variant.ident;
                debug_arm(
                    &quote!(Self::#variant_ident),
                    variant_ident,
                    &variant.members,
                )
            })
            .collect(),
    };
    // An enum without variants has no value to print: `match *self {}`.
    let scrutinee = if arms.is_empty() {
        quote! { *self }
    } else {
        quote! { self }
    };
    quote! {
        #[automatically_derived]
        impl #impl_generics ::core::fmt::Debug for #ident #ty_generics #where_clause {
            fn fmt(&self, __secure_f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match #scrutinee {
                    #(#arms)*
                }
            }
        }
    }
}

/// One arm of the `Debug` match: the pattern `path { .. }` and its output.
fn debug_arm(path: &TokenStream, ident: &Ident, members: &Members<'_>) -> TokenStream {
    let name = ident.unraw().to_string();
    let fields = members.fields();
    // Each binding and its use are spanned at the field's type, so that a
    // type without `Debug` is reported there.
    let bindings: Vec<Ident> = fields
        .iter()
        .enumerate()
        .map(|(index, field)| format_ident!("__field{}", index, span = field.ty.span()))
        .collect();
    let shown = fields.iter().zip(&bindings).map(|(field, binding)| {
        let span = field.ty.span();
        match &field.rule {
            Some(Rule {
                action: Action::Mask { last },
                ..
            }) => quote_spanned! {span=> &::secure_api::__private::MaskedDebug(#binding, #last) },
            Some(Rule {
                action: Action::Hide,
                ..
            }) => quote! { &::secure_api::__private::HiddenDebug },
            Some(Rule {
                action: Action::Skip,
                ..
            })
            | None => quote! { #binding },
        }
    });
    let patterns = fields
        .iter()
        .zip(&bindings)
        .map(|(field, binding)| match &field.rule {
            Some(Rule {
                action: Action::Hide,
                ..
            }) => quote! { _ },
            _ => quote! { #binding },
        });
    match members {
        Members::Unit => quote! { #path => __secure_f.write_str(#name), },
        Members::Named(named) => {
            let members = named.iter().map(|field| field.ident);
            let labels = named
                .iter()
                .map(|field| field.ident.map(|ident| ident.unraw().to_string()));
            quote! {
                #path { #(#members: #patterns),* } => __secure_f
                    .debug_struct(#name)
                    #(.field(#labels, #shown))*
                    .finish(),
            }
        }
        Members::Tuple(_) => quote! {
            #path(#(#patterns),*) => __secure_f
                .debug_tuple(#name)
                #(.field(#shown))*
                .finish(),
        },
    }
}

/// `generics` with `bound` on every type parameter, as `#[derive]`s do.
fn with_bounds(generics: &Generics, bound: &syn::TypeParamBound) -> Generics {
    let mut generics = generics.clone();
    let params: Vec<Ident> = generics
        .type_params()
        .map(|param| param.ident.clone())
        .collect();
    let where_clause = generics.make_where_clause();
    for param in params {
        where_clause.predicates.push(parse_quote!(#param: #bound));
    }
    generics
}

/// What stands in for the impls when the derive has errors: `Redact` that
/// does nothing and `Debug` that prints the type's name, so that only the
/// derive's own errors are reported (the crate does not build anyway).
pub(crate) fn stand_in(input: &DeriveInput) -> TokenStream {
    let ident = &input.ident;
    let name = ident.unraw().to_string();
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    if let Data::Union(_) = input.data {
        return TokenStream::new();
    }
    // With a `#[derive(Debug)]` (reported), a second `Debug` would only add
    // a conflicting-implementations error.
    let debug = derived_debug(&input.attrs).is_none().then(|| {
        quote! {
            impl #impl_generics ::core::fmt::Debug for #ident #ty_generics #where_clause {
                fn fmt(&self, __secure_f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    __secure_f.write_str(#name)
                }
            }
        }
    });
    quote! {
        impl #impl_generics ::secure_api::__private::Redact for #ident #ty_generics #where_clause {
            fn plan() -> &'static ::secure_api::__private::Plan {
                &::secure_api::__private::Plan::Keep
            }
        }

        #debug
    }
}
