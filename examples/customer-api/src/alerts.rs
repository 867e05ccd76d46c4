//! Where the framework's security alerts go: in this example, a log line
//! that stands in for paging the on-call engineer.

use secure_api::alert::{Alert, AlertSink, AlertSubject};

/// The `tracing` target of the pager's lines.
pub(crate) const TARGET: &str = "customer_api::pager";

/// Forwards each alert to the on-call pager. A real deployment would hand
/// the alert to a channel read by a task that calls the pager's webhook;
/// here the page is one `ERROR` line on stderr (target
/// `customer_api::pager`), after the framework's own `secure_api::alert`
/// line.
pub(crate) struct Pager;

impl AlertSink for Pager {
    fn send(&self, alert: &Alert) {
        let subject = match &alert.subject {
            AlertSubject::ClientIp(ip) => format!("client IP {ip}"),
            AlertSubject::Principal(principal) => format!("principal {principal}"),
            _ => "an unknown subject".to_owned(),
        };
        tracing::error!(
            target: TARGET,
            alert = alert.kind.as_str(),
            subject = subject.as_str(),
            count = alert.count,
            window_secs = alert.window.as_secs(),
            "paging on-call: {} {} in {} s from {subject}",
            alert.count,
            alert.kind.as_str().replace('_', " "),
            alert.window.as_secs(),
        );
    }
}
