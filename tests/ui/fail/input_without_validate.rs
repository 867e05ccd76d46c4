use secure_api::Input;
use serde::Deserialize;

#[derive(Deserialize, Input)]
struct NewCustomer {
    name: String,
}

fn main() {}
