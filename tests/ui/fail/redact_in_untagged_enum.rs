use secure_api::Redact;
use serde::Serialize;

secure_api::roles! { admin > editor > viewer; reporting; }

#[derive(Serialize, Redact)]
#[serde(untagged)]
enum Payment {
    Card {
        #[redact(mask(last = 4))]
        number: String,
    },
    Cash,
}

fn main() {}
