//! The JSON-lines layer: each audit event written as one JSON object on
//! one line (JSON Lines; RFC 8259), with the members of the
//! [module documentation](super) in order.

use std::io::Write as _;

use serde_json::Value;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use crate::event::{MEMBERS, TARGET};
use crate::scrub;

/// A `tracing-subscriber` layer that writes each audit event (target
/// [`TARGET`]) as one JSON line with the members of the module
/// documentation, flat and in that order, `null` for a member without a
/// value, to `make_writer` (for example `std::io::stderr`). Other events
/// are left to the application's other layers; this one has its own
/// filter, so `RUST_LOG` and the like neither silence it nor make it see
/// more.
///
/// ```no_run
/// use tracing_subscriber::prelude::*;
///
/// tracing_subscriber::registry()
///     .with(secure_api::audit::layer(std::io::stderr))
///     // ... the application's own layers, e.g. tracing_subscriber::fmt::layer()
///     .init();
/// ```
pub fn layer<S, W>(make_writer: W) -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    AuditLines { make_writer }.with_filter(filter_fn(|meta| meta.target() == TARGET))
}

/// See [`layer`].
struct AuditLines<W> {
    make_writer: W,
}

impl<S, W> Layer<S> for AuditLines<W>
where
    S: Subscriber,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if meta.target() != TARGET {
            return;
        }
        let mut fields = JsonFields::default();
        event.record(&mut fields);
        let mut line = String::from("{");
        let mut member = |name: &str, value: &Value| {
            if line.len() > 1 {
                line.push(',');
            }
            line.push_str(&Value::from(name).to_string());
            line.push(':');
            line.push_str(&value.to_string());
        };
        for name in MEMBERS {
            let value = fields
                .values
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(Value::Null, |(_, v)| v.clone());
            member(name, &value);
        }
        for (name, value) in &fields.values {
            if !MEMBERS.contains(name) {
                member(name, value);
            }
        }
        member("level", &Value::from(meta.level().as_str()));
        member("target", &Value::from(meta.target()));
        line.push_str("}\n");
        let _ = self
            .make_writer
            .make_writer_for(meta)
            .write_all(line.as_bytes());
    }
}

/// The fields of one event as JSON values, in the order recorded.
#[derive(Default)]
struct JsonFields {
    values: Vec<(&'static str, Value)>,
}

impl JsonFields {
    fn push(&mut self, field: &Field, value: Value) {
        self.values.push((field.name(), value));
    }
}

impl Visit for JsonFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.push(field, Value::from(scrub::escape(value).into_owned()));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field, Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.push(field, Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push(field, Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field, Value::from(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        self.push(field, Value::from(scrub::escape(&text).into_owned()));
    }
}
