//! `#[derive(Redact)]` on every shape serde writes: named, tuple, newtype
//! and unit structs; enums in each representation; renamed, skipped,
//! flattened and transparent fields; flattened enums of each
//! representation; fields written by `serialize_with` that say what happens
//! to them; skipped fields of foreign types; generic and borrowed types; and
//! types with no sensitive field at all. Warnings are errors: the generated
//! code must not trigger any.
#![deny(warnings)]

use std::collections::{BTreeMap, HashMap};

use secure_api::Redact;
use serde::Serialize;

secure_api::roles! { admin > editor > viewer; reporting; }

#[derive(Serialize, Redact)]
#[serde(rename_all = "camelCase")]
struct Customer {
    full_name: String,
    #[redact(mask(last = 4), unless_role = "admin")]
    ssn: String,
    #[redact(hide)]
    internal_notes: String,
    #[serde(rename = "card")]
    #[redact(mask(last = 4))]
    card_number: u64,
    #[serde(skip)]
    #[redact(hide, unless_role = "editor")]
    password_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[redact(mask(last = 0))]
    pin: Option<String>,
    address: Address,
    tags: Vec<String>,
    extra: serde_json::Value,
    r#type: String,
    #[redact(skip)]
    from: std::net::IpAddr,
    #[serde(flatten)]
    #[redact(skip)]
    more: HashMap<String, std::net::Ipv4Addr>,
}

#[derive(Serialize, Redact)]
struct Address {
    #[redact(mask(last = 3))]
    postal: String,
}

#[derive(Serialize, Redact)]
struct Ssn(#[redact(mask(last = 4))] String);

#[derive(Serialize, Redact)]
struct Pair(String, #[serde(skip)] u8, #[redact(hide, unless_role = "reporting")] String);

#[derive(Serialize, Redact)]
struct Marker;

#[derive(Serialize, Redact)]
struct Nothing {}

#[derive(Serialize, Redact)]
#[serde(transparent)]
struct Id {
    value: String,
}

#[derive(Serialize, Redact)]
struct Order {
    id: Id,
    #[serde(flatten)]
    buyer: Customer,
    #[serde(flatten)]
    extra: HashMap<String, String>,
}

#[derive(Serialize, Redact)]
#[serde(rename_all = "kebab-case", rename_all_fields = "SCREAMING_SNAKE_CASE")]
enum External {
    Unit,
    Newtype(#[redact(mask(last = 2))] String),
    Tuple(u8, #[redact(hide)] String),
    Struct {
        #[redact(hide, unless_role = "admin")]
        secret_value: String,
        open_value: String,
    },
    #[serde(rename = "other")]
    Nested(Customer),
    #[serde(skip)]
    #[allow(dead_code)]
    Skipped(String),
}

#[derive(Serialize, Redact)]
#[serde(tag = "kind")]
enum Internal {
    Unit,
    Newtype(#[redact(hide, unless_role = "admin")] Customer),
    Wrapped(Address),
    #[serde(rename_all = "UPPERCASE")]
    Struct {
        #[redact(mask(last = 1))]
        code: String,
    },
}

#[derive(Serialize, Redact)]
#[serde(tag = "t", content = "c", rename_all = "SCREAMING-KEBAB-CASE")]
enum Adjacent {
    Unit,
    Newtype(#[redact(mask(last = 4))] String),
    Tuple(#[redact(hide)] String, u8),
    Struct {
        #[redact(hide)]
        a: String,
    },
}

/// No attributes allowed inside, but its variants' types still redact.
#[derive(Serialize, Redact)]
#[serde(untagged)]
enum Untagged {
    Found(Customer),
    Missing { reason: String },
    Remote(#[redact(skip)] std::net::IpAddr),
    Nothing,
}

#[derive(Serialize, Redact)]
enum PartlyUntagged {
    Tagged(#[redact(hide)] String),
    #[serde(untagged)]
    Other(Address),
}

#[derive(Serialize, Redact)]
enum Never {}

#[derive(Serialize, Redact)]
struct Page<T, const N: usize> {
    items: Vec<T>,
    sizes: [u8; 2],
}

#[derive(Serialize, Redact)]
struct Borrowed<'a, T: ?Sized + Serialize> {
    #[redact(mask(last = 4))]
    card: &'a str,
    rest: &'a T,
}

#[derive(Serialize, Redact)]
struct Maps {
    by_id: HashMap<String, Customer>,
    ordered: BTreeMap<String, Box<Address>>,
    maybe: Option<Vec<Option<Customer>>>,
}

#[derive(Serialize, Redact)]
struct Flattened {
    id: u32,
    #[serde(flatten)]
    external: External,
    #[serde(flatten)]
    maybe: Option<PartlyUntagged>,
    #[serde(flatten)]
    internal: Internal,
    #[serde(flatten)]
    adjacent: Adjacent,
    #[serde(flatten)]
    untagged: Untagged,
}

fn as_text<S: serde::Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.to_string())
}

mod hex {
    pub fn serialize<S: serde::Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{value:x}"))
    }
}

#[derive(Serialize, Redact)]
struct WrittenByFunctions {
    #[serde(serialize_with = "as_text")]
    #[redact(skip)]
    id: u64,
    #[serde(with = "hex")]
    #[redact(mask(last = 2))]
    account: u64,
    #[serde(serialize_with = "as_text")]
    #[redact(hide, unless_role = "admin")]
    balance: u64,
    #[serde(skip, serialize_with = "as_text")]
    #[allow(dead_code)]
    never_written: u64,
}

fn main() {
    fn redactable<T: Redact + std::fmt::Debug + ?Sized>() {}
    redactable::<Customer>();
    redactable::<Ssn>();
    redactable::<Pair>();
    redactable::<Marker>();
    redactable::<Nothing>();
    redactable::<Order>();
    redactable::<External>();
    redactable::<Internal>();
    redactable::<Adjacent>();
    redactable::<Untagged>();
    redactable::<PartlyUntagged>();
    redactable::<Never>();
    redactable::<Page<Customer, 2>>();
    redactable::<Borrowed<'static, str>>();
    redactable::<Maps>();
    redactable::<Flattened>();
    redactable::<WrittenByFunctions>();
}
