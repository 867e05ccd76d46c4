//! The meta helpers the attribute parsers share: the value of `key = ".."`
//! or `key = 50`, the list of `key(..)`, a role name, and the suggestion of
//! the closest known key for a typo.
//!
//! Each records its error in the [`Ctxt`] and answers `None`, so the caller
//! goes on with the next key.

use syn::{Expr, ExprLit, Lit, LitStr, Meta, MetaList};

use crate::ctxt::Ctxt;

/// A role name as written, a non-empty string literal: `"editor"`. Whether
/// it was declared is left to rustc (see `expand.rs`), which then points at
/// this literal.
pub(crate) struct RoleName {
    /// The literal, passed on as is to keep its span.
    pub(crate) lit: LitStr,
}

/// The string literal of `key = "..."`; records an error showing `example`
/// when the key has another shape.
pub(crate) fn string_value(meta: &Meta, example: &str, cx: &Ctxt) -> Option<LitStr> {
    let key = meta.path();
    match meta {
        Meta::NameValue(name_value) => match &name_value.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) => Some(lit.clone()),
            value => {
                cx.spanned(
                    value,
                    format!(
                        "`{}` expects a string literal: `{example}`",
                        quote::quote!(#key)
                    ),
                );
                None
            }
        },
        _ => {
            cx.spanned(
                meta,
                format!(
                    "`{}` expects a string literal: `{example}`",
                    quote::quote!(#key)
                ),
            );
            None
        }
    }
}

/// The integer literal of `key = 50`, or an error showing `example`.
pub(crate) fn int_value(meta: &Meta, example: &str, cx: &Ctxt) -> Option<syn::LitInt> {
    let key = meta.path();
    if let Meta::NameValue(name_value) = meta
        && let Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) = &name_value.value
    {
        return Some(lit.clone());
    }
    cx.spanned(
        meta,
        format!(
            "`{}` expects a whole number: `{example}`",
            quote::quote!(#key)
        ),
    );
    None
}

/// The parenthesized list of `key(...)`; records an error showing `form`
/// when the key has another shape.
pub(crate) fn list<'a>(meta: &'a Meta, form: &str, cx: &Ctxt) -> Option<&'a MetaList> {
    match meta {
        Meta::List(list) => Some(list),
        _ => {
            let key = meta.path();
            cx.spanned(meta, format!("`{}` expects {form}", quote::quote!(#key)));
            None
        }
    }
}

/// A role name used by `key`: any string literal but the empty one.
pub(crate) fn role_name(lit: LitStr, key: &str, cx: &Ctxt) -> Option<RoleName> {
    if lit.value().is_empty() {
        cx.spanned(
            &lit,
            format!("empty role name in `{key}`; expected a role declared with `secure_api::roles!`, such as \"admin\""),
        );
        return None;
    }
    Some(RoleName { lit })
}

/// The Levenshtein distance between two short strings.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The entry of `known` closest to `word`, when it is a typo away (one or
/// two edits); the first such entry on a tie.
pub(crate) fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    let closest = known
        .iter()
        .map(|known| (edit_distance(word, known), *known))
        .min_by_key(|(distance, _)| *distance);
    match closest {
        Some((1..=2, close)) => Some(close),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("rol", "role"), 1);
        assert_eq!(edit_distance("role", "roles"), 1);
        assert_eq!(edit_distance("rate", "rate"), 0);
        assert_eq!(edit_distance("verison", "version"), 2);
    }
}
