//! Rules across the keys of `#[secure(...)]` and the function it is written
//! on: one function per rule, each recording its errors and never stopping
//! the others (`serde_derive`'s `internals/check.rs` has the same shape).

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::ctxt::Ctxt;
use crate::grammar::{MAX_REFILL_SECS, path_params};

use super::attr::{
    API_KEY_ROLES, AcceptedCredentials, ROLES, RateKeyKind, RequirementKeys, SCOPES, Secure,
    SecureArgs, StoreFailure,
};
use super::handler::{Handler, Target};

/// The most arguments a handler may take: actix-web implements `FromRequest`
/// for tuples of up to 16 extractors.
/// `deprecated(..)` is used with `version`.
///
/// A deprecation retires one version of a route while a newer one serves
/// it; a route without a version has no successor to point clients to.
fn deprecated_needs_a_version(args: &SecureArgs, cx: &Ctxt) {
    if args.deprecated.is_none() || position(args, "version").is_some() {
        return;
    }
    if let Some(index) = position(args, "deprecated") {
        cx.spanned(
            &args.keys[index],
            "`deprecated(..)` needs a `version`: it retires one version of a route while a newer version serves it; add the version being deprecated, `version = \"v1\"`",
        );
    }
}

/// The route path does not start with the `version` prefix already.
///
/// `version = "v1"` serves the route under `/v1`; a path that starts with
/// `/v1` would be served at `/v1/v1/..`.
fn version_not_in_path(args: &SecureArgs, handler: &Handler, cx: &Ctxt) {
    let (Some(version), [route]) = (&args.version, handler.routes.as_slice()) else {
        return;
    };
    let Some(path) = &route.path else {
        return;
    };
    let (version, path) = (version.lit.value(), path.value());
    let prefix = format!("/{version}");
    let Some(rest) = path.strip_prefix(&prefix) else {
        return;
    };
    if rest.is_empty() || rest.starts_with('/') {
        let rest = if rest.is_empty() { "/" } else { rest };
        cx.spanned(
            &route.path,
            format!("the route path \"{path}\" already starts with `{prefix}`, which `version = \"{version}\"` adds: it would be served at `{prefix}{path}`; write the path without the version, \"{rest}\""),
        );
    }
}

/// `on_store_error = "allow"` is not used with `replay`.
///
/// A spent `jti` lives in the store: without it, a replayed token cannot be
/// told from a fresh one, so a one-time route can only fail closed.
fn replay_never_fails_open(args: &SecureArgs, cx: &Ctxt) {
    if let (Some((StoreFailure::Allow, lit)), Some(_)) = (&args.on_store_error, &args.replay) {
        cx.spanned(
            lit,
            "`on_store_error = \"allow\"` cannot be used with `replay`: spent `jti`s are kept in the store, so while it is down a replayed token cannot be told from a fresh one; remove `on_store_error`, the route then answers 503 while the store is down",
        );
    }
}

pub(crate) const MAX_ARGS: usize = 16;

/// Runs every rule. `args` is `None` when the attribute did not even parse,
/// `target` when the item did not: the rules that need them are skipped,
/// the others still run.
pub(crate) fn check(cx: &Ctxt, secure: &Secure) {
    let (args, target) = (secure.args.as_ref(), secure.target.as_ref());
    if let Some(args) = args {
        no_duplicate_keys(args, cx);
        one_or_list(args, cx);
        access_is_stated(args, cx);
        public_authenticates_no_one(args, cx);
        public_has_no_owner(args, cx);
        api_key_roles_need_both_credentials(args, cx);
        api_key_roles_need_a_jwt_requirement(args, cx);
        replay_needs_jwt_only(args, cx);
        replay_never_fails_open(args, cx);
        rate_options_need_a_rate(args, cx);
        quota_refills_in_time(args, cx);
        public_is_limited_by_ip(args, cx);
        sunset_not_before_since(args, cx);
        deprecated_needs_a_version(args, cx);
    }
    match target {
        Some(Target::Handler(handler)) => {
            is_async(handler, cx);
            not_generic(handler, cx);
            no_receiver(handler, cx);
            at_most_max_args(handler, cx);
            returns_a_response(handler, cx);
            one_route_attribute(handler, cx);
            if let Some(args) = args {
                owner_param_in_route(args, handler, cx);
                version_not_in_path(args, handler, cx);
                unvalidated_names_inputs(args, handler, cx);
            }
        }
        Some(Target::NotAFunction(span)) => is_a_function(*span, cx),
        None => {}
    }
}

/// `burst` and `rate_key` refine a `rate`; alone they would limit nothing.
fn rate_options_need_a_rate(args: &SecureArgs, cx: &Ctxt) {
    if args.rate.is_some() || position(args, "rate").is_some() {
        return;
    }
    for name in ["burst", "rate_key"] {
        if let Some(index) = position(args, name) {
            cx.spanned(
                &args.keys[index],
                format!("`{name}` needs a `rate = \"N/W\"` to refine; add one, e.g. `rate = \"100/15m\"`"),
            );
        }
    }
}

/// A quota refills its burst within 100 years.
///
/// governor counts time in u64 nanoseconds: a burst that takes more than
/// 100 years ([`MAX_REFILL_SECS`]) to refill (`window / count × burst`)
/// would overflow it.
fn quota_refills_in_time(args: &SecureArgs, cx: &Ctxt) {
    let Some(rate) = &args.rate else { return };
    let burst = u128::from(args.burst.unwrap_or(rate.count));
    let refill = u128::from(rate.window_secs) * burst / u128::from(rate.count.max(1));
    if refill > MAX_REFILL_SECS
        && let Some(index) = position(args, "rate")
    {
        cx.spanned(
            &args.keys[index],
            format!("this quota takes {refill} s to refill its burst (window / count × burst), more than 100 years; use a shorter window or a smaller burst"),
        );
    }
}

/// A `public` route has no principal to key a bucket by.
fn public_is_limited_by_ip(args: &SecureArgs, cx: &Ctxt) {
    if args.public.is_some()
        && matches!(args.rate_key, Some(RateKeyKind::Principal))
        && let Some(index) = position(args, "rate_key")
    {
        cx.spanned(
            &args.keys[index],
            "`rate_key = \"principal\"` cannot apply to a `public` route, which has no principal; use `rate_key = \"ip\"` or a role",
        );
    }
}

/// A `deprecated` sunset is not earlier than its `since`.
///
/// A route is deprecated before it is retired: its sunset is not earlier
/// than its deprecation (RFC 8594 §3, RFC 9745 §2).
fn sunset_not_before_since(args: &SecureArgs, cx: &Ctxt) {
    let Some(deprecated) = &args.deprecated else {
        return;
    };
    if let Some(sunset) = &deprecated.sunset
        && sunset.days < deprecated.since.days
    {
        cx.spanned(
            &sunset.lit,
            format!(
                "`deprecated` sunset \"{}\" is earlier than since \"{}\"; a route is deprecated first, then retired at its sunset",
                sunset.lit.value(),
                deprecated.since.lit.value()
            ),
        );
    }
}

/// The position of the first key named `name`, if written.
fn position(args: &SecureArgs, name: &str) -> Option<usize> {
    args.keys.iter().position(|key| key == name)
}

/// Of two keys both written, the one written second: the place to report
/// that they conflict.
fn second_of<'a>(args: &'a SecureArgs, a: &str, b: &str) -> Option<&'a syn::Ident> {
    let (a, b) = (position(args, a)?, position(args, b)?);
    args.keys.get(a.max(b))
}

/// A key may be written once; a repetition is reported where it occurs.
fn no_duplicate_keys(args: &SecureArgs, cx: &Ctxt) {
    for (index, key) in args.keys.iter().enumerate() {
        if args.keys[..index].contains(key) {
            cx.spanned(key, format!("duplicate `secure` key `{key}`"));
        }
    }
}

/// A requirement is written with its one-value key or its list key, not both.
///
/// `role` and `roles` say the same thing twice: one role, or a list. The
/// same goes for `scope` and `scopes`, `api_key_role` and `api_key_roles`.
fn one_or_list(args: &SecureArgs, cx: &Ctxt) {
    for RequirementKeys {
        one, list, noun, ..
    } in [ROLES, SCOPES, API_KEY_ROLES]
    {
        if let Some(second) = second_of(args, one, list) {
            cx.spanned(
                second,
                format!("`{one}` and `{list}` cannot be used together; write one `{one} = \"...\"`, or list every {noun} in `{list}(any(...))` or `{list}(all(...))`"),
            );
        }
    }
}

/// The keys that state what a caller must hold: any one of them grants
/// access to the callers who meet it.
const REQUIREMENT_KEYS: [&str; 4] = ["role", "roles", "scope", "scopes"];

/// Whether `role(s)` or `scope(s)` is written: a requirement for callers
/// with a JWT.
fn has_requirement(args: &SecureArgs) -> bool {
    REQUIREMENT_KEYS
        .iter()
        .any(|name| position(args, name).is_some())
}

/// The credentials the route accepts: `auth`, JWT when absent; `None` when
/// `auth` is written with an invalid value (already reported).
fn accepted_credentials(args: &SecureArgs) -> Option<AcceptedCredentials> {
    match (args.auth, position(args, "auth")) {
        (Some(auth), _) => Some(auth),
        (None, None) => Some(AcceptedCredentials::Jwt),
        (None, Some(_)) => None,
    }
}

/// Every handler states who may call it.
///
/// Deny by default: every handler states who may call it, even when that
/// is everyone. `api_key_role` alone is reported by its own rules.
fn access_is_stated(args: &SecureArgs, cx: &Ctxt) {
    let stated = has_requirement(args)
        || ["public", "api_key_role", "api_key_roles"]
            .iter()
            .any(|name| position(args, name).is_some());
    if !args.has_unknown_key && !stated {
        cx.at(
            Span::call_site(),
            "`#[secure]` needs `role = \"...\"`, `roles(...)`, `scope = \"...\"`, `scopes(...)` or `public`; routes are denied by default, so say who may call this one",
        );
    }
}

/// `public` comes with no key about the caller's credentials.
///
/// `public` means no authentication: no credential is read, so nothing
/// about one can be required.
fn public_authenticates_no_one(args: &SecureArgs, cx: &Ctxt) {
    const NEEDS_A_CALLER: [(&str, &str); 8] = [
        ("role", "no role can be checked"),
        ("roles", "no role can be checked"),
        ("scope", "no scope can be checked"),
        ("scopes", "no scope can be checked"),
        ("auth", "it accepts no credentials"),
        ("api_key_role", "no role can be checked"),
        ("api_key_roles", "no role can be checked"),
        ("replay", "it reads no token whose `jti` could be checked"),
    ];
    for (key, why) in NEEDS_A_CALLER {
        if let Some(second) = second_of(args, "public", key) {
            cx.spanned(
                second,
                format!("`public` cannot be used with `{key}`: a public route authenticates no one, so {why}; remove one of them"),
            );
        }
    }
}

/// `api_key_role(s)` needs `auth = "any"`.
///
/// `api_key_role` states who may call with an API key when that differs
/// from who may call with a JWT: the route must accept both.
fn api_key_roles_need_both_credentials(args: &SecureArgs, cx: &Ctxt) {
    let auth = accepted_credentials(args);
    if position(args, "public").is_some() || matches!(auth, Some(AcceptedCredentials::Any) | None) {
        return;
    }
    for (key, instead) in [("api_key_role", "role"), ("api_key_roles", "roles")] {
        let Some(index) = position(args, key) else {
            continue;
        };
        let why = if auth == Some(AcceptedCredentials::ApiKey) {
            format!("with `auth = \"api_key\"` every caller has an API key, so use `{instead}`")
        } else {
            format!(
                "this route accepts only JWTs, so no caller has an API key; use `{instead}`, or accept both credentials with `auth = \"any\"`"
            )
        };
        cx.spanned(
            &args.keys[index],
            format!("`{key}` needs `auth = \"any\"`: {why}"),
        );
    }
}

/// With `api_key_role(s)`, a requirement for JWT callers is stated too.
///
/// With `api_key_role`, `role(s)` and `scope(s)` apply to JWT callers only:
/// without either, a JWT caller would need nothing at all.
fn api_key_roles_need_a_jwt_requirement(args: &SecureArgs, cx: &Ctxt) {
    if args.has_unknown_key
        || has_requirement(args)
        || position(args, "public").is_some()
        || accepted_credentials(args) != Some(AcceptedCredentials::Any)
    {
        return;
    }
    for key in ["api_key_role", "api_key_roles"] {
        if let Some(index) = position(args, key) {
            cx.spanned(
                &args.keys[index],
                format!("`{key}` states who may call with an API key, but nothing says who may call with a JWT; add `role = \"...\"`, `roles(...)`, `scope = \"...\"` or `scopes(...)`"),
            );
        }
    }
}

/// `replay` is used on routes that accept JWTs only.
///
/// `replay = "jti"` remembers the `jti` claim of each JWT; API keys carry no
/// `jti`, so a route that accepts them cannot refuse a replay.
fn replay_needs_jwt_only(args: &SecureArgs, cx: &Ctxt) {
    if position(args, "public").is_some() {
        return;
    }
    let auth = match accepted_credentials(args) {
        Some(AcceptedCredentials::ApiKey) => "api_key",
        Some(AcceptedCredentials::Any) => "any",
        Some(AcceptedCredentials::Jwt) | None => return,
    };
    if let Some(index) = position(args, "replay") {
        cx.spanned(
            &args.keys[index],
            format!("`replay` cannot be used with `auth = \"{auth}\"`: API keys carry no `jti`, so only a route that accepts JWTs alone can refuse replays; remove `replay`, or remove `auth` to accept JWTs only"),
        );
    }
}

/// `owner` is not used with `public`.
///
/// `owner` compares the caller's identity with a path parameter, so the
/// route must authenticate.
fn public_has_no_owner(args: &SecureArgs, cx: &Ctxt) {
    if let Some(second) = second_of(args, "public", "owner") {
        cx.spanned(
            second,
            "`owner` cannot be used with `public`: ownership needs an authenticated caller; replace `public` with `role = \"...\"`",
        );
    }
}

/// The `owner` param is a parameter of the route path.
///
/// The `owner` param must name a parameter of the route path, or the check
/// could never pass.
fn owner_param_in_route(args: &SecureArgs, handler: &Handler, cx: &Ctxt) {
    let (Some(owner), [route]) = (&args.owner, handler.routes.as_slice()) else {
        return;
    };
    let Some(path) = &route.path else {
        return;
    };
    let param = owner.param.value();
    let params = path_params(&path.value());
    if params.contains(&param) {
        return;
    }
    let expected = if params.is_empty() {
        "the route has no path parameters".to_owned()
    } else {
        let names: Vec<String> = params.iter().map(|name| format!("`{name}`")).collect();
        format!("expected one of {}", names.join(", "))
    };
    cx.spanned(
        &owner.param,
        format!(
            "`owner` param `{param}` is not a parameter of the route path \"{}\"; {expected}",
            path.value()
        ),
    );
}

/// Each name in `unvalidated(...)` is a validated argument.
///
/// Each name in `unvalidated(...)` is an argument that would otherwise be
/// validated: opting out of nothing is a mistake, most likely a typo.
fn unvalidated_names_inputs(args: &SecureArgs, handler: &Handler, cx: &Ctxt) {
    let Some(unvalidated) = &args.unvalidated else {
        return;
    };
    let handler_args: Vec<_> = handler.args().collect();
    for name in &unvalidated.names {
        let named = handler_args.iter().find(|arg| {
            arg.name
                .is_some_and(|arg_name| arg_name.unraw() == name.unraw())
        });
        match named {
            Some(arg) if arg.input.is_some() => {}
            Some(_) => {
                let name = name.unraw();
                cx.spanned(
                    &name,
                    format!(
                        "`unvalidated` argument `{name}` is not validated in the first place: only `Json<T>`, `Form<T>`, `Query<T>` and `Path<T>` of a struct are; remove `{name}` from `unvalidated`"
                    ),
                );
            }
            None => {
                let inputs: Vec<String> = handler_args
                    .iter()
                    .filter(|arg| arg.input.is_some())
                    .filter_map(|arg| arg.name.map(|name| format!("`{}`", name.unraw())))
                    .collect();
                let expected = if inputs.is_empty() {
                    "the handler has no validated argument (`Json<T>`, `Form<T>`, `Query<T>`, `Path<T>` of a struct) named by an identifier".to_owned()
                } else {
                    format!("expected one of {}", inputs.join(", "))
                };
                cx.spanned(
                    name,
                    format!(
                        "`unvalidated` names `{}`, which is not an argument of this handler; {expected}",
                        name.unraw()
                    ),
                );
            }
        }
    }
}

/// Only functions can be handlers.
fn is_a_function(keyword: Span, cx: &Ctxt) {
    cx.at(
        keyword,
        "`#[secure]` can only be used on an `async fn` request handler",
    );
}

/// The handler is an `async fn`.
///
/// actix-web handlers are `async fn`, and the checks run before the handler
/// is awaited.
fn is_async(handler: &Handler, cx: &Ctxt) {
    if handler.item.sig.asyncness.is_none() {
        cx.spanned(
            handler.item.sig.fn_token,
            "`#[secure]` handlers must be `async fn`; write `async fn`",
        );
    }
}

/// The handler has no generic parameters.
///
/// A route serves one concrete function; generic parameters could not be
/// inferred by actix-web.
fn not_generic(handler: &Handler, cx: &Ctxt) {
    let generics = &handler.item.sig.generics;
    if !generics.params.is_empty() || generics.where_clause.is_some() {
        let span = if generics.params.is_empty() {
            generics.where_clause.span()
        } else {
            generics.span()
        };
        cx.at(
            span,
            "`#[secure]` handlers cannot be generic; remove the generic parameters",
        );
    }
}

/// Handlers are free functions; a method's `self` has no value in a route.
fn no_receiver(handler: &Handler, cx: &Ctxt) {
    if let Some(receiver) = handler.item.sig.receiver() {
        cx.spanned(
            receiver,
            "`#[secure]` handlers cannot take `self`; write a free `async fn` outside any `impl`",
        );
    }
}

/// actix-web extracts at most 16 arguments.
fn at_most_max_args(handler: &Handler, cx: &Ctxt) {
    if let Some(extra) = handler.typed_args().nth(MAX_ARGS) {
        cx.spanned(
            extra,
            format!("`#[secure]` handlers take at most {MAX_ARGS} arguments (actix-web's extractor limit); group some into a struct that implements `FromRequest`"),
        );
    }
}

/// The handler declares a return type.
///
/// A handler answers the request: without a return type it returns `()`,
/// which is no response (actix-web's route macros have the same rule).
fn returns_a_response(handler: &Handler, cx: &Ctxt) {
    if let syn::ReturnType::Default = handler.item.sig.output {
        cx.at(
            handler.item.sig.paren_token.span.close(),
            "`#[secure]` handlers must return a response; add a return type such as `-> impl Responder`",
        );
    }
}

/// `#[secure]` is written once, and exactly one route attribute follows it.
///
/// `#[secure]` rewrites the route attribute, so it must see exactly one
/// below itself. Written below the route attribute, it sees none: actix-web's
/// macro has already expanded and moved the function. A second `#[secure]`
/// would wrap the first one's output: its keys belong in the first.
fn one_route_attribute(handler: &Handler, cx: &Ctxt) {
    if let Some(repeated) = &handler.repeated_secure {
        cx.spanned(
            repeated,
            "`#[secure]` is written twice on this handler; write it once, with every key in one `#[secure(...)]`",
        );
        return;
    }
    if let Some(routes) = &handler.multi_route {
        cx.spanned(
            routes,
            "`#[secure]` does not support `#[routes]`; write one handler per route, each with its own `#[secure]`",
        );
        return;
    }
    match handler.routes.as_slice() {
        [] => cx.at(
            Span::call_site(),
            "`#[secure]` must be written above the route attribute (`#[get]`, `#[post]`, ...); no route attribute follows it on this function",
        ),
        [_] => {}
        [_, extra, ..] => cx.spanned(
            &extra.attr,
            "a `#[secure]` handler has one route attribute; write one handler per route",
        ),
    }
}
