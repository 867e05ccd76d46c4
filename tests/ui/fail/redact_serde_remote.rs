use secure_api::Redact;
use serde::Serialize;

secure_api::roles! { admin > editor > viewer; reporting; }

mod bank {
    pub struct Account {
        pub iban: String,
    }
}

#[derive(Serialize, Redact)]
#[serde(remote = "bank::Account")]
struct AccountDef {
    #[redact(mask(last = 4))]
    iban: String,
}

fn main() {}
