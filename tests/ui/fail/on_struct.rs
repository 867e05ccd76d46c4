use secure_api::secure;

secure_api::roles! { admin > editor > viewer; reporting; }

#[secure(role = "admin")]
struct Reports;

fn main() {}
