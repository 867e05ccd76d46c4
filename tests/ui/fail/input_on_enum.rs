use secure_api::Input;
use serde::Deserialize;

#[derive(Deserialize, Input)]
enum Choice {
    A,
    B,
}

fn main() {}
