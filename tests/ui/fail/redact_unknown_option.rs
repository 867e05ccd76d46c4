use secure_api::Redact;
use serde::Serialize;

secure_api::roles! { admin > editor > viewer; reporting; }

#[derive(Serialize, Redact)]
struct Customer {
    #[redact(mask(last = 4), unles_role = "admin")]
    ssn: String,
}

fn main() {}
