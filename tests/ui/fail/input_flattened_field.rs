use secure_api::Input;
use serde::Deserialize;
use validator::Validate;

#[derive(Deserialize, Validate, Input)]
struct Meta {
    #[validate(length(max = 10))]
    source: String,
}

#[derive(Deserialize, Validate, Input)]
struct Signup {
    #[validate(length(min = 1))]
    name: String,
    #[serde(flatten)]
    #[validate(nested)]
    meta: Meta,
}

fn main() {}
