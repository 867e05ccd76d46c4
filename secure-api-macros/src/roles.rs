//! `roles!`: the application's roles and their hierarchy, fixed at compile
//! time.
//!
//! `roles! { admin > editor > viewer; reporting; }` declares four roles;
//! `a > b` puts `a` above `b`, so a holder of `a` satisfies any requirement
//! of `b`. The expansion is a `roles` module with one `Role` constant per
//! role, and the `__secure_api_role!` macro through which `#[secure]` names
//! a role by its string, so that rustc rejects an undeclared one.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, Token};

use crate::errors::Errors;

/// `roles! { ... }`: parse, check the hierarchy, expand; on any error, one
/// `compile_error!` per error.
pub(crate) fn roles(input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let chains = match parse_chains.parse2(input) {
        Ok(chains) => chains,
        Err(error) => return error.to_compile_error(),
    };
    let hierarchy = Hierarchy::build(&chains, &mut errors);
    match errors.finish() {
        Ok(()) => hierarchy.expand(),
        Err(error) => error.to_compile_error(),
    }
}

/// One statement: role names joined by `>`, the highest first.
type Chain = Vec<Ident>;

/// The form of a declaration, for messages.
const FORM: &str = "`roles! { admin > editor > viewer; reporting; }`";

/// Parses statements separated by `;` (the last `;` optional), each a chain
/// of role names joined by `>`.
fn parse_chains(input: ParseStream) -> syn::Result<Vec<Chain>> {
    let mut chains = Vec::new();
    while !input.is_empty() {
        let mut chain = vec![role_name(input)?];
        while input.peek(Token![>]) {
            input.parse::<Token![>]>()?;
            chain.push(role_name(input)?);
        }
        if !input.is_empty() {
            if !input.peek(Token![;]) {
                let last = chain.last().map(ToString::to_string).unwrap_or_default();
                return Err(input.error(format!(
                    "expected `>` or `;` after role `{last}`; a declaration looks like {FORM}"
                )));
            }
            input.parse::<Token![;]>()?;
        }
        chains.push(chain);
    }
    if chains.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            format!("`roles!` declares no roles; declare every role of the application, such as {FORM}"),
        ));
    }
    Ok(chains)
}

/// A role name: an identifier such as `admin` (`r#type` names `type`).
fn role_name(input: ParseStream) -> syn::Result<Ident> {
    if input.peek(Ident) {
        return input.parse();
    }
    let found = if input.is_empty() {
        "the end of the declaration".to_owned()
    } else {
        let token: proc_macro2::TokenTree = input.fork().parse()?;
        format!("`{token}`")
    };
    Err(input.error(format!(
        "expected a role name (an identifier such as `admin`), found {found}; a declaration looks like {FORM}"
    )))
}

/// The declared roles and, for each, the roles directly above it.
struct Hierarchy {
    /// Each role as first written, in order of first appearance.
    roles: Vec<Role>,
}

/// One declared role.
struct Role {
    /// The name as first written.
    ident: Ident,
    /// The name, without `r#`.
    name: String,
    /// Indexes of the roles directly above this one, in declaration order.
    above: Vec<usize>,
}

impl Hierarchy {
    /// Declares every role and edge in order, rejecting each edge that would
    /// close a cycle (so the hierarchy stays a DAG) and each name whose
    /// constant would clash with another's.
    fn build(chains: &[Chain], errors: &mut Errors) -> Self {
        let mut hierarchy = Hierarchy { roles: Vec::new() };
        let mut index_of: HashMap<String, usize> = HashMap::new();
        let mut const_names: HashMap<String, usize> = HashMap::new();
        for chain in chains {
            let mut indexes = Vec::with_capacity(chain.len());
            for ident in chain {
                let name = ident.unraw().to_string();
                let index = match index_of.get(&name) {
                    Some(&index) => index,
                    None => {
                        let index = hierarchy.roles.len();
                        if let Some(&other) = const_names.get(&const_name(&name)) {
                            let other = &hierarchy.roles[other].name;
                            errors.spanned(
                                ident,
                                format!("role `{name}` clashes with role `{other}`: both would be `roles::{}`; spell them alike or pick another name", const_name(&name)),
                            );
                        }
                        const_names.entry(const_name(&name)).or_insert(index);
                        index_of.insert(name.clone(), index);
                        hierarchy.roles.push(Role { ident: ident.clone(), name, above: Vec::new() });
                        index
                    }
                };
                indexes.push((index, ident));
            }
            for pair in indexes.windows(2) {
                let [(higher, _), (lower, lower_ident)] = pair else { continue };
                hierarchy.add_edge(*higher, *lower, lower_ident, errors);
            }
        }
        hierarchy
    }

    /// Puts `higher` directly above `lower`, unless that closes a cycle.
    fn add_edge(&mut self, higher: usize, lower: usize, at: &Ident, errors: &mut Errors) {
        if higher == lower {
            errors.spanned(at, format!("role `{}` cannot be above itself", self.roles[lower].name));
            return;
        }
        // A cycle closes when `lower` already stands above `higher`.
        if let Some(path) = self.path_up(higher, lower) {
            let mut cycle: Vec<String> = path.iter().rev().map(|&index| format!("`{}`", self.roles[index].name)).collect();
            cycle.push(format!("`{}`", self.roles[lower].name));
            errors.spanned(
                at,
                format!("cycle in the role hierarchy: {}; a role cannot be above a role that is above it", cycle.join(" > ")),
            );
            return;
        }
        let above = &mut self.roles[lower].above;
        if !above.contains(&higher) {
            above.push(higher);
        }
    }

    /// A path of roles from `from` up to `to` (both included), if `to`
    /// stands above `from`.
    fn path_up(&self, from: usize, to: usize) -> Option<Vec<usize>> {
        if from == to {
            return Some(vec![to]);
        }
        self.roles[from].above.iter().find_map(|&next| {
            let mut path = self.path_up(next, to)?;
            path.insert(0, from);
            Some(path)
        })
    }

    /// The role itself, then every role above it, nearest first.
    fn satisfied_by(&self, role: usize) -> Vec<usize> {
        let mut found = vec![role];
        let mut next = 0;
        while let Some(&current) = found.get(next) {
            for &higher in &self.roles[current].above {
                if !found.contains(&higher) {
                    found.push(higher);
                }
            }
            next += 1;
        }
        found
    }

    /// The `roles` module and the `__secure_api_role!` macro.
    fn expand(&self) -> TokenStream {
        let consts = self.roles.iter().enumerate().map(|(index, role)| {
            let const_ident = format_ident!("{}", const_name(&role.name), span = role.ident.span());
            let name = &role.name;
            let satisfied_by: Vec<&str> = self.satisfied_by(index).into_iter().map(|i| self.roles[i].name.as_str()).collect();
            let listed: Vec<String> = satisfied_by.iter().map(|name| format!("`{name}`")).collect();
            let doc = format!(" The `{name}` role. Satisfied by: {}.", listed.join(", "));
            quote! {
                #[doc = #doc]
                pub(crate) const #const_ident: ::secure_api::__private::Role =
                    ::secure_api::__private::Role::__new(#name, &[#(#satisfied_by),*]);
            }
        });
        let arms = self.roles.iter().map(|role| {
            let name = &role.name;
            let const_ident = format_ident!("{}", const_name(&role.name));
            quote! { (#name) => { crate::roles::#const_ident }; }
        });
        let declared: Vec<String> = self.roles.iter().map(|role| format!("`{}`", role.name)).collect();
        let tail = format!(
            "; declared roles: {} (see `secure_api::roles!` at the crate root)",
            declared.join(", ")
        );
        quote! {
            /// The roles of this application, declared with `secure_api::roles!`.
            #[allow(dead_code)]
            pub(crate) mod roles {
                #(#consts)*
            }

            #[doc(hidden)]
            macro_rules! __secure_api_role {
                #(#arms)*
                ($other:literal) => {
                    ::core::compile_error!(::core::concat!("undeclared role ", ::core::stringify!($other), #tail))
                };
            }

            #[doc(hidden)]
            pub(crate) use __secure_api_role;
        }
    }
}

/// The name of a role's constant: `admin` → `ADMIN`.
fn const_name(name: &str) -> String {
    name.to_uppercase()
}
