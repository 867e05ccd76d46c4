//! Alerts: a sliding-window detector of security events per client IP and
//! per principal (OWASP API Security Top 10 2019 API10, insufficient
//! logging and monitoring; OWASP ASVS 4.0 §7.2).
//!
//! Every security event of the audit trail ([`SecurityEvent`]) that is an
//! authentication failure (a bad token or API key, a replayed token) or an
//! authorization denial (a role too low, someone else's object) is counted
//! against the client IP that sent it (IPv6 grouped by the configured
//! prefix, as for rate limits) and, for denials, against the principal. When
//! one of them reaches the threshold within the window (default: 20
//! authentication failures or 50 denials in 5 minutes), an [`Alert`] is
//! raised, once per window: the next one for the same subject and kind
//! comes at the earliest a full window later, if the events go on.
//!
//! A raised alert is always a `tracing` event at `WARN` with target
//! [`TARGET`] (`secure_api::alert`), counted in
//! `secure_api_alerts_total`, then handed to each [`AlertSink`] configured
//! with [`AlertPolicy::sink`], for a webhook or a pager.
//!
//! | variable | meaning | default |
//! | --- | --- | --- |
//! | `SECURE_API_ALERT_AUTH_FAILURES` | authentication failures per subject per window that raise an alert | `20` |
//! | `SECURE_API_ALERT_DENIALS` | authorization denials per subject per window that raise an alert | `50` |
//! | `SECURE_API_ALERT_WINDOW_SECONDS` | the sliding window, in seconds (1 to 86400) | `300` |

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::{ConfigError, ONE_DAY_SECS, env};
pub use crate::event::AlertKind;
use crate::event::SecurityEvent;

/// The `tracing` target of alert events.
pub const TARGET: &str = "secure_api::alert";

/// The default threshold of authentication failures per window.
pub const DEFAULT_AUTH_FAILURES: u32 = 20;
/// The default threshold of authorization denials per window.
pub const DEFAULT_DENIALS: u32 = 50;
/// The default window, in seconds (5 minutes).
pub const DEFAULT_WINDOW_SECS: u64 = 300;
/// The longest window accepted, in seconds (one day).
pub const MAX_WINDOW_SECS: u64 = ONE_DAY_SECS;
/// The highest threshold accepted.
pub const MAX_THRESHOLD: u32 = 100_000;
/// The most subjects (client IPs and principals) tracked at once. Past it,
/// idle subjects are dropped (at most once a second); if none is idle, the
/// quietest subject (fewest events in the window, taken from the quietest
/// tenth found in one pass over the table) makes room and the newcomer
/// takes over its events (the Space-Saving algorithm, Metwally et al.,
/// ICDT 2005): counts then become upper bounds, and a source that keeps
/// failing keeps climbing however many one-off sources flood the detector,
/// so it still raises its alert. A flood of new sources costs one pass over
/// the table per tenth of it. The flood itself is logged once as a warning.
pub const MAX_SUBJECTS: usize = 10_000;

/// Who an alert is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AlertSubject {
    /// A client IP as resolved through the trusted proxies (an IPv6 client
    /// as its network, cut to the configured prefix).
    ClientIp(IpAddr),
    /// A principal: a token's `sub` or an API key's id (escaped, at most
    /// 256 characters).
    Principal(String),
}

/// An alert: one subject crossed a threshold of security events within
/// the window.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Alert {
    /// What was counted.
    pub kind: AlertKind,
    /// Who it is about.
    pub subject: AlertSubject,
    /// Events of `kind` from `subject` within the window (the threshold at
    /// the crossing).
    pub count: u32,
    /// The threshold that was reached.
    pub threshold: u32,
    /// The window.
    pub window: Duration,
    /// Authentication failures from `subject` within the window (at most
    /// their threshold).
    pub authentication_failures: u32,
    /// Authorization denials from `subject` within the window (at most
    /// their threshold).
    pub denials: u32,
}

/// Where an application forwards alerts (a webhook, a pager, a queue).
///
/// [`send`](Self::send) runs on the thread that answered the request that
/// raised the alert, once per alert: it must return quickly and never
/// block or panic. Hand the alert to a channel or spawn a task for network
/// calls.
///
/// ```
/// use secure_api::alert::{Alert, AlertPolicy, AlertSink};
///
/// struct Pager(std::sync::mpsc::Sender<Alert>);
///
/// impl AlertSink for Pager {
///     fn send(&self, alert: &Alert) {
///         let _ = self.0.send(alert.clone()); // a worker thread pages on-call
///     }
/// }
///
/// let (tx, _rx) = std::sync::mpsc::channel();
/// let policy = AlertPolicy::default().auth_failures(10).sink(Pager(tx));
/// # let _ = policy;
/// ```
pub trait AlertSink: Send + Sync + 'static {
    /// Forwards one alert.
    fn send(&self, alert: &Alert);
}

/// Thresholds, window and sinks of the alert detector; part of the
/// [`SecurityConfig`](crate::SecurityConfig)
/// ([`SecurityConfigBuilder::alerts`](crate::SecurityConfigBuilder::alerts)).
#[derive(Clone)]
pub struct AlertPolicy {
    auth_failures: u32,
    denials: u32,
    window_secs: u64,
    sinks: Vec<Arc<dyn AlertSink>>,
}

impl Default for AlertPolicy {
    /// 20 authentication failures or 50 denials in 300 seconds; no sink.
    fn default() -> Self {
        Self {
            auth_failures: DEFAULT_AUTH_FAILURES,
            denials: DEFAULT_DENIALS,
            window_secs: DEFAULT_WINDOW_SECS,
            sinks: Vec::new(),
        }
    }
}

impl fmt::Debug for AlertPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlertPolicy")
            .field("auth_failures", &self.auth_failures)
            .field("denials", &self.denials)
            .field("window_secs", &self.window_secs)
            .field("sinks", &self.sinks.len())
            .finish()
    }
}

impl AlertPolicy {
    /// Authentication failures per subject within the window that raise
    /// an alert (1 to 100,000; `SECURE_API_ALERT_AUTH_FAILURES`).
    pub fn auth_failures(mut self, threshold: u32) -> Self {
        self.auth_failures = threshold;
        self
    }

    /// Authorization denials per subject within the window that raise an
    /// alert (1 to 100,000; `SECURE_API_ALERT_DENIALS`).
    pub fn denials(mut self, threshold: u32) -> Self {
        self.denials = threshold;
        self
    }

    /// The sliding window, in seconds (1 to 86,400;
    /// `SECURE_API_ALERT_WINDOW_SECONDS`).
    pub fn window_secs(mut self, seconds: u64) -> Self {
        self.window_secs = seconds;
        self
    }

    /// Adds a sink that every alert is handed to, after its `tracing` event.
    pub fn sink(mut self, sink: impl AlertSink) -> Self {
        self.sinks.push(Arc::new(sink));
        self
    }

    /// The authentication-failure threshold.
    pub fn auth_failure_threshold(&self) -> u32 {
        self.auth_failures
    }

    /// The denial threshold.
    pub fn denial_threshold(&self) -> u32 {
        self.denials
    }

    /// The window.
    pub fn window(&self) -> Duration {
        Duration::from_secs(self.window_secs)
    }

    /// Checks the thresholds and the window.
    ///
    /// # Errors
    /// A [`ConfigError`] naming `SECURE_API_ALERT_AUTH_FAILURES`,
    /// `SECURE_API_ALERT_DENIALS` or `SECURE_API_ALERT_WINDOW_SECONDS` for a
    /// value out of range.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let threshold = |n: u32, setting| {
            if (1..=MAX_THRESHOLD).contains(&n) {
                Ok(())
            } else {
                Err(ConfigError::new(
                    setting,
                    format!("must be from 1 to {MAX_THRESHOLD}, got {n}"),
                ))
            }
        };
        threshold(self.auth_failures, env::ALERT_AUTH_FAILURES)?;
        threshold(self.denials, env::ALERT_DENIALS)?;
        if !(1..=MAX_WINDOW_SECS).contains(&self.window_secs) {
            return Err(ConfigError::new(
                env::ALERT_WINDOW_SECONDS,
                format!(
                    "must be from 1 to {MAX_WINDOW_SECS} seconds, got {}",
                    self.window_secs
                ),
            ));
        }
        Ok(())
    }
}

/// The detector: per subject, the times of its recent events of each kind.
pub(crate) struct Detector {
    thresholds: [u32; 2],
    window: Duration,
    sinks: Vec<Arc<dyn AlertSink>>,
    subjects: Mutex<Subjects>,
}

struct Subjects {
    tracks: HashMap<AlertSubject, Track>,
    warned_full: bool,
    /// When idle subjects were last dropped.
    last_prune: Option<Instant>,
    /// The quietest tenth of the subjects when last looked for, quietest
    /// last: the next newcomers take their places, one each, so a flood of
    /// new sources costs one pass over the table per tenth of it, not one
    /// pass per source.
    quietest: Vec<AlertSubject>,
}

impl Subjects {
    fn new() -> Self {
        Self {
            tracks: HashMap::new(),
            warned_full: false,
            last_prune: None,
            quietest: Vec::new(),
        }
    }

    /// Drops the subjects with no event in the window and no quiet period,
    /// at most once a second.
    fn prune(&mut self, now: Instant, window: Duration) {
        if self
            .last_prune
            .is_some_and(|t| now.saturating_duration_since(t) < Duration::from_secs(1))
        {
            return;
        }
        self.last_prune = Some(now);
        self.tracks.retain(|_, track| {
            track.kinds.iter_mut().any(|w| {
                w.forget_before(now, window);
                !w.idle(now)
            })
        });
    }

    /// The quietest subject still tracked (fewest events of `kind` in the
    /// window, near enough): taken from [`Subjects::quietest`], which is
    /// refilled with one pass over the table when it runs out.
    fn take_quietest(&mut self, kind: AlertKind) -> Option<AlertSubject> {
        loop {
            match self.quietest.pop() {
                Some(subject) if self.tracks.contains_key(&subject) => return Some(subject),
                Some(_) => continue,
                None => {}
            }
            let mut counts: Vec<(usize, &AlertSubject)> = self
                .tracks
                .iter()
                .map(|(subject, track)| (track.kinds[kind.index()].times.len(), subject))
                .collect();
            let tenth = (MAX_SUBJECTS / 10).clamp(1, counts.len().max(1));
            if counts.is_empty() {
                return None;
            }
            if tenth < counts.len() {
                counts.select_nth_unstable_by_key(tenth, |(n, _)| *n);
                counts.truncate(tenth);
            }
            // Quietest last, so `pop` takes it first.
            counts.sort_unstable_by_key(|(n, _)| std::cmp::Reverse(*n));
            self.quietest = counts.into_iter().map(|(_, s)| s.clone()).collect();
        }
    }
}

#[derive(Default)]
struct Track {
    kinds: [Window; 2],
}

#[derive(Default)]
struct Window {
    /// The times of the latest events within the window, at most the
    /// threshold of them (that is all a crossing needs).
    times: VecDeque<Instant>,
    /// No new alert of this kind for this subject before then.
    quiet_until: Option<Instant>,
}

impl Window {
    fn forget_before(&mut self, now: Instant, window: Duration) {
        if let Some(start) = now.checked_sub(window) {
            while self.times.front().is_some_and(|t| *t <= start) {
                self.times.pop_front();
            }
        }
    }

    fn idle(&self, now: Instant) -> bool {
        self.times.is_empty() && self.quiet_until.is_none_or(|q| q <= now)
    }
}

impl Detector {
    pub(crate) fn new(policy: &AlertPolicy) -> Self {
        Self {
            thresholds: [policy.auth_failures.max(1), policy.denials.max(1)],
            window: policy.window(),
            sinks: policy.sinks.clone(),
            subjects: Mutex::new(Subjects::new()),
        }
    }

    /// Counts `event` against the client IP `ip` (already cut to its
    /// prefix) and the principal's subject (already cut and escaped, see
    /// `audit::note_principal`); raises the alerts it crosses:
    /// a `tracing` event, `count` (the `secure_api_alerts_total` counter),
    /// then the sinks, for each alert.
    pub(crate) fn observe(
        &self,
        event: SecurityEvent,
        ip: Option<IpAddr>,
        principal: Option<&str>,
        mut count: impl FnMut(AlertKind),
    ) {
        let Some(kind) = AlertKind::of(event) else {
            return;
        };
        let now = Instant::now();
        let subjects = [
            ip.map(AlertSubject::ClientIp),
            // Authentication failures have no principal; a denial is counted
            // against the principal too.
            // `principal` is already cut and escaped, as the audit line has it.
            principal.map(|p| AlertSubject::Principal(p.to_owned())),
        ];
        let raised: Vec<Alert> = {
            let mut state = self.subjects.lock().unwrap_or_else(|p| p.into_inner());
            subjects
                .into_iter()
                .flatten()
                .filter_map(|subject| self.count(&mut state, subject, kind, now))
                .collect()
        };
        for alert in raised {
            emit(&alert);
            count(alert.kind);
            for sink in &self.sinks {
                sink.send(&alert);
            }
        }
    }

    /// Records one event; the alert when it crosses the threshold outside a
    /// quiet period.
    fn count(
        &self,
        state: &mut Subjects,
        subject: AlertSubject,
        kind: AlertKind,
        now: Instant,
    ) -> Option<Alert> {
        if !state.tracks.contains_key(&subject) && state.tracks.len() >= MAX_SUBJECTS {
            state.prune(now, self.window);
            if state.tracks.len() >= MAX_SUBJECTS {
                if !state.warned_full {
                    state.warned_full = true;
                    tracing::warn!(
                        target: TARGET,
                        max_subjects = MAX_SUBJECTS,
                        "alert detector full: security events come from very many sources; counts of new sources are now upper bounds"
                    );
                }
                let quietest = state.take_quietest(kind);
                if let Some(mut inherited) = quietest.and_then(|q| state.tracks.remove(&q)) {
                    for w in &mut inherited.kinds {
                        w.quiet_until = None;
                    }
                    state.tracks.insert(subject.clone(), inherited);
                }
            } else {
                state.warned_full = false;
            }
        }
        let track = state.tracks.entry(subject.clone()).or_default();
        let threshold = self.thresholds[kind.index()];
        for w in &mut track.kinds {
            w.forget_before(now, self.window);
        }
        let window = &mut track.kinds[kind.index()];
        window.times.push_back(now);
        while window.times.len() > threshold as usize {
            window.times.pop_front();
        }
        let count = u32::try_from(window.times.len()).unwrap_or(u32::MAX);
        if count < threshold || window.quiet_until.is_some_and(|q| now < q) {
            return None;
        }
        window.quiet_until = Some(now + self.window);
        let counts =
            |k: AlertKind| u32::try_from(track.kinds[k.index()].times.len()).unwrap_or(u32::MAX);
        Some(Alert {
            kind,
            subject,
            count,
            threshold,
            window: self.window,
            authentication_failures: counts(AlertKind::AuthenticationFailures),
            denials: counts(AlertKind::Denials),
        })
    }
}

/// The alert's `tracing` event (target [`TARGET`], `WARN`).
fn emit(alert: &Alert) {
    let window_secs = alert.window.as_secs();
    match &alert.subject {
        AlertSubject::ClientIp(ip) => tracing::warn!(
            target: TARGET,
            alert = alert.kind.as_str(),
            client_ip = %ip,
            count = alert.count,
            threshold = alert.threshold,
            window_secs,
            authentication_failures = alert.authentication_failures,
            denials = alert.denials,
            "security events from one client IP crossed the alert threshold"
        ),
        AlertSubject::Principal(principal) => tracing::warn!(
            target: TARGET,
            alert = alert.kind.as_str(),
            principal = principal.as_str(),
            count = alert.count,
            threshold = alert.threshold,
            window_secs,
            authentication_failures = alert.authentication_failures,
            denials = alert.denials,
            "security events of one principal crossed the alert threshold"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector(auth: u32, denials: u32, window_secs: u64) -> Detector {
        Detector::new(
            &AlertPolicy::default()
                .auth_failures(auth)
                .denials(denials)
                .window_secs(window_secs),
        )
    }

    #[test]
    fn a_full_detector_still_alerts_on_a_source_that_keeps_failing() {
        let d = detector(20, 50, 300);
        let mut state = Subjects::new();
        let now = Instant::now();
        for n in 0..MAX_SUBJECTS as u32 {
            let ip = AlertSubject::ClientIp(IpAddr::from(n.to_be_bytes()));
            assert!(
                d.count(&mut state, ip, AlertKind::AuthenticationFailures, now)
                    .is_none()
            );
        }
        assert_eq!(state.tracks.len(), MAX_SUBJECTS);
        let attacker = AlertSubject::ClientIp(IpAddr::from([198, 51, 100, 7]));
        let alerts: Vec<Alert> = (0..25u64)
            .filter_map(|i| {
                let at = now + Duration::from_millis(i);
                d.count(
                    &mut state,
                    attacker.clone(),
                    AlertKind::AuthenticationFailures,
                    at,
                )
            })
            .collect();
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].subject, attacker);
        assert!(state.tracks.len() <= MAX_SUBJECTS);
    }

    #[test]
    fn one_alert_per_subject_kind_and_window() {
        let d = detector(3, 2, 300);
        let mut state = Subjects::new();
        let ip = AlertSubject::ClientIp(IpAddr::from([192, 0, 2, 1]));
        let now = Instant::now();
        let mut alerts = Vec::new();
        for i in 0..10u64 {
            let at = now + Duration::from_millis(i);
            alerts.extend(d.count(
                &mut state,
                ip.clone(),
                AlertKind::AuthenticationFailures,
                at,
            ));
        }
        assert_eq!(alerts.len(), 1);
        assert_eq!((alerts[0].count, alerts[0].threshold), (3, 3));
        // A window later, events still coming: the next alert.
        let later = now + Duration::from_secs(301);
        assert!(
            d.count(
                &mut state,
                ip.clone(),
                AlertKind::AuthenticationFailures,
                later
            )
            .is_none()
        );
        assert!(
            d.count(
                &mut state,
                ip.clone(),
                AlertKind::AuthenticationFailures,
                later
            )
            .is_none()
        );
        let again = d.count(
            &mut state,
            ip.clone(),
            AlertKind::AuthenticationFailures,
            later,
        );
        assert_eq!(again.map(|a| a.count), Some(3));
        // Denials are counted apart, with their own threshold.
        let first = d.count(&mut state, ip.clone(), AlertKind::Denials, later);
        assert!(first.is_none());
        let second = d.count(&mut state, ip, AlertKind::Denials, later);
        assert_eq!(
            second.map(|a| (a.kind, a.authentication_failures, a.denials)),
            Some((AlertKind::Denials, 3, 2))
        );
    }

    #[test]
    fn events_older_than_the_window_do_not_count() {
        let d = detector(2, 2, 10);
        let mut state = Subjects::new();
        let p = AlertSubject::Principal("alice".into());
        let now = Instant::now();
        assert!(
            d.count(&mut state, p.clone(), AlertKind::Denials, now)
                .is_none()
        );
        let late = now + Duration::from_secs(11);
        assert!(
            d.count(&mut state, p.clone(), AlertKind::Denials, late)
                .is_none()
        );
        assert!(d.count(&mut state, p, AlertKind::Denials, late).is_some());
    }

    #[test]
    fn bad_policies_name_the_variable() {
        let e = AlertPolicy::default().auth_failures(0).validate().err();
        assert_eq!(e.map(|e| e.setting()), Some(env::ALERT_AUTH_FAILURES));
        let e = AlertPolicy::default()
            .denials(MAX_THRESHOLD + 1)
            .validate()
            .err();
        assert_eq!(e.map(|e| e.setting()), Some(env::ALERT_DENIALS));
        let e = AlertPolicy::default().window_secs(0).validate().err();
        assert_eq!(e.map(|e| e.setting()), Some(env::ALERT_WINDOW_SECONDS));
        assert!(AlertPolicy::default().validate().is_ok());
    }
}
