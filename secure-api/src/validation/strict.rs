//! The strict parsers: JSON in two passes (duplicate keys and depth
//! first, then typed parsing that reports unknown members and type errors
//! by path) and `application/x-www-form-urlencoded`, with error paths as
//! the client wrote them.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt::Write as _;

use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::derive::join;
use crate::problem::FieldError;
use crate::rejection::InputRejection;

/// The deepest nesting of arrays and objects accepted in a JSON body.
/// Deeper documents get 400 before any typed parsing (no stack overflow).
pub const MAX_DEPTH: usize = 32;

/// The longest field path echoed in an `errors` entry, in characters; a
/// longer client-chosen member name is cut and ends in `…`.
pub const MAX_FIELD_CHARS: usize = 64;

/// A client-chosen path, cut to [`MAX_FIELD_CHARS`].
fn shown(path: String) -> String {
    if path.chars().count() <= MAX_FIELD_CHARS {
        return path;
    }
    let mut cut: String = path.chars().take(MAX_FIELD_CHARS).collect();
    cut.push('…');
    cut
}

/// Strict JSON: a first pass that refuses duplicate keys and deep nesting,
/// then typed parsing that reports unknown members and type errors by path.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, InputRejection> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    JsonShape { depth: 0 }
        .deserialize(&mut de)
        .map_err(|_| InputRejection::Malformed)?;
    de.end().map_err(|_| InputRejection::Malformed)?;

    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut unknown = Vec::new();
    let mut track = serde_path_to_error::Track::new();
    let typed = serde_ignored::deserialize(
        serde_path_to_error::Deserializer::new(&mut de, &mut track),
        |path| unknown.push(FieldError::new(shown(ignored_path(&path)), "unknown_field")),
    );
    match typed {
        Ok(value) if unknown.is_empty() => Ok(value),
        Ok(_) => Err(InputRejection::Unprocessable(unknown)),
        Err(e) if e.is_data() => {
            unknown.push(data_error(&track.path(), &e.to_string()));
            Err(InputRejection::Unprocessable(unknown))
        }
        Err(_) => Err(InputRejection::Malformed),
    }
}

/// `application/x-www-form-urlencoded` (a body, or a query string when
/// `reject_unknown` is false: unknown query parameters are ignored).
pub(super) fn urlencoded<T: DeserializeOwned>(
    bytes: &[u8],
    reject_unknown: bool,
) -> Result<T, InputRejection> {
    let mut unknown = Vec::new();
    let mut track = serde_path_to_error::Track::new();
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(bytes));
    let typed = serde_ignored::deserialize(
        serde_path_to_error::Deserializer::new(de, &mut track),
        |path| unknown.push(FieldError::new(shown(ignored_path(&path)), "unknown_field")),
    );
    match typed {
        Ok(value) if unknown.is_empty() || !reject_unknown => Ok(value),
        Ok(_) => Err(InputRejection::Unprocessable(unknown)),
        Err(e) => {
            if !reject_unknown {
                unknown.clear();
            }
            unknown.push(data_error(&track.path(), &e.to_string()));
            Err(InputRejection::Unprocessable(unknown))
        }
    }
}

/// A typed-parsing error as a field error. The message is read only to
/// classify it; none of its text (which may quote input) is returned.
fn data_error(path: &serde_path_to_error::Path, message: &str) -> FieldError {
    let at = error_path(path);
    // serde's fixed wording: "missing field `name`", "duplicate field
    // `name`" (a query or form parameter given twice), reported at the
    // struct that lacks or repeats the member.
    for (prefix, code) in [
        ("missing field", "missing_field"),
        ("duplicate field", "duplicate_field"),
    ] {
        if message.starts_with(prefix) {
            let name = message.split('`').nth(1).unwrap_or_default();
            return FieldError::new(shown(join(&at, name)), code);
        }
    }
    let code = if message.starts_with("unknown field") {
        "unknown_field"
    } else if message.starts_with("invalid type") {
        "invalid_type"
    } else if message.starts_with("unknown variant") {
        "unknown_variant"
    } else {
        "invalid_value"
    };
    FieldError::new(shown(at), code)
}

/// `address.postal`, `items[0].postal` from serde_path_to_error.
fn error_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                let _ = write!(out, "[{index}]");
            }
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// `address.extra`, `items[0].extra` from serde_ignored.
fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        Path::Map { parent, key } => join(&ignored_path(parent), key),
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}

/// The first pass over a JSON document: any value, with no duplicate key in
/// any object and at most [`MAX_DEPTH`] levels of nesting.
struct JsonShape {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for JsonShape {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonShape {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let depth = self.deeper::<A::Error>()?;
        while seq.next_element_seed(JsonShape { depth })?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let depth = self.deeper::<A::Error>()?;
        let mut keys: HashSet<Cow<'de, str>> = HashSet::new();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if !keys.insert(key) {
                return Err(serde::de::Error::custom("duplicate key"));
            }
            map.next_value_seed(JsonShape { depth })?;
        }
        Ok(())
    }
}

impl JsonShape {
    fn deeper<E: serde::de::Error>(&self) -> Result<usize, E> {
        if self.depth >= MAX_DEPTH {
            Err(E::custom("nesting too deep"))
        } else {
            Ok(self.depth + 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn shape(s: &str) -> bool {
        parse_json::<Value>(s.as_bytes()).is_ok()
    }

    #[test]
    fn duplicate_keys_are_malformed_at_any_depth() {
        assert!(shape(r#"{"a":1,"b":{"c":[{"d":1}]}}"#));
        assert!(!shape(r#"{"a":1,"a":2}"#));
        assert!(!shape(r#"{"x":{"a":1,"a":2}}"#));
        assert!(!shape(r#"[{"a":1,"\u0061":2}]"#));
    }

    #[test]
    fn nesting_is_capped_without_overflowing_the_stack() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(shape(&ok));
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(!shape(&deep));
        let huge = "[".repeat(1_000_000);
        assert!(!shape(&huge));
    }

    /// The module docs' "Limits of unknown-member refusal", pinned:
    /// unknown members are found inside externally tagged enums, and
    /// adjacently tagged ones whose tag comes first; not inside internally
    /// tagged or untagged ones, nor adjacently tagged content sent before
    /// its tag.
    #[test]
    fn unknown_members_are_found_through_externally_tagged_enums_only() {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Card {
            number: String,
        }
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        enum External {
            Card { number: String },
            Wrapped(Card),
        }
        #[derive(serde::Deserialize)]
        #[serde(tag = "type")]
        #[allow(dead_code)]
        enum Internal {
            Card { number: String },
        }
        #[derive(serde::Deserialize)]
        #[serde(tag = "t", content = "c")]
        #[allow(dead_code)]
        enum Adjacent {
            Card { number: String },
        }
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        #[allow(dead_code)]
        enum Untagged {
            Card { number: String },
        }
        fn unknown<T: DeserializeOwned>(json: &str) -> Vec<FieldError> {
            match parse_json::<T>(json.as_bytes()) {
                Ok(_) => Vec::new(),
                Err(InputRejection::Unprocessable(errors)) => errors,
                Err(other) => panic!("{json}: {other:?}"),
            }
        }
        // (`serde_ignored` does not name the variant in the path.)
        assert_eq!(
            unknown::<External>(r#"{"Card":{"number":"1","isAdmin":true}}"#),
            [FieldError::new("isAdmin", "unknown_field")]
        );
        assert_eq!(
            unknown::<External>(r#"{"Wrapped":{"number":"1","isAdmin":true}}"#),
            [FieldError::new("isAdmin", "unknown_field")]
        );
        assert!(unknown::<Internal>(r#"{"type":"Card","number":"1","isAdmin":true}"#).is_empty());
        assert!(
            unknown::<Adjacent>(r#"{"c":{"number":"1","isAdmin":true},"t":"Card"}"#).is_empty()
        );
        assert_eq!(
            unknown::<Adjacent>(r#"{"t":"Card","c":{"number":"1","isAdmin":true}}"#),
            [FieldError::new("c.isAdmin", "unknown_field")]
        );
        assert!(unknown::<Untagged>(r#"{"number":"1","isAdmin":true}"#).is_empty());
    }

    #[test]
    fn trailing_garbage_is_malformed() {
        assert!(!shape(r#"{"a":1} x"#));
        assert!(!shape(""));
    }
}
