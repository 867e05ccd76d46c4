//! `#[derive(Redact)]`: role-aware redaction of a type's JSON form, and a
//! `Debug` that masks the same fields.
//!
//! The derive reads the type into a model that keeps each `#[redact(...)]`
//! and the names serde gives members and variants (`serde_attr.rs`), checks
//! the rules that relate the two (a flattened or untagged field cannot be
//! found in the JSON), then generates `impl Redact` and `impl Debug`. On
//! error, one `compile_error!` per mistake plus stand-in impls, so that the
//! uses of the type report nothing more.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    Attribute, Data, DeriveInput, Expr, ExprLit, Fields, Generics, Ident, Lit, Meta, Token, Type,
    parse_quote,
};

use crate::attr_parsing::{RoleName, closest, role_name, string_value};
use crate::ctxt::Ctxt;
use crate::serde_attr::{self, Direction, RenameRule, Repr};
use crate::tokens::role_expr;

/// The options of `#[redact(...)]`, for messages.
const OPTIONS: &[&str] = &["mask", "hide", "skip", "unless_role"];

/// `#[derive(Redact)]` on `input`: parse, check, expand.
pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<DeriveInput>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let cx = Ctxt::new();
    let model = Container::parse(&input, &cx);
    if let Some(model) = &model {
        check(model, &cx);
    }
    match (cx.check(), model) {
        (Ok(()), Some(model)) => {
            let redact = expand_redact(&model);
            let debug = expand_debug(&model);
            quote! { #redact #debug }
        }
        (Err(error), _) => {
            let error = error.to_compile_error();
            let stand_in = stand_in(&input);
            quote! { #error #stand_in }
        }
        // Unreachable: a union is reported as an error.
        (Ok(()), None) => TokenStream::new(),
    }
}

/// The type `#[derive(Redact)]` is written on.
struct Container<'a> {
    /// Its name.
    ident: &'a Ident,
    /// Its generics, as written.
    generics: &'a Generics,
    /// Its `#[serde(...)]` attributes.
    serde: serde_attr::Container,
    /// Every `#[redact]` written on the type itself, which has no meaning there.
    misplaced: Vec<&'a Attribute>,
    /// The `Debug` of a `#[derive(Debug)]` the derive can see (one written
    /// after `#[derive(Redact)]`, in its own attribute), which would clash
    /// with the `Debug` this derive implements.
    derives_debug: Option<Span>,
    /// Its fields or variants.
    body: Body<'a>,
}

/// A struct's fields, or an enum's variants.
enum Body<'a> {
    /// A struct (named, tuple or unit).
    Struct(Shape<'a>),
    /// An enum.
    Enum(Vec<Variant<'a>>),
}

/// One variant of an enum.
struct Variant<'a> {
    /// Its name in Rust.
    ident: &'a Ident,
    /// Its `#[serde(...)]` attributes.
    serde: serde_attr::Variant,
    /// Every `#[redact]` written on the variant itself.
    misplaced: Vec<&'a Attribute>,
    /// Its fields.
    shape: Shape<'a>,
}

/// The fields of a struct or variant, and how serde writes them.
enum Shape<'a> {
    /// `{ a: A, b: B }`: a JSON object.
    Named(Vec<Field<'a>>),
    /// `(A, B)`: a JSON array, skipped fields left out. One field, a
    /// newtype, is written as that field alone.
    Tuple(Vec<Field<'a>>),
    /// No fields.
    Unit,
}

/// One field.
struct Field<'a> {
    /// Its name in Rust, for a named field.
    ident: Option<&'a Ident>,
    /// Its type.
    ty: &'a Type,
    /// Its `#[serde(...)]` attributes.
    serde: serde_attr::Field,
    /// Its `#[redact(...)]`, when it has one that parsed.
    rule: Option<Rule>,
    /// The `redact` path of its first `#[redact]`, even one that did not
    /// parse: where errors about the field's redaction point.
    redact_attr: Option<Span>,
}

impl Field<'_> {
    /// `#[redact(skip)]`: left as it is, not even through its type.
    fn skipped(&self) -> bool {
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
struct Rule {
    /// What happens to the value.
    action: Action,
    /// The role that sees the value in full, if any.
    unless: Option<RoleName>,
}

/// What `#[redact]` does to a value.
#[derive(Clone, Copy)]
enum Action {
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

impl<'a> Container<'a> {
    /// Reads the type; `None` for a union, reported.
    fn parse(input: &'a DeriveInput, cx: &Ctxt) -> Option<Self> {
        let body = match &input.data {
            Data::Struct(data) => Body::Struct(Shape::parse(&data.fields, cx)),
            Data::Enum(data) => Body::Enum(
                data.variants
                    .iter()
                    .map(|variant| Variant {
                        ident: &variant.ident,
                        serde: serde_attr::Variant::from_attrs(&variant.attrs),
                        misplaced: redact_attrs(&variant.attrs).collect(),
                        shape: Shape::parse(&variant.fields, cx),
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

impl<'a> Shape<'a> {
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
            Fields::Named(_) => Shape::Named(parse_all(cx)),
            Fields::Unnamed(_) => Shape::Tuple(parse_all(cx)),
            Fields::Unit => Shape::Unit,
        }
    }

    /// The fields, none for a unit.
    fn fields(&self) -> &[Field<'a>] {
        match self {
            Shape::Named(fields) | Shape::Tuple(fields) => fields,
            Shape::Unit => &[],
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
fn derived_debug(attrs: &[Attribute]) -> Option<Span> {
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

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

/// Runs every rule, each recording its errors.
fn check(container: &Container<'_>, cx: &Ctxt) {
    redact_only_on_fields(container, cx);
    no_derived_debug(container, cx);
    written_as_itself(container, cx);
    match &container.body {
        Body::Struct(shape) => {
            not_on_flattened(shape, cx);
            serialize_with_needs_a_rule(shape, cx);
        }
        Body::Enum(variants) => {
            for variant in variants {
                not_on_flattened(&variant.shape, cx);
                serialize_with_needs_a_rule(&variant.shape, cx);
            }
            not_in_untagged(container, variants, cx);
        }
    }
}

/// This derive implements `Debug` itself, with the redacted fields masked;
/// a derived `Debug` would print them in clear (and clash with it).
fn no_derived_debug(container: &Container<'_>, cx: &Ctxt) {
    if let Some(debug) = container.derives_debug {
        cx.at(
            debug,
            "`#[derive(Redact)]` implements `Debug` itself, with masked fields masked and hidden fields printed `[REDACTED]`; remove `Debug` from this `#[derive]`",
        );
    }
}

/// Redaction finds members by the names this type's fields have in JSON;
/// with `into`, `try_into` or `remote`, the JSON is another type's.
fn written_as_itself(container: &Container<'_>, cx: &Ctxt) {
    let Some(key) = &container.serde.foreign_form else {
        return;
    };
    let message = if key == "remote" {
        "`#[derive(Redact)]` cannot be used with `#[serde(remote = \"...\")]`: this definition only writes the remote type through `#[serde(with = \"...\")]`, where its `Redact` is never used; mark that field `#[redact(mask(last = N))]`, `#[redact(hide)]` or `#[redact(skip)]` instead".to_owned()
    } else {
        format!(
            "`#[derive(Redact)]` cannot be used with `#[serde({key} = \"...\")]`: serde writes the other type, whose members are not the fields of `{}`, so `#[redact]` would not find them; derive `Redact` on the type serde writes instead",
            container.ident.unraw()
        )
    };
    cx.spanned(key, message);
}

/// A field written by `serialize_with` or `with` has the JSON the function
/// chooses, which its type's own redaction may not recognise; the field
/// must say what happens to it.
fn serialize_with_needs_a_rule(shape: &Shape<'_>, cx: &Ctxt) {
    for field in shape.fields() {
        // A field with a `#[redact]`, even one that did not parse, has been
        // told what happens to it.
        let told = field.redact_attr.is_some() || field.serde.skip.ser;
        if let (Some(key), false) = (&field.serde.serialize_with, told) {
            cx.spanned(
                key,
                format!(
                    "a field written by `#[serde({key})]` needs `#[redact(...)]`: the function chooses its JSON, so the redaction of `{}` may not find its members; write `#[redact(skip)]` if it holds nothing sensitive, else `#[redact(mask(last = N))]` or `#[redact(hide)]`",
                    type_name(field.ty)
                ),
            );
        }
    }
}

/// `#[redact]` says what happens to a field's value; on a type or a variant
/// it has no meaning.
fn redact_only_on_fields(container: &Container<'_>, cx: &Ctxt) {
    let variants = match &container.body {
        Body::Enum(variants) => variants.as_slice(),
        Body::Struct(_) => &[],
    };
    let misplaced = container
        .misplaced
        .iter()
        .chain(variants.iter().flat_map(|variant| &variant.misplaced));
    for attr in misplaced {
        cx.spanned(
            attr,
            "`#[redact]` goes on fields, not on types or variants: write it on each sensitive field",
        );
    }
}

/// A flattened field's members are merged into the parent object, so no
/// one member holds its value: its own type says what to redact.
fn not_on_flattened(shape: &Shape<'_>, cx: &Ctxt) {
    for field in shape.fields() {
        if let (Some(attr), Some(_), false) =
            (field.redact_attr, field.serde.flatten, field.skipped())
        {
            cx.at(
                attr,
                format!(
                    "a `#[serde(flatten)]` field cannot be masked or hidden: its members are merged into the parent object; put `#[redact]` on the fields of `{}` instead",
                    type_name(field.ty)
                ),
            );
        }
    }
}

/// The JSON of an untagged variant does not say which variant it is, so a
/// field of it cannot be found reliably.
fn not_in_untagged(container: &Container<'_>, variants: &[Variant<'_>], cx: &Ctxt) {
    let enum_untagged = matches!(container.serde.repr, Repr::Untagged);
    for variant in variants {
        if !enum_untagged && variant.serde.untagged.is_none() {
            continue;
        }
        for field in variant
            .shape
            .fields()
            .iter()
            .filter(|field| !field.skipped())
        {
            if let Some(attr) = field.redact_attr {
                cx.at(
                    attr,
                    format!(
                        "a field of an untagged variant (`#[serde(untagged)]`) cannot be masked or hidden: its JSON does not say it is `{}`, so the field cannot be found; give the enum a tag (`#[serde(tag = \"type\")]`), or move the field into a struct that derives `Redact`",
                        variant.ident.unraw()
                    ),
                );
            }
        }
    }
}

/// A type as written, for messages (`Address`, `Vec<Item>`).
fn type_name(ty: &Type) -> String {
    let mut name = String::new();
    for token in quote!(#ty).to_string().split(' ') {
        let glue = matches!(token, "<" | ">" | "::" | "," | ")" | "]")
            || name.ends_with(['<', ':', '(', '[', '&']);
        if !glue && !name.is_empty() {
            name.push(' ');
        }
        name.push_str(token);
    }
    name
}

// ---------------------------------------------------------------------------
// Expansion
// ---------------------------------------------------------------------------

/// `impl Redact`: the type's JSON form, redacted in place for the viewer.
fn expand_redact(container: &Container<'_>) -> TokenStream {
    let ident = container.ident;
    let generics = with_bounds(
        container.generics,
        &parse_quote!(::secure_api::__private::Redact),
    );
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let body = match &container.body {
        Body::Struct(shape) if container.serde.transparent => transparent(shape),
        Body::Struct(shape) => {
            let rule = *container.serde.rename_all.get(Direction::Serialize);
            shape_code(shape, rule, &quote!(__secure_value), None)
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
fn transparent(shape: &Shape<'_>) -> TokenStream {
    shape
        .fields()
        .iter()
        .find(|field| !field.serde.skip.ser)
        .map(|field| value_code(field, &quote!(__secure_value)))
        .unwrap_or_default()
}

/// The code that redacts `target` (a `&mut Value` expression), the JSON of
/// a struct or variant of this shape. Named fields take their names from
/// `rule` (`rename_all` of a struct; `rename_all` of a variant, else
/// `rename_all_fields` of its enum). `tag`: the
/// tag member of an internally tagged enum, which a newtype variant's
/// members sit next to.
fn shape_code(
    shape: &Shape<'_>,
    rule: RenameRule,
    target: &TokenStream,
    tag: Option<&str>,
) -> TokenStream {
    match shape {
        Shape::Unit => TokenStream::new(),
        Shape::Named(fields) => {
            let members = fields
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
                    #(#members)*
                }
                #(#flattened)*
            }
        }
        Shape::Tuple(fields) if fields.len() == 1 => match (tag, &fields[0].rule) {
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
        Shape::Tuple(fields) => {
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
                let code = shape_code(&variant.shape, rule_of(variant), &target, tag);
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
        shape_code(
            &variant.shape,
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
            let code = shape_code(&variant.shape, rule, &quote!(__secure_content), None);
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
        Body::Struct(shape) => vec![debug_arm(&quote!(Self), ident, shape)],
        Body::Enum(variants) => variants
            .iter()
            .map(|variant| {
                let variant_ident = variant.ident;
                debug_arm(&quote!(Self::#variant_ident), variant_ident, &variant.shape)
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
fn debug_arm(path: &TokenStream, ident: &Ident, shape: &Shape<'_>) -> TokenStream {
    let name = ident.unraw().to_string();
    let fields = shape.fields();
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
    match shape {
        Shape::Unit => quote! { #path => __secure_f.write_str(#name), },
        Shape::Named(named) => {
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
        Shape::Tuple(_) => quote! {
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
fn stand_in(input: &DeriveInput) -> TokenStream {
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

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;

    use super::derive;

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
        assert!(out.contains(r#"object . get_mut ("fullName")"#), "{out}");
        assert!(out.contains(r#"object . get_mut ("SSN")"#), "{out}");
        assert!(out.contains(r#"object . remove ("cardNumber")"#), "{out}");
        assert!(!out.contains(r#"remove ("internal")"#), "{out}");
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
        assert!(!out.contains("len () == 1"), "{out}");
        assert!(out.contains(r#"__secure_object . get_mut ("A")"#), "{out}");
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
