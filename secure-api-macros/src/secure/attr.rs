//! Parsing: `#[secure(...)]` and the handler it is written on (see
//! `handler.rs`), into a typed model that keeps the user's tokens next to
//! each parsed value.
//!
//! Parsing checks each value on its own (a rate is `COUNT/WINDOW`, a version
//! is `v1`, with the grammar of `crate::grammar`); rules that relate keys to
//! each other or to the function live in `check.rs`. Every problem is
//! recorded in the [`Ctxt`] and parsing goes on, so one build reports every
//! mistake.

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Meta, MetaList, Token};

use crate::attr_parsing::{RoleName, closest, int_value, list, role_name, string_value};
use crate::ctxt::Ctxt;
use crate::grammar::{
    Rate, check_link, check_scope, parse_body_limit, parse_date, parse_rate, parse_version,
};

use super::handler::Target;

/// `#[secure(...)]` and the item it is written on: the model that the rules
/// check and the expansion reads. Either half is `None` when it did not even
/// parse (the syntax error is recorded).
pub(crate) struct Secure {
    /// The attribute's arguments.
    pub(crate) args: Option<SecureArgs>,
    /// The item, a handler or not.
    pub(crate) target: Option<Target>,
}

/// Parses the attribute's arguments, then the item, recording the errors of
/// each in that order.
pub(crate) fn parse(cx: &Ctxt, args: TokenStream, item: TokenStream) -> Secure {
    let args = SecureArgs::parse(args, cx);
    let target = Target::parse(item, cx);
    Secure { args, target }
}

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
    "on_store_error",
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
    pub(crate) auth: Option<AcceptedCredentials>,
    /// `api_key_role = "reporting"`, `api_key_roles(any(..))` or
    /// `api_key_roles(all(..))`: who may call with an API key, when that
    /// differs from `roles`.
    pub(crate) api_key_roles: Option<Requirement<RoleName>>,
    /// `replay = "jti"`.
    pub(crate) replay: Option<Replay>,
    /// `owner(param = "id", unless = "editor")`.
    pub(crate) owner: Option<OwnerKey>,
    /// `rate = "100/15m"`.
    pub(crate) rate: Option<Rate>,
    /// `burst = 50`: requests admitted at once, overriding the rate's count.
    pub(crate) burst: Option<u32>,
    /// `rate_key = "ip" | "principal"`.
    pub(crate) rate_key: Option<RateKeyKind>,
    /// `version = "v1"`.
    pub(crate) version: Option<VersionKey>,
    /// `on_store_error = "refuse" | "allow"`, with the literal for spans.
    pub(crate) on_store_error: Option<(StoreFailure, LitStr)>,
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

/// `auth = ".."`: which credentials the route accepts, as the runtime's
/// `AcceptedCredentials` of the generated `Policy`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum AcceptedCredentials {
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

/// `on_store_error = ".."`: what the route does while the shared state
/// store cannot be reached.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum StoreFailure {
    /// `"refuse"`, the default: 503 (fail closed).
    Refuse,
    /// `"allow"`: skip the checks that need the store (fail open).
    Allow,
}

/// `owner(param = "id", unless = "editor")`.
pub(crate) struct OwnerKey {
    /// The `param` literal: the route path parameter holding the owner's id.
    pub(crate) param: LitStr,
    /// The role that may act on any object, if any.
    pub(crate) unless: Option<RoleName>,
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
    /// The largest request body accepted, in bytes: from 1 to [`MAX_BODY_LIMIT`](crate::grammar::MAX_BODY_LIMIT).
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
                        "jwt" => Some(AcceptedCredentials::Jwt),
                        "api_key" => Some(AcceptedCredentials::ApiKey),
                        "any" => Some(AcceptedCredentials::Any),
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
            "on_store_error" => {
                let failure = string_value(meta, "on_store_error = \"allow\"", cx).and_then(|lit| {
                    match lit.value().as_str() {
                        "refuse" => Some((StoreFailure::Refuse, lit)),
                        "allow" => Some((StoreFailure::Allow, lit)),
                        other => {
                            cx.spanned(&lit, format!("invalid `on_store_error` \"{other}\"; expected \"refuse\" (503 while the shared store is down, the default) or \"allow\" (skip the quota and lock-out checks while it is down: fail open)"));
                            None
                        }
                    }
                });
                self.on_store_error = self.on_store_error.take().or(failure);
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
    if let Some(close) = closest(key, KEYS) {
        message = format!("{message} (did you mean `{close}`?)");
    }
    message
}

/// The accepted form of `unvalidated`, for messages.
const UNVALIDATED_FORM: &str = "the names of handler arguments: `unvalidated(body)`";

/// The accepted forms of `owner`, for messages.
const OWNER_FORM: &str = "`owner(param = \"id\")` or `owner(param = \"id\", unless = \"admin\")`";

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
