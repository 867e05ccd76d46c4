secure_api::roles! {}

fn main() {}
