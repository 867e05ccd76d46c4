use secure_api::Input;
use serde::Deserialize;
use validator::Validate;

#[derive(Deserialize, Validate)]
struct Address {
    #[validate(length(equal = 5))]
    postal: String,
}

#[derive(Deserialize, Validate, Input)]
struct NewCustomer {
    #[validate(nested)]
    address: Address,
}

fn main() {}
