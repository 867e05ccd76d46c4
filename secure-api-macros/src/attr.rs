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
    Attribute, FnArg, GenericArgument, Ident, Item, ItemFn, LitStr, Meta, MetaList, Pat,
    PathArguments, ReturnType, Token, Type,
};

use crate::attr_parsing::{RoleName, closest, int_value, list, role_name, string_value};
use crate::ctxt::Ctxt;
use crate::grammar::{
    Rate, check_link, check_scope, parse_body_limit, parse_date, parse_rate, parse_version,
};

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
    pub(crate) rate: Option<Rate>,
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

#[cfg(test)]
mod tests {
    use super::is_plain;

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
}
