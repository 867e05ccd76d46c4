use secure_api::Redact;
use serde::{Serialize, Serializer};

secure_api::roles! { admin > editor > viewer; reporting; }

#[derive(Serialize, Redact)]
struct Card {
    #[redact(mask(last = 4))]
    number: String,
}

/// Writes the card as a bare string: `Card`'s `#[redact]` would look for a
/// `number` member that is not there.
fn as_text<S: Serializer>(card: &Card, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&card.number)
}

#[derive(Serialize, Redact)]
struct Payment {
    #[serde(serialize_with = "as_text")]
    card: Card,
}

fn main() {}
