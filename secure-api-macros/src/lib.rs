//! Procedural macros of secure-api: the `#[secure]` attribute and `roles!`.
//!
//! Use them through the `secure-api` crate (`secure_api::secure`,
//! `secure_api::roles!`): the code they generate names only
//! `::secure_api::__private`, so `secure-api` must be a dependency.
//!
//! Each macro parses its input into a typed model that keeps the user's
//! tokens (`attr.rs`), checks every rule and collects every error
//! (`check.rs`), then generates code (`expand.rs`, `roles.rs`). On error the
//! item is emitted as written, followed by one `compile_error!` per mistake,
//! each pointing at the offending token.

mod attr;
mod check;
mod errors;
mod expand;
mod roles;

use proc_macro::TokenStream;

/// Secures an actix-web handler: who may call it, whose objects it may
/// touch, how often, under which API version.
///
/// Every route is denied by default: `#[secure]` must say who may call the
/// handler, with `role`, `roles` or `public`. The checks run before the
/// handler's arguments are extracted, so a rejected request never has its
/// body read. A rejection is a problem+json response (RFC 9457).
///
/// # Syntax
///
/// Write `#[secure(...)]` on an `async fn`, **above** its actix-web route
/// attribute (`#[get]`, `#[post]`, `#[put]`, `#[patch]`, `#[delete]`,
/// `#[head]`, `#[options]`, `#[trace]`, `#[connect]`, `#[query]`, `#[route]`,
/// also written `#[actix_web::get]`...; not `#[routes]`: one route per
/// handler). Keys are separated by commas, in any order, each at most once:
///
/// ```ignore
/// use actix_web::{get, web, Responder};
/// use secure_api::{secure, Principal};
///
/// /// Returns one customer.
/// #[secure(role = "viewer", owner(param = "id", unless = "editor"), rate = "100/15m", version = "v1")]
/// #[get("/customers/{id}")]
/// async fn customer(id: web::Path<String>, principal: Principal) -> impl Responder {
///     format!("customer {id}")
/// }
/// ```
///
/// Role names must be declared with [`roles!`] at the crate root; an
/// undeclared role is a compile error at its literal. The handler may take
/// up to 16 extractor arguments and must return a response, like any
/// actix-web handler; it may not be generic nor take `self`. Doc comments,
/// `#[cfg]` and `#[cfg_attr]` stay on the handler; any other attribute
/// applies to the function as written.
///
/// Every mistake is a compile error at the offending token, and all of them
/// are reported at once: an unknown or repeated key, a malformed value,
/// keys that contradict each other, a function that cannot be a handler, or
/// `#[secure]` written below the route attribute (it must come first, or
/// actix-web's macro expands before it and it sees no route).
///
/// # `role`
///
/// `role = "editor"`: the caller must be authenticated and hold `editor` or
/// a role above it in the [`roles!`] hierarchy. Cannot be combined with
/// `roles` or `public`.
///
/// # `roles`
///
/// `roles(any("editor", "reporting"))`: the caller must hold at least one
/// of the roles (or one above it). `roles(all("editor", "reporting"))`: the
/// caller must hold every one of them. The list is not empty.
///
/// # `public`
///
/// `public`: no authentication at all, stated explicitly. Cannot be combined
/// with `role`, `roles` or `owner`. `rate` and `version` still apply.
///
/// # `owner`
///
/// `owner(param = "id")` or `owner(param = "id", unless = "editor")`: the
/// route path parameter `param` (a `{id}`, `{id:regex}` or `{id}*` segment of
/// the route path; checked at compile time) must equal the caller's subject
/// (`sub` claim), unless the caller holds the `unless` role. Needs an
/// authenticated caller, so not with `public` (OWASP API1:2023, broken object
/// level authorization).
///
/// # `rate`
///
/// `rate = "COUNT/WINDOW"`: at most COUNT requests per WINDOW for each
/// caller. COUNT is from 1 to 4294967295; WINDOW is an optional positive
/// number followed by a unit, `s` (seconds), `m` (minutes), `h` (hours) or
/// `d` (days): `"100/15m"` (100 per 15 minutes), `"600/m"`, `"5/30s"`,
/// `"1000/2h"`, `"1/d"`. Requests over the quota are answered
/// `429 Too Many Requests`.
///
/// # `version`
///
/// `version = "v1"`: `v` followed by a number without leading zeros (`v0`,
/// `v1`, `v12`). The route is served under that prefix: `#[get("/customers")]`
/// is served at `/v1/customers`, and `#[get("/")]` at `/v1`.
#[proc_macro_attribute]
pub fn secure(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::secure(args.into(), item.into()).into()
}

/// Declares the application's roles and their hierarchy.
///
/// Invoke it **once, at the crate root** (`main.rs` or `lib.rs`): it defines
/// the module `crate::roles` and the macro `#[secure]` uses to check role
/// names, both at fixed paths from the crate root.
///
/// # Syntax
///
/// Statements separated by `;` (the last one optional); each statement is a
/// chain of role names, identifiers, joined by `>`, the higher role first:
///
/// ```ignore
/// secure_api::roles! {
///     admin > editor > viewer;
///     reporting;
/// }
/// ```
///
/// `admin > editor` puts `admin` above `editor`: a holder of `admin`
/// satisfies every requirement of `editor`, and, through it, of `viewer`.
/// Chains may share names, so the hierarchy can be any directed acyclic
/// graph. Role names are matched exactly (case-sensitive) against the
/// `roles` claim; lowercase names are recommended.
///
/// # Output
///
/// A module `roles` with one constant per role, named in upper case
/// (`roles::ADMIN`, `roles::VIEWER`), each a `secure_api::Role`; and the
/// hidden macro that turns the role names of `#[secure(...)]` into these
/// constants.
///
/// # Errors
///
/// Compile errors, each at the offending token, for: a declaration with no
/// role; a token that is neither a role name, `>` nor `;`; a cycle
/// (`a > b; b > a`, or `a > a`); two names whose constants would clash
/// (`Admin` and `admin`).
///
/// `roles!(@undeclared ...)` is an internal form, used by the generated
/// macro to report an undeclared role at the role's literal; it is not part
/// of the API.
#[proc_macro]
pub fn roles(input: TokenStream) -> TokenStream {
    roles::roles(input.into()).into()
}
