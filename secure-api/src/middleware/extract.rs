//! What a handler can take from a request that [`Security`](super::Security)
//! carries: the authenticated [`Principal`] and the middleware's
//! [`Metrics`] (actix-web `FromRequest`).

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use crate::auth::Principal;
use crate::metrics::Metrics;
use crate::problem::Problem;
use crate::rejection::Rejection;
use crate::state::SecurityState;

impl FromRequest for Principal {
    type Error = Problem;
    type Future = Ready<Result<Self, Self::Error>>;

    /// The principal a `#[secure]` route authenticated.
    ///
    /// # Errors
    /// 401 problem+json (RFC 6750 §3.1) on a route that authenticated no
    /// one (a `public` route, or a handler without `#[secure]`).
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let principal = req.extensions().get::<Principal>().cloned();
        ready(principal.ok_or_else(|| {
            let realm = SecurityState::of(req).map(|s| s.config.realm().to_owned());
            Rejection::MissingCredentials.problem(realm.as_deref().unwrap_or(""))
        }))
    }
}

impl FromRequest for Metrics {
    type Error = Problem;
    type Future = Ready<Result<Self, Self::Error>>;

    /// The metrics of the [`Security`](super::Security) middleware that
    /// carries the request.
    ///
    /// # Errors
    /// 500 problem+json when the middleware is not installed (fail closed).
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match SecurityState::of(req) {
            Some(state) => Ok(state.trail.metrics().clone()),
            None => Err(Rejection::NotConfigured.problem("")),
        })
    }
}
