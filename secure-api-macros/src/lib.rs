//! Procedural macros of secure-api: the `#[secure]` attribute, `roles!`,
//! and the `Redact` and `Input` derives.
//!
//! Use them through the `secure-api` crate (`secure_api::secure`,
//! `secure_api::roles!`, `secure_api::Redact`, `secure_api::Input`): the
//! code they generate names only `::secure_api::__private`, so `secure-api`
//! must be a dependency.
//!
//! Each macro has its folder (`secure/`, `redact/`, `input/`, `roles/`), and
//! each folder the same shape: `mod.rs` drives, `attr.rs` parses the input
//! into a typed model that keeps the user's tokens, `check.rs` checks every
//! rule and collects every error in the context (`ctxt.rs`), `expand.rs`
//! generates code. They share the value grammar (`grammar.rs`), the meta
//! helpers (`attr_parsing.rs`), what serde names members and variants
//! (`serde_attr.rs`) and the code several macros generate (`tokens.rs`). On
//! error the item is emitted as written (or a stand-in), with one
//! `compile_error!` per mistake, each pointing at the offending token.

mod attr_parsing;
mod ctxt;
mod grammar;
mod input;
mod redact;
mod roles;
mod secure;
mod serde_attr;
mod tokens;

use proc_macro::TokenStream;

/// Secures an actix-web handler: who may call it and with which
/// credentials, whose objects it may touch, how often, under which API
/// version.
///
/// Every route is denied by default: `#[secure]` must say who may call the
/// handler, with `role`, `roles`, `scope`, `scopes` or `public`. The checks
/// run before the handler's arguments are extracted, so a rejected request
/// never has its body read. A rejection is a problem+json response
/// (RFC 9457).
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
/// use actix_web::{get, post, web, Responder};
/// use secure_api::{secure, Principal};
///
/// /// Returns one customer.
/// #[secure(role = "viewer", owner(param = "id", unless = "editor"), rate = "100/15m", version = "v1")]
/// #[get("/customers/{id}")]
/// async fn customer(id: web::Path<String>, principal: Principal) -> impl Responder {
///     format!("customer {id}")
/// }
///
/// /// Imports customers: a validated JSON body of up to 1 MiB, and a
/// /// response redacted for the caller.
/// #[secure(role = "editor", body_limit = "1MiB", unvalidated(options))]
/// #[post("/customers/import")]
/// async fn import(
///     body: web::Json<Import>,
///     options: web::Query<ImportOptions>,
/// ) -> web::Json<ImportReport> {
///     web::Json(ImportReport::of(&body, &options))
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
/// Request inputs are validated: an argument whose type is `Json<T>`,
/// `Form<T>`, `Query<T>` (any path ending so, such as `web::Json<T>`), or
/// `Path<T>` where `T` is a struct (not a scalar such as `u64` or `String`,
/// nor a tuple), is read strictly (unknown members, duplicate keys and
/// bodies over the limit are refused) and checked with `validator` before
/// the handler runs; `T` must derive `validator::Validate` and
/// [`Input`](derive@Input) (or be a `Vec` of such a type). Plain data, with
/// no field to carry a rule (scalars, `String`, `Uuid`, and `Vec`,
/// `VecDeque`, `Option`, `Box`, sets, maps, tuples and arrays of them, such
/// as `Json<Vec<String>>`), is read strictly without rules, as if named in
/// [`unvalidated`](#unvalidated). Other arguments are extracted as actix-web
/// does. Only these exact argument types are recognised: an
/// `Option<Json<T>>`, for example, is extracted by actix-web alone.
///
/// Responses are redacted: a handler declared to return `Json<T>` or
/// `Result<Json<T>, E>` (`web::Json`, `actix_web::Result<Json<T>>`) is
/// answered through `secure_api::Reply<T>`, which removes or masks the
/// fields `T` marks with `#[redact]` for a caller without the role; `T` must
/// derive [`Redact`](derive@Redact). A handler may return `Reply<T>` itself
/// (to set the status or headers). `impl Responder` is answered as it is:
/// declare `Json<T>` or `Reply<T>` for redaction.
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
/// a role above it in the [`roles!`] hierarchy (the `roles` claim of a JWT,
/// the `roles` of an API key). Cannot be combined with `roles` or `public`.
/// A role missing is answered `403` with `error="insufficient_scope"`
/// (RFC 6750 §3.1).
///
/// # `roles`
///
/// `roles(any("editor", "reporting"))`: the caller must hold at least one
/// of the roles (or one above it). `roles(all("editor", "reporting"))`: the
/// caller must hold every one of them. The list is not empty and names each
/// role once.
///
/// # `scope`
///
/// `scope = "customers:read"`: the caller must be authenticated and hold
/// this OAuth2 scope: in the space-separated `scope` claim of a JWT
/// (RFC 8693 §4.2) or its `scp` array, or in the `scopes` of an API key.
/// A scope is a scope-token of RFC 6749 §3.3: one or more printable ASCII
/// characters other than space, `"` and `\`; anything else is a compile
/// error at its literal. With `role` or `roles`, the caller needs both the
/// role and the scope; alone, `scope` is enough to say who may call the
/// route: any authenticated caller holding the scope. A scope missing is
/// answered `403` with `error="insufficient_scope"` and the required scopes
/// in the challenge's `scope` attribute (RFC 6750 §3.1). Cannot be combined
/// with `scopes` or `public`.
///
/// # `scopes`
///
/// `scopes(any("reports:read", "reports:write"))`: the caller must hold at
/// least one of the scopes. `scopes(all("reports:read", "reports:write"))`:
/// every one of them. The list is not empty and names each scope once; each
/// is a scope-token, as for [`scope`](#scope).
///
/// # `public`
///
/// `public`: no authentication at all, stated explicitly. Cannot be combined
/// with `role`, `roles`, `scope`, `scopes`, `auth`, `api_key_role`,
/// `api_key_roles`, `replay` or `owner`. `rate` and `version` still apply.
///
/// # `auth`
///
/// `auth = "jwt"`, `"api_key"` or `"any"`: the credentials the route
/// accepts. `"jwt"`, the default, is a bearer JWT in `Authorization`
/// (RFC 6750 §2.1; RFC 7519, checked as RFC 8725 advises). `"api_key"` is
/// an API key in the `X-API-Key` header (never in the URL), looked up in
/// the key file. `"any"` accepts either, but not both in one request, which
/// is answered `400` with `error="invalid_request"` (RFC 6750 §3.1). A
/// credential of a kind the route does not accept is not looked at. Any
/// other value is a compile error at its literal.
///
/// # `api_key_role`
///
/// `api_key_role = "reporting"` (with `auth = "any"`): a caller with an API
/// key must hold `reporting` (or a role above it) instead of what `role` or
/// `roles` require, which then apply to callers with a JWT only. For
/// routes that people reach with a JWT and integrations with an API key
/// whose roles differ. Needs `auth = "any"` (with `auth = "api_key"` every
/// caller has an API key: use `role`), and a `role`, `roles`, `scope` or
/// `scopes` for the callers with a JWT. Cannot be combined with
/// `api_key_roles` or `public`.
///
/// # `api_key_roles`
///
/// `api_key_roles(any("reporting", "admin"))` or
/// `api_key_roles(all("reporting", "viewer"))`: as
/// [`api_key_role`](#api_key_role), with a list that combines as in
/// [`roles`](#roles).
///
/// # `replay`
///
/// `replay = "jti"`: each JWT is accepted once within its lifetime, by its
/// `jti` claim (RFC 7519 §4.1.7), for requests that must not be replayed,
/// such as payments. A token without a `jti`, or whose `jti` was used
/// before, is answered `401` with `error="invalid_token"`
/// (RFC 6750 §3.1). Only on routes that accept JWTs alone: API keys carry
/// no `jti`, so `replay` with `auth = "api_key"` or `"any"` is a compile
/// error. `"jti"` is the only value.
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
/// `429 Too Many Requests` with `Retry-After` in whole seconds (at least 1).
///
/// The algorithm is GCRA (governor): a burst of COUNT requests is admitted
/// at once, then one more every WINDOW/COUNT; `"100/15m"` admits 100, then
/// one every 9 seconds. Each handler has its own buckets, whatever path
/// spelling reached it. A request is charged to the principal on an
/// authenticated route (a JWT's `sub`, or an API key's id in a bucket of
/// its own) and to the client IP on a `public` one (behind
/// `SECURE_API_TRUSTED_PROXIES`, the right-most untrusted
/// `Forwarded`/`X-Forwarded-For` hop; IPv6 grouped by /64). Every response
/// of the route carries `RateLimit-Policy: "default";q=COUNT;w=SECONDS` and
/// `RateLimit: "default";r=REMAINING;t=SECONDS`
/// (draft-ietf-httpapi-ratelimit-headers). The quota is checked after
/// authentication, so unauthenticated requests do not drain it.
///
/// # `burst`
///
/// `burst = M` (with `rate`): admit M requests at once instead of COUNT,
/// keeping the rate of one every WINDOW/COUNT. M is from 1 to 4294967295.
///
/// # `rate_key`
///
/// `rate_key = "ip"` or `"principal"` (with `rate`): charge requests to the
/// client IP even on an authenticated route, or state that the principal is
/// the key (the default when authenticated; refused on `public` routes).
///
/// # `version`
///
/// `version = "v1"`: `v` followed by a number without leading zeros (`v0`,
/// `v1`, `v12`). The route is served under that prefix: `#[get("/customers")]`
/// is served at `/v1/customers`, and `#[get("/")]` at `/v1`.
///
/// # `unvalidated`
///
/// `unvalidated(body)` or `unvalidated(body, query)`: the named arguments
/// (each a `Json<T>`, `Form<T>`, `Query<T>` or struct `Path<T>` argument
/// bound to a plain identifier) are still read strictly, within the body
/// limit, but not checked with `validator`, so `T` needs neither `Validate`
/// nor `Input`: free-form JSON (`web::Json<serde_json::Value>`), a type of
/// another crate, a struct with nothing to check. Naming anything else is a
/// compile error.
///
/// # `body_limit`
///
/// `body_limit = "1MiB"`: the largest request body the handler accepts, a
/// whole number followed by a unit: `B` (bytes), `KB` (1000 bytes), `KiB`
/// (1024 bytes), `MB` (1000000 bytes) or `MiB` (1048576 bytes), such as
/// `"64KiB"`, `"500KB"` or `"2MiB"`; at least 1 byte, at most 1 GiB. The
/// default is 64 KiB (`secure_api::validation::DEFAULT_BODY_LIMIT`). A larger
/// body is answered `413 Content Too Large` (RFC 9110 §15.5.14) before it is
/// read in full.
///
/// # `deprecated`
///
/// `deprecated(since = "2026-01-01", sunset = "2027-12-31", link = "https://docs.example.com/migrate", sunset_link = "https://docs.example.com/sunset")`:
/// the route is deprecated. `since` is required; the others are optional.
/// Dates are real `YYYY-MM-DD` dates from 1970 to 9999, meaning 00:00:00
/// UTC of that day, and `sunset` is not earlier than `since`; links are
/// absolute `https` URLs. Every response of the route carries
/// `Deprecation: @<since, in Unix seconds>` (RFC 9745 §2),
/// `Sunset: <IMF-fixdate>` (RFC 8594 §3) and
/// `Link: <link>; rel="deprecation"` (RFC 9745 §3), with
/// `<sunset_link>; rel="sunset"` (RFC 8594 §6). From the sunset on, the
/// route answers `410 Gone` problem+json before authentication, rate
/// limits and the handler. Every value is checked and computed at compile
/// time; a wrong one is a compile error at its literal.
///
/// # Methods
///
/// A `#[get]` handler also answers `HEAD` (RFC 9110 §9.3.2), with the same
/// checks (a `HEAD` without a token gets 401) and no body. A request whose
/// method no `#[secure]` route of its path accepts gets `405 Method Not
/// Allowed` with `Allow` listing the methods that are accepted
/// (RFC 9110 §15.5.6), from the `secure_api::Security` middleware.
#[proc_macro_attribute]
pub fn secure(args: TokenStream, item: TokenStream) -> TokenStream {
    secure::expand(args.into(), item.into()).into()
}

/// Derives `secure_api::Redact` and `Debug`: the type's sensitive fields are
/// removed or masked in `#[secure]` responses for callers without the role,
/// and always in `Debug` output (OWASP API3:2023).
///
/// # Syntax
///
/// Mark each sensitive field with `#[redact(...)]`; other fields are
/// redacted through their own type, so every field type implements
/// `Redact` (nested structs and enums derive it too; scalars, `String`,
/// `serde_json::Value`, `Option`, `Vec`, sets, slices, arrays, tuples,
/// `Box`, `Arc`, `Cow` and maps already do), or is marked
/// `#[redact(skip)]`:
///
/// ```ignore
/// use serde::Serialize;
/// use secure_api::Redact;
///
/// #[derive(Serialize, Redact)]
/// #[serde(rename_all = "camelCase")]
/// struct Customer {
///     name: String,
///     /// `"***-**-6789"` in JSON, except for admins (and roles above).
///     #[redact(mask(last = 4), unless_role = "admin")]
///     ssn: String,
///     /// Removed from the JSON, for everyone.
///     #[redact(hide)]
///     internal_notes: String,
///     /// Redacted by `Address`'s own `#[redact]` fields.
///     address: Address,
///     /// A type of another crate, with nothing sensitive in it.
///     #[redact(skip)]
///     id: uuid::Uuid,
/// }
/// ```
///
/// # `Debug`
///
/// **Do not also derive `Debug`**: this derive implements it, like
/// `#[derive(Debug)]` but with masked fields masked and hidden fields
/// printed `[REDACTED]`, whatever `unless_role` says (a log has no viewer).
/// A `#[derive(Debug)]` written in its own attribute after
/// `#[derive(Redact)]` is reported with that advice; one in the same
/// attribute (`#[derive(Debug, Redact)]`) or above it is not visible to
/// this derive, and rustc reports it as `conflicting implementations of
/// trait Debug` (E0119): remove `Debug` from the `#[derive]`.
///
/// # `mask(last = N)`
///
/// Every letter and digit but the last N characters becomes `*`; other
/// characters (separators) stay: `"123-45-6789"` is `"***-**-6789"` with
/// `last = 4`. Numbers and booleans become masked strings, arrays are masked
/// element by element, an object becomes `"[REDACTED]"`, `null` stays.
///
/// A mask keeps the value's length and every character that is not a letter
/// or digit (`"p@ss-w0rd!"` is `"*@**-****!"` with `last = 0`): it is for
/// identifiers whose shape is not secret (card numbers, SSNs, phone
/// numbers). For secrets such as passwords, keys and tokens use `hide`.
///
/// # `hide`
///
/// The member is removed from the object. Where there is no member to
/// remove (a tuple struct's element, a newtype), the value becomes `null`.
///
/// # `skip`
///
/// The value is left as it is, and its type need not implement `Redact`:
/// for a type of another crate that holds nothing sensitive (`uuid::Uuid`,
/// `chrono::DateTime`), which cannot implement `Redact` in your crate.
/// `Debug` prints it as it is.
///
/// # `unless_role`
///
/// `unless_role = "admin"`, with `mask` or `hide`: a caller holding the role
/// (or one above it in [`roles!`]) sees the value in full. The role must be
/// declared with `roles!`; an undeclared role is a compile error at its
/// literal.
///
/// # serde
///
/// Redaction works on the JSON that serde writes, so the derive reads the
/// serde attributes that name things: `rename` (also
/// `rename(serialize = "..")`), `rename_all` (every casing), variant
/// `rename`, `rename_all_fields`, `skip` and `skip_serializing` (nothing to
/// redact), `flatten` (the field's type redacts the parent object; a
/// flattened field cannot be masked or hidden; a flattened enum is found
/// among the parent's members, whatever its representation), `transparent`,
/// and the enum representations: externally tagged (the default),
/// internally tagged (`tag`), adjacently tagged (`tag` + `content`) and
/// `untagged`.
///
/// The JSON must be the one serde derives for this type, member for member:
///
/// - `#[serde(into = "..")]`, `try_into` and `remote` are compile errors:
///   the JSON is another type's, whose members the `#[redact]` fields of
///   this one do not name. Derive `Redact` on the type serde writes.
/// - A field with `#[serde(serialize_with = "..")]` or `with` must have a
///   `#[redact(...)]`: the function chooses its JSON, which its type's
///   redaction may not recognise. `#[redact(skip)]` when it holds nothing
///   sensitive; `mask` and `hide` work on any JSON.
/// - A hand-written `impl Serialize` cannot be checked: it must write the
///   members (names and nesting) that the derived one would, or the fields
///   it marks are not found and go out in clear. Otherwise do not derive
///   `Redact` on it; derive it on a plain struct that the handler returns.
///
/// An untagged variant's JSON does not say which variant it is, so its
/// fields cannot be masked or hidden; its JSON is redacted through the
/// field types of each untagged variant in turn, which may redact more than
/// needed, never less. Prefer a tagged enum for types that hold secrets.
///
/// # Errors
///
/// Compile errors, each at the offending token, for: an unknown option;
/// `mask` without `last`; two of `mask`, `hide` and `skip` together;
/// `unless_role` with `skip` or alone; an option written twice; `mask` or
/// `hide` on a flattened field or in an untagged variant; `#[redact]` on a
/// type or variant rather than a field; an undeclared `unless_role`; a
/// union; `#[serde(into)]`, `try_into` or `remote`; `serialize_with` or
/// `with` on a field without `#[redact]`; a visible `#[derive(Debug)]`. A
/// field type without `Redact` (or without `Debug`) is reported at the
/// type.
#[proc_macro_derive(Redact, attributes(redact))]
pub fn derive_redact(input: TokenStream) -> TokenStream {
    redact::expand(input.into()).into()
}

/// Derives `secure_api::Input`: the errors `validator` finds in a request
/// input are reported under the names the client wrote.
///
/// # Syntax
///
/// Derive it with `serde::Deserialize` and `validator::Validate` on the
/// struct a handler takes as `web::Json<T>`, `web::Form<T>`, `web::Query<T>`
/// or `web::Path<T>`:
///
/// ```ignore
/// use serde::Deserialize;
/// use secure_api::Input;
/// use validator::Validate;
///
/// #[derive(Deserialize, Validate, Input)]
/// #[serde(rename_all = "camelCase")]
/// struct NewCustomer {
///     #[validate(length(min = 1, max = 100))]
///     full_name: String,
///     #[validate(nested)]
///     addresses: Vec<Address>,
/// }
///
/// #[derive(Deserialize, Validate, Input)]
/// struct Address {
///     #[serde(rename = "zip")]
///     #[validate(length(equal = 5))]
///     postal_code: String,
/// }
/// ```
///
/// An empty `fullName` and a short `zip` in the second address answer
/// `422` with `errors: [{"field": "fullName", "code": "length"},
/// {"field": "addresses[1].zip", "code": "length"}]`.
///
/// Field names follow serde as it deserialises: `rename` (also
/// `rename(deserialize = "..")`) and `rename_all`. A field marked
/// `#[validate(nested)]` (or every field, with the struct's
/// `#[validate(nest_all_fields)]`) reports the errors of its own fields
/// under its name: its type derives `Input` too, or is an `Option`, `Vec`,
/// `VecDeque`, slice, array or `Box` of such a type. Errors of struct-level
/// rules (`#[validate(schema(..))]`) name the object itself (`""` at the top
/// level).
///
/// A field whose type holds a validated input (a struct deriving `Input`,
/// or an `Option`, `Vec`, ... of one) must be marked `#[validate(nested)]`:
/// without it `validator` never runs that struct's rules, so the derive
/// makes it a compile error at the field's type. Mark it
/// `#[validate(skip)]` to leave it unchecked on purpose. Fields whose type
/// names a generic parameter of the struct are not checked.
///
/// Members the struct does not declare are refused (422 `unknown_field`),
/// without `#[serde(deny_unknown_fields)]`. Two shapes hide members from
/// that check, because serde reads them through a buffer of its own:
/// `#[serde(flatten)]`, which is therefore a compile error here, and a
/// field whose type is an internally tagged, untagged, or adjacently tagged
/// enum, whose content is not checked: put `#[serde(deny_unknown_fields)]`
/// on such an enum and on the structs its variants hold (see
/// `secure_api::validation`).
///
/// # Errors
///
/// Compile errors for: an enum, a union or a tuple struct, which
/// `validator` does not validate either; a `#[serde(flatten)]` field; a
/// field holding a validated input without `#[validate(nested)]`; a struct
/// that does not also derive `validator::Validate` ("derives
/// `secure_api::Input` but not `validator::Validate`").
#[proc_macro_derive(Input)]
pub fn derive_input(input: TokenStream) -> TokenStream {
    input::expand(input.into()).into()
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
/// (`roles::ADMIN`, `roles::VIEWER`), each a `secure_api::Role`, and
/// `roles::names()`, every declared name as a `&'static [&'static str]` in
/// declaration order (for `SecurityConfigBuilder::roles`, which then
/// refuses API-key files naming other roles); and the hidden macro that
/// turns the role names of `#[secure(...)]` into these constants.
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
    roles::expand(input.into()).into()
}
