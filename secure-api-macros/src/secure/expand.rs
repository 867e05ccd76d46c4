//! Code generation for `#[secure]`.
//!
//! The handler `async fn name(args..) -> R { body }` becomes a unit struct
//! `name` implementing actix-web's `HttpServiceFactory`, like the one
//! actix-web's route macros make. Its `register` holds the policy and the
//! route as `static`s and an actix-web handler
//! `async fn name(HttpRequest, Payload) -> HttpResponse`, under
//! the user's route attribute (`#[get]` becomes `#[route]` with `GET` and
//! `HEAD`, so that HEAD is authorised exactly like GET, RFC 9110 §9.3.2).
//! That handler holds the user's function renamed `__secure_handler` and one
//! call to `::secure_api::__private::handle`, which checks the policy before
//! it extracts the arguments and calls the user's function. `register`
//! records the route (for 405 answers) and registers the handler. Generated
//! code names nothing but `::secure_api::__private` and the
//! `crate::__secure_api_role!` macro that `roles!` defines.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Ident, LitStr};

use crate::attr_parsing::RoleName;
use crate::grammar::{SECS_PER_DAY, imf_fixdate};
use crate::tokens::role_expr;

use super::attr::{
    AcceptedCredentials, Combinator, DateValue, RateKeyKind, Replay, Requirement, Secure,
    SecureArgs, StoreFailure,
};
use super::handler::{Handler, Response, RouteAttr, Target};

/// The expansion of a checked `#[secure]`. An error only when the checks
/// let through what cannot be expanded (unreachable).
pub(crate) fn expand(secure: &Secure) -> syn::Result<TokenStream> {
    match (&secure.args, &secure.target) {
        (Some(args), Some(Target::Handler(handler))) => expand_handler(args, handler),
        // Unreachable: the checks record an error for every other case.
        _ => Err(syn::Error::new(
            Span::call_site(),
            "`#[secure]` could not read this item",
        )),
    }
}

/// The expansion of a checked handler.
fn expand_handler(args: &SecureArgs, handler: &Handler) -> syn::Result<TokenStream> {
    let [route] = handler.routes.as_slice() else {
        return Err(syn::Error::new(
            Span::call_site(),
            "`#[secure]` needs exactly one route attribute",
        ));
    };
    let Some(path) = &route.path else {
        return Err(syn::Error::new_spanned(
            &route.attr,
            "expected the route path as a string literal",
        ));
    };
    let served = LitStr::new(
        &served_path(&path.value(), args.version.as_ref().map(|v| v.lit.value())),
        path.span(),
    );

    let item = &handler.item;
    let vis = &item.vis;
    let name = &item.sig.ident;
    let name_str = name.unraw().to_string();
    let outer_attrs = &handler.outer_attrs;
    let cfg_attrs = outer_attrs
        .iter()
        .filter(|attr| attr.path().is_ident("cfg"));
    let inner_attrs = &handler.inner_attrs;

    // The route attribute, its path rewritten when a version prefixes it,
    // `#[get]` made `#[route]` for GET and HEAD, and the resource named
    // after the handler (as actix-web does) unless it names itself.
    let form = RouteForm::of(route, &name_str);
    let route_attr = form.attribute(route, &served);
    let resource_name = &form.resource_name;
    let methods = &form.methods;

    // The user's function, renamed, with its own signature and body.
    let inner = Ident::new("__secure_handler", Span::call_site());
    let mut sig = item.sig.clone();
    sig.ident = inner.clone();
    let block = &item.block;

    let policy = policy(args, &name_str, &served);

    // `|(a0, a1,): (T0, T1,)| __secure_handler(a0, a1)`: actix-web extracts
    // the tuple `(T0, T1,)` and the closure spreads it into the arguments.
    // A request input `Json<T>` is extracted as `Validated<Json<T>>` (or
    // `Unvalidated<..>`, when named in `unvalidated` or when `T` is plain
    // data with no rules) and passed on unwrapped. `Validated` is named
    // through `<T as Input>::Extractor`, spanning the user's `T`: a `T`
    // without `Input` is reported there, and only there (the type cannot be
    // resolved, so rustc reports nothing more about it).
    let unvalidated = |name: Option<&Ident>| {
        let mut names = args.unvalidated.iter().flat_map(|key| &key.names);
        name.is_some_and(|name| names.any(|n| n.unraw() == name.unraw()))
    };
    let mut extracted_types = Vec::new();
    let mut passed = Vec::new();
    let mut probes = Vec::new();
    for (index, arg) in handler.args().enumerate() {
        let ty = &arg.arg.ty;
        let var = format_ident!("__secure_a{}", index);
        match arg.input {
            Some(input) if input.plain || unvalidated(arg.name) => {
                extracted_types.push(quote! { ::secure_api::__private::Unvalidated<#ty> });
                passed.push(quote! { #var.0 });
            }
            Some(input) => {
                let (open, close) = edge_spans(input.inner);
                let inner = input.inner;
                let open =
                    quote_spanned! {open=> <#inner as ::secure_api::__private::Input>::Extractor< };
                let close = quote_spanned! {close=> > };
                extracted_types.push(quote! { #open #ty #close });
                passed.push(quote! { #var.0 });
            }
            None => {
                let check = quote_spanned! {ty.span()=>
                    ::core::assert!(
                        !::secure_api::__private::Probe::<#ty>::UNCHECKED_INPUT,
                        "`#[secure]` cannot see that this argument is a `Json`, `Form` or `Query` extractor (a type alias or a renamed import); write it as `web::Json<T>`, `web::Form<T>` or `web::Query<T>` so it is checked, or name it in `unvalidated(...)`"
                    );
                };
                probes.push(quote! {
                    const _: () = {
                        #[allow(unused_imports)]
                        use ::secure_api::__private::ProbeFallback as _;
                        #check
                    };
                });
                extracted_types.push(quote! { #ty });
                passed.push(quote! { #var });
            }
        }
    }
    if let (Response::AsIs, syn::ReturnType::Type(_, ty)) =
        (handler.response(), &handler.item.sig.output)
        && !matches!(**ty, syn::Type::ImplTrait(_))
    {
        let check = quote_spanned! {ty.span()=>
            ::core::assert!(
                !::secure_api::__private::Probe::<#ty>::UNREDACTED_JSON,
                "this return type holds a `Json<T>` that `#[secure]` cannot redact; return `web::Json<T>`, `Result<web::Json<T>, E>` or `secure_api::Reply<T>` (with a status: `Reply::with_status`)"
            );
        };
        probes.push(quote! {
            const _: () = {
                #[allow(unused_imports)]
                use ::secure_api::__private::ProbeFallback as _;
                #check
            };
        });
    }
    let vars = (0..passed.len()).map(|index| format_ident!("__secure_a{}", index));
    let call_inner = quote! { #inner(#(#passed),*) };
    // A `Json<T>` response is answered through `Reply<T>`, which redacts it
    // for the caller. `reply::<T>` spans the user's `T`: a `T` without
    // `Redact` is reported there, and only there (`Reply`'s `Responder`
    // impl does not require `Redact` again).
    let body = match handler.response() {
        Response::Json(body) => {
            let reply = replies(body);
            quote! { async move { #reply(#call_inner.await.0) } }
        }
        Response::ResultOfJson(body) => {
            let reply = replies(body);
            quote! {
                async move {
                    #call_inner.await.map(|__secure_json| #reply(__secure_json.0))
                }
            }
        }
        Response::AsIs => call_inner,
    };
    let closure = quote! { |(#(#vars,)*): (#(#extracted_types,)*)| #body };

    // rustc checks `handle`'s bounds (`Args: FromRequest`,
    // `Fut::Output: Responder`) at the path, the call and the `.await`, each
    // time at that expression's span. Spanning all three at the handler's
    // name gives one error per mistake, on the user's handler rather than on
    // `#[secure]`; the message names the offending type.
    let call = quote_spanned! {name.span()=>
        ::secure_api::__private::handle(
            &__SECURE_POLICY,
            __secure_req,
            __secure_payload,
            #closure,
        )
        .await
    };

    Ok(quote! {
        #(#outer_attrs)*
        #[allow(non_camel_case_types, missing_docs)]
        #vis struct #name;

        #(#cfg_attrs)*
        impl ::secure_api::__private::HttpServiceFactory for #name {
            fn register(self, __secure_config: &mut ::secure_api::__private::AppService) {
                static __SECURE_POLICY: ::secure_api::__private::Policy = #policy;
                static __SECURE_ROUTE: ::secure_api::__private::Route = ::secure_api::__private::Route {
                    name: #resource_name,
                    pattern: #served,
                    methods: &[#(#methods),*],
                };

                // Named like the handler: in the user's function, nested
                // inside, the name is this function, not the unit struct
                // above, so an argument of the same name binds normally.
                #route_attr
                async fn #name(
                    __secure_req: ::secure_api::__private::HttpRequest,
                    __secure_payload: ::secure_api::__private::Payload,
                ) -> ::secure_api::__private::HttpResponse {
                    #(#inner_attrs)*
                    // Called here rather than passed to actix-web as a value, so
                    // clippy would ask to drop an `async` that actix-web requires.
                    #[allow(clippy::unused_async)]
                    #sig #block

                    #(#probes)*

                    #call
                }

                // The unit struct that actix-web's route macro made of it.
                ::secure_api::__private::register(&__SECURE_ROUTE, #name, __secure_config);
            }
        }
    })
}

/// What the route attribute says: the methods it serves and the resource's
/// name.
struct RouteForm {
    /// The attribute's macro (`get`, `route`, ...), its last path segment.
    kind: String,
    /// The methods served, upper case; `GET` comes with `HEAD`.
    methods: Vec<String>,
    /// The actix-web resource name: `name = ".."` if given, else the handler's.
    resource_name: String,
    /// Whether the attribute names the resource itself.
    named: bool,
    /// Whether `HEAD` must be added to a `#[route]` that serves `GET`.
    add_head: bool,
}

impl RouteForm {
    /// Reads the route attribute `route` of the handler `handler_name`.
    fn of(route: &RouteAttr, handler_name: &str) -> Self {
        let kind = route
            .attr
            .path()
            .segments
            .last()
            .map(|segment| segment.ident.to_string())
            .unwrap_or_default();
        // The arguments after the path: `, method = "GET", name = "x"`.
        let args = syn::parse::Parser::parse2(
            |input: syn::parse::ParseStream| {
                if input.peek(syn::Token![,]) {
                    input.parse::<syn::Token![,]>()?;
                }
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated(input)
            },
            route.rest.clone(),
        )
        .unwrap_or_default();
        let value = |meta: &syn::Meta| match meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(lit),
                        ..
                    }),
                ..
            }) => Some(lit.value()),
            _ => None,
        };
        let named_value = |key: &str| {
            args.iter()
                .filter(|meta| meta.path().is_ident(key))
                .filter_map(value)
                .collect::<Vec<_>>()
        };
        let resource_name = named_value("name").into_iter().next();
        let mut methods = match kind.as_str() {
            "get" => vec!["GET".to_owned(), "HEAD".to_owned()],
            "route" => named_value("method")
                .into_iter()
                .map(|m| m.to_ascii_uppercase())
                .collect(),
            other => vec![other.to_ascii_uppercase()],
        };
        let add_head = kind == "route"
            && methods.iter().any(|m| m == "GET")
            && !methods.iter().any(|m| m == "HEAD");
        if add_head {
            methods.push("HEAD".to_owned());
        }
        Self {
            kind,
            methods,
            named: resource_name.is_some(),
            resource_name: resource_name.unwrap_or_else(|| handler_name.to_owned()),
            add_head,
        }
    }

    /// The route attribute to emit, serving `served`.
    fn attribute(&self, route: &RouteAttr, served: &LitStr) -> TokenStream {
        // The other arguments, without a trailing comma.
        let mut rest: Vec<proc_macro2::TokenTree> = route.rest.clone().into_iter().collect();
        if matches!(rest.last(), Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == ',') {
            rest.pop();
        }
        let name = (!self.named).then(|| {
            let name = &self.resource_name;
            quote! { , name = #name }
        });
        let head = self.add_head.then(|| quote! { , method = "HEAD" });
        if self.kind == "get" {
            // The user's `get` stays in use (no unused-import warning).
            let attr_path = route.attr.path();
            quote! {
                #[allow(unused_imports)]
                use #attr_path as _;
                #[::secure_api::__private::route(#served, method = "GET", method = "HEAD" #(#rest)* #name)]
            }
        } else {
            let attr_path = route.attr.path();
            quote! { #[#attr_path(#served #(#rest)* #head #name)] }
        }
    }
}

/// `::secure_api::__private::reply::<T>`, spanning the user's `T`.
fn replies(ty: &syn::Type) -> TokenStream {
    let (open, close) = edge_spans(ty);
    let open = quote_spanned! {open=> ::secure_api::__private::reply::<#ty };
    let close = quote_spanned! {close=> > };
    quote! { #open #close }
}

/// The spans of the first and last tokens of `ty`. Generated code that
/// starts at the first and ends at the last spans all of `ty` in rustc's
/// messages (a `quote_spanned!` at `ty.span()` spans its first token only).
fn edge_spans(ty: &syn::Type) -> (Span, Span) {
    let mut tokens = quote::ToTokens::to_token_stream(ty).into_iter();
    let first = tokens
        .next()
        .map_or_else(Span::call_site, |token| token.span());
    let last = tokens.last().map_or(first, |token| token.span());
    (first, last)
}

/// The route as served: `/v1` + `path` with a version, else `path` itself.
fn served_path(path: &str, version: Option<String>) -> String {
    match version {
        None => path.to_owned(),
        Some(version) if path.is_empty() || path == "/" => format!("/{version}"),
        Some(version) if path.starts_with('/') => format!("/{version}{path}"),
        Some(version) => format!("/{version}/{path}"),
    }
}

/// The `Policy { .. }` value of a handler.
fn policy(args: &SecureArgs, name: &str, served: &LitStr) -> TokenStream {
    let access = match (&args.public, &args.roles, &args.scopes) {
        (Some(_), _, _) => quote! { ::secure_api::__private::Access::Public },
        (None, Some(roles), _) => roles_access(roles),
        (None, None, Some(_)) => quote! { ::secure_api::__private::Access::Authenticated },
        // Unreachable after the checks; denying everyone is the safe answer.
        (None, None, None) => quote! { ::secure_api::__private::Access::AllOf(&[]) },
    };
    let auth = match args.auth.unwrap_or(AcceptedCredentials::Jwt) {
        AcceptedCredentials::Jwt => quote! { ::secure_api::__private::AcceptedCredentials::Jwt },
        AcceptedCredentials::ApiKey => {
            quote! { ::secure_api::__private::AcceptedCredentials::ApiKey }
        }
        AcceptedCredentials::Any => quote! { ::secure_api::__private::AcceptedCredentials::Any },
    };
    let api_key_access = match &args.api_key_roles {
        Some(roles) => {
            let access = roles_access(roles);
            quote! { ::core::option::Option::Some(#access) }
        }
        None => quote! { ::core::option::Option::None },
    };
    let scopes = match &args.scopes {
        Some(scopes) => any_or_all(
            quote! { ::secure_api::__private::Scopes },
            scopes,
            |scope| scope.lit.to_token_stream(),
        ),
        None => quote! { ::secure_api::__private::Scopes::None },
    };
    let replay = match args.replay {
        Some(Replay::OncePerJti) => quote! { ::secure_api::__private::Replay::OncePerJti },
        None => quote! { ::secure_api::__private::Replay::Allowed },
    };
    let owner = match &args.owner {
        Some(owner) => {
            let param = &owner.param;
            let unless = match &owner.unless {
                Some(role) => {
                    let role = role_expr(role);
                    quote! { ::core::option::Option::Some(#role) }
                }
                None => quote! { ::core::option::Option::None },
            };
            quote! {
                ::core::option::Option::Some(::secure_api::__private::Owner { param: #param, unless: #unless })
            }
        }
        None => quote! { ::core::option::Option::None },
    };
    let rate = match &args.rate {
        Some(rate) => {
            let count = proc_macro2::Literal::u32_unsuffixed(rate.count);
            let window_secs = proc_macro2::Literal::u64_unsuffixed(rate.window_secs);
            let burst = proc_macro2::Literal::u32_unsuffixed(args.burst.unwrap_or(rate.count));
            quote! { ::core::option::Option::Some(::secure_api::__private::Quota::__new(#count, #window_secs, #burst)) }
        }
        None => quote! { ::core::option::Option::None },
    };
    let on_store_error = match &args.on_store_error {
        Some((StoreFailure::Allow, _)) => quote! { ::secure_api::__private::StoreFailure::Allow },
        Some((StoreFailure::Refuse, _)) | None => {
            quote! { ::secure_api::__private::StoreFailure::Refuse }
        }
    };
    let rate_key = match &args.rate_key {
        Some(RateKeyKind::Ip) => quote! { ::secure_api::__private::RateKeyKind::Ip },
        Some(RateKeyKind::Principal) => {
            quote! { ::secure_api::__private::RateKeyKind::Principal }
        }
        None => quote! { ::secure_api::__private::RateKeyKind::Auto },
    };
    let body_limit = match &args.body_limit {
        Some(limit) => {
            let bytes = proc_macro2::Literal::u64_unsuffixed(limit.bytes);
            quote! { #bytes }
        }
        None => quote! { ::secure_api::__private::DEFAULT_BODY_LIMIT },
    };
    let deprecation = match &args.deprecated {
        Some(deprecated) => {
            let seconds = |date: &DateValue| {
                proc_macro2::Literal::i64_unsuffixed(date.days * SECS_PER_DAY as i64)
            };
            let some_str = |lit: Option<&LitStr>| match lit {
                Some(lit) => quote! { ::core::option::Option::Some(#lit) },
                None => quote! { ::core::option::Option::None },
            };
            let since = seconds(&deprecated.since);
            let sunset = match &deprecated.sunset {
                Some(sunset) => {
                    let at = seconds(sunset);
                    let http_date = imf_fixdate(&sunset.lit.value(), sunset.days);
                    quote! {
                        ::core::option::Option::Some(::secure_api::__private::Sunset { at: #at, http_date: #http_date })
                    }
                }
                None => quote! { ::core::option::Option::None },
            };
            let link = some_str(deprecated.link.as_ref());
            let sunset_link = some_str(deprecated.sunset_link.as_ref());
            quote! {
                ::core::option::Option::Some(::secure_api::__private::Deprecation {
                    since: #since,
                    sunset: #sunset,
                    link: #link,
                    sunset_link: #sunset_link,
                })
            }
        }
        None => quote! { ::core::option::Option::None },
    };
    quote! {
        ::secure_api::__private::Policy {
            handler: ::core::concat!(::core::module_path!(), "::", #name),
            route: #served,
            access: #access,
            auth: #auth,
            api_key_access: #api_key_access,
            scopes: #scopes,
            replay: #replay,
            owner: #owner,
            rate: #rate,
            rate_key: #rate_key,
            body_limit: #body_limit,
            deprecation: #deprecation,
            on_store_error: #on_store_error,
        }
    }
}

/// The `Access` value of a role requirement: `Access::AnyOf(&[..])` or
/// `Access::AllOf(&[..])` of `Role` constants.
fn roles_access(roles: &Requirement<RoleName>) -> TokenStream {
    any_or_all(quote! { ::secure_api::__private::Access }, roles, role_expr)
}

/// `#ty::AnyOf(&[..])` or `#ty::AllOf(&[..])`, the variant the
/// requirement's combinator names, holding `item` of each of its items.
fn any_or_all<T>(
    ty: TokenStream,
    requirement: &Requirement<T>,
    item: impl Fn(&T) -> TokenStream,
) -> TokenStream {
    let items = requirement.items.iter().map(item);
    match requirement.combinator {
        Combinator::Any => quote! { #ty::AnyOf(&[#(#items),*]) },
        Combinator::All => quote! { #ty::AllOf(&[#(#items),*]) },
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::{Span, TokenStream};
    use syn::LitStr;

    use super::policy;
    use crate::ctxt::Ctxt;
    use crate::secure::attr::SecureArgs;

    /// The `Policy` of `#[secure(args)]` as a string, without spaces nor
    /// the prefixes `::secure_api::__private::` and `::core::option::Option::`.
    fn policy_of(args: &str) -> String {
        let tokens: TokenStream = match args.parse() {
            Ok(tokens) => tokens,
            Err(error) => panic!("{args}: {error}"),
        };
        let cx = Ctxt::new();
        let parsed = SecureArgs::parse(tokens, &cx);
        if let Err(error) = cx.check() {
            panic!("{args}: {error}");
        }
        let Some(parsed) = parsed else {
            panic!("{args}: not parsed");
        };
        let served = LitStr::new("/r", Span::call_site());
        policy(&parsed, "h", &served)
            .to_string()
            .replace(' ', "")
            .replace("::secure_api::__private::", "")
            .replace("::core::option::Option::", "")
    }

    /// Asserts that the policy of `args` holds each of `fields`.
    fn assert_policy(args: &str, fields: &[&str]) {
        let policy = policy_of(args);
        for field in fields {
            assert!(policy.contains(field), "{args}: no `{field}` in {policy}");
        }
    }

    #[test]
    fn defaults_are_jwt_without_scopes_nor_replay() {
        assert_policy(
            r#"role = "viewer""#,
            &[
                "auth:AcceptedCredentials::Jwt,",
                "api_key_access:None,",
                "scopes:Scopes::None,",
                "replay:Replay::Allowed,",
            ],
        );
    }

    #[test]
    fn accepted_credentials() {
        for (auth, expected) in [("jwt", "Jwt"), ("api_key", "ApiKey"), ("any", "Any")] {
            assert_policy(
                &format!(r#"auth = "{auth}", role = "viewer""#),
                &[&format!("auth:AcceptedCredentials::{expected},")],
            );
        }
    }

    #[test]
    fn scopes_alone_admit_any_authenticated_caller() {
        assert_policy(
            r#"scope = "customers:read""#,
            &[
                "access:Access::Authenticated,",
                r#"scopes:Scopes::AnyOf(&["customers:read"]),"#,
            ],
        );
        assert_policy(
            r#"scopes(all("a", "b"))"#,
            &[r#"scopes:Scopes::AllOf(&["a","b"]),"#],
        );
        assert_policy(
            r#"role = "viewer", scopes(any("a", "b"))"#,
            &[
                r#"access:Access::AnyOf(&[crate::__secure_api_role!("viewer")]),"#,
                r#"scopes:Scopes::AnyOf(&["a","b"]),"#,
            ],
        );
    }

    #[test]
    fn api_key_roles_are_checked_like_roles() {
        assert_policy(
            r#"auth = "any", role = "viewer", api_key_role = "reporting""#,
            &[
                r#"access:Access::AnyOf(&[crate::__secure_api_role!("viewer")]),"#,
                r#"api_key_access:Some(Access::AnyOf(&[crate::__secure_api_role!("reporting")])),"#,
            ],
        );
        assert_policy(
            r#"auth = "any", scope = "s", api_key_roles(all("reporting", "viewer"))"#,
            &[
                r#"api_key_access:Some(Access::AllOf(&[crate::__secure_api_role!("reporting"),crate::__secure_api_role!("viewer")])),"#,
            ],
        );
    }

    #[test]
    fn replay_once_per_jti() {
        assert_policy(
            r#"role = "editor", replay = "jti""#,
            &["replay:Replay::OncePerJti,"],
        );
    }
}
