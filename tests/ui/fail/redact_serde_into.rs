use secure_api::Redact;
use serde::Serialize;

secure_api::roles! { admin > editor > viewer; reporting; }

/// What serde writes: `ssn` is `social_security_number` here, so the
/// `#[redact]` on `Customer::ssn` would never find it.
#[derive(Serialize)]
struct Wire {
    social_security_number: String,
}

impl From<Customer> for Wire {
    fn from(customer: Customer) -> Self {
        Wire {
            social_security_number: customer.ssn,
        }
    }
}

#[derive(Clone, Serialize, Redact)]
#[serde(into = "Wire")]
struct Customer {
    #[redact(mask(last = 4))]
    ssn: String,
}

fn main() {}
