use secure_api::Redact;
use serde::Serialize;

secure_api::roles! { admin > editor > viewer; reporting; }

#[derive(Serialize, Redact)]
struct Customer {
    #[redact(hide, unless_role = "admin", unless_role = "editor")]
    ssn: String,
}

fn main() {}
