use secure_api::Input;
use serde::Deserialize;
use validator::Validate;

#[derive(Deserialize, Validate, Input)]
struct Address {
    #[validate(length(equal = 5))]
    postal: String,
}

#[derive(Deserialize, Validate, Input)]
struct NewCustomer {
    #[validate(length(min = 1))]
    name: String,
    billing: Option<Vec<Address>>,
}

fn main() {}
