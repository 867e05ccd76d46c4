//! The rules of a `roles!` declaration: one function per rule, each
//! recording its errors. They run statement by statement, so the errors
//! come in the order the declaration is read.

use crate::ctxt::Ctxt;

use super::attr::{Declaration, Edge, Hierarchy, Role, Roles, const_name};

/// Runs every rule, each recording its errors.
pub(crate) fn check(cx: &Ctxt, roles: &Roles) {
    let Roles::Declared(declaration) = roles else {
        return;
    };
    let hierarchy = declaration.hierarchy();
    for statement in 0..declaration.statements {
        for role in declaration
            .roles
            .iter()
            .filter(|role| role.statement == statement)
        {
            constants_do_not_clash(cx, declaration, role);
        }
        for (index, edge) in declaration
            .edges
            .iter()
            .enumerate()
            .filter(|(_, edge)| edge.statement == statement)
        {
            not_above_itself(cx, declaration, edge);
            closes_no_cycle(cx, declaration, &hierarchy, index, edge);
        }
    }
}

/// No two roles have the same constant.
///
/// Each role is a constant of the `roles` module: two names that differ only
/// in case would be the same constant.
fn constants_do_not_clash(cx: &Ctxt, declaration: &Declaration, role: &Role) {
    let Some(other) = role.clashes_with else {
        return;
    };
    let name = &role.name;
    let other = &declaration.roles[other].name;
    cx.spanned(
        &role.ident,
        format!(
            "role `{name}` clashes with role `{other}`: both would be `roles::{}`; spell them alike or pick another name",
            const_name(name)
        ),
    );
}

/// A role is not above itself (`a > a`).
fn not_above_itself(cx: &Ctxt, declaration: &Declaration, edge: &Edge) {
    if edge.higher == edge.lower {
        cx.spanned(
            &edge.at,
            format!(
                "role `{}` cannot be above itself",
                declaration.roles[edge.lower].name
            ),
        );
    }
}

/// No edge closes a cycle.
///
/// The hierarchy is a DAG: an edge may not put a role above a role that is
/// already above it.
fn closes_no_cycle(
    cx: &Ctxt,
    declaration: &Declaration,
    hierarchy: &Hierarchy,
    index: usize,
    edge: &Edge,
) {
    let Some(Some(path)) = hierarchy.cycles.get(index) else {
        return;
    };
    let mut cycle: Vec<String> = path
        .iter()
        .rev()
        .map(|&index| format!("`{}`", declaration.roles[index].name))
        .collect();
    cycle.push(format!("`{}`", declaration.roles[edge.lower].name));
    cx.spanned(
        &edge.at,
        format!(
            "cycle in the role hierarchy: {}; a role cannot be above a role that is above it",
            cycle.join(" > ")
        ),
    );
}
