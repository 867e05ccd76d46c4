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
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, Token};

use crate::ctxt::Ctxt;

/// `roles! { ... }`: parse, check the hierarchy, expand. On error, one
/// `compile_error!` per error, plus what still holds of the declaration
/// (or a stand-in when it does not parse), so that the crate's `#[secure]`
/// handlers report no follow-on errors.
pub(crate) fn roles(input: TokenStream) -> TokenStream {
    if let Ok(undeclared) = Undeclared::parse.parse2(input.clone()) {
        return undeclared.expand();
    }
    let cx = Ctxt::new();
    let chains = match parse_chains.parse2(input) {
        Ok(chains) => chains,
        Err(error) => {
            let error = error.to_compile_error();
            let stand_in = stand_in();
            return quote! { #error #stand_in };
        }
    };
    let hierarchy = Hierarchy::build(&chains, &cx);
    let expanded = hierarchy.expand();
    match cx.check() {
        Ok(()) => expanded,
        // The hierarchy without the rejected edges and names, so that the
        // handlers' role names are still checked and nothing else fails.
        Err(error) => {
            let error = error.to_compile_error();
            quote! { #error #expanded }
        }
    }
}

/// What a declaration that does not parse expands to besides its error: an
/// empty `roles` module and a `__secure_api_role!` that accepts any name,
/// so that each `#[secure]` of the crate does not report a follow-on error.
fn stand_in() -> TokenStream {
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
            format!(
                "`roles!` declares no roles; declare every role of the application, such as {FORM}"
            ),
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
    /// Whether its constant would clash with an earlier role's; such a role
    /// is reported and left out of the expansion.
    clashes: bool,
}

impl Hierarchy {
    /// Declares every role and edge in order, rejecting each edge that would
    /// close a cycle (so the hierarchy stays a DAG) and each name whose
    /// constant would clash with another's.
    fn build(chains: &[Chain], cx: &Ctxt) -> Self {
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
                        let clashes = match const_names.get(&const_name(&name)) {
                            Some(&other) => {
                                let other = &hierarchy.roles[other].name;
                                cx.spanned(
                                    ident,
                                    format!("role `{name}` clashes with role `{other}`: both would be `roles::{}`; spell them alike or pick another name", const_name(&name)),
                                );
                                true
                            }
                            None => false,
                        };
                        const_names.entry(const_name(&name)).or_insert(index);
                        index_of.insert(name.clone(), index);
                        hierarchy.roles.push(Role {
                            ident: ident.clone(),
                            name,
                            above: Vec::new(),
                            clashes,
                        });
                        index
                    }
                };
                indexes.push((index, ident));
            }
            for pair in indexes.windows(2) {
                let [(higher, _), (lower, lower_ident)] = pair else {
                    continue;
                };
                hierarchy.add_edge(*higher, *lower, lower_ident, cx);
            }
        }
        hierarchy
    }

    /// Puts `higher` directly above `lower`, unless that closes a cycle.
    fn add_edge(&mut self, higher: usize, lower: usize, at: &Ident, cx: &Ctxt) {
        if higher == lower {
            cx.spanned(
                at,
                format!("role `{}` cannot be above itself", self.roles[lower].name),
            );
            return;
        }
        // A cycle closes when `lower` already stands above `higher`.
        if let Some(path) = self.path_up(higher, lower) {
            let mut cycle: Vec<String> = path
                .iter()
                .rev()
                .map(|&index| format!("`{}`", self.roles[index].name))
                .collect();
            cycle.push(format!("`{}`", self.roles[lower].name));
            cx.spanned(
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
        let consts = self
            .roles
            .iter()
            .enumerate()
            .filter(|(_, role)| !role.clashes)
            .map(|(index, role)| {
                let const_ident =
                    format_ident!("{}", const_name(&role.name), span = role.ident.span());
                let name = &role.name;
                let satisfied_by: Vec<&str> = self
                    .satisfied_by(index)
                    .into_iter()
                    .map(|i| self.roles[i].name.as_str())
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
        let declared = || self.roles.iter().filter(|role| !role.clashes);
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
}

/// `roles!(@undeclared "nope"; "admin", "editor")`: the last arm of
/// `__secure_api_role!`, reached when `#[secure]` names a role that was not
/// declared. It is a proc macro, not a `compile_error!` in the `macro_rules!`
/// arm, because only a proc macro can place the error on the user's
/// literal: an error raised by the arm itself points at `roles!`.
struct Undeclared {
    /// The role as the user wrote it in `#[secure(...)]`.
    role: syn::Lit,
    /// Every declared role.
    declared: Vec<String>,
}

impl Undeclared {
    /// Parses the internal form; fails on anything else (a declaration).
    fn parse(input: ParseStream) -> syn::Result<Self> {
        input.parse::<Token![@]>()?;
        let marker: Ident = input.parse()?;
        if marker != "undeclared" {
            return Err(syn::Error::new(marker.span(), "expected `undeclared`"));
        }
        let role = input.parse()?;
        input.parse::<Token![;]>()?;
        let declared =
            syn::punctuated::Punctuated::<syn::LitStr, Token![,]>::parse_terminated(input)?;
        Ok(Undeclared {
            role,
            declared: declared.iter().map(syn::LitStr::value).collect(),
        })
    }

    /// The error, at the user's literal.
    fn expand(&self) -> TokenStream {
        let shown = match &self.role {
            syn::Lit::Str(lit) => format!("`{}`", lit.value()),
            other => quote!(#other).to_string(),
        };
        let declared: Vec<String> = self
            .declared
            .iter()
            .map(|name| format!("`{name}`"))
            .collect();
        let mut message = format!(
            "undeclared role {shown}; declared roles: {} (see `secure_api::roles!` at the crate root)",
            declared.join(", ")
        );
        if let syn::Lit::Str(lit) = &self.role {
            let wanted = lit.value().trim().to_lowercase();
            if let Some(close) = self
                .declared
                .iter()
                .find(|name| name.to_lowercase() == wanted)
            {
                message =
                    format!("{message}; role names are matched exactly: did you mean `{close}`?");
            }
        }
        quote_spanned! {self.role.span()=> ::core::compile_error!(#message) }
    }
}

/// The name of a role's constant: `admin` → `ADMIN`.
fn const_name(name: &str) -> String {
    name.to_uppercase()
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use syn::parse::Parser;

    use super::{Ctxt, Hierarchy, parse_chains};

    /// The hierarchy of a declaration, and how many errors it had.
    fn build(declaration: &str) -> (Hierarchy, usize) {
        let tokens: TokenStream = match declaration.parse() {
            Ok(tokens) => tokens,
            Err(error) => panic!("{declaration}: {error}"),
        };
        let chains = match parse_chains.parse2(tokens) {
            Ok(chains) => chains,
            Err(error) => panic!("{declaration}: {error}"),
        };
        let cx = Ctxt::new();
        let hierarchy = Hierarchy::build(&chains, &cx);
        let count = cx
            .check()
            .err()
            .map_or(0, |error| error.into_iter().count());
        (hierarchy, count)
    }

    /// The names satisfying `role`, in order.
    fn satisfied_by(hierarchy: &Hierarchy, role: &str) -> Vec<String> {
        let Some(index) = hierarchy.roles.iter().position(|r| r.name == role) else {
            panic!("no role {role}");
        };
        hierarchy
            .satisfied_by(index)
            .into_iter()
            .map(|i| hierarchy.roles[i].name.clone())
            .collect()
    }

    #[test]
    fn a_chain_and_a_lone_role() {
        let (hierarchy, errors) = build("admin > editor > viewer; reporting;");
        assert_eq!(errors, 0);
        assert_eq!(
            satisfied_by(&hierarchy, "viewer"),
            ["viewer", "editor", "admin"]
        );
        assert_eq!(satisfied_by(&hierarchy, "editor"), ["editor", "admin"]);
        assert_eq!(satisfied_by(&hierarchy, "admin"), ["admin"]);
        assert_eq!(satisfied_by(&hierarchy, "reporting"), ["reporting"]);
    }

    #[test]
    fn chains_sharing_names_form_a_dag() {
        let (hierarchy, errors) =
            build("admin > editor > viewer; admin > billing > viewer; auditor > viewer");
        assert_eq!(errors, 0);
        assert_eq!(
            satisfied_by(&hierarchy, "viewer"),
            ["viewer", "editor", "billing", "auditor", "admin"]
        );
        assert_eq!(satisfied_by(&hierarchy, "billing"), ["billing", "admin"]);
    }

    #[test]
    fn cycles_are_rejected_and_left_out() {
        let (hierarchy, errors) = build("a > b; b > c; c > a; a > a");
        assert_eq!(errors, 2);
        // The edges that close a cycle are not kept: the rest is a DAG.
        assert_eq!(satisfied_by(&hierarchy, "c"), ["c", "b", "a"]);
        assert_eq!(satisfied_by(&hierarchy, "a"), ["a"]);
    }

    #[test]
    fn repeated_edges_are_kept_once() {
        let (hierarchy, errors) = build("a > b; a > b; a > b > c");
        assert_eq!(errors, 0);
        assert_eq!(satisfied_by(&hierarchy, "c"), ["c", "b", "a"]);
    }

    #[test]
    fn malformed_declarations() {
        for bad in [
            "", "a >", "a > > b", "a, b", "a < b", "\"a\"", "a;;b", "type",
        ] {
            let tokens: TokenStream = match bad.parse() {
                Ok(tokens) => tokens,
                Err(error) => panic!("{bad}: {error}"),
            };
            assert!(parse_chains.parse2(tokens).is_err(), "{bad:?} parsed");
        }
    }
}
