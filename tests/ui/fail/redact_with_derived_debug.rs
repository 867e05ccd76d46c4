use secure_api::Redact;
use serde::Serialize;

secure_api::roles! { admin > editor > viewer; reporting; }

#[derive(Serialize, Redact)]
#[derive(Debug)]
struct Customer {
    #[redact(mask(last = 4))]
    ssn: String,
}

fn main() {}
