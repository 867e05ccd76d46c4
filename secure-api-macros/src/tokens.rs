//! Code that more than one macro generates.

use proc_macro2::TokenStream;
use quote::quote_spanned;

use crate::attr_parsing::RoleName;

/// The `Role` constant named by a role literal. `roles!` defines
/// `__secure_api_role!` with one arm per declared role; the user's own
/// literal is passed in, so that rustc reports an undeclared role at it.
pub(crate) fn role_expr(role: &RoleName) -> TokenStream {
    let lit = &role.lit;
    quote_spanned! {lit.span()=> crate::__secure_api_role!(#lit) }
}
