//! `#[secure(...)]` on an actix-web handler: `attr.rs` parses the attribute
//! and `handler.rs` the function into a model, `check.rs` runs the rules
//! across them, `expand.rs` generates the service.

mod attr;
mod check;
mod expand;
mod handler;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Ctxt;

/// `#[secure(args)] item`: parse, check, expand; on any error, the item as
/// written followed by one `compile_error!` per error.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let model = attr::parse(&cx, args, item.clone());
    check::check(&cx, &model);
    match cx.check().and_then(|()| expand::expand(&model)) {
        Ok(expanded) => expanded,
        Err(errors) => {
            let errors = errors.to_compile_error();
            quote! { #item #errors }
        }
    }
}
