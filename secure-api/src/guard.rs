//! The checks of a `#[secure]` handler, run in the contract's order before
//! any argument extractor (and so before the body is read): credential in
//! the URL, authentication, rate limit, authorization (role, then
//! ownership). A request stops at the first check that fails.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use actix_web::web::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, Responder};

use crate::__private::Policy;
use crate::auth::rejection::Rejection;
use crate::auth::{self, Principal};
use crate::authz::Access;
use crate::headers::SecurityState;
use crate::rate_limit::RateKey;
use crate::rate_limit::client_ip::client_ip;
use crate::validation::BodyLimit;

/// Query parameter names that carry credentials, compared
/// case-insensitively (RFC 6750 §2.3 and §5.3: bearer tokens must not be in
/// URLs, where logs and `Referer` leak them).
pub(crate) const CREDENTIAL_PARAMS: [&str; 6] = [
    "access_token",
    "token",
    "api_key",
    "apikey",
    "jwt",
    "id_token",
];

/// See [`crate::__private::handle`].
pub(crate) async fn handle<Args, F, Fut>(
    policy: &'static Policy,
    req: HttpRequest,
    payload: Payload,
    handler: F,
) -> HttpResponse
where
    Args: FromRequest,
    F: FnOnce(Args) -> Fut,
    Fut: Future,
    Fut::Output: Responder,
{
    let state = req.extensions().get::<Arc<SecurityState>>().cloned();
    let Some(state) = state else {
        tracing::error!(
            target: "secure_api::config",
            handler = policy.handler,
            "the secure_api::Security middleware is not installed on this App; refusing the request"
        );
        return Rejection::NotConfigured.problem("").to_response();
    };
    match check(policy, &req, &state) {
        Ok(Some(principal)) => {
            req.extensions_mut().insert(principal);
        }
        Ok(None) => {}
        Err(rejection) => {
            tracing::warn!(
                target: "secure_api::security",
                route = policy.route,
                rejection = ?rejection,
                "request rejected"
            );
            return rejection.problem(state.config.realm()).to_response();
        }
    }
    req.extensions_mut().insert(BodyLimit(policy.body_limit));
    let mut payload = payload.into_inner();
    let args = match Args::from_request(&req, &mut payload).await {
        Ok(args) => args,
        // The Security middleware turns a plain-text error body into problem+json.
        Err(err) => return err.into().error_response(),
    };
    handler(args).await.respond_to(&req).map_into_boxed_body()
}

/// Runs the checks; the principal when the route authenticates.
fn check(
    policy: &Policy,
    req: &HttpRequest,
    state: &SecurityState,
) -> Result<Option<Principal>, Rejection> {
    if has_credential_in_query(req.query_string()) {
        return Err(Rejection::CredentialInUrl);
    }
    let principal = match policy.access {
        Access::Public => None,
        Access::AnyOf(_) | Access::AllOf(_) => Some(auth::authenticate(req, &state.config)?),
    };
    if let Some(quota) = policy.rate {
        let key = match &principal {
            Some(p) => RateKey::Principal(p.subject().to_owned()),
            None => RateKey::Ip(
                client_ip(req, state.config.trusted_proxies())
                    .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            ),
        };
        state
            .limiters
            .check(policy.handler, quota, &key)
            .map_err(|retry_after| Rejection::RateLimited { retry_after })?;
    }
    if let Some(p) = &principal {
        if !policy.access.allows(p) {
            return Err(Rejection::InsufficientRole);
        }
        if let Some(owner) = policy.owner
            && !owner.allows(p, req.match_info().get(owner.param))
        {
            return Err(Rejection::NotOwner);
        }
    }
    Ok(principal)
}

/// Whether the query string names a credential parameter (after
/// percent-decoding, case-insensitively).
pub(crate) fn has_credential_in_query(query: &str) -> bool {
    form_urlencoded::parse(query.as_bytes()).any(|(name, _)| {
        CREDENTIAL_PARAMS
            .iter()
            .any(|c| name.trim().eq_ignore_ascii_case(c))
    })
}

#[cfg(test)]
mod tests {
    use super::has_credential_in_query;

    #[test]
    fn credential_parameters_are_found_in_any_spelling() {
        assert!(has_credential_in_query("access_token=x"));
        assert!(has_credential_in_query("limit=5&API_KEY=x"));
        assert!(has_credential_in_query("acc%65ss_token=x"));
        assert!(has_credential_in_query("jwt"));
        assert!(!has_credential_in_query("limit=5&tokens=3"));
        assert!(!has_credential_in_query(""));
    }
}
