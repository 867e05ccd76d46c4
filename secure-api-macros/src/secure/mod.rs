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
/// written (less any second `#[secure]`, whose own errors would only repeat
/// these) followed by one `compile_error!` per error.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let model = attr::parse(&cx, args, item.clone());
    check::check(&cx, &model);
    match cx.check().and_then(|()| expand::expand(&model)) {
        Ok(expanded) => expanded,
        Err(errors) => {
            let errors = errors.to_compile_error();
            let item = without_secure(item);
            quote! { #item #errors }
        }
    }
}

/// `item` without its `#[secure]` attributes when it is a function; as it
/// is otherwise.
fn without_secure(item: TokenStream) -> TokenStream {
    match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(mut function) => {
            function.attrs.retain(|attr| {
                attr.path()
                    .segments
                    .last()
                    .is_none_or(|segment| segment.ident != "secure")
            });
            quote! { #function }
        }
        Err(_) => item,
    }
}
