//! Parsing of `#[derive(Redact)]`: the type, its `#[redact(...)]` rules and
//! the names serde gives its members and variants (`crate::serde_attr`),
//! into a model that keeps the span of each `#[redact]`.

use proc_macro2::Span;
use quote::quote;
use syn::ext::IdentExt;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    Attribute, Data, DeriveInput, Expr, ExprLit, Fields, Generics, Ident, Lit, Meta, Token, Type,
};

use crate::attr_parsing::{RoleName, closest, role_name, string_value};
use crate::ctxt::Ctxt;
use crate::serde_attr;

/// The options of `#[redact(...)]`, for messages.
const OPTIONS: &[&str] = &["mask", "hide", "skip", "unless_role"];

/// The type `#[derive(Redact)]` is written on.
pub(crate) struct Container<'a> {
    /// Its name.
    pub(crate) ident: &'a Ident,
    /// Its generics, as written.
    pub(crate) generics: &'a Generics,
    /// Its `#[serde(...)]` attributes.
    pub(crate) serde: serde_attr::Container,
    /// Every `#[redact]` written on the type itself, which has no meaning there.
    pub(crate) misplaced: Vec<&'a Attribute>,
    /// The `Debug` of a `#[derive(Debug)]` the derive can see (one written
    /// after `#[derive(Redact)]`, in its own attribute), which would clash
    /// with the `Debug` this derive implements.
    pub(crate) derives_debug: Option<Span>,
    /// Its fields or variants.
    pub(crate) body: Body<'a>,
}

/// A struct's fields, or an enum's variants.
pub(crate) enum Body<'a> {
    /// A struct (named, tuple or unit).
    Struct(Members<'a>),
    /// An enum.
    Enum(Vec<Variant<'a>>),
}

/// One variant of an enum.
pub(crate) struct Variant<'a> {
    /// Its name in Rust.
    pub(crate) ident: &'a Ident,
    /// Its `#[serde(...)]` attributes.
    pub(crate) serde: serde_attr::Variant,
    /// Every `#[redact]` written on the variant itself.
    pub(crate) misplaced: Vec<&'a Attribute>,
    /// Its fields.
    pub(crate) members: Members<'a>,
}

/// The fields of a struct or variant, and how serde writes them.
pub(crate) enum Members<'a> {
    /// `{ a: A, b: B }`: a JSON object.
    Named(Vec<Field<'a>>),
    /// `(A, B)`: a JSON array, skipped fields left out. One field, a
    /// newtype, is written as that field alone.
    Tuple(Vec<Field<'a>>),
    /// No fields.
    Unit,
}

/// One field.
pub(crate) struct Field<'a> {
    /// Its name in Rust, for a named field.
    pub(crate) ident: Option<&'a Ident>,
    /// Its type.
    pub(crate) ty: &'a Type,
    /// Its `#[serde(...)]` attributes.
    pub(crate) serde: serde_attr::Field,
    /// Its `#[redact(...)]`, when it has one that parsed.
    pub(crate) rule: Option<Rule>,
    /// The `redact` path of its first `#[redact]`, even one that did not
    /// parse: where errors about the field's redaction point.
    pub(crate) redact_attr: Option<Span>,
}

impl Field<'_> {
    /// `#[redact(skip)]`: left as it is, not even through its type.
    pub(crate) fn skipped(&self) -> bool {
        matches!(
            self.rule,
            Some(Rule {
                action: Action::Skip,
                ..
            })
        )
    }
}

/// `#[redact(mask(last = 4), unless_role = "admin")]`.
pub(crate) struct Rule {
    /// What happens to the value.
    pub(crate) action: Action,
    /// The role that sees the value in full, if any.
    pub(crate) unless: Option<RoleName>,
}

/// What `#[redact]` does to a value.
#[derive(Clone, Copy)]
pub(crate) enum Action {
    /// `mask(last = N)`: letters and digits but the last N characters become `*`.
    Mask {
        /// How many characters stay.
        last: usize,
    },
    /// `hide`: the member is removed (`null` where it cannot be, such as in
    /// an array); `Debug` prints `[REDACTED]`.
    Hide,
    /// `skip`: the value is left as it is, and its type need not implement
    /// `Redact` (a type of another crate that holds nothing sensitive).
    Skip,
}

/// Reads the type `#[derive(Redact)]` is written on; `None` for a union,
/// reported.
pub(crate) fn parse<'a>(cx: &Ctxt, input: &'a DeriveInput) -> Option<Container<'a>> {
    Container::parse(input, cx)
}

impl<'a> Container<'a> {
    /// Reads the type; `None` for a union, reported.
    fn parse(input: &'a DeriveInput, cx: &Ctxt) -> Option<Self> {
        let body = match &input.data {
            Data::Struct(data) => Body::Struct(Members::parse(&data.fields, cx)),
            Data::Enum(data) => Body::Enum(
                data.variants
                    .iter()
                    .map(|variant| Variant {
                        ident: &variant.ident,
                        serde: serde_attr::Variant::from_attrs(&variant.attrs),
                        misplaced: redact_attrs(&variant.attrs).collect(),
                        members: Members::parse(&variant.fields, cx),
                    })
                    .collect(),
            ),
            Data::Union(data) => {
                cx.spanned(
                    data.union_token,
                    "`#[derive(Redact)]` cannot be used on a union; serde writes structs and enums, so derive it on one of those",
                );
                return None;
            }
        };
        Some(Container {
            ident: &input.ident,
            generics: &input.generics,
            serde: serde_attr::Container::from_attrs(&input.attrs),
            misplaced: redact_attrs(&input.attrs).collect(),
            derives_debug: derived_debug(&input.attrs),
            body,
        })
    }
}

impl<'a> Members<'a> {
    /// Reads the fields and their `#[redact]`s.
    fn parse(fields: &'a Fields, cx: &Ctxt) -> Self {
        let parse_all = |cx: &Ctxt| -> Vec<Field<'a>> {
            fields
                .iter()
                .map(|field| {
                    let attrs: Vec<&Attribute> = redact_attrs(&field.attrs).collect();
                    Field {
                        ident: field.ident.as_ref(),
                        ty: &field.ty,
                        serde: serde_attr::Field::from_attrs(&field.attrs),
                        rule: parse_rule(&attrs, cx),
                        redact_attr: attrs.first().map(|attr| attr.path().span()),
                    }
                })
                .collect()
        };
        match fields {
            Fields::Named(_) => Members::Named(parse_all(cx)),
            Fields::Unnamed(_) => Members::Tuple(parse_all(cx)),
            Fields::Unit => Members::Unit,
        }
    }

    /// The fields, none for a unit.
    pub(crate) fn fields(&self) -> &[Field<'a>] {
        match self {
            Members::Named(fields) | Members::Tuple(fields) => fields,
            Members::Unit => &[],
        }
    }
}

/// The `Debug` path of a `#[derive(.., Debug, ..)]` or
/// `#[cfg_attr(.., derive(.., Debug, ..))]` among `attrs`.
///
/// A derive macro sees only the `#[derive]` attributes written after its
/// own: `#[derive(Debug, Redact)]` and a `#[derive(Debug)]` above
/// `#[derive(Redact)]` are gone by the time it runs, and rustc reports
/// those as conflicting implementations (E0119).
pub(crate) fn derived_debug(attrs: &[Attribute]) -> Option<Span> {
    fn in_derive(list: &syn::MetaList) -> Option<Span> {
        list.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
            .ok()?
            .iter()
            .find(|path| {
                path.segments
                    .last()
                    .is_some_and(|last| last.ident == "Debug")
            })
            .map(Spanned::span)
    }
    attrs.iter().find_map(|attr| match &attr.meta {
        Meta::List(list) if list.path.is_ident("derive") => in_derive(list),
        Meta::List(list) if list.path.is_ident("cfg_attr") => list
            .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
            .ok()?
            .iter()
            .skip(1)
            .find_map(|meta| match meta {
                Meta::List(inner) if inner.path.is_ident("derive") => in_derive(inner),
                _ => None,
            }),
        _ => None,
    })
}

/// The `#[redact]` attributes among `attrs`.
fn redact_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|attr| attr.path().is_ident("redact"))
}

/// The rule of a field's `#[redact(...)]` attributes (several are read as
/// one list); `None` when there are none, or when one is malformed
/// (reported).
fn parse_rule(attrs: &[&Attribute], cx: &Ctxt) -> Option<Rule> {
    let first = attrs.first()?;
    let mut action: Option<(Action, Ident)> = None;
    let mut unless: Option<(Option<RoleName>, Ident)> = None;
    let mut valid = true;
    for attr in attrs {
        let metas = match &attr.meta {
            Meta::List(list) => {
                match list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
                    Ok(metas) => metas,
                    Err(error) => {
                        cx.push(error);
                        valid = false;
                        continue;
                    }
                }
            }
            _ => Punctuated::new(),
        };
        if metas.is_empty() {
            cx.spanned(
                attr,
                "`#[redact]` needs `mask(last = N)` or `hide`, such as `#[redact(mask(last = 4))]` or `#[redact(hide, unless_role = \"admin\")]`",
            );
            valid = false;
            continue;
        }
        for meta in &metas {
            let path = meta.path();
            let Some(key) = path.get_ident() else {
                cx.spanned(path, unknown_option(&quote!(#path).to_string()));
                valid = false;
                continue;
            };
            let name = key.unraw().to_string();
            match name.as_str() {
                "mask" | "hide" | "skip" => {
                    if let Some((_, previous)) = &action {
                        if *previous == name {
                            cx.spanned(key, format!("duplicate `redact` option `{name}`"));
                        } else {
                            cx.spanned(
                                key,
                                format!("`{previous}` and `{name}` cannot be used together: a field is either masked (its last characters shown), hidden (removed) or skipped (left as it is); keep one"),
                            );
                        }
                        valid = false;
                        continue;
                    }
                    let parsed = match name.as_str() {
                        "mask" => parse_mask(meta, cx),
                        "hide" => parse_flag(meta, Action::Hide, cx),
                        _ => parse_flag(meta, Action::Skip, cx),
                    };
                    match parsed {
                        Some(parsed) => action = Some((parsed, key.unraw())),
                        None => valid = false,
                    }
                }
                "unless_role" => {
                    if unless.is_some() {
                        cx.spanned(key, "duplicate `redact` option `unless_role`");
                        valid = false;
                        continue;
                    }
                    let role = string_value(meta, "unless_role = \"admin\"", cx)
                        .and_then(|lit| role_name(lit, "unless_role", cx));
                    valid &= role.is_some();
                    unless = Some((role, key.unraw()));
                }
                _ => {
                    cx.spanned(key, unknown_option(&name));
                    valid = false;
                }
            }
        }
    }
    let Some((action, _)) = action else {
        if valid {
            cx.spanned(
                first,
                "`#[redact]` needs `mask(last = N)` or `hide`; `unless_role` only says who sees the value in full, such as `#[redact(hide, unless_role = \"admin\")]`",
            );
        }
        return None;
    };
    if let (Action::Skip, Some((_, key))) = (action, &unless) {
        cx.spanned(
            key,
            "`unless_role` has no meaning with `skip`: a skipped field is never redacted",
        );
        return None;
    }
    valid.then(|| Rule {
        action,
        unless: unless.and_then(|(role, _)| role),
    })
}

/// The message for an option that is not in [`OPTIONS`], with the closest
/// one when it is a typo away.
fn unknown_option(option: &str) -> String {
    let mut message = format!(
        "unknown `redact` option `{option}`; expected `mask(last = N)`, `hide`, `skip` or `unless_role = \"...\"`"
    );
    if let Some(close) = closest(option, OPTIONS) {
        message = format!("{message} (did you mean `{close}`?)");
    }
    message
}

/// The form of `mask`, for messages.
const MASK_FORM: &str =
    "`mask(last = N)`, N the number of characters left visible, such as `mask(last = 4)`";

/// `mask(last = N)`.
fn parse_mask(meta: &Meta, cx: &Ctxt) -> Option<Action> {
    let Meta::List(list) = meta else {
        cx.spanned(meta, format!("`mask` needs `last`; expected {MASK_FORM}"));
        return None;
    };
    let inner = match list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
        Ok(inner) => inner,
        Err(error) => {
            cx.push(error);
            return None;
        }
    };
    let mut last: Option<usize> = None;
    let mut valid = true;
    for meta in &inner {
        let path = meta.path();
        match path
            .get_ident()
            .map(|ident| ident.unraw().to_string())
            .as_deref()
        {
            Some("last") if last.is_some() => {
                cx.spanned(path, "duplicate `mask` option `last`");
                valid = false;
            }
            Some("last") => match meta {
                Meta::NameValue(name_value) => match &name_value.value {
                    Expr::Lit(ExprLit {
                        lit: Lit::Int(int), ..
                    }) => match int.base10_parse::<usize>() {
                        Ok(value) => last = Some(value),
                        Err(_) => {
                            let problem = if int.base10_digits().starts_with('-') {
                                "`last` expects a whole number"
                            } else {
                                "`last` is too large"
                            };
                            cx.spanned(int, format!("{problem}: {MASK_FORM}"));
                            valid = false;
                        }
                    },
                    value => {
                        cx.spanned(value, format!("`last` expects a whole number: {MASK_FORM}"));
                        valid = false;
                    }
                },
                _ => {
                    cx.spanned(meta, format!("`last` expects a whole number: {MASK_FORM}"));
                    valid = false;
                }
            },
            _ => {
                cx.spanned(
                    path,
                    format!(
                        "unknown `mask` option `{}`; expected {MASK_FORM}",
                        quote!(#path)
                    ),
                );
                valid = false;
            }
        }
    }
    match last {
        Some(last) if valid => Some(Action::Mask { last }),
        Some(_) => None,
        None => {
            if valid {
                cx.spanned(meta, format!("`mask` needs `last`; expected {MASK_FORM}"));
            }
            None
        }
    }
}

/// `hide` or `skip`, which take no value.
fn parse_flag(meta: &Meta, action: Action, cx: &Ctxt) -> Option<Action> {
    if let Meta::Path(_) = meta {
        return Some(action);
    }
    let path = meta.path();
    cx.spanned(
        meta,
        format!("`{0}` takes no value; write `{0}`", quote!(#path)),
    );
    None
}
