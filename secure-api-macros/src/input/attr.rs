//! Parsing of `#[derive(Input)]`: the struct's fields, each with the key
//! `validator` reports it under, the name serde reads it by
//! (`crate::serde_attr`, deserialising side), and whether it is
//! `#[validate(nested)]`.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{Attribute, Data, DeriveInput, Fields, Generics, Ident, Meta, Token, Type};

use crate::ctxt::Ctxt;
use crate::serde_attr::{self, Direction};

/// Reads the struct `#[derive(Input)]` is written on; `None` for anything
/// `validator` cannot derive `Validate` for (reported).
pub(crate) fn parse<'a>(cx: &Ctxt, input: &'a DeriveInput) -> Option<Container<'a>> {
    Container::parse(input, cx)
}

/// A struct deriving `Input`.
pub(crate) struct Container<'a> {
    /// Its name.
    pub(crate) ident: &'a Ident,
    /// Its generics, as written.
    pub(crate) generics: &'a Generics,
    /// Its fields, in declaration order (the order of the errors).
    pub(crate) fields: Vec<Field<'a>>,
}

/// One field.
pub(crate) struct Field<'a> {
    /// The key `validator` reports it under: the Rust name as written
    /// (`r#type` stays `r#type`).
    pub(crate) key: String,
    /// Its name in the request, as serde reads it.
    pub(crate) json_name: String,
    /// Its type.
    pub(crate) ty: &'a Type,
    /// `#[validate(nested)]` (or the struct's `nest_all_fields`): its type
    /// reports errors of its own fields.
    pub(crate) nested: bool,
    /// Whether its type must be checked for a missing `#[validate(nested)]`:
    /// not nested, read from the request (not `#[serde(skip)]`), not
    /// `#[validate(skip)]`, and with a type that names none of the struct's
    /// generic parameters (an assertion outside the impl cannot name them).
    pub(crate) probe: bool,
    /// The `flatten` of its `#[serde(flatten)]`, if any.
    pub(crate) flatten: Option<Span>,
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
                let keys: Vec<String> = validate_keys(&field.attrs).collect();
                let nested = nest_all || keys.iter().any(|key| key == "nested");
                Some(Field {
                    key: ident.to_string(),
                    json_name: field_serde.name(ident, rule, Direction::Deserialize),
                    ty: &field.ty,
                    nested,
                    flatten: field_serde.flatten,
                    probe: !nested
                        && !field_serde.skip.de
                        && !keys.iter().any(|key| key == "skip")
                        && !names_any(&field.ty, &generics),
                })
            })
            .collect();
        Some(Container {
            ident: &input.ident,
            generics: &input.generics,
            fields,
        })
    }
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
