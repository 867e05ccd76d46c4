//! Masking: a value's letters and digits become `*` but for its last few
//! characters.

use serde_json::Value;

use crate::secret::REDACTED;

/// Masks `text`, keeping its last `keep` characters: every other letter or
/// digit becomes `*`, other characters (separators) stay.
/// `mask("123-45-6789", 4)` is `***-**-6789`; `mask("4111111111111111", 4)`
/// is `************1111`. Counts Unicode scalar values.
pub fn mask(text: &str, keep: usize) -> String {
    let total = text.chars().count();
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if i + keep < total && c.is_alphanumeric() {
                '*'
            } else {
                c
            }
        })
        .collect()
}

/// Masks a JSON value in place: strings as [`mask`]; arrays element by
/// element; numbers and booleans become masked strings; objects, which
/// cannot be masked piecewise, become `"[REDACTED]"`; `null` stays.
#[doc(hidden)]
pub fn mask_json(value: &mut Value, keep: usize) {
    match value {
        Value::Null => {}
        Value::String(s) => *s = mask(s, keep),
        Value::Array(items) => items.iter_mut().for_each(|v| mask_json(v, keep)),
        Value::Number(n) => *value = Value::String(mask(&n.to_string(), keep)),
        Value::Bool(b) => *value = Value::String(mask(&b.to_string(), keep)),
        Value::Object(_) => *value = Value::String(REDACTED.to_owned()),
    }
}
