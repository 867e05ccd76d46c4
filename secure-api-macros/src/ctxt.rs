//! The must-check error context every macro call threads through parsing
//! and checks.
//!
//! A macro that stops at its first error makes the user fix one mistake per
//! build; collecting them shows every mistake at once. Modelled on
//! `serde_derive`'s `internals/ctxt.rs`: errors are recorded through a
//! shared reference, so the model and the rules need no `&mut`, and the
//! context is consumed by [`Ctxt::check`], which hands back every error. It
//! never panics.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// The errors found so far in one macro call, each with its span. Consume it
/// with [`Ctxt::check`].
#[must_use = "a `Ctxt` holds errors: consume it with `check` to report them"]
#[derive(Default)]
pub(crate) struct Ctxt {
    /// The errors, in the order they were found (the order of the
    /// `compile_error!`s).
    errors: RefCell<Vec<syn::Error>>,
}

impl Ctxt {
    /// An empty context.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Records `error` as it is (a parse error from syn keeps its own span).
    pub(crate) fn push(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    /// Records `message`, pointing at `tokens` (all of them, first to last).
    pub(crate) fn spanned(&self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records `message`, pointing at `span`.
    pub(crate) fn at(&self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Consumes the context: `Ok` when nothing was recorded; otherwise every
    /// error, combined into one `syn::Error` that renders as one
    /// `compile_error!` each, in the order they were recorded.
    ///
    /// # Errors
    ///
    /// Every recorded error.
    pub(crate) fn check(self) -> syn::Result<()> {
        let mut errors = self.errors.into_inner().into_iter();
        let Some(mut first) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            first.combine(error);
        }
        Err(first)
    }
}
