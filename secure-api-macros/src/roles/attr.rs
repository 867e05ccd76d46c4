//! Parsing of `roles!`: the declaration (statements of role names joined by
//! `>`) into a model of the roles and the edges between them, as written;
//! or the internal form `@undeclared` that `__secure_api_role!` falls back
//! to.
//!
//! The model keeps every edge, even one that closes a cycle: `check.rs`
//! reports those, and [`Declaration::hierarchy`] leaves them out.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, Token};

use crate::ctxt::Ctxt;

/// What `roles!` was called with.
pub(crate) enum Roles {
    /// A declaration: `roles! { admin > editor > viewer; reporting; }`.
    Declared(Declaration),
    /// The internal form, reached when `#[secure]` names an undeclared role.
    Undeclared(Undeclared),
}

/// Parses the input of `roles!`: the internal form, or else a declaration.
/// `None` when the declaration does not parse (the syntax error is recorded).
pub(crate) fn parse(cx: &Ctxt, input: TokenStream) -> Option<Roles> {
    if let Ok(undeclared) = Undeclared::parse.parse2(input.clone()) {
        return Some(Roles::Undeclared(undeclared));
    }
    match parse_chains.parse2(input) {
        Ok(chains) => Some(Roles::Declared(Declaration::new(&chains))),
        Err(error) => {
            cx.push(error);
            None
        }
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

/// The declared roles and the edges between them, as written.
pub(crate) struct Declaration {
    /// Each role as first written, in order of first appearance.
    pub(crate) roles: Vec<Role>,
    /// Each `higher > lower` as written, in order, repetitions and cycles
    /// included.
    pub(crate) edges: Vec<Edge>,
    /// How many statements the declaration has.
    pub(crate) statements: usize,
}

/// One declared role.
pub(crate) struct Role {
    /// The name as first written.
    pub(crate) ident: Ident,
    /// The name, without `r#`.
    pub(crate) name: String,
    /// The statement it is first written in.
    pub(crate) statement: usize,
    /// The earlier role whose constant has the same name as this one's, if
    /// any; such a role is reported and left out of the expansion.
    pub(crate) clashes_with: Option<usize>,
}

/// `higher > lower`, as written in one statement.
pub(crate) struct Edge {
    /// The index of the role above.
    pub(crate) higher: usize,
    /// The index of the role below.
    pub(crate) lower: usize,
    /// The lower role's name as written there, where errors point.
    pub(crate) at: Ident,
    /// The statement it is written in.
    pub(crate) statement: usize,
}

impl Declaration {
    /// Numbers the roles in order of first appearance and lists every edge.
    fn new(chains: &[Chain]) -> Self {
        let mut roles: Vec<Role> = Vec::new();
        let mut edges = Vec::new();
        let mut index_of: HashMap<String, usize> = HashMap::new();
        let mut const_names: HashMap<String, usize> = HashMap::new();
        for (statement, chain) in chains.iter().enumerate() {
            let mut indexes = Vec::with_capacity(chain.len());
            for ident in chain {
                let name = ident.unraw().to_string();
                let index = match index_of.get(&name) {
                    Some(&index) => index,
                    None => {
                        let index = roles.len();
                        let clashes_with = const_names.get(&const_name(&name)).copied();
                        const_names.entry(const_name(&name)).or_insert(index);
                        index_of.insert(name.clone(), index);
                        roles.push(Role {
                            ident: ident.clone(),
                            name,
                            statement,
                            clashes_with,
                        });
                        index
                    }
                };
                indexes.push((index, ident));
            }
            for pair in indexes.windows(2) {
                let [(higher, _), (lower, at)] = pair else {
                    continue;
                };
                edges.push(Edge {
                    higher: *higher,
                    lower: *lower,
                    at: (*at).clone(),
                    statement,
                });
            }
        }
        Declaration {
            roles,
            edges,
            statements: chains.len(),
        }
    }

    /// The hierarchy: every edge added in order, but those that would put a
    /// role above itself or close a cycle (so that it stays a DAG).
    pub(crate) fn hierarchy(&self) -> Hierarchy {
        let mut hierarchy = Hierarchy {
            above: vec![Vec::new(); self.roles.len()],
            cycles: Vec::with_capacity(self.edges.len()),
        };
        for edge in &self.edges {
            // A cycle closes when `lower` already stands above `higher`.
            let cycle = (edge.higher != edge.lower)
                .then(|| hierarchy.path_up(edge.higher, edge.lower))
                .flatten();
            let rejected = edge.higher == edge.lower || cycle.is_some();
            hierarchy.cycles.push(cycle);
            if rejected {
                continue;
            }
            let above = &mut hierarchy.above[edge.lower];
            if !above.contains(&edge.higher) {
                above.push(edge.higher);
            }
        }
        hierarchy
    }
}

/// The roles as a DAG: for each role, the roles directly above it.
pub(crate) struct Hierarchy {
    /// Indexes of the roles directly above each role, in declaration order.
    pub(crate) above: Vec<Vec<usize>>,
    /// For each edge of the declaration, the path from its higher role up to
    /// its lower one when the edge would close a cycle.
    pub(crate) cycles: Vec<Option<Vec<usize>>>,
}

impl Hierarchy {
    /// A path of roles from `from` up to `to` (both included), if `to`
    /// stands above `from`.
    fn path_up(&self, from: usize, to: usize) -> Option<Vec<usize>> {
        if from == to {
            return Some(vec![to]);
        }
        self.above[from].iter().find_map(|&next| {
            let mut path = self.path_up(next, to)?;
            path.insert(0, from);
            Some(path)
        })
    }

    /// The role itself, then every role above it, nearest first.
    pub(crate) fn satisfied_by(&self, role: usize) -> Vec<usize> {
        let mut found = vec![role];
        let mut next = 0;
        while let Some(&current) = found.get(next) {
            for &higher in &self.above[current] {
                if !found.contains(&higher) {
                    found.push(higher);
                }
            }
            next += 1;
        }
        found
    }
}

/// The name of a role's constant: `admin` → `ADMIN`.
pub(crate) fn const_name(name: &str) -> String {
    name.to_uppercase()
}

/// `roles!(@undeclared "nope"; "admin", "editor")`: the last arm of
/// `__secure_api_role!`, reached when `#[secure]` names a role that was not
/// declared. It is a proc macro, not a `compile_error!` in the `macro_rules!`
/// arm, because only a proc macro can place the error on the user's
/// literal: an error raised by the arm itself points at `roles!`.
pub(crate) struct Undeclared {
    /// The role as the user wrote it in `#[secure(...)]`.
    pub(crate) role: syn::Lit,
    /// Every declared role.
    pub(crate) declared: Vec<String>,
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
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use syn::parse::Parser;

    use super::parse_chains;

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
