use secure_api::Redact;
use serde::Serialize;

secure_api::roles! { admin > editor > viewer; reporting; }

#[derive(Serialize, Redact)]
struct Session {
    #[redact(skip, unless_role = "admin")]
    client: std::net::IpAddr,
}

fn main() {}
