use secure_api::Redact;
use serde::Serialize;

secure_api::roles! { admin > editor > viewer; reporting; }

#[derive(Serialize, Redact)]
struct Contact {
    phone: String,
}

#[derive(Serialize, Redact)]
struct Customer {
    name: String,
    #[serde(flatten)]
    #[redact(hide)]
    contact: Contact,
}

fn main() {}
