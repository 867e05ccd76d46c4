//! Versions and their retirement: `Deprecation` (RFC 9745), `Sunset`
//! (RFC 8594) and `Link` (RFC 8288) on the responses of a deprecated
//! route, and `410 Gone` once its sunset has passed.
//!
//! `#[secure(version = "v1")]` serves a route under `/v1`;
//! `deprecated(since = "2026-01-01", sunset = "2027-12-31", link = "https://..")`
//! marks it deprecated. The macro checks the dates and links and computes
//! every value at compile time ([`Deprecation`]); at request time this
//! module only compares the clock with the sunset and sets headers.
//!
//! A route past its sunset answers 410 problem+json before authentication
//! ([the checks, in order](crate#the-checks-in-order)): whether a retired
//! version still exists is no secret, a client without a token learns that
//! it must move on rather than that it must log in, and retired routes cost
//! no rate-limit cell.

use std::future::Future;
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, LINK};

use crate::problem::Problem;

/// The deprecation of a route, computed by `#[secure(deprecated(..))]`.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deprecation {
    /// `since`, 00:00:00 UTC, in seconds since the Unix epoch.
    pub since: i64,
    /// `sunset`, if any.
    pub sunset: Option<Sunset>,
    /// `link`: an absolute `https` URL documenting the deprecation.
    pub link: Option<&'static str>,
    /// `sunset_link`: an absolute `https` URL documenting the sunset.
    pub sunset_link: Option<&'static str>,
}

/// When a deprecated route stops being served.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sunset {
    /// The date, 00:00:00 UTC, in seconds since the Unix epoch.
    pub at: i64,
    /// The same instant as an IMF-fixdate (RFC 9110 §5.6.7):
    /// `Fri, 31 Dec 2027 00:00:00 GMT`.
    pub http_date: &'static str,
}

/// `Deprecation` (RFC 9745 §2).
const DEPRECATION: HeaderName = HeaderName::from_static("deprecation");
/// `Sunset` (RFC 8594 §3).
const SUNSET: HeaderName = HeaderName::from_static("sunset");

impl Deprecation {
    /// Whether the sunset has passed at `now` (seconds since the epoch):
    /// `now` at or after the sunset date's 00:00:00 UTC.
    pub fn is_retired_at(&self, now: i64) -> bool {
        self.sunset.is_some_and(|s| now >= s.at)
    }

    /// Sets `Deprecation: @<since>` (RFC 9745 §2.1, a Structured Field
    /// Date), `Sunset: <IMF-fixdate>` (RFC 8594 §3) and `Link` with
    /// `rel="deprecation"` (RFC 9745 §3) and `rel="sunset"` (RFC 8594 §6).
    pub fn set_headers(&self, headers: &mut HeaderMap) {
        if let Ok(v) = HeaderValue::from_str(&format!("@{}", self.since)) {
            headers.insert(DEPRECATION, v);
        }
        if let Some(sunset) = self.sunset {
            headers.insert(SUNSET, HeaderValue::from_static(sunset.http_date));
        }
        let links: Vec<String> = [(self.link, "deprecation"), (self.sunset_link, "sunset")]
            .into_iter()
            .filter_map(|(link, rel)| link.map(|l| format!("<{l}>; rel=\"{rel}\"")))
            .collect();
        if !links.is_empty()
            && let Ok(v) = HeaderValue::from_str(&links.join(", "))
        {
            headers.append(LINK, v);
        }
    }
}

/// Seconds since the Unix epoch, now (0 if the clock is before it).
fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The answer of a retired route: 410 problem+json (RFC 9110 §15.5.11).
fn gone() -> HttpResponse {
    Problem::new(
        StatusCode::GONE,
        "This version of the API has been retired; use its successor.",
    )
    .to_response()
}

/// Runs `respond` unless the route is retired (then 410, and `respond` is
/// never polled: no check, no handler), and adds the deprecation headers of
/// `deprecation` to whatever is answered.
pub(crate) async fn respond(
    deprecation: Option<&Deprecation>,
    respond: impl Future<Output = HttpResponse>,
) -> HttpResponse {
    let Some(deprecation) = deprecation else {
        return respond.await;
    };
    let mut res = if deprecation.is_retired_at(now()) {
        tracing::info!(target: "secure_api::version", "request to a retired route answered 410");
        gone()
    } else {
        respond.await
    };
    deprecation.set_headers(res.headers_mut());
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    const V0: Deprecation = Deprecation {
        since: 1_767_225_600,
        sunset: Some(Sunset {
            at: 1_830_211_200,
            http_date: "Fri, 31 Dec 2027 00:00:00 GMT",
        }),
        link: Some("https://docs.customer-api.test/migrate-v1"),
        sunset_link: None,
    };

    #[test]
    fn headers_of_a_deprecated_route() {
        let mut headers = HeaderMap::new();
        V0.set_headers(&mut headers);
        assert_eq!(
            headers.get("deprecation").map(|v| v.as_bytes()),
            Some(&b"@1767225600"[..])
        );
        assert_eq!(
            headers.get("sunset").map(|v| v.as_bytes()),
            Some(&b"Fri, 31 Dec 2027 00:00:00 GMT"[..])
        );
        assert_eq!(
            headers.get("link").map(|v| v.as_bytes()),
            Some(&b"<https://docs.customer-api.test/migrate-v1>; rel=\"deprecation\""[..])
        );
    }

    #[test]
    fn retired_from_the_sunset_on() {
        assert!(!V0.is_retired_at(1_830_211_199));
        assert!(V0.is_retired_at(1_830_211_200));
        let no_sunset = Deprecation { sunset: None, ..V0 };
        assert!(!no_sunset.is_retired_at(i64::MAX));
    }
}
