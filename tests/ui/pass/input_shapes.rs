//! `#[derive(Input)]` with serde renaming, nested inputs through `Vec`,
//! `Option` and `Box`, flattened fields, struct-level rules and
//! `nest_all_fields`. Warnings are errors.
#![deny(warnings)]

use secure_api::Input;
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

#[derive(Deserialize, Validate, Input)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[validate(schema(function = "check_signup"))]
struct Signup {
    #[validate(length(min = 1))]
    display_name: String,
    #[serde(rename = "e-mail")]
    #[validate(email)]
    email_address: String,
    #[serde(rename(deserialize = "pwd", serialize = "password"))]
    #[validate(length(min = 12))]
    password: String,
    #[validate(nested)]
    home: Address,
    #[validate(nested)]
    others: Vec<Address>,
    #[validate(nested)]
    billing: Option<Address>,
    #[validate(nested)]
    boxed: Box<Address>,
    #[validate(length(max = 3), nested)]
    limited: Vec<Address>,
    #[serde(flatten)]
    #[validate(nested)]
    meta: Meta,
    #[validate(range(min = 1))]
    r#type: u8,
    #[serde(skip)]
    #[validate(skip)]
    cache: Option<String>,
}

fn check_signup(signup: &Signup) -> Result<(), ValidationError> {
    if signup.password == signup.display_name {
        return Err(ValidationError::new("password_is_name"));
    }
    Ok(())
}

/// `Serialize` too: `validator` reports a `Vec<Address>` that breaks
/// `length` with the value.
#[derive(Deserialize, Serialize, Validate, Input)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
struct Address {
    #[validate(length(equal = 5))]
    postal_code: String,
}

#[derive(Deserialize, Validate, Input)]
struct Meta {
    #[validate(length(max = 10))]
    source: String,
}

#[derive(Deserialize, Validate, Input)]
#[validate(nest_all_fields)]
struct Batch {
    first: Address,
    rest: Vec<Address>,
}

#[derive(Deserialize, Validate, Input)]
struct Empty {}

fn main() {
    fn input<T: Input>() {}
    input::<Signup>();
    input::<Address>();
    input::<Batch>();
    input::<Empty>();
    input::<Vec<Address>>();
}
