//! Rules across the keys of `#[secure(...)]` and the function it is written
//! on: one function per rule, each recording its errors and never stopping
//! the others (`serde_derive`'s `internals/check.rs` has the same shape).

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::attr::{Handler, SecureArgs, Target, path_params};
use crate::errors::Errors;

/// The most arguments a handler may take: actix-web implements `FromRequest`
/// for tuples of up to 16 extractors.
pub(crate) const MAX_ARGS: usize = 16;

/// Runs every rule. `args` is `None` when the attribute did not even parse,
/// `target` when the item did not: the rules that need them are skipped,
/// the others still run.
pub(crate) fn check(args: Option<&SecureArgs>, target: Option<&Target>, errors: &mut Errors) {
    if let Some(args) = args {
        no_duplicate_keys(args, errors);
        role_or_roles(args, errors);
        access_is_stated(args, errors);
        public_has_no_role(args, errors);
        public_has_no_owner(args, errors);
        rate_options_need_a_rate(args, errors);
        quota_refills_in_time(args, errors);
        public_is_limited_by_ip(args, errors);
        sunset_not_before_since(args, errors);
    }
    match target {
        Some(Target::Handler(handler)) => {
            is_async(handler, errors);
            not_generic(handler, errors);
            no_receiver(handler, errors);
            at_most_max_args(handler, errors);
            returns_a_response(handler, errors);
            one_route_attribute(handler, errors);
            if let Some(args) = args {
                owner_param_in_route(args, handler, errors);
                unvalidated_names_inputs(args, handler, errors);
            }
        }
        Some(Target::NotAFunction(span)) => is_a_function(*span, errors),
        None => {}
    }
}

/// `burst` and `rate_key` refine a `rate`; alone they would limit nothing.
fn rate_options_need_a_rate(args: &SecureArgs, errors: &mut Errors) {
    if args.rate.is_some() || position(args, "rate").is_some() {
        return;
    }
    for name in ["burst", "rate_key"] {
        if let Some(index) = position(args, name) {
            errors.spanned(
                &args.keys[index],
                format!("`{name}` needs a `rate = \"N/W\"` to refine; add one, e.g. `rate = \"100/15m\"`"),
            );
        }
    }
}

/// governor counts time in u64 nanoseconds: a burst that takes more than
/// 100 years to refill (`window / count × burst`) would overflow it.
fn quota_refills_in_time(args: &SecureArgs, errors: &mut Errors) {
    const MAX_REFILL_SECS: u128 = 100 * 365 * 24 * 60 * 60;
    let Some(rate) = &args.rate else { return };
    let burst = u128::from(args.burst.unwrap_or(rate.count));
    let refill = u128::from(rate.window_secs) * burst / u128::from(rate.count.max(1));
    if refill > MAX_REFILL_SECS
        && let Some(index) = position(args, "rate")
    {
        errors.spanned(
            &args.keys[index],
            format!("this quota takes {refill} s to refill its burst (window / count × burst), more than 100 years; use a shorter window or a smaller burst"),
        );
    }
}

/// A `public` route has no principal to key a bucket by.
fn public_is_limited_by_ip(args: &SecureArgs, errors: &mut Errors) {
    if args.public.is_some()
        && matches!(args.rate_key, Some(crate::attr::RateKeyKind::Principal))
        && let Some(index) = position(args, "rate_key")
    {
        errors.spanned(
            &args.keys[index],
            "`rate_key = \"principal\"` cannot apply to a `public` route, which has no principal; use `rate_key = \"ip\"` or a role",
        );
    }
}

/// A route is deprecated before it is retired: its sunset is not earlier
/// than its deprecation (RFC 8594 §3, RFC 9745 §2).
fn sunset_not_before_since(args: &SecureArgs, errors: &mut Errors) {
    let Some(deprecated) = &args.deprecated else {
        return;
    };
    if let Some(sunset) = &deprecated.sunset
        && sunset.days < deprecated.since.days
    {
        errors.spanned(
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
fn no_duplicate_keys(args: &SecureArgs, errors: &mut Errors) {
    for (index, key) in args.keys.iter().enumerate() {
        if args.keys[..index].contains(key) {
            errors.spanned(key, format!("duplicate `secure` key `{key}`"));
        }
    }
}

/// `role` and `roles` say the same thing twice: one role, or a list.
fn role_or_roles(args: &SecureArgs, errors: &mut Errors) {
    if let Some(second) = second_of(args, "role", "roles") {
        errors.spanned(
            second,
            "`role` and `roles` cannot be used together; write one `role = \"...\"`, or list every role in `roles(any(...))` or `roles(all(...))`",
        );
    }
}

/// Deny by default: every handler states who may call it, even when that
/// is everyone.
fn access_is_stated(args: &SecureArgs, errors: &mut Errors) {
    if !args.has_unknown_key
        && ["role", "roles", "public"]
            .iter()
            .all(|name| position(args, name).is_none())
    {
        errors.at(
            Span::call_site(),
            "`#[secure]` needs `role = \"...\"`, `roles(...)` or `public`; routes are denied by default, so say who may call this one",
        );
    }
}

/// `public` means no authentication, so a role could never be checked.
fn public_has_no_role(args: &SecureArgs, errors: &mut Errors) {
    for role_key in ["role", "roles"] {
        if let Some(second) = second_of(args, "public", role_key) {
            errors.spanned(
                second,
                format!("`public` cannot be used with `{role_key}`: a public route authenticates no one, so no role can be checked; remove one of them"),
            );
        }
    }
}

/// `owner` compares the caller's identity with a path parameter, so the
/// route must authenticate.
fn public_has_no_owner(args: &SecureArgs, errors: &mut Errors) {
    if let Some(second) = second_of(args, "public", "owner") {
        errors.spanned(
            second,
            "`owner` cannot be used with `public`: ownership needs an authenticated caller; replace `public` with `role = \"...\"`",
        );
    }
}

/// The `owner` param must name a parameter of the route path, or the check
/// could never pass.
fn owner_param_in_route(args: &SecureArgs, handler: &Handler, errors: &mut Errors) {
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
    errors.spanned(
        &owner.param,
        format!(
            "`owner` param `{param}` is not a parameter of the route path \"{}\"; {expected}",
            path.value()
        ),
    );
}

/// Each name in `unvalidated(...)` is an argument that would otherwise be
/// validated: opting out of nothing is a mistake, most likely a typo.
fn unvalidated_names_inputs(args: &SecureArgs, handler: &Handler, errors: &mut Errors) {
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
                errors.spanned(
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
                errors.spanned(
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
fn is_a_function(keyword: Span, errors: &mut Errors) {
    errors.at(
        keyword,
        "`#[secure]` can only be used on an `async fn` request handler",
    );
}

/// actix-web handlers are `async fn`, and the checks run before the handler
/// is awaited.
fn is_async(handler: &Handler, errors: &mut Errors) {
    if handler.item.sig.asyncness.is_none() {
        errors.spanned(
            handler.item.sig.fn_token,
            "`#[secure]` handlers must be `async fn`; write `async fn`",
        );
    }
}

/// A route serves one concrete function; generic parameters could not be
/// inferred by actix-web.
fn not_generic(handler: &Handler, errors: &mut Errors) {
    let generics = &handler.item.sig.generics;
    if !generics.params.is_empty() || generics.where_clause.is_some() {
        let span = if generics.params.is_empty() {
            generics.where_clause.span()
        } else {
            generics.span()
        };
        errors.at(
            span,
            "`#[secure]` handlers cannot be generic; remove the generic parameters",
        );
    }
}

/// Handlers are free functions; a method's `self` has no value in a route.
fn no_receiver(handler: &Handler, errors: &mut Errors) {
    if let Some(receiver) = handler.item.sig.receiver() {
        errors.spanned(
            receiver,
            "`#[secure]` handlers cannot take `self`; write a free `async fn` outside any `impl`",
        );
    }
}

/// actix-web extracts at most 16 arguments.
fn at_most_max_args(handler: &Handler, errors: &mut Errors) {
    if let Some(extra) = handler.typed_args().nth(MAX_ARGS) {
        errors.spanned(
            extra,
            format!("`#[secure]` handlers take at most {MAX_ARGS} arguments (actix-web's extractor limit); group some into a struct that implements `FromRequest`"),
        );
    }
}

/// A handler answers the request: without a return type it returns `()`,
/// which is no response (actix-web's route macros have the same rule).
fn returns_a_response(handler: &Handler, errors: &mut Errors) {
    if let syn::ReturnType::Default = handler.item.sig.output {
        errors.at(
            handler.item.sig.paren_token.span.close(),
            "`#[secure]` handlers must return a response; add a return type such as `-> impl Responder`",
        );
    }
}

/// `#[secure]` rewrites the route attribute, so it must see exactly one
/// below itself. Written below the route attribute, it sees none: actix-web's
/// macro has already expanded and moved the function.
fn one_route_attribute(handler: &Handler, errors: &mut Errors) {
    if let Some(routes) = &handler.multi_route {
        errors.spanned(
            routes,
            "`#[secure]` does not support `#[routes]`; write one handler per route, each with its own `#[secure]`",
        );
        return;
    }
    match handler.routes.as_slice() {
        [] => errors.at(
            Span::call_site(),
            "`#[secure]` must be written above the route attribute (`#[get]`, `#[post]`, ...); no route attribute follows it on this function",
        ),
        [_] => {}
        [_, extra, ..] => errors.spanned(
            &extra.attr,
            "a `#[secure]` handler has one route attribute; write one handler per route",
        ),
    }
}
