//! `roles!`: the application's roles and their hierarchy, fixed at compile
//! time.
//!
//! `roles! { admin > editor > viewer; reporting; }` declares four roles;
//! `a > b` puts `a` above `b`, so a holder of `a` satisfies any requirement
//! of `b`. The expansion is a `roles` module with one `Role` constant per
//! role, and the `__secure_api_role!` macro through which `#[secure]` names
//! a role by its string, so that rustc rejects an undeclared one.
//!
//! `attr.rs` parses the declaration into roles and edges, `check.rs`
//! reports clashing names and edges that close a cycle, `expand.rs`
//! generates the module and the macro.

mod attr;
mod check;
mod expand;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Ctxt;

/// `roles! { ... }`: parse, check the hierarchy, expand. On error, one
/// `compile_error!` per error, plus what still holds of the declaration
/// (or a stand-in when it does not parse), so that the crate's `#[secure]`
/// handlers report no follow-on errors.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let model = attr::parse(&cx, input);
    if let Some(model) = &model {
        check::check(&cx, model);
    }
    match (cx.check(), model) {
        (Ok(()), Some(model)) => expand::expand(&model),
        // The hierarchy without the rejected edges and names, so that the
        // handlers' role names are still checked and nothing else fails.
        (Err(errors), Some(model)) => {
            let errors = errors.to_compile_error();
            let expanded = expand::expand(&model);
            quote! { #errors #expanded }
        }
        (Err(errors), None) => {
            let errors = errors.to_compile_error();
            let stand_in = expand::stand_in();
            quote! { #errors #stand_in }
        }
        // Unreachable: `parse` records why it has no model.
        (Ok(()), None) => TokenStream::new(),
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;

    use super::attr::{Hierarchy, Roles};
    use super::{Ctxt, attr, check};

    /// The roles of a declaration, in order, with the hierarchy they form,
    /// and how many errors it had.
    fn build(declaration: &str) -> (Vec<String>, Hierarchy, usize) {
        let tokens: TokenStream = match declaration.parse() {
            Ok(tokens) => tokens,
            Err(error) => panic!("{declaration}: {error}"),
        };
        let cx = Ctxt::new();
        let roles = attr::parse(&cx, tokens);
        let Some(roles) = roles else {
            panic!("{declaration}: not parsed");
        };
        check::check(&cx, &roles);
        let count = cx
            .check()
            .err()
            .map_or(0, |error| error.into_iter().count());
        let Roles::Declared(declaration) = roles else {
            panic!("{declaration}: not a declaration");
        };
        let names = declaration
            .roles
            .iter()
            .map(|role| role.name.clone())
            .collect();
        (names, declaration.hierarchy(), count)
    }

    /// The names satisfying `role`, in order.
    fn satisfied_by(
        (names, hierarchy, _): &(Vec<String>, Hierarchy, usize),
        role: &str,
    ) -> Vec<String> {
        let Some(index) = names.iter().position(|name| name == role) else {
            panic!("no role {role}");
        };
        hierarchy
            .satisfied_by(index)
            .into_iter()
            .map(|i| names[i].clone())
            .collect()
    }

    #[test]
    fn a_chain_and_a_lone_role() {
        let built = build("admin > editor > viewer; reporting;");
        assert_eq!(built.2, 0);
        assert_eq!(
            satisfied_by(&built, "viewer"),
            ["viewer", "editor", "admin"]
        );
        assert_eq!(satisfied_by(&built, "editor"), ["editor", "admin"]);
        assert_eq!(satisfied_by(&built, "admin"), ["admin"]);
        assert_eq!(satisfied_by(&built, "reporting"), ["reporting"]);
    }

    #[test]
    fn chains_sharing_names_form_a_dag() {
        let built = build("admin > editor > viewer; admin > billing > viewer; auditor > viewer");
        assert_eq!(built.2, 0);
        assert_eq!(
            satisfied_by(&built, "viewer"),
            ["viewer", "editor", "billing", "auditor", "admin"]
        );
        assert_eq!(satisfied_by(&built, "billing"), ["billing", "admin"]);
    }

    #[test]
    fn cycles_are_rejected_and_left_out() {
        let built = build("a > b; b > c; c > a; a > a");
        assert_eq!(built.2, 2);
        // The edges that close a cycle are not kept: the rest is a DAG.
        assert_eq!(satisfied_by(&built, "c"), ["c", "b", "a"]);
        assert_eq!(satisfied_by(&built, "a"), ["a"]);
    }

    #[test]
    fn repeated_edges_are_kept_once() {
        let built = build("a > b; a > b; a > b > c");
        assert_eq!(built.2, 0);
        assert_eq!(satisfied_by(&built, "c"), ["c", "b", "a"]);
    }
}
