//! `#[derive(Input)]` with serde renaming, nested inputs through `Vec`,
//! `Option` and `Box`, struct-level rules and `nest_all_fields`; fields
//! holding an input that opt out with `#[validate(skip)]` or
//! `#[serde(skip)]`, and generic fields, which the missing-`nested` check
//! leaves alone. Warnings are errors.
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
    #[validate(nested)]
    meta: Option<Vec<Meta>>,
    /// Holds an input, deliberately not checked.
    #[validate(skip)]
    legacy: Option<Address>,
    #[validate(range(min = 1))]
    r#type: u8,
    #[serde(skip)]
    #[validate(skip)]
    cache: Option<String>,
    /// Never read from the request.
    #[serde(skip)]
    #[allow(dead_code)]
    computed: Option<Address>,
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

/// A field of a generic type: what it holds is known only where the struct
/// is used, so it is not checked for a missing `nested`.
#[derive(Deserialize, Validate, Input)]
struct Envelope<T> {
    #[validate(length(max = 8))]
    kind: String,
    body: T,
    bodies: Vec<T>,
}

fn main() {
    fn input<T: Input>() {}
    input::<Signup>();
    input::<Address>();
    input::<Batch>();
    input::<Empty>();
    input::<Vec<Address>>();
    input::<Envelope<String>>();
    input::<Envelope<Address>>();
}
