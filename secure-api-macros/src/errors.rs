//! The error collector every macro call threads through parsing and checks.
//!
//! A macro that stops at its first error makes the user fix one mistake per
//! build; collecting them shows every mistake at once (the same idea as
//! `serde_derive`'s `internals/ctxt.rs`).

use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// The errors found so far in one macro call.
#[derive(Default)]
pub(crate) struct Errors {
    errors: Vec<syn::Error>,
}

impl Errors {
    /// Records `error` as it is (a parse error from syn keeps its own span).
    pub(crate) fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// Records `message`, pointing at `tokens` (all of them, first to last).
    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records `message`, pointing at `span`.
    pub(crate) fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// `Ok` when nothing was recorded; otherwise every error, combined into
    /// one `syn::Error` that renders as one `compile_error!` each.
    pub(crate) fn finish(self) -> syn::Result<()> {
        let mut errors = self.errors.into_iter();
        let Some(mut first) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            first.combine(error);
        }
        Err(first)
    }
}
