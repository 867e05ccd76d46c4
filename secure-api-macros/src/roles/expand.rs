//! Code generation of `roles!`: the `roles` module with one `Role` constant
//! per role and the `__secure_api_role!` macro through which `#[secure]`
//! names a role by its string; or, for the internal form, the error at an
//! undeclared role.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use super::attr::{Declaration, Roles, Undeclared, const_name};

/// The expansion of `roles!`. With errors, a declaration still expands to
/// what holds of it (the hierarchy without the rejected edges and names).
pub(crate) fn expand(roles: &Roles) -> TokenStream {
    match roles {
        Roles::Declared(declaration) => expand_declaration(declaration),
        Roles::Undeclared(undeclared) => expand_undeclared(undeclared),
    }
}

/// The `roles` module and the `__secure_api_role!` macro.
fn expand_declaration(declaration: &Declaration) -> TokenStream {
    let hierarchy = declaration.hierarchy();
    let consts = declaration
        .roles
        .iter()
        .enumerate()
        .filter(|(_, role)| role.clashes_with.is_none())
        .map(|(index, role)| {
            let const_ident = format_ident!("{}", const_name(&role.name), span = role.ident.span());
            let name = &role.name;
            let satisfied_by: Vec<&str> = hierarchy
                .satisfied_by(index)
                .into_iter()
                .map(|i| declaration.roles[i].name.as_str())
                .collect();
            let listed: Vec<String> = satisfied_by
                .iter()
                .map(|name| format!("`{name}`"))
                .collect();
            let doc = format!(" The `{name}` role. Satisfied by: {}.", listed.join(", "));
            quote! {
                #[doc = #doc]
                pub(crate) const #const_ident: ::secure_api::__private::Role =
                    ::secure_api::__private::Role::__new(#name, &[#(#satisfied_by),*]);
            }
        });
    let declared = || {
        declaration
            .roles
            .iter()
            .filter(|role| role.clashes_with.is_none())
    };
    let arms = declared().map(|role| {
        let name = &role.name;
        let const_ident = format_ident!("{}", const_name(&role.name));
        quote! { (#name) => { crate::roles::#const_ident }; }
    });
    let names: Vec<&String> = declared().map(|role| &role.name).collect();
    quote! {
        /// The roles of this application, declared with `secure_api::roles!`.
        #[allow(dead_code)]
        pub(crate) mod roles {
            #(#consts)*

            /// The name of every declared role, for
            /// `SecurityConfigBuilder::roles` (an API-key file may then
            /// grant these only).
            pub(crate) const fn names() -> &'static [&'static str] {
                &[#(#names),*]
            }
        }

        #[doc(hidden)]
        macro_rules! __secure_api_role {
            #(#arms)*
            ($other:literal) => {
                ::secure_api::__private::roles!(@undeclared $other; #(#names),*)
            };
        }

        #[doc(hidden)]
        pub(crate) use __secure_api_role;
    }
}

/// The error, at the user's literal.
fn expand_undeclared(undeclared: &Undeclared) -> TokenStream {
    let shown = match &undeclared.role {
        syn::Lit::Str(lit) => format!("`{}`", lit.value()),
        other => quote!(#other).to_string(),
    };
    let declared: Vec<String> = undeclared
        .declared
        .iter()
        .map(|name| format!("`{name}`"))
        .collect();
    let mut message = format!(
        "undeclared role {shown}; declared roles: {} (see `secure_api::roles!` at the crate root)",
        declared.join(", ")
    );
    if let syn::Lit::Str(lit) = &undeclared.role {
        let wanted = lit.value().trim().to_lowercase();
        if let Some(close) = undeclared
            .declared
            .iter()
            .find(|name| name.to_lowercase() == wanted)
        {
            message = format!("{message}; role names are matched exactly: did you mean `{close}`?");
        }
    }
    quote_spanned! {undeclared.role.span()=> ::core::compile_error!(#message) }
}

/// What a declaration that does not parse expands to besides its error: an
/// empty `roles` module and a `__secure_api_role!` that accepts any name,
/// so that each `#[secure]` of the crate does not report a follow-on error.
pub(crate) fn stand_in() -> TokenStream {
    quote! {
        #[allow(dead_code)]
        pub(crate) mod roles {
            pub(crate) const fn names() -> &'static [&'static str] {
                &[]
            }
        }

        #[doc(hidden)]
        macro_rules! __secure_api_role {
            ($other:literal) => { ::secure_api::__private::Role::__new($other, &[]) };
        }

        #[doc(hidden)]
        pub(crate) use __secure_api_role;
    }
}
