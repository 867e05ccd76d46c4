//! Parsing: `#[secure(...)]` and the handler it is written on, into a typed
//! model that keeps the user's tokens next to each parsed value.
//!
//! Parsing checks each value on its own (a rate is `COUNT/WINDOW`, a version
//! is `v1`); rules that relate keys to each other or to the function live in
//! `check.rs`. Every problem is recorded in [`Ctxt`] and parsing goes on, so
//! one build reports every mistake.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    Attribute, Expr, ExprLit, FnArg, GenericArgument, Ident, Item, ItemFn, Lit, LitStr, Meta,
    MetaList, Pat, PathArguments, ReturnType, Token, Type,
};

use crate::ctxt::Ctxt;

/// Every key `#[secure(...)]` accepts, in the order the docs list them. A
/// new key is added here, to [`SecureArgs`] and to [`SecureArgs::parse_key`].
pub(crate) const KEYS: &[&str] = &[
    "role",
    "roles",
    "scope",
    "scopes",
    "public",
    "auth",
    "api_key_role",
    "api_key_roles",
    "replay",
    "owner",
    "rate",
    "burst",
    "rate_key",
    "version",
    "unvalidated",
    "body_limit",
    "deprecated",
];

/// The route attributes of actix-web that `#[secure]` must be written above,
/// matched on the last segment of the attribute's path (so that
/// `#[actix_web::get(..)]` is one too).
pub(crate) const ROUTE_ATTRIBUTES: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "trace", "connect", "query",
    "route",
];

/// `#[secure(...)]`, parsed. Each value field holds the first occurrence of
/// its key, and only when that value was well formed; `keys` records every
/// key as written, so that rules about which keys are present do not depend
/// on whether their values parsed.
#[derive(Default)]
pub(crate) struct SecureArgs {
    /// Every recognised key as written, in source order, duplicates included.
    pub(crate) keys: Vec<Ident>,
    /// Whether a key was not recognised (already reported): rules about
    /// missing keys then stay quiet, since the unknown key was likely meant
    /// to be one of them.
    pub(crate) has_unknown_key: bool,
    /// `role = "editor"`, `roles(any("a", "b"))` or `roles(all("a", "b"))`.
    pub(crate) roles: Option<Requirement<RoleName>>,
    /// `scope = "customers:read"`, `scopes(any(..))` or `scopes(all(..))`.
    pub(crate) scopes: Option<Requirement<ScopeToken>>,
    /// `public`: the keyword itself.
    pub(crate) public: Option<Ident>,
    /// `auth = "jwt" | "api_key" | "any"`; absent means JWT only.
    pub(crate) auth: Option<AuthMethods>,
    /// `api_key_role = "reporting"`, `api_key_roles(any(..))` or
    /// `api_key_roles(all(..))`: who may call with an API key, when that
    /// differs from `roles`.
    pub(crate) api_key_roles: Option<Requirement<RoleName>>,
    /// `replay = "jti"`.
    pub(crate) replay: Option<Replay>,
    /// `owner(param = "id", unless = "editor")`.
    pub(crate) owner: Option<OwnerKey>,
    /// `rate = "100/15m"`.
    pub(crate) rate: Option<RateKey>,
    /// `burst = 50`: requests admitted at once, overriding the rate's count.
    pub(crate) burst: Option<u32>,
    /// `rate_key = "ip" | "principal"`.
    pub(crate) rate_key: Option<RateKeyKind>,
    /// `version = "v1"`.
    pub(crate) version: Option<VersionKey>,
    /// `unvalidated(body, query)`.
    pub(crate) unvalidated: Option<UnvalidatedKey>,
    /// `body_limit = "1MiB"`.
    pub(crate) body_limit: Option<BodyLimitKey>,
    /// `deprecated(since = "2026-01-01", sunset = "2027-12-31", link = "https://..")`.
    pub(crate) deprecated: Option<DeprecatedKey>,
}

/// `deprecated(since = "..", sunset = "..", link = "..", sunset_link = "..")`.
pub(crate) struct DeprecatedKey {
    /// When the route was deprecated (required).
    pub(crate) since: DateValue,
    /// When it stops being served, if announced.
    pub(crate) sunset: Option<DateValue>,
    /// An absolute `https` URL documenting the deprecation.
    pub(crate) link: Option<LitStr>,
    /// An absolute `https` URL documenting the sunset.
    pub(crate) sunset_link: Option<LitStr>,
}

/// A `YYYY-MM-DD` date, checked to exist.
pub(crate) struct DateValue {
    /// The literal as written.
    pub(crate) lit: LitStr,
    /// Days since 1970-01-01.
    pub(crate) days: i64,
}

/// A role name as written, a non-empty string literal: `"editor"`. Whether
/// it was declared is left to rustc (see `expand.rs`), which then points at
/// this literal.
pub(crate) struct RoleName {
    /// The literal, passed on as is to keep its span.
    pub(crate) lit: LitStr,
}

/// A scope as written, a scope-token of RFC 6749 §3.3: `"customers:read"`.
pub(crate) struct ScopeToken {
    /// The literal, passed on as is.
    pub(crate) lit: LitStr,
}

/// What the caller must hold, roles or scopes: one value (`role = "a"`,
/// which is `any("a")`), or a list (`roles(any("a", "b"))`,
/// `roles(all("a", "b"))`).
pub(crate) struct Requirement<T> {
    /// Whether one item of the list is enough, or every one is needed.
    pub(crate) combinator: Combinator,
    /// The items, at least one, each once.
    pub(crate) items: Vec<T>,
}

/// How the items of a list such as `roles(...)` combine.
#[derive(Clone, Copy)]
pub(crate) enum Combinator {
    /// `any(..)`: at least one of them.
    Any,
    /// `all(..)`: every one of them.
    All,
}

/// The two spellings of a [`Requirement`]: a key for one value and a key
/// for a list, such as `role = "a"` and `roles(any("a", "b"))`.
pub(crate) struct RequirementKeys {
    /// The key for one value: `role`.
    pub(crate) one: &'static str,
    /// The key for a list: `roles`.
    pub(crate) list: &'static str,
    /// What the items are, for messages: `role`.
    pub(crate) noun: &'static str,
    /// An item, for messages: `admin`.
    pub(crate) example: &'static str,
}

/// `role` and `roles`: the roles a caller must hold.
pub(crate) const ROLES: RequirementKeys = RequirementKeys {
    one: "role",
    list: "roles",
    noun: "role",
    example: "admin",
};

/// `scope` and `scopes`: the OAuth2 scopes a caller must hold.
pub(crate) const SCOPES: RequirementKeys = RequirementKeys {
    one: "scope",
    list: "scopes",
    noun: "scope",
    example: "customers:read",
};

/// `api_key_role` and `api_key_roles`: the roles a caller with an API key
/// must hold.
pub(crate) const API_KEY_ROLES: RequirementKeys = RequirementKeys {
    one: "api_key_role",
    list: "api_key_roles",
    noun: "role",
    example: "reporting",
};

impl RequirementKeys {
    /// The accepted forms of the list key, for messages.
    fn list_form(&self) -> String {
        let list = self.list;
        format!("`{list}(any(\"a\", \"b\"))` or `{list}(all(\"a\", \"b\"))`")
    }
}

/// `auth = ".."`: which credentials the route accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthMethods {
    /// `"jwt"`, the default: a bearer JWT.
    Jwt,
    /// `"api_key"`: an API key.
    ApiKey,
    /// `"any"`: either.
    Any,
}

/// `replay = ".."`: how often a token may be used.
#[derive(Clone, Copy)]
pub(crate) enum Replay {
    /// `"jti"`: once per `jti` claim.
    OncePerJti,
}

/// `owner(param = "id", unless = "editor")`.
pub(crate) struct OwnerKey {
    /// The `param` literal: the route path parameter holding the owner's id.
    pub(crate) param: LitStr,
    /// The role that may act on any object, if any.
    pub(crate) unless: Option<RoleName>,
}

/// `rate = "100/15m"`, parsed into a quota.
pub(crate) struct RateKey {
    /// How many requests a window allows, at least 1.
    pub(crate) count: u32,
    /// The window's length in seconds, at least 1.
    pub(crate) window_secs: u64,
}

/// `rate_key = "ip"` or `"principal"`: whose bucket a request is charged to.
pub(crate) enum RateKeyKind {
    /// The client IP, even when authenticated.
    Ip,
    /// The principal; `public` routes cannot use it.
    Principal,
}

/// `version = "v1"`.
pub(crate) struct VersionKey {
    /// The literal as written; served as the path prefix `/` + its value.
    pub(crate) lit: LitStr,
}

/// `unvalidated(body, query)`: arguments parsed strictly but not checked
/// with `validator`.
pub(crate) struct UnvalidatedKey {
    /// The handler arguments named, each once, as written.
    pub(crate) names: Vec<Ident>,
}

/// `body_limit = "1MiB"`.
pub(crate) struct BodyLimitKey {
    /// The largest request body accepted, in bytes: from 1 to [`MAX_BODY_LIMIT`].
    pub(crate) bytes: u64,
}

impl SecureArgs {
    /// Parses the tokens inside `#[secure(...)]`. `None` when they are not
    /// even a comma-separated list of keys (the syntax error is recorded);
    /// otherwise every key is interpreted and each bad one recorded.
    pub(crate) fn parse(args: TokenStream, cx: &Ctxt) -> Option<Self> {
        let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
            Ok(metas) => metas,
            Err(error) => {
                cx.push(error);
                return None;
            }
        };
        let mut parsed = SecureArgs::default();
        for meta in &metas {
            parsed.parse_key(meta, cx);
        }
        Some(parsed)
    }

    /// Interprets one key. Only the first occurrence of a key fills its
    /// field; later ones are still parsed, so their own mistakes are shown,
    /// and `check.rs` reports them as duplicates.
    fn parse_key(&mut self, meta: &Meta, cx: &Ctxt) {
        let path = meta.path();
        let Some(key) = path.get_ident() else {
            cx.spanned(path, unknown_key_message(&quote::quote!(#path).to_string()));
            self.has_unknown_key = true;
            return;
        };
        let name = key.unraw().to_string();
        match name.as_str() {
            "role" | "roles" => {
                let roles = parse_requirement(meta, &ROLES, role_name, cx);
                self.roles = self.roles.take().or(roles);
            }
            "scope" | "scopes" => {
                let scopes = parse_requirement(meta, &SCOPES, scope_token, cx);
                self.scopes = self.scopes.take().or(scopes);
            }
            "api_key_role" | "api_key_roles" => {
                let roles = parse_requirement(meta, &API_KEY_ROLES, role_name, cx);
                self.api_key_roles = self.api_key_roles.take().or(roles);
            }
            "auth" => {
                let auth = string_value(meta, "auth = \"any\"", cx).and_then(|lit| {
                    match lit.value().as_str() {
                        "jwt" => Some(AuthMethods::Jwt),
                        "api_key" => Some(AuthMethods::ApiKey),
                        "any" => Some(AuthMethods::Any),
                        other => {
                            cx.spanned(&lit, format!("invalid `auth` \"{other}\"; expected one of \"jwt\" (a bearer JWT, the default), \"api_key\" (an `X-API-Key` header), \"any\" (either of them)"));
                            None
                        }
                    }
                });
                self.auth = self.auth.take().or(auth);
            }
            "replay" => {
                let replay = string_value(meta, "replay = \"jti\"", cx).and_then(|lit| {
                    match lit.value().as_str() {
                        "jti" => Some(Replay::OncePerJti),
                        other => {
                            cx.spanned(&lit, format!("invalid `replay` \"{other}\"; expected \"jti\" (each token is accepted once, by its `jti` claim)"));
                            None
                        }
                    }
                });
                self.replay = self.replay.take().or(replay);
            }
            "public" => {
                if let Meta::Path(_) = meta {
                    self.public.get_or_insert_with(|| key.clone());
                } else {
                    cx.spanned(meta, "`public` takes no value; write `public`");
                }
            }
            "owner" => {
                let owner = list(meta, OWNER_FORM, cx).and_then(|list| parse_owner(key, list, cx));
                self.owner = self.owner.take().or(owner);
            }
            "rate" => {
                let rate = string_value(meta, "rate = \"100/15m\"", cx).and_then(|lit| {
                    parse_rate(&lit.value())
                        .map_err(|message| cx.spanned(&lit, message))
                        .ok()
                });
                self.rate = self.rate.take().or(rate);
            }
            "burst" => {
                let burst = int_value(meta, "burst = 50", cx).and_then(|lit| {
                    match lit.base10_parse::<u64>() {
                        Ok(n) if n >= 1 && n <= u64::from(u32::MAX) => u32::try_from(n).ok(),
                        _ => {
                            cx.spanned(&lit, "invalid `burst`: expected a whole number from 1 to 4294967295 (u32::MAX), e.g. `burst = 50`");
                            None
                        }
                    }
                });
                self.burst = self.burst.take().or(burst);
            }
            "rate_key" => {
                let kind = string_value(meta, "rate_key = \"ip\"", cx).and_then(|lit| {
                    match lit.value().as_str() {
                        "ip" => Some(RateKeyKind::Ip),
                        "principal" => Some(RateKeyKind::Principal),
                        other => {
                            cx.spanned(&lit, format!("invalid `rate_key` \"{other}\"; expected one of \"ip\", \"principal\""));
                            None
                        }
                    }
                });
                self.rate_key = self.rate_key.take().or(kind);
            }
            "version" => {
                let version = string_value(meta, "version = \"v1\"", cx).and_then(|lit| {
                    parse_version(&lit.value())
                        .map(|()| VersionKey { lit: lit.clone() })
                        .map_err(|message| cx.spanned(&lit, message))
                        .ok()
                });
                self.version = self.version.take().or(version);
            }
            "unvalidated" => {
                let unvalidated = list(meta, UNVALIDATED_FORM, cx)
                    .and_then(|list| parse_unvalidated(key, list, cx));
                self.unvalidated = self.unvalidated.take().or(unvalidated);
            }
            "body_limit" => {
                let limit = string_value(meta, "body_limit = \"1MiB\"", cx).and_then(|lit| {
                    parse_body_limit(&lit.value())
                        .map(|bytes| BodyLimitKey { bytes })
                        .map_err(|message| cx.spanned(&lit, message))
                        .ok()
                });
                self.body_limit = self.body_limit.take().or(limit);
            }
            "deprecated" => {
                let deprecated = list(meta, DEPRECATED_FORM, cx)
                    .and_then(|list| parse_deprecated(key, list, cx));
                self.deprecated = self.deprecated.take().or(deprecated);
            }
            _ => {
                cx.spanned(key, unknown_key_message(&name));
                self.has_unknown_key = true;
                return;
            }
        }
        self.keys.push(key.unraw());
    }
}

/// The message for a key that is not in [`KEYS`], with the closest key
/// when one is a typo away.
fn unknown_key_message(key: &str) -> String {
    let expected: Vec<String> = KEYS.iter().map(|key| format!("`{key}`")).collect();
    let mut message = format!(
        "unknown `secure` key `{key}`; expected one of {}",
        expected.join(", ")
    );
    let closest = KEYS
        .iter()
        .map(|known| (edit_distance(key, known), known))
        .min_by_key(|(distance, _)| *distance);
    if let Some((1..=2, close)) = closest {
        message = format!("{message} (did you mean `{close}`?)");
    }
    message
}

/// The Levenshtein distance between two short strings.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The accepted form of `unvalidated`, for messages.
const UNVALIDATED_FORM: &str = "the names of handler arguments: `unvalidated(body)`";

/// The accepted forms of `owner`, for messages.
const OWNER_FORM: &str = "`owner(param = \"id\")` or `owner(param = \"id\", unless = \"admin\")`";

/// The integer literal of `key = 50`, or an error showing `example`.
pub(crate) fn int_value(meta: &Meta, example: &str, cx: &Ctxt) -> Option<syn::LitInt> {
    let key = meta.path();
    if let Meta::NameValue(name_value) = meta
        && let Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) = &name_value.value
    {
        return Some(lit.clone());
    }
    cx.spanned(
        meta,
        format!(
            "`{}` expects a whole number: `{example}`",
            quote::quote!(#key)
        ),
    );
    None
}

/// The string literal of `key = "..."`; records an error showing `example`
/// when the key has another shape.
pub(crate) fn string_value(meta: &Meta, example: &str, cx: &Ctxt) -> Option<LitStr> {
    let key = meta.path();
    match meta {
        Meta::NameValue(name_value) => match &name_value.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) => Some(lit.clone()),
            value => {
                cx.spanned(
                    value,
                    format!(
                        "`{}` expects a string literal: `{example}`",
                        quote::quote!(#key)
                    ),
                );
                None
            }
        },
        _ => {
            cx.spanned(
                meta,
                format!(
                    "`{}` expects a string literal: `{example}`",
                    quote::quote!(#key)
                ),
            );
            None
        }
    }
}

/// The parenthesized list of `key(...)`; records an error showing `form`
/// when the key has another shape.
fn list<'a>(meta: &'a Meta, form: &str, cx: &Ctxt) -> Option<&'a MetaList> {
    match meta {
        Meta::List(list) => Some(list),
        _ => {
            let key = meta.path();
            cx.spanned(meta, format!("`{}` expects {form}", quote::quote!(#key)));
            None
        }
    }
}

/// A role name used by `key`: any string literal but the empty one.
pub(crate) fn role_name(lit: LitStr, key: &str, cx: &Ctxt) -> Option<RoleName> {
    if lit.value().is_empty() {
        cx.spanned(
            &lit,
            format!("empty role name in `{key}`; expected a role declared with `secure_api::roles!`, such as \"admin\""),
        );
        return None;
    }
    Some(RoleName { lit })
}

/// A scope used by `key`: a scope-token of RFC 6749 §3.3.
fn scope_token(lit: LitStr, key: &str, cx: &Ctxt) -> Option<ScopeToken> {
    match check_scope(&lit.value(), key) {
        Ok(()) => Some(ScopeToken { lit }),
        Err(message) => {
            cx.spanned(&lit, message);
            None
        }
    }
}

/// Checks that `scope` is a scope-token (RFC 6749 §3.3):
/// `1*( %x21 / %x23-5B / %x5D-7E )`, printable ASCII but space, `"` and `\`.
/// The runtime checks the same rule for key files in
/// `secure_api::auth::api_key::check_scope`.
///
/// # Errors
///
/// A message naming what is wrong and showing the expected form.
pub(crate) fn check_scope(scope: &str, key: &str) -> Result<(), String> {
    const FORM: &str = "a scope is one or more printable ASCII characters other than space, `\"` and `\\` (RFC 6749 §3.3), such as \"customers:read\"";
    if scope.is_empty() {
        return Err(format!("empty scope in `{key}`; {FORM}"));
    }
    let Some(bad) = scope
        .chars()
        .find(|c| !matches!(c, '\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E'))
    else {
        return Ok(());
    };
    let what = match bad {
        ' ' => "a space".to_owned(),
        '"' => "`\"`".to_owned(),
        '\\' => "`\\`".to_owned(),
        c if c.is_control() => format!("the control character {:?}", c),
        c => format!("the non-ASCII character `{c}`"),
    };
    Err(format!(
        "invalid scope {scope:?} in `{key}`: it contains {what}; {FORM}"
    ))
}

/// A [`Requirement`] written with either of its keys: `role = ".."` (one
/// `item`) or `roles(any(..))` / `roles(all(..))` (a list of `item`s, each
/// once). `item` checks one literal, recording its own errors.
fn parse_requirement<T>(
    meta: &Meta,
    keys: &RequirementKeys,
    item: fn(LitStr, &str, &Ctxt) -> Option<T>,
    cx: &Ctxt,
) -> Option<Requirement<T>> {
    if meta
        .path()
        .get_ident()
        .is_some_and(|key| key.unraw() == keys.one)
    {
        let example = format!("{} = \"{}\"", keys.one, keys.example);
        let one = string_value(meta, &example, cx).and_then(|lit| item(lit, keys.one, cx))?;
        return Some(Requirement {
            combinator: Combinator::Any,
            items: vec![one],
        });
    }
    let form = keys.list_form();
    let list = list(meta, &form, cx)?;
    let parsed = list.parse_args_with(|input: ParseStream| {
        let combinator: Ident = input.parse().map_err(|error| {
            syn::Error::new(error.span(), format!("`{}` expects {form}", keys.list))
        })?;
        let content;
        syn::parenthesized!(content in input);
        let names = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
        }
        if !input.is_empty() {
            return Err(input.error(format!("`{}` takes one list: {form}", keys.list)));
        }
        Ok((combinator, names))
    });
    let (combinator_ident, names) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            cx.push(error);
            return None;
        }
    };
    let (list_key, noun) = (keys.list, keys.noun);
    let combinator = match combinator_ident.to_string().as_str() {
        "any" => Combinator::Any,
        "all" => Combinator::All,
        other => {
            cx.spanned(
                &combinator_ident,
                format!("unknown `{list_key}` combinator `{other}`; expected `any` (at least one {noun}) or `all` (every {noun})"),
            );
            return None;
        }
    };
    if names.is_empty() {
        cx.spanned(
            &combinator_ident,
            format!("`{list_key}({combinator_ident}(...))` needs at least one {noun}, such as `{list_key}({combinator_ident}(\"{}\"))`", keys.example),
        );
        return None;
    }
    let mut seen: Vec<String> = Vec::new();
    let mut items = Vec::new();
    let mut valid = true;
    for lit in names {
        let value = lit.value();
        if seen.contains(&value) {
            cx.spanned(
                &lit,
                format!("{noun} {value:?} is listed twice in `{list_key}`"),
            );
            valid = false;
            continue;
        }
        seen.push(value);
        match item(lit, list_key, cx) {
            Some(item) => items.push(item),
            None => valid = false,
        }
    }
    valid.then_some(Requirement { combinator, items })
}

/// The inside of `owner(...)`: `param = ".."` (required) and `unless = ".."`.
fn parse_owner(key: &Ident, list: &MetaList, cx: &Ctxt) -> Option<OwnerKey> {
    let metas = match list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
        Ok(metas) => metas,
        Err(error) => {
            cx.push(error);
            return None;
        }
    };
    let mut param: Option<LitStr> = None;
    let mut unless: Option<Option<RoleName>> = None;
    let mut valid = true;
    for meta in &metas {
        let path = meta.path();
        let name = path.get_ident().map(|ident| ident.unraw().to_string());
        match name.as_deref() {
            Some("param") if param.is_some() => {
                cx.spanned(path, "duplicate `owner` key `param`");
            }
            Some("param") => match string_value(meta, "param = \"id\"", cx) {
                Some(lit) if lit.value().is_empty() => {
                    cx.spanned(&lit, "empty `owner` param; expected the name of a route path parameter, such as \"id\"");
                    valid = false;
                }
                Some(lit) => param = Some(lit),
                None => valid = false,
            },
            Some("unless") if unless.is_some() => {
                cx.spanned(path, "duplicate `owner` key `unless`");
            }
            Some("unless") => {
                let role = string_value(meta, "unless = \"admin\"", cx)
                    .and_then(|lit| role_name(lit, "unless", cx));
                valid &= role.is_some();
                unless = Some(role);
            }
            _ => {
                cx.spanned(
                    path,
                    format!(
                        "unknown `owner` key `{}`; expected `param` or `unless`",
                        quote::quote!(#path)
                    ),
                );
                valid = false;
            }
        }
    }
    let Some(param) = param else {
        if valid {
            cx.spanned(
                key,
                "`owner` needs `param = \"...\"`, the route path parameter that holds the owner's id: `owner(param = \"id\")`",
            );
        }
        return None;
    };
    valid.then_some(OwnerKey {
        param,
        unless: unless.flatten(),
    })
}

/// The inside of `unvalidated(...)`: argument names, at least one, each once.
fn parse_unvalidated(key: &Ident, list: &MetaList, cx: &Ctxt) -> Option<UnvalidatedKey> {
    let names = match list.parse_args_with(Punctuated::<Ident, Token![,]>::parse_terminated) {
        Ok(names) => names,
        Err(error) => {
            cx.push(syn::Error::new(
                error.span(),
                format!("`unvalidated` expects {UNVALIDATED_FORM}"),
            ));
            return None;
        }
    };
    if names.is_empty() {
        cx.spanned(
            key,
            format!("`unvalidated` names no argument; it expects {UNVALIDATED_FORM}"),
        );
        return None;
    }
    let mut unique: Vec<Ident> = Vec::new();
    for name in names {
        if unique.iter().any(|seen| seen.unraw() == name.unraw()) {
            cx.spanned(
                &name,
                format!("`{}` is named twice in `unvalidated`", name.unraw()),
            );
        } else {
            unique.push(name);
        }
    }
    Some(UnvalidatedKey { names: unique })
}

/// The accepted form of `deprecated`, for messages.
const DEPRECATED_FORM: &str = "`deprecated(since = \"2026-01-01\")`, optionally with `sunset = \"2027-12-31\"`, `link = \"https://..\"` and `sunset_link = \"https://..\"`";

/// The inside of `deprecated(...)`: `since` (required), `sunset`, `link`,
/// `sunset_link`, each once.
fn parse_deprecated(key: &Ident, list: &MetaList, cx: &Ctxt) -> Option<DeprecatedKey> {
    let metas = match list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
        Ok(metas) => metas,
        Err(error) => {
            cx.push(syn::Error::new(
                error.span(),
                format!("`deprecated` expects {DEPRECATED_FORM}"),
            ));
            return None;
        }
    };
    let mut since: Option<Option<DateValue>> = None;
    let mut sunset: Option<Option<DateValue>> = None;
    let mut link: Option<Option<LitStr>> = None;
    let mut sunset_link: Option<Option<LitStr>> = None;
    let mut valid = true;
    for meta in &metas {
        let path = meta.path();
        let name = path.get_ident().map(|ident| ident.unraw().to_string());
        let (date_slot, link_slot) = match name.as_deref() {
            Some("since") => (Some(&mut since), None),
            Some("sunset") => (Some(&mut sunset), None),
            Some("link") => (None, Some(&mut link)),
            Some("sunset_link") => (None, Some(&mut sunset_link)),
            _ => {
                cx.spanned(
                    path,
                    format!(
                        "unknown `deprecated` key `{}`; expected one of `since`, `sunset`, `link`, `sunset_link`",
                        quote::quote!(#path)
                    ),
                );
                valid = false;
                continue;
            }
        };
        let already = date_slot.as_ref().is_some_and(|slot| slot.is_some())
            || link_slot.as_ref().is_some_and(|slot| slot.is_some());
        if already {
            cx.spanned(
                path,
                format!("duplicate `deprecated` key `{}`", quote::quote!(#path)),
            );
            continue;
        }
        let example = match name.as_deref() {
            Some("link" | "sunset_link") => "link = \"https://docs.example.com/migrate\"",
            _ => "since = \"2026-01-01\"",
        };
        let lit = string_value(meta, example, cx);
        if let Some(slot) = date_slot {
            let key = name.as_deref().unwrap_or("since");
            let date = lit.and_then(|lit| match parse_date(&lit.value(), key) {
                Ok(days) => Some(DateValue { lit, days }),
                Err(message) => {
                    cx.spanned(&lit, message);
                    None
                }
            });
            valid &= date.is_some();
            *slot = Some(date);
        } else if let Some(slot) = link_slot {
            let key = name.as_deref().unwrap_or("link");
            let link = lit.and_then(|lit| match check_link(&lit.value(), key) {
                Ok(()) => Some(lit),
                Err(message) => {
                    cx.spanned(&lit, message);
                    None
                }
            });
            valid &= link.is_some();
            *slot = Some(link);
        }
    }
    let Some(since) = since else {
        if valid {
            cx.spanned(
                key,
                "`deprecated` needs `since = \"YYYY-MM-DD\"`, the date the route was deprecated: `deprecated(since = \"2026-01-01\")`",
            );
        }
        return None;
    };
    if !valid {
        return None;
    }
    Some(DeprecatedKey {
        since: since?,
        sunset: sunset.flatten(),
        link: link.flatten(),
        sunset_link: sunset_link.flatten(),
    })
}

/// The names of the months, for messages and IMF-fixdates.
pub(crate) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Parses a `YYYY-MM-DD` date from 1970 to 9999 that exists into days
/// since 1970-01-01.
///
/// # Errors
///
/// A message naming what is wrong and showing the expected form.
pub(crate) fn parse_date(date: &str, key: &str) -> Result<i64, String> {
    const FORM: &str = "expected a date as YYYY-MM-DD, such as \"2026-01-01\"";
    let bytes = date.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return Err(format!("invalid `{key}` date \"{date}\"; {FORM}"));
    }
    let number = |range: std::ops::Range<usize>| {
        date.get(range)
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    if !(1970..=9999).contains(&year) {
        return Err(format!(
            "invalid `{key}` date \"{date}\": the year must be from 1970 to 9999; {FORM}"
        ));
    }
    if !(1..=12).contains(&month) {
        return Err(format!(
            "invalid `{key}` date \"{date}\": there is no month {month}; {FORM}"
        ));
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=days_in_month).contains(&day) {
        const NAMES: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let name = usize::try_from(month - 1)
            .ok()
            .and_then(|m| NAMES.get(m))
            .copied()
            .unwrap_or("");
        return Err(format!(
            "invalid `{key}` date \"{date}\": {name} {year} has {days_in_month} days; {FORM}"
        ));
    }
    Ok(days_from_civil(year, month, day))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The IMF-fixdate (RFC 9110 §5.6.7) of 00:00:00 UTC on the day `days`
/// after 1970-01-01 written `date` (`YYYY-MM-DD`): `Fri, 31 Dec 2027 00:00:00 GMT`.
pub(crate) fn imf_fixdate(date: &str, days: i64) -> String {
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    let weekday = usize::try_from((days + 4).rem_euclid(7)).unwrap_or(0);
    let month = date
        .get(5..7)
        .and_then(|m| m.parse::<usize>().ok())
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
        .copied()
        .unwrap_or("");
    format!(
        "{}, {} {month} {} 00:00:00 GMT",
        WEEKDAYS[weekday],
        date.get(8..10).unwrap_or(""),
        date.get(0..4).unwrap_or("")
    )
}

/// Checks that `link` is an absolute `https` URL that fits in a `Link`
/// header: `https://`, a host, then visible ASCII without `<`, `>`, `"`,
/// spaces or other characters RFC 3986 does not allow.
///
/// # Errors
///
/// A message showing the expected form.
pub(crate) fn check_link(link: &str, key: &str) -> Result<(), String> {
    let form = "expected an absolute https URL, such as \"https://docs.example.com/migrate\"";
    let Some(rest) = link.strip_prefix("https://") else {
        return Err(format!("invalid `{key}` \"{link}\": {form}"));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or("");
    let host = host
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()) && !host.ends_with(']'))
        .map_or(host, |(host, _)| host);
    if host.is_empty() {
        return Err(format!(
            "invalid `{key}` \"{link}\": the host is missing; {form}"
        ));
    }
    if let Some(c) = rest.chars().find(|c| {
        !c.is_ascii_graphic() || matches!(c, '<' | '>' | '"' | '\\' | '^' | '`' | '{' | '|' | '}')
    }) {
        return Err(format!(
            "invalid `{key}` \"{link}\": {c:?} is not allowed in a URL (percent-encode it); {form}"
        ));
    }
    Ok(())
}

/// The largest `body_limit`, in bytes (1 GiB): a bigger body is a denial of
/// service waiting to happen; stream it instead of buffering it.
pub(crate) const MAX_BODY_LIMIT: u64 = 1 << 30;

/// The form of a body limit, for messages.
const BODY_LIMIT_FORM: &str = "expected a whole number followed by a unit, \
     `B`, `KB` (1000 B), `KiB` (1024 B), `MB` (1000000 B) or `MiB` (1048576 B), \
     such as \"64KiB\" or \"1MiB\", at most 1 GiB";

/// Parses a body limit (`"64KiB"`, `"1MiB"`, `"500KB"`, `"2048B"`) into bytes.
///
/// # Errors
///
/// A message naming what is wrong and showing the expected form.
pub(crate) fn parse_body_limit(limit: &str) -> Result<u64, String> {
    let digits = limit.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = limit.split_at(digits);
    if number.is_empty() {
        return Err(format!(
            "invalid `body_limit` \"{limit}\": it does not start with a number; {BODY_LIMIT_FORM}"
        ));
    }
    let unit_bytes: u64 = match unit {
        "B" => 1,
        "KB" => 1000,
        "KiB" => 1024,
        "MB" => 1000 * 1000,
        "MiB" => 1024 * 1024,
        "" => {
            return Err(format!(
                "invalid `body_limit` \"{limit}\": the unit is missing; {BODY_LIMIT_FORM}"
            ));
        }
        other => {
            return Err(format!(
                "invalid `body_limit` \"{limit}\": unknown unit `{other}`; expected one of `B`, `KB`, `KiB`, `MB`, `MiB` (units are case-sensitive, e.g. \"1MiB\")"
            ));
        }
    };
    let too_large = || {
        format!(
            "invalid `body_limit` \"{limit}\": more than 1 GiB (1073741824 bytes); {BODY_LIMIT_FORM}"
        )
    };
    let bytes = number
        .parse::<u64>()
        .ok()
        .and_then(|number| number.checked_mul(unit_bytes))
        .ok_or_else(too_large)?;
    if bytes == 0 {
        return Err(format!(
            "invalid `body_limit` \"{limit}\": the limit must be at least 1 byte; {BODY_LIMIT_FORM}"
        ));
    }
    if bytes > MAX_BODY_LIMIT {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The form of a rate, for messages.
const RATE_FORM: &str = "expected \"COUNT/WINDOW\" such as \"100/15m\", \"600/m\" or \"5/30s\": \
     COUNT from 1 to 4294967295, WINDOW an optional positive number followed by \
     `s`, `m`, `h` or `d` (seconds, minutes, hours, days)";

/// Parses `COUNT/WINDOW` (`"100/15m"`) into (count, window in seconds).
///
/// # Errors
///
/// A message naming what is wrong and showing the expected form.
pub(crate) fn parse_rate(rate: &str) -> Result<RateKey, String> {
    let Some((count, window)) = rate.split_once('/') else {
        return Err(format!(
            "invalid `rate` \"{rate}\": missing `/WINDOW`; {RATE_FORM}"
        ));
    };
    let count = match count.parse::<u64>() {
        Ok(count) if count > 0 => u32::try_from(count).map_err(|_| {
            format!("invalid `rate` \"{rate}\": the count {count} is more than 4294967295 (u32::MAX); {RATE_FORM}")
        })?,
        Ok(_) => return Err(format!("invalid `rate` \"{rate}\": the count must be at least 1; {RATE_FORM}")),
        Err(_) if !count.is_empty() && count.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(format!(
                "invalid `rate` \"{rate}\": the count is more than 4294967295 (u32::MAX); {RATE_FORM}"
            ));
        }
        Err(_) => return Err(format!("invalid `rate` \"{rate}\": the count `{count}` is not a number; {RATE_FORM}")),
    };
    let digits = window.bytes().take_while(u8::is_ascii_digit).count();
    let (multiplier, unit) = window.split_at(digits);
    let unit_secs: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 60 * 60,
        "d" => 24 * 60 * 60,
        "" => {
            return Err(format!(
                "invalid `rate` \"{rate}\": the window has no unit; {RATE_FORM}"
            ));
        }
        other => {
            return Err(format!(
                "invalid `rate` \"{rate}\": unknown window unit `{other}`; expected one of `s`, `m`, `h`, `d` (e.g. \"100/15m\")"
            ));
        }
    };
    let multiplier: u64 = if multiplier.is_empty() {
        1
    } else {
        multiplier.parse().map_err(|_| {
            format!("invalid `rate` \"{rate}\": the window is too long; {RATE_FORM}")
        })?
    };
    if multiplier == 0 {
        return Err(format!(
            "invalid `rate` \"{rate}\": the window must be longer than zero; {RATE_FORM}"
        ));
    }
    let window_secs = multiplier
        .checked_mul(unit_secs)
        .ok_or_else(|| format!("invalid `rate` \"{rate}\": the window is too long; {RATE_FORM}"))?;
    Ok(RateKey { count, window_secs })
}

/// Checks a version: `v` then a number without leading zeros (`v0`, `v1`, `v12`).
///
/// # Errors
///
/// A message showing the expected form.
pub(crate) fn parse_version(version: &str) -> Result<(), String> {
    let well_formed = version.strip_prefix('v').is_some_and(|number| {
        !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit())
            && (number == "0" || !number.starts_with('0'))
    });
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "invalid `version` \"{version}\"; expected `v` followed by a number without leading zeros, such as \"v1\" or \"v2\""
        ))
    }
}

/// The function `#[secure]` is written on, split the way the expansion
/// needs it.
pub(crate) struct Handler {
    /// The function as written; its attributes are sorted into the fields
    /// below.
    pub(crate) item: ItemFn,
    /// Attributes that stay on the outer function: doc comments (actix-web's
    /// route macro copies them onto the service it generates), `cfg` and
    /// `cfg_attr`.
    pub(crate) outer_attrs: Vec<Attribute>,
    /// Every other attribute but the route attribute: they go on the inner
    /// function that holds the user's code.
    pub(crate) inner_attrs: Vec<Attribute>,
    /// The route attributes found (`check.rs` requires exactly one).
    pub(crate) routes: Vec<RouteAttr>,
    /// `#[routes]` (several routes on one handler), which `#[secure]` does
    /// not support.
    pub(crate) multi_route: Option<Attribute>,
}

/// A route attribute: `#[get("/path")]`, `#[route("/path", method = "GET")]`.
pub(crate) struct RouteAttr {
    /// The attribute as written.
    pub(crate) attr: Attribute,
    /// The route path, when the attribute starts with a string literal.
    pub(crate) path: Option<LitStr>,
    /// The attribute's arguments after the path (from its first comma on).
    pub(crate) rest: TokenStream,
}

/// What `#[secure]` is written on: an `async fn` handler, or something else.
pub(crate) enum Target {
    /// A function (`check.rs` checks that it is a usable handler).
    Handler(Box<Handler>),
    /// Any other item; its leading keyword, where the error points.
    NotAFunction(Span),
}

impl Target {
    /// Parses the item `#[secure]` is written on. `None` when it is not an
    /// item at all (rustc will report the syntax error).
    pub(crate) fn parse(item: TokenStream, cx: &Ctxt) -> Option<Self> {
        match syn::parse2::<Item>(item) {
            Ok(Item::Fn(item)) => Some(Target::Handler(Box::new(Handler::new(item, cx)))),
            Ok(other) => Some(Target::NotAFunction(item_keyword_span(&other))),
            Err(error) => {
                cx.push(error);
                None
            }
        }
    }
}

/// The span of an item's leading keyword (`struct`, `impl`, ...), so that an
/// error about the item's kind does not underline all of it.
fn item_keyword_span(item: &Item) -> Span {
    match item {
        Item::Struct(item) => item.struct_token.span,
        Item::Enum(item) => item.enum_token.span,
        Item::Union(item) => item.union_token.span,
        Item::Impl(item) => item.impl_token.span,
        Item::Trait(item) => item.trait_token.span,
        Item::Mod(item) => item.mod_token.span,
        Item::Const(item) => item.const_token.span,
        Item::Static(item) => item.static_token.span,
        Item::Type(item) => item.type_token.span,
        Item::Use(item) => item.use_token.span,
        other => other.span(),
    }
}

impl Handler {
    /// Sorts the function's attributes and finds its route attribute(s).
    fn new(mut item: ItemFn, cx: &Ctxt) -> Self {
        let mut outer_attrs = Vec::new();
        let mut inner_attrs = Vec::new();
        let mut routes = Vec::new();
        let mut multi_route = None;
        for attr in std::mem::take(&mut item.attrs) {
            let last = attr
                .path()
                .segments
                .last()
                .map(|segment| segment.ident.to_string());
            match last.as_deref() {
                Some("doc" | "cfg" | "cfg_attr") if attr.path().get_ident().is_some() => {
                    outer_attrs.push(attr);
                }
                Some(name) if ROUTE_ATTRIBUTES.contains(&name) => {
                    routes.push(RouteAttr::new(attr, cx));
                }
                Some("routes") => multi_route = Some(attr),
                _ => inner_attrs.push(attr),
            }
        }
        Handler {
            item,
            outer_attrs,
            inner_attrs,
            routes,
            multi_route,
        }
    }

    /// The typed arguments (`pattern: Type`), `self` receivers left out.
    pub(crate) fn typed_args(&self) -> impl Iterator<Item = &syn::PatType> {
        self.item.sig.inputs.iter().filter_map(|arg| match arg {
            FnArg::Typed(arg) => Some(arg),
            FnArg::Receiver(_) => None,
        })
    }

    /// The typed arguments, each with the name it binds and whether it is a
    /// request input that `#[secure]` validates.
    pub(crate) fn args(&self) -> impl Iterator<Item = HandlerArg<'_>> {
        self.typed_args().map(|arg| HandlerArg {
            name: match &*arg.pat {
                Pat::Ident(pat) if pat.subpat.is_none() => Some(&pat.ident),
                _ => None,
            },
            input: input_arg(&arg.ty),
            arg,
        })
    }

    /// What the declared return type says about the response.
    pub(crate) fn response(&self) -> Response<'_> {
        let ReturnType::Type(_, ty) = &self.item.sig.output else {
            return Response::AsIs;
        };
        if let Some(inner) = generic_of(ty, "Json") {
            return Response::Json(inner);
        }
        let ok = last_segment(ty)
            .filter(|segment| segment.ident == "Result")
            .and_then(|segment| type_args(segment).next());
        match ok.and_then(|ok| generic_of(ok, "Json")) {
            Some(inner) => Response::ResultOfJson(inner),
            None => Response::AsIs,
        }
    }
}

/// A typed argument of the handler.
pub(crate) struct HandlerArg<'a> {
    /// The argument as written.
    pub(crate) arg: &'a syn::PatType,
    /// The name it binds, when its pattern is an identifier (`body`, `mut body`).
    pub(crate) name: Option<&'a Ident>,
    /// Set when the argument is a request input that `#[secure]` validates.
    pub(crate) input: Option<InputArg<'a>>,
}

/// An argument read from the request by `#[secure]`'s own extractors:
/// `Json<T>`, `Form<T>`, `Query<T>`, or `Path<T>` of a struct (any path
/// ending so, such as `web::Json<T>`). They read strictly, within the body
/// limit, and validate `T`.
pub(crate) struct InputArg<'a> {
    /// The `T`, which must implement `secure_api::Input` unless it is plain.
    pub(crate) inner: &'a Type,
    /// Whether `T` is plain data (see [`is_plain`]): no `validator` rules
    /// to run, so it is read without them, as if named in `unvalidated`.
    pub(crate) plain: bool,
}

/// What a handler's declared return type says about its response.
pub(crate) enum Response<'a> {
    /// `Json<T>`: answered through `Reply<T>`, redacted for the caller.
    Json(&'a Type),
    /// `Result<Json<T>, E>`: the `Ok` value answered through `Reply<T>`.
    ResultOfJson(&'a Type),
    /// Anything else (`impl Responder`, `Reply<T>`, `HttpResponse`, ...):
    /// answered as it is.
    AsIs,
}

/// The extractors whose `T` is read by `#[secure]`.
const INPUT_EXTRACTORS: &[&str] = &["Json", "Form", "Query", "Path"];

/// Types that are single values, with no field that could carry a
/// `validator` rule. `String` and `Uuid` are recognised by their last
/// segment. `serde_json::Value` is not here: a type named `Value` may well
/// be the application's own struct, with rules, and a mistake here would
/// skip them silently; free-form JSON is named in `unvalidated` instead.
const SCALARS: &[&str] = &[
    "bool", "char", "str", "String", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16",
    "u32", "u64", "u128", "usize", "f32", "f64", "Uuid",
];

/// The standard containers, plain when what they hold is.
const CONTAINERS: &[&str] = &[
    "Vec", "VecDeque", "Option", "Box", "HashMap", "BTreeMap", "HashSet", "BTreeSet",
];

/// The input argument `ty` is, if any: `Json<T>`, `Form<T>`, `Query<T>`,
/// or `Path<T>` when `T` is not plain data (a path parameter such as `u64`
/// or `(String, u32)` is left to actix-web).
fn input_arg(ty: &Type) -> Option<InputArg<'_>> {
    let extractor = last_segment(ty)?;
    let name = extractor.ident.to_string();
    if !INPUT_EXTRACTORS.contains(&name.as_str()) {
        return None;
    }
    let mut args = type_args(extractor);
    let (Some(inner), None) = (args.next(), args.next()) else {
        return None;
    };
    let plain = is_plain(inner);
    if name == "Path" && plain {
        return None;
    }
    Some(InputArg { inner, plain })
}

/// Whether `ty` is plain data: a scalar ([`SCALARS`]), or a tuple, array,
/// slice, reference or standard container ([`CONTAINERS`]) of plain data.
/// Any other type, a struct of the application's, may carry rules.
pub(crate) fn is_plain(ty: &Type) -> bool {
    match ty {
        Type::Tuple(tuple) => tuple.elems.iter().all(is_plain),
        Type::Array(array) => is_plain(&array.elem),
        Type::Slice(slice) => is_plain(&slice.elem),
        Type::Reference(reference) => is_plain(&reference.elem),
        Type::Group(group) => is_plain(&group.elem),
        Type::Paren(paren) => is_plain(&paren.elem),
        Type::Path(path) if path.qself.is_none() => {
            let Some(segment) = path.path.segments.last() else {
                return false;
            };
            if SCALARS.iter().any(|scalar| segment.ident == scalar) {
                return segment.arguments.is_none();
            }
            CONTAINERS
                .iter()
                .any(|container| segment.ident == container)
                && type_args(segment).all(is_plain)
        }
        _ => false,
    }
}

/// `T` when `ty` is `Name<T>` (its path ending in `Name`, one type argument).
fn generic_of<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let segment = last_segment(ty).filter(|segment| segment.ident == name)?;
    let mut args = type_args(segment);
    match (args.next(), args.next()) {
        (Some(inner), None) => Some(inner),
        _ => None,
    }
}

/// The last segment of a type's path (`Json<T>` of `web::Json<T>`),
/// through invisible groups and parentheses.
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        Type::Group(group) => last_segment(&group.elem),
        Type::Paren(paren) => last_segment(&paren.elem),
        _ => None,
    }
}

/// The type arguments of a path segment (`T` and `E` of `Result<T, E>`).
fn type_args(segment: &syn::PathSegment) -> impl Iterator<Item = &Type> {
    let args = match &segment.arguments {
        PathArguments::AngleBracketed(args) => Some(&args.args),
        _ => None,
    };
    args.into_iter().flatten().filter_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

impl RouteAttr {
    /// Splits a route attribute into its path literal and the other arguments.
    fn new(attr: Attribute, cx: &Ctxt) -> Self {
        let split = |input: ParseStream| -> syn::Result<(LitStr, TokenStream)> {
            Ok((input.parse()?, input.parse()?))
        };
        let (path, rest) = match attr.parse_args_with(split) {
            Ok((path, rest)) => (Some(path), rest),
            Err(_) => {
                let name = attr
                    .path()
                    .segments
                    .last()
                    .map(|segment| segment.ident.to_string())
                    .unwrap_or_default();
                cx.spanned(
                    &attr,
                    format!("expected the route path as a string literal: `#[{name}(\"/path\")]`"),
                );
                (None, TokenStream::new())
            }
        };
        RouteAttr { attr, path, rest }
    }
}

/// The names of the parameters of a route path: `id` in `/customers/{id}`,
/// `/files/{id:\d+}` and `/static/{tail}*`.
pub(crate) fn path_params(path: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        // The name runs to `:` (a regex follows) or `}`; a regex may hold
        // braces of its own (`\d{3}`), so the segment ends at the matching `}`.
        let name_end = after.find([':', '}']).unwrap_or(after.len());
        names.push(after[..name_end].to_owned());
        let mut depth = 1usize;
        let mut end = after.len();
        for (index, c) in after.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = index + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::{
        check_link, check_scope, edit_distance, imf_fixdate, is_plain, parse_body_limit,
        parse_date, parse_rate, parse_version, path_params,
    };

    /// (count, window seconds) of a rate that must parse.
    fn quota(rate: &str) -> (u32, u64) {
        match parse_rate(rate) {
            Ok(key) => (key.count, key.window_secs),
            Err(message) => panic!("{rate}: {message}"),
        }
    }

    #[test]
    fn rates_in_every_form() {
        assert_eq!(quota("100/15m"), (100, 900));
        assert_eq!(quota("10/1m"), (10, 60));
        assert_eq!(quota("600/m"), (600, 60));
        assert_eq!(quota("5/30s"), (5, 30));
        assert_eq!(quota("1000/2h"), (1000, 7200));
        assert_eq!(quota("1/d"), (1, 86_400));
        assert_eq!(quota("4294967295/1s"), (u32::MAX, 1));
        assert_eq!(
            quota("1/213503982334601d"),
            (1, 213_503_982_334_601 * 86_400)
        );
    }

    #[test]
    fn malformed_rates_say_what_is_wrong() {
        let cases = [
            ("100/15x", "unknown window unit `x`"),
            ("0/1m", "at least 1"),
            ("100", "missing `/WINDOW`"),
            ("99999999999/1m", "more than 4294967295"),
            ("999999999999999999999999/1m", "more than 4294967295"),
            ("100/0m", "longer than zero"),
            ("100/15", "no unit"),
            ("100/", "no unit"),
            ("/1m", "is not a number"),
            ("-1/1m", "is not a number"),
            ("1/213503982334602d", "too long"),
            ("1/99999999999999999999999d", "too long"),
            ("100 / 15m", "is not a number"),
        ];
        for (rate, expected) in cases {
            match parse_rate(rate) {
                Ok(_) => panic!("{rate} parsed"),
                Err(message) => assert!(message.contains(expected), "{rate}: {message}"),
            }
        }
    }

    #[test]
    fn body_limits_in_every_unit() {
        assert_eq!(parse_body_limit("1B"), Ok(1));
        assert_eq!(parse_body_limit("2048B"), Ok(2048));
        assert_eq!(parse_body_limit("64KiB"), Ok(65_536));
        assert_eq!(parse_body_limit("500KB"), Ok(500_000));
        assert_eq!(parse_body_limit("1MiB"), Ok(1_048_576));
        assert_eq!(parse_body_limit("2MB"), Ok(2_000_000));
        assert_eq!(parse_body_limit("1024MiB"), Ok(1 << 30));
        assert_eq!(parse_body_limit("1073741824B"), Ok(1 << 30));
    }

    #[test]
    fn malformed_body_limits_say_what_is_wrong() {
        let cases = [
            ("1GiB", "unknown unit `GiB`"),
            ("1mib", "unknown unit `mib`"),
            ("1 MiB", "unknown unit ` MiB`"),
            ("1025MiB", "more than 1 GiB"),
            ("1073741825B", "more than 1 GiB"),
            ("99999999999999999999999B", "more than 1 GiB"),
            ("0KiB", "at least 1 byte"),
            ("1024", "the unit is missing"),
            ("MiB", "does not start with a number"),
            ("", "does not start with a number"),
            ("-1MiB", "does not start with a number"),
            ("1.5MiB", "unknown unit `.5MiB`"),
        ];
        for (limit, expected) in cases {
            match parse_body_limit(limit) {
                Ok(bytes) => panic!("{limit} parsed as {bytes}"),
                Err(message) => assert!(message.contains(expected), "{limit}: {message}"),
            }
        }
    }

    #[test]
    fn versions() {
        for ok in ["v0", "v1", "v2", "v10", "v123"] {
            assert!(parse_version(ok).is_ok(), "{ok}");
        }
        for bad in [
            "one", "v", "1", "V1", "v01", "v00", "v1.0", "v-1", "", "v1 ",
        ] {
            assert!(parse_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_become_unix_days_and_imf_fixdates() {
        assert_eq!(parse_date("1970-01-01", "since"), Ok(0));
        assert_eq!(
            parse_date("2026-01-01", "since").map(|d| d * 86_400),
            Ok(1_767_225_600)
        );
        let sunset = parse_date("2027-12-31", "sunset").unwrap_or_default();
        assert_eq!(sunset * 86_400, 1_830_211_200);
        assert_eq!(
            imf_fixdate("2027-12-31", sunset),
            "Fri, 31 Dec 2027 00:00:00 GMT"
        );
        let leap = parse_date("2024-02-29", "since").unwrap_or_default();
        assert_eq!(
            imf_fixdate("2024-02-29", leap),
            "Thu, 29 Feb 2024 00:00:00 GMT"
        );
        assert_eq!(parse_date("2000-03-01", "since"), Ok(11_017));
        for (bad, why) in [
            ("2026-02-30", "February 2026 has 28 days"),
            ("2023-02-29", "February 2023 has 28 days"),
            ("2100-02-29", "February 2100 has 28 days"),
            ("2026-13-01", "no month 13"),
            ("2026-04-31", "April 2026 has 30 days"),
            ("1969-12-31", "from 1970 to 9999"),
            ("2026-1-01", "YYYY-MM-DD"),
            ("26-01-01", "YYYY-MM-DD"),
            ("2026/01/01", "YYYY-MM-DD"),
            ("", "YYYY-MM-DD"),
        ] {
            match parse_date(bad, "since") {
                Ok(days) => panic!("{bad} parsed as {days}"),
                Err(message) => assert!(message.contains(why), "{bad}: {message}"),
            }
        }
    }

    #[test]
    fn links_are_absolute_https_urls() {
        for ok in [
            "https://docs.example.com",
            "https://docs.customer-api.test/migrate-v1",
            "https://[::1]:8443/x?y=1#z",
            "https://example.com/%20",
        ] {
            assert_eq!(check_link(ok, "link"), Ok(()), "{ok}");
        }
        for bad in [
            "http://docs.example.com",
            "https://",
            "https:///path",
            "https://exa mple.com",
            "https://example.com/<x>",
            "docs.example.com",
            "/relative",
        ] {
            assert!(check_link(bad, "link").is_err(), "{bad}");
        }
    }

    #[test]
    fn path_parameters_in_every_form() {
        assert_eq!(path_params("/customers/{id}"), ["id"]);
        assert_eq!(path_params("/a/{x}/b/{y}"), ["x", "y"]);
        assert_eq!(path_params(r"/files/{id:\d{3}}/{rest}"), ["id", "rest"]);
        assert_eq!(path_params("/static/{tail}*"), ["tail"]);
        assert!(path_params("/").is_empty());
        assert!(path_params("/plain/path").is_empty());
    }

    /// Whether `ty` parses and is plain data.
    fn plain(ty: &str) -> bool {
        match syn::parse_str::<syn::Type>(ty) {
            Ok(ty) => is_plain(&ty),
            Err(error) => panic!("{ty}: {error}"),
        }
    }

    #[test]
    fn plain_data_and_structs() {
        for ty in [
            "u64",
            "String",
            "std::string::String",
            "uuid::Uuid",
            "(String, u32)",
            "()",
            "Vec<String>",
            "Option<Vec<u8>>",
            "HashMap<String, u32>",
            "std::collections::BTreeMap<String, (u8, bool)>",
            "[u8; 4]",
        ] {
            assert!(plain(ty), "{ty}");
        }
        for ty in [
            "NewCustomer",
            "models::NewCustomer",
            "serde_json::Value",
            "Value",
            "Vec<Item>",
            "Option<Address>",
            "HashMap<String, Item>",
            "(String, Item)",
            "String<X>",
            "Cow<'static, str>",
        ] {
            assert!(!plain(ty), "{ty}");
        }
    }

    #[test]
    fn scopes_are_scope_tokens() {
        for ok in [
            "customers:read",
            "openid",
            "a",
            "https://api.example.com/read",
            "!#$%&'()*+,-./[]^_`{|}~",
        ] {
            assert_eq!(check_scope(ok, "scope"), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("", "empty scope"),
            ("customers read", "a space"),
            ("a\"b", "`\"`"),
            ("a\\b", "`\\`"),
            ("a\tb", "control character"),
            ("\u{7f}", "control character"),
            ("café", "non-ASCII character `é`"),
        ] {
            match check_scope(bad, "scope") {
                Ok(()) => panic!("{bad:?} passed"),
                Err(message) => assert!(message.contains(why), "{bad:?}: {message}"),
            }
        }
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("rol", "role"), 1);
        assert_eq!(edit_distance("role", "roles"), 1);
        assert_eq!(edit_distance("rate", "rate"), 0);
        assert_eq!(edit_distance("verison", "version"), 2);
    }
}
