//! Masking: a value's letters and digits become `*` but for its last few
//! characters.

use serde_json::Value;

use crate::secret::REDACTED;

/// Masks `text`, keeping its last `keep` characters: every other letter or
/// digit becomes `*`, other characters (separators) stay.
/// `mask("123-45-6789", 4)` is `***-**-6789`; `mask("4111111111111111", 4)`
/// is `************1111`. Counts Unicode scalar values.
pub fn mask(text: &str, keep: usize) -> String {
    let mut masked = String::with_capacity(text.len());
    masked.extend(masked_chars(text, keep));
    masked
}

/// [`mask`] written into `buf`; `None` when it does not fit.
pub(crate) fn mask_into<'b>(text: &str, keep: usize, buf: &'b mut [u8]) -> Option<&'b str> {
    if text.is_ascii() {
        // One byte a character: masked in place, byte by byte.
        let masked = buf.get_mut(..text.len())?;
        masked.copy_from_slice(text.as_bytes());
        let hidden = text.len().saturating_sub(keep);
        masked
            .iter_mut()
            .take(hidden)
            .filter(|b| b.is_ascii_alphanumeric())
            .for_each(|b| *b = b'*');
        return std::str::from_utf8(masked).ok();
    }
    let mut len = 0;
    for c in masked_chars(text, keep) {
        let end = len + c.len_utf8();
        c.encode_utf8(buf.get_mut(len..end)?);
        len = end;
    }
    std::str::from_utf8(buf.get(..len)?).ok()
}

/// The characters of [`mask`]`(text, keep)`.
fn masked_chars(text: &str, keep: usize) -> impl Iterator<Item = char> + '_ {
    // The characters before `hidden` are masked; there are none when
    // `keep` is the length or more.
    let hidden = text.chars().count().saturating_sub(keep);
    text.chars().enumerate().map(move |(i, c)| {
        if i < hidden && c.is_alphanumeric() {
            '*'
        } else {
            c
        }
    })
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
