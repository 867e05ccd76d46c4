use secure_api::Redact;
use serde::Serialize;

secure_api::roles! { admin > editor > viewer; reporting; }

#[derive(Serialize, Redact)]
struct Customer {
    #[redact(mask)]
    ssn: String,
}

fn main() {}
