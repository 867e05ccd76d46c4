//! The checks that run before anything routes the request (see
//! [the checks, in order](crate#the-checks-in-order)): a credential in the URL, and
//! credentials from a client locked out for failed authentications.

use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, forward_ready};
use actix_web::http::Method;
use actix_web::http::header;
use actix_web::{Error, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::audit::note_rejection;
use crate::auth::bearer::{credential_in_url, presents_credentials};
use crate::client_ip::client_bucket;
use crate::rejection::Rejection;
use crate::state::SecurityState;

/// The app behind CORS: the checks that run before anything routes the
/// request (see [`Security`](super::Security)), then the app.
pub(crate) struct BeforeRouting<S> {
    service: Rc<S>,
    state: Arc<SecurityState>,
}

impl<S> BeforeRouting<S> {
    /// `service` behind the checks before routing of `state`.
    pub(crate) fn new(service: S, state: Arc<SecurityState>) -> Self {
        Self {
            service: Rc::new(service),
            state,
        }
    }
}

impl<S, B> Service<ServiceRequest> for BeforeRouting<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let state = Arc::clone(&self.state);
        Box::pin(async move {
            if let Some(rejection) = refusal(&req, &state).await {
                return Ok(refuse(req, &state, rejection));
            }
            service
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        })
    }
}

/// Noted in a request's extensions when the store could not say whether
/// its client is locked out: the `#[secure]` route decides (503 unless it
/// fails open); other routes authenticate no one, so the lock-out does not
/// concern them.
#[derive(Clone, Copy)]
struct LockoutUnknown;

/// Whether the store could not say, before routing, whether `req`'s
/// client is locked out.
pub(crate) fn lockout_unknown(req: &HttpRequest) -> bool {
    req.extensions().contains::<LockoutUnknown>()
}

/// Why `req` is refused before routing, if it is: a credential in the
/// URL (RFC 6750 §5.3), or credentials from a client locked out
/// for failed authentications (the store's lock-out). When the store
/// cannot tell, the request goes on marked (see [`lockout_unknown`]).
pub(super) async fn refusal(req: &ServiceRequest, state: &SecurityState) -> Option<Rejection> {
    if credential_in_url(req.request()) {
        return Some(Rejection::CredentialInUrl);
    }
    if !presents_credentials(req.request()) {
        return None;
    }
    let client = client_bucket(req.request(), state.config.limits().ipv6_prefix_len);
    match state.store.lockout(client).await {
        Ok(lock) => lock.map(|retry_after| Rejection::RateLimited { retry_after }),
        Err(_unreachable) => {
            req.extensions_mut().insert(LockoutUnknown);
            None
        }
    }
}

/// The answer to a request refused before routing: its problem+json,
/// noted for the audit event (a security event) and logged.
pub(super) fn refuse(
    req: ServiceRequest,
    state: &SecurityState,
    rejection: Rejection,
) -> ServiceResponse<BoxBody> {
    tracing::warn!(
        target: "secure_api::security",
        rejection = ?rejection,
        "request refused before routing"
    );
    note_rejection(req.request(), rejection);
    req.into_response(rejection.problem(state.config.realm()).to_response())
}

/// A CORS preflight: `OPTIONS` with `Access-Control-Request-Method`
/// (Fetch Standard §3.2.2).
pub(super) fn is_preflight(req: &ServiceRequest) -> bool {
    req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// An `OPTIONS` request that is not a CORS preflight (no
/// `Access-Control-Request-Method`): routed like any other method, not
/// answered by CORS (Fetch Standard §3.2.2).
pub(super) fn is_options_without_preflight(req: &ServiceRequest) -> bool {
    req.method() == Method::OPTIONS && !is_preflight(req)
}
