use secure_api::Redact;
use serde::Serialize;

secure_api::roles! { admin > editor > viewer; reporting; }

#[derive(Serialize)]
struct Address {
    postal: String,
}

#[derive(Serialize, Redact)]
struct Customer {
    name: String,
    address: Address,
}

fn main() {}
