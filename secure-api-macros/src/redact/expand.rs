//! Code generation of `#[derive(Redact)]`: `impl Redact`, which redacts the
//! type's JSON form in place for the viewer, and `impl Debug`, which masks
//! the same fields; and the stand-in impls emitted with errors.

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

/// `impl Redact`: the type's JSON form, redacted in place for the viewer.
fn expand_redact(container: &Container<'_>) -> TokenStream {
    let ident = container.ident;
    let generics = with_bounds(
        container.generics,
        &parse_quote!(::secure_api::__private::Redact),
    );
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let body = match &container.body {
        Body::Struct(members) if container.serde.transparent => transparent(members),
        Body::Struct(members) => {
            let rule = *container.serde.rename_all.get(Direction::Serialize);
            members_code(members, rule, &quote!(__secure_value), None)
        }
        Body::Enum(variants) => enum_code(container, variants),
    };
    quote! {
        #[automatically_derived]
        impl #impl_generics ::secure_api::__private::Redact for #ident #ty_generics #where_clause {
            #[allow(unused_variables)]
            fn redact_json(
                __secure_value: &mut ::secure_api::__private::Value,
                __secure_viewer: &::secure_api::__private::Viewer<'_>,
            ) {
                #body
            }
        }
    }
}

/// A `#[serde(transparent)]` struct is written as its one field that is
/// not skipped: its rule or type applies to the whole value.
fn transparent(members: &Members<'_>) -> TokenStream {
    members
        .fields()
        .iter()
        .find(|field| !field.serde.skip.ser)
        .map(|field| value_code(field, &quote!(__secure_value)))
        .unwrap_or_default()
}

/// The code that redacts `target` (a `&mut Value` expression), the JSON of
/// a struct or variant with these `members`. Named fields take their names from
/// `rule` (`rename_all` of a struct; `rename_all` of a variant, else
/// `rename_all_fields` of its enum). `tag`: the
/// tag member of an internally tagged enum, which a newtype variant's
/// members sit next to.
fn members_code(
    members: &Members<'_>,
    rule: RenameRule,
    target: &TokenStream,
    tag: Option<&str>,
) -> TokenStream {
    match members {
        Members::Unit => TokenStream::new(),
        Members::Named(fields) => {
            let named = fields
                .iter()
                .filter(|field| !field.serde.skip.ser && field.serde.flatten.is_none())
                .map(|field| {
                    let name = field
                        .ident
                        .map(|ident| field.serde.name(ident, rule, Direction::Serialize))
                        .unwrap_or_default();
                    member_code(field, &name)
                });
            let flattened = fields
                .iter()
                .filter(|field| {
                    !field.serde.skip.ser && field.serde.flatten.is_some() && !field.skipped()
                })
                .map(|field| delegate(field.ty, target));
            quote! {
                if let ::secure_api::__private::Value::Object(__secure_object) = &mut *#target {
                    #(#named)*
                }
                #(#flattened)*
            }
        }
        Members::Tuple(fields) if fields.len() == 1 => match (tag, &fields[0].rule) {
            // Internally tagged newtype variant with a rule: its content is
            // every member but the tag.
            (Some(tag), Some(rule)) if !fields[0].skipped() => {
                let apply = rule_code(rule, &quote!(__secure_member));
                let keep = match rule.action {
                    Action::Mask { .. } => quote! {
                        for (__secure_name, __secure_member) in __secure_object.iter_mut() {
                            if __secure_name != #tag {
                                #apply
                            }
                        }
                    },
                    Action::Hide => {
                        let condition = unless_condition(rule);
                        quote! {
                            if #condition {
                                __secure_object.retain(|__secure_name, _| __secure_name == #tag);
                            }
                        }
                    }
                    Action::Skip => TokenStream::new(),
                };
                quote! {
                    if let ::secure_api::__private::Value::Object(__secure_object) = &mut *#target {
                        #keep
                    }
                }
            }
            _ => value_code(&fields[0], target),
        },
        Members::Tuple(fields) => {
            let elements = fields
                .iter()
                .filter(|field| !field.serde.skip.ser)
                .enumerate()
                .map(|(index, field)| {
                    let code = value_code(field, &quote!(__secure_item));
                    quote! {
                        if let ::core::option::Option::Some(__secure_item) = __secure_items.get_mut(#index) {
                            #code
                        }
                    }
                });
            quote! {
                if let ::secure_api::__private::Value::Array(__secure_items) = &mut *#target {
                    #(#elements)*
                }
            }
        }
    }
}

/// The code for one member of an object (`object`), named `name` in JSON.
fn member_code(field: &Field<'_>, name: &str) -> TokenStream {
    if field.skipped() {
        return TokenStream::new();
    }
    match &field.rule {
        Some(
            rule @ Rule {
                action: Action::Hide,
                ..
            },
        ) => {
            let condition = unless_condition(rule);
            quote! {
                if #condition {
                    __secure_object.remove(#name);
                }
            }
        }
        _ => {
            let code = value_code(field, &quote!(__secure_member));
            quote! {
                if let ::core::option::Option::Some(__secure_member) = __secure_object.get_mut(#name) {
                    #code
                }
            }
        }
    }
}

/// The code for a value that is a field's whole JSON (`target`): its rule,
/// or else its type's own redaction. Hiding a value that is not a member
/// writes `null` in its place.
fn value_code(field: &Field<'_>, target: &TokenStream) -> TokenStream {
    match &field.rule {
        Some(rule) => rule_code(rule, target),
        None => delegate(field.ty, target),
    }
}

/// The code that applies `rule` to `target`, unless the viewer holds the
/// rule's role.
fn rule_code(rule: &Rule, target: &TokenStream) -> TokenStream {
    let condition = unless_condition(rule);
    let apply = match rule.action {
        Action::Mask { last } => quote! { ::secure_api::__private::mask_json(#target, #last) },
        Action::Hide => quote! { *#target = ::secure_api::__private::Value::Null },
        Action::Skip => return TokenStream::new(),
    };
    quote! {
        if #condition {
            #apply;
        }
    }
}

/// `!__secure_viewer.has_role(&ROLE)` for a rule with `unless_role`, else `true`.
fn unless_condition(rule: &Rule) -> TokenStream {
    match &rule.unless {
        Some(role) => {
            let role = role_expr(role);
            quote! { !__secure_viewer.has_role(&#role) }
        }
        None => quote! { true },
    }
}

/// `<Ty as Redact>::redact_json(target, viewer)`, spanned at the type so
/// that a type without `Redact` is reported at it.
fn delegate(ty: &Type, target: &TokenStream) -> TokenStream {
    quote_spanned! {ty.span()=>
        <#ty as ::secure_api::__private::Redact>::redact_json(#target, __secure_viewer);
    }
}

/// The redaction of an enum: find the variant from the tag, then redact its
/// content. Untagged variants (all of them in an untagged enum) cannot be
/// told apart: when no tagged variant matched, the JSON is redacted as each
/// of them in turn, which may redact more than needed, never less.
///
/// The enum may be `#[serde(flatten)]`ed into a struct, whose `Redact`
/// then passes it the struct's whole object: the tag (internally or
/// adjacently tagged) or the variant's member (externally tagged) sits among
/// the struct's own members, and is found there all the same.
fn enum_code(container: &Container<'_>, variants: &[Variant<'_>]) -> TokenStream {
    let enum_untagged = matches!(container.serde.repr, Repr::Untagged);
    let (untagged, tagged): (Vec<&Variant<'_>>, Vec<&Variant<'_>>) = variants
        .iter()
        .partition(|variant| enum_untagged || variant.serde.untagged.is_some());
    let tail = !untagged.is_empty();
    let done = if tail {
        quote! { return; }
    } else {
        quote! {}
    };
    let rule_of = |variant: &Variant<'_>| {
        variant
            .serde
            .field_rule(&container.serde, Direction::Serialize)
    };
    let arms = |target: TokenStream, tag: Option<&str>| -> Vec<TokenStream> {
        tagged
            .iter()
            .filter_map(|variant| {
                let code = members_code(&variant.members, rule_of(variant), &target, tag);
                if code.is_empty() {
                    return None;
                }
                let name =
                    variant
                        .serde
                        .name(variant.ident, &container.serde, Direction::Serialize);
                Some(quote! { #name => { #code #done } })
            })
            .collect()
    };
    let dispatch = match &container.serde.repr {
        Repr::Untagged => TokenStream::new(),
        // `{"Variant": content}` alone, or, flattened, the `"Variant"`
        // member among the struct's: every variant member present is
        // redacted with that variant's rules (serde writes one; a struct
        // member of the same name would be redacted too: more, never less).
        Repr::External => external_code(container, &tagged, tail),
        Repr::Internal { tag } => {
            let arms = arms(quote!(__secure_value), Some(tag));
            if arms.is_empty() {
                TokenStream::new()
            } else {
                quote! {
                    let __secure_variant = ::secure_api::__private::tag_of(__secure_value, #tag);
                    match __secure_variant.as_str() {
                        #(#arms)*
                        _ => {}
                    }
                }
            }
        }
        Repr::Adjacent { tag, content } => {
            let arms = arms(quote!(__secure_content), None);
            if arms.is_empty() {
                TokenStream::new()
            } else {
                quote! {
                    let __secure_variant = ::secure_api::__private::tag_of(__secure_value, #tag);
                    if let ::core::option::Option::Some(__secure_content) = __secure_value.get_mut(#content) {
                        match __secure_variant.as_str() {
                            #(#arms)*
                            _ => {}
                        }
                    }
                }
            }
        }
    };
    let fallback = untagged.iter().map(|variant| {
        members_code(
            &variant.members,
            rule_of(variant),
            &quote!(__secure_value),
            None,
        )
    });
    quote! {
        #dispatch
        #(#fallback)*
    }
}

/// The dispatch of an externally tagged enum (see [`enum_code`]). With
/// untagged variants (`tail`), a tagged variant found in an object of one
/// member ends the redaction; in a larger object (flattened), the content
/// may be an untagged variant's as well, so those run too.
fn external_code(container: &Container<'_>, tagged: &[&Variant<'_>], tail: bool) -> TokenStream {
    let found = if tail {
        quote! { __secure_tagged = true; }
    } else {
        TokenStream::new()
    };
    let members: Vec<TokenStream> = tagged
        .iter()
        .filter_map(|variant| {
            let rule = variant
                .serde
                .field_rule(&container.serde, Direction::Serialize);
            let code = members_code(&variant.members, rule, &quote!(__secure_content), None);
            if code.is_empty() {
                return None;
            }
            let name = variant
                .serde
                .name(variant.ident, &container.serde, Direction::Serialize);
            Some(quote! {
                if let ::core::option::Option::Some(__secure_content) = __secure_object.get_mut(#name) {
                    #code
                    #found
                }
            })
        })
        .collect();
    if members.is_empty() {
        return TokenStream::new();
    }
    if !tail {
        return quote! {
            if let ::secure_api::__private::Value::Object(__secure_object) = &mut *__secure_value {
                #(#members)*
            }
        };
    }
    quote! {
        if let ::secure_api::__private::Value::Object(__secure_object) = &mut *__secure_value {
            let mut __secure_tagged = false;
            #(#members)*
            if __secure_tagged && __secure_object.len() == 1 {
                return;
            }
        }
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
            fn redact_json(
                _: &mut ::secure_api::__private::Value,
                _: &::secure_api::__private::Viewer<'_>,
            ) {
            }
        }

        #debug
    }
}
