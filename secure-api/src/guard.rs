//! The checks of a `#[secure]` handler, run before any argument extractor
//! (and so before the body is read), in the order of the crate
//! documentation ([`crate`]): authentication, rate limit, authorization
//! (role, scopes, then ownership), after the middleware's checks before
//! routing. A request stops at the first check that fails.
//!
//! Layer 4: reads the [`Policy`] and the [`SecurityState`] of the request;
//! every refusal is a [`Rejection`].
//!
//! On a `replay = "jti"` route the token's `jti` is spent last, once the
//! arguments (the body included) have been extracted and just before the
//! handler runs, so a request refused by any other check (429, 403, 422)
//! leaves the token usable for a corrected retry.

use std::future::Future;
use std::net::IpAddr;
use std::panic::AssertUnwindSafe;

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderName;
use actix_web::web::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, Responder};
use futures_util::FutureExt;

use crate::audit::{note_principal, note_rejection};
use crate::auth::bearer::presents_credentials;
use crate::auth::{self, AuthMethod, Principal};
use crate::authz::Access;
use crate::client_ip::client_bucket;
use crate::middleware::lockout_unknown;
use crate::policy::{Policy, Replay, StoreFailure};
use crate::problem::Problem;
use crate::rate_limit::quota::{BucketKey, Charge, Quota, RateKeyKind};
use crate::rejection::Rejection;
use crate::state::SecurityState;
use crate::store::StoreError;
use crate::validation::BodyLimit;

/// Runs the checks of `policy` on `req`, then extracts the handler's
/// arguments and calls it (see `__private::handle`).
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
    let Some(state) = SecurityState::of(&req) else {
        tracing::error!(
            target: "secure_api::config",
            handler = policy.handler,
            "the secure_api::Security middleware is not installed on this App; refusing the request"
        );
        return Rejection::NotConfigured.problem("").to_response();
    };
    let mut charged = None;
    let ip = client_bucket(&req, state.config.limits().ipv6_prefix_len);
    let principal = match check(policy, &req, &state, ip, &mut charged).await {
        Ok(principal) => principal,
        Err(rejection) => return refuse(&req, policy, &state, rejection, charged),
    };
    // The principal is in the request's extensions already (noted for the
    // audit trail once authenticated), for the handler's `Principal`.
    req.extensions_mut().insert(BodyLimit(policy.body_limit));
    let mut payload = payload.into_inner();
    let mut res = match Args::from_request(&req, &mut payload).await {
        Ok(args) => {
            if let (Replay::OncePerJti, Some(p)) = (policy.replay, &principal)
                && let Err(rejection) = spend_jti(&state, p, ip).await
            {
                return refuse(&req, policy, &state, rejection, charged);
            }
            // A panicking handler answers 500 (and is audited as an
            // error) instead of dropping the connection unanswered.
            match AssertUnwindSafe(handler(args)).catch_unwind().await {
                Ok(output) => output.respond_to(&req).map_into_boxed_body(),
                Err(_) => {
                    tracing::error!(
                        target: "secure_api::handler",
                        route = policy.route,
                        "the handler panicked; answering 500"
                    );
                    Problem::for_status(StatusCode::INTERNAL_SERVER_ERROR).to_response()
                }
            }
        }
        // The Security middleware turns a plain-text error body into problem+json.
        Err(err) => err.into().error_response(),
    };
    set_rate_headers(&mut res, policy.rate, charged);
    res
}

/// Spends the `jti` of `principal`'s token; a replay counts as a failed
/// authentication of `ip`.
async fn spend_jti(
    state: &SecurityState,
    principal: &Principal,
    ip: IpAddr,
) -> Result<(), Rejection> {
    let leeway = state.config.authenticator().verifier().leeway();
    let result = auth::spend_jti(state.store.as_ref(), principal, leeway).await;
    if matches!(
        result,
        Err(Rejection::ReplayedToken | Rejection::InvalidToken)
    ) && state.store.record_failure(ip).await?
    {
        warn_locked_out(ip);
    }
    result
}

/// The answer to a refused request: its problem+json, with the route's
/// rate-limit headers.
fn refuse(
    req: &HttpRequest,
    policy: &Policy,
    state: &SecurityState,
    rejection: Rejection,
    charged: Option<Charge>,
) -> HttpResponse {
    note_rejection(req, rejection);
    tracing::warn!(
        target: "secure_api::security",
        route = policy.route,
        rejection = ?rejection,
        "request rejected"
    );
    let mut res = rejection.problem(state.config.realm()).to_response();
    set_rate_headers(&mut res, policy.rate, charged);
    res
}

/// The `RateLimit-Policy` field (draft-ietf-httpapi-ratelimit-headers §5.1).
const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
/// The `RateLimit` field (draft-ietf-httpapi-ratelimit-headers §5.2).
const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// `RateLimit-Policy` on every response of a rate-limited route, and
/// `RateLimit` once the request was charged to a bucket
/// (draft-ietf-httpapi-ratelimit-headers).
fn set_rate_headers(res: &mut HttpResponse, quota: Option<Quota>, charged: Option<Charge>) {
    let headers = res.headers_mut();
    if let Some(v) = quota.and_then(|q| q.policy_header_value()) {
        headers.insert(RATELIMIT_POLICY, v);
    }
    if let Some(v) = charged.and_then(|c| c.header_value()) {
        headers.insert(RATELIMIT, v);
    }
}

/// Runs the checks after the middleware's (credentials in the URL, the
/// failed-authentication lock-out); the principal when the route
/// authenticates. `charged` is set once the request has been charged to a
/// bucket.
async fn check(
    policy: &Policy,
    req: &HttpRequest,
    state: &SecurityState,
    ip: IpAddr,
    charged: &mut Option<Charge>,
) -> Result<Option<Principal>, Rejection> {
    if policy.on_store_error == StoreFailure::Refuse && lockout_unknown(req) {
        return Err(Rejection::StoreUnavailable);
    }
    let principal = match policy.access {
        Access::Public => None,
        Access::AnyOf(_) | Access::AllOf(_) | Access::Authenticated => {
            Some(authenticate(policy, req, state, ip).await?)
        }
    };
    note_principal(req, principal.as_ref());
    if let Some(quota) = policy.rate {
        let key = match (&principal, policy.rate_key) {
            (Some(p), RateKeyKind::Auto | RateKeyKind::Principal) => match p.auth_method() {
                AuthMethod::Jwt => BucketKey::Principal(p.subject().to_owned()),
                AuthMethod::ApiKey => BucketKey::ApiKey(p.subject().to_owned()),
            },
            _ => BucketKey::Ip(ip),
        };
        let charge = tolerate(
            policy,
            state.store.charge(policy.handler, quota, &key).await,
        )?;
        *charged = charge;
        if let Some(retry_after) = charge.and_then(|c| c.retry_after) {
            return Err(Rejection::RateLimited { retry_after });
        }
    }
    if let Some(p) = &principal {
        let access = match (p.auth_method(), policy.api_key_access) {
            (AuthMethod::ApiKey, Some(access)) => access,
            _ => policy.access,
        };
        if !access.allows(p.roles()) {
            return Err(Rejection::InsufficientRole);
        }
        if !policy.scopes.allows(p.scopes()) {
            return Err(Rejection::InsufficientScope(policy.scopes));
        }
        if let Some(owner) = policy.owner
            && !owner.allows(p.roles(), p.subject(), req.match_info().get(owner.param))
        {
            return Err(Rejection::NotOwner);
        }
    }
    Ok(principal)
}

/// Authentication with brute-force throttling: a token verified recently
/// passes at once; any other credential check is reserved against the
/// client IP's failed-authentication limit before it is verified
/// (refused with 429 when the limit is reached, however many checks run
/// at once), refunded when the credentials are good, and counted as a
/// failure when they are not.
async fn authenticate(
    policy: &Policy,
    req: &HttpRequest,
    state: &SecurityState,
    ip: IpAddr,
) -> Result<Principal, Rejection> {
    let authenticator = state.config.authenticator();
    let (mut result, attempt) = match authenticator.verified_before(req, policy.auth) {
        Some(principal) => (Ok(principal), None),
        None => {
            let attempt = if presents_credentials(req) {
                match tolerate(policy, state.store.begin_attempt(ip).await)? {
                    Some(Ok(attempt)) => Some(attempt),
                    Some(Err(retry_after)) => return Err(Rejection::RateLimited { retry_after }),
                    None => None,
                }
            } else {
                None
            };
            (authenticator.authenticate(req, policy.auth).await, attempt)
        }
    };
    if policy.replay == Replay::OncePerJti
        && let Ok(p) = &result
        && let Err(rejection) = auth::check_jti(state.store.as_ref(), p).await
    {
        // The caller is known: the audit line names whose token was replayed.
        note_principal(req, Some(p));
        result = Err(rejection);
    }
    let failed = matches!(
        result,
        Err(Rejection::InvalidToken | Rejection::ReplayedToken)
    );
    let locked = match attempt {
        Some(attempt) => state.store.end_attempt(ip, attempt, failed).await,
        None if failed => state.store.record_failure(ip).await,
        None => Ok(false),
    };
    if tolerate(policy, locked)? == Some(true) {
        warn_locked_out(ip);
    }
    result
}

/// A store's answer; on a route with `on_store_error = "allow"`, `None`
/// when the store cannot be reached (the check is skipped: fail open).
///
/// # Errors
/// [`Rejection::StoreUnavailable`] when the store cannot be reached on a
/// route that fails closed (the default).
fn tolerate<T>(policy: &Policy, answer: Result<T, StoreError>) -> Result<Option<T>, Rejection> {
    match (answer, policy.on_store_error) {
        (Ok(value), _) => Ok(Some(value)),
        (Err(_), StoreFailure::Allow) => Ok(None),
        (Err(unreachable), StoreFailure::Refuse) => Err(unreachable.into()),
    }
}

/// Warns that the client bucket `ip` is now locked out.
fn warn_locked_out(ip: IpAddr) {
    tracing::warn!(
        target: "secure_api::security",
        client_ip = %ip,
        "too many failed authentications; credentialed requests from this client are refused until the window ends"
    );
}
