//! The rules of `#[derive(Redact)]` that relate a `#[redact]` to where it is
//! written and to what serde does with the field: one function per rule,
//! each recording its errors and never stopping the others.

use quote::quote;
use syn::Type;
use syn::ext::IdentExt;

use crate::ctxt::Ctxt;
use crate::serde_attr::Repr;

use super::attr::{Body, Container, Members, Variant};

/// Runs every rule, each recording its errors.
pub(crate) fn check(cx: &Ctxt, container: &Container<'_>) {
    redact_only_on_fields(container, cx);
    no_derived_debug(container, cx);
    written_as_itself(container, cx);
    match &container.body {
        Body::Struct(members) => {
            not_on_flattened(members, cx);
            serialize_with_needs_a_rule(members, cx);
        }
        Body::Enum(variants) => {
            for variant in variants {
                not_on_flattened(&variant.members, cx);
                serialize_with_needs_a_rule(&variant.members, cx);
            }
            not_in_untagged(container, variants, cx);
        }
    }
}

/// The type does not also derive `Debug`.
///
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

/// Serde writes the type itself (no `into`, `try_into` or `remote`).
///
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

/// A field written by `serialize_with` or `with` has a `#[redact]`.
///
/// A field written by `serialize_with` or `with` has the JSON the function
/// chooses, which its type's own redaction may not recognise; the field
/// must say what happens to it.
fn serialize_with_needs_a_rule(members: &Members<'_>, cx: &Ctxt) {
    for field in members.fields() {
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

/// `#[redact]` is written on fields only.
///
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

/// A `#[serde(flatten)]` field is not masked or hidden.
///
/// A flattened field's members are merged into the parent object, so no
/// one member holds its value: its own type says what to redact.
fn not_on_flattened(members: &Members<'_>, cx: &Ctxt) {
    for field in members.fields() {
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

/// No field of an untagged variant is masked or hidden.
///
/// The JSON of an untagged variant does not say which variant it is, so a
/// field of it cannot be found reliably.
fn not_in_untagged(container: &Container<'_>, variants: &[Variant<'_>], cx: &Ctxt) {
    let enum_untagged = matches!(container.serde.repr, Repr::Untagged);
    for variant in variants {
        if !enum_untagged && variant.serde.untagged.is_none() {
            continue;
        }
        for field in variant
            .members
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
