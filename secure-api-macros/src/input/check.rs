//! The rules of `#[derive(Input)]`: one function per rule, each recording
//! its errors. (The other mistakes are left to rustc, through the
//! assertions that `expand.rs` generates.)

use crate::ctxt::Ctxt;

use super::attr::Container;

/// Runs every rule, each recording its errors.
pub(crate) fn check(cx: &Ctxt, container: &Container<'_>) {
    not_flattened(container, cx);
}

/// No field is `#[serde(flatten)]`.
///
/// serde reads the members of a `#[serde(flatten)]` field through a buffer
/// that `serde_ignored` does not see into, so a member that neither struct
/// declares would be dropped silently instead of refused (mass assignment,
/// OWASP API3:2023).
fn not_flattened(container: &Container<'_>, cx: &Ctxt) {
    for flatten in container.fields.iter().filter_map(|field| field.flatten) {
        cx.at(
            flatten,
            "`#[serde(flatten)]` cannot be used in a `#[derive(Input)]` struct: serde buffers a flattened field's members, so a member the request should not have could not be refused; declare the fields in this struct, or nest the other struct under its own member with `#[validate(nested)]`",
        );
    }
}
