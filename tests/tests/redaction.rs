//! `#[derive(Redact)]` for real: the JSON serde writes, redacted for viewers
//! holding different roles, compared exactly; and `Debug` output, which
//! never shows a secret.

use std::collections::{BTreeMap, HashMap};

use secure_api::redact::redacted;
use secure_api::{Redact, Viewer};
use serde::Serialize;
use serde_json::{Value, json};

secure_api::roles! { admin > editor > viewer; reporting; }

/// `value`'s JSON as a viewer holding `roles` receives it.
fn as_seen_by<T: Serialize + Redact>(value: &T, roles: &[&str]) -> Value {
    let roles: Vec<String> = roles.iter().map(|role| (*role).to_owned()).collect();
    redacted(value, &Viewer::with_roles(&roles)).unwrap_or_else(|e| panic!("serialising: {e}"))
}

const SSN: &str = "123-45-6789";
const CARD: &str = "4111111111111111";
const NOTES: &str = "VIP, prefers phone";

#[derive(Serialize, Redact)]
struct Customer {
    name: String,
    #[redact(mask(last = 4))]
    ssn: String,
    #[redact(mask(last = 4), unless_role = "admin")]
    card: String,
    #[redact(hide)]
    notes: String,
    #[redact(hide, unless_role = "admin")]
    risk: u8,
}

fn customer() -> Customer {
    Customer {
        name: "Ada".into(),
        ssn: SSN.into(),
        card: CARD.into(),
        notes: NOTES.into(),
        risk: 7,
    }
}

#[test]
fn masks_keep_the_last_characters_and_hidden_members_are_removed() {
    assert_eq!(
        as_seen_by(&customer(), &[]),
        json!({ "name": "Ada", "ssn": "***-**-6789", "card": "************1111" })
    );
}

#[test]
fn unless_role_shows_the_value_to_that_role_and_the_roles_above_only() {
    let for_admin = json!({
        "name": "Ada", "ssn": "***-**-6789", "card": CARD, "risk": 7
    });
    assert_eq!(as_seen_by(&customer(), &["admin"]), for_admin);
    let masked = json!({ "name": "Ada", "ssn": "***-**-6789", "card": "************1111" });
    for roles in [
        &["editor"][..],
        &["viewer"],
        &["reporting"],
        &["Admin"],
        &["editor", "viewer"],
    ] {
        assert_eq!(as_seen_by(&customer(), roles), masked, "{roles:?}");
    }
    // Holding admin among other roles is enough.
    assert_eq!(as_seen_by(&customer(), &["viewer", "admin"]), for_admin);
}

/// Roles declared above the one named see the value too.
#[derive(Serialize, Redact)]
struct Draft {
    #[redact(hide, unless_role = "editor")]
    body: String,
}

#[test]
fn a_role_above_unless_role_sees_the_value() {
    let draft = Draft {
        body: "text".into(),
    };
    assert_eq!(as_seen_by(&draft, &["admin"]), json!({ "body": "text" }));
    assert_eq!(as_seen_by(&draft, &["editor"]), json!({ "body": "text" }));
    assert_eq!(as_seen_by(&draft, &["viewer"]), json!({}));
}

#[derive(Serialize, Redact)]
struct Account {
    id: u32,
    /// A type of another crate: left as it is.
    #[redact(skip)]
    opened_from: std::net::IpAddr,
    owner: Customer,
    previous_owners: Vec<Customer>,
    co_owner: Option<Customer>,
    no_co_owner: Option<Customer>,
    by_branch: HashMap<String, Customer>,
    by_code: BTreeMap<String, Box<Customer>>,
}

#[test]
fn nested_types_redact_their_own_fields_through_vec_option_and_maps_and_skip_leaves_as_is() {
    let account = Account {
        id: 1,
        opened_from: std::net::IpAddr::from([203, 0, 113, 7]),
        owner: customer(),
        previous_owners: vec![customer(), customer()],
        co_owner: Some(customer()),
        no_co_owner: None,
        by_branch: HashMap::from([("north".to_owned(), customer())]),
        by_code: BTreeMap::from([("c1".to_owned(), Box::new(customer()))]),
    };
    let masked = json!({ "name": "Ada", "ssn": "***-**-6789", "card": "************1111" });
    assert_eq!(
        as_seen_by(&account, &["viewer"]),
        json!({
            "id": 1,
            "opened_from": "203.0.113.7",
            "owner": masked,
            "previous_owners": [masked, masked],
            "co_owner": masked,
            "no_co_owner": null,
            "by_branch": { "north": masked },
            "by_code": { "c1": masked },
        })
    );
    let json = as_seen_by(&account, &["admin"]);
    assert_eq!(json["previous_owners"][1]["card"], CARD);
    assert_eq!(json["by_branch"]["north"]["risk"], 7);
    assert_eq!(json["by_code"]["c1"]["ssn"], "***-**-6789");
}

#[derive(Serialize, Redact)]
#[serde(rename_all = "camelCase")]
struct Profile {
    display_name: String,
    #[redact(mask(last = 4))]
    phone_number: String,
    #[serde(rename = "e-mail")]
    #[redact(hide, unless_role = "admin")]
    email_address: String,
    #[serde(rename(serialize = "dob"))]
    #[redact(hide)]
    date_of_birth: String,
    #[serde(skip)]
    #[redact(hide)]
    #[allow(dead_code)]
    password_hash: String,
    home_address: Address,
}

#[derive(Serialize, Redact)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
struct Address {
    street_line: String,
    #[redact(mask(last = 2))]
    postal_code: String,
}

fn profile() -> Profile {
    Profile {
        display_name: "ada".into(),
        phone_number: "+44 20 7946 0018".into(),
        email_address: "ada@example.com".into(),
        date_of_birth: "1815-12-10".into(),
        password_hash: "$argon2id$secret".into(),
        home_address: Address {
            street_line: "12 St James's Square".into(),
            postal_code: "SW1Y 4JH".into(),
        },
    }
}

#[test]
fn members_are_found_under_the_names_serde_gives_them() {
    assert_eq!(
        as_seen_by(&profile(), &["editor"]),
        json!({
            "displayName": "ada",
            "phoneNumber": "+** ** **** 0018",
            "homeAddress": { "STREET-LINE": "12 St James's Square", "POSTAL-CODE": "**** *JH" },
        })
    );
    assert_eq!(
        as_seen_by(&profile(), &["admin"])["e-mail"],
        "ada@example.com"
    );
}

/// Externally tagged (serde's default), with every kind of variant.
#[derive(Serialize, Redact)]
#[serde(rename_all = "snake_case")]
enum Payment {
    Cash,
    Card {
        #[redact(mask(last = 4), unless_role = "admin")]
        number: String,
        holder: String,
    },
    #[serde(rename = "iban")]
    BankAccount(#[redact(mask(last = 4))] String),
    Voucher(String, #[redact(hide)] String),
    Customer(Customer),
}

#[test]
fn externally_tagged_enums() {
    let viewer = &["viewer"][..];
    assert_eq!(as_seen_by(&Payment::Cash, viewer), json!("cash"));
    let card = Payment::Card {
        number: CARD.into(),
        holder: "Ada".into(),
    };
    assert_eq!(
        as_seen_by(&card, viewer),
        json!({ "card": { "number": "************1111", "holder": "Ada" } })
    );
    assert_eq!(
        as_seen_by(&card, &["admin"]),
        json!({ "card": { "number": CARD, "holder": "Ada" } })
    );
    assert_eq!(
        as_seen_by(
            &Payment::BankAccount("GB33BUKB20201555555555".into()),
            &["admin"]
        ),
        json!({ "iban": "******************5555" })
    );
    assert_eq!(
        as_seen_by(&Payment::Voucher("V-1".into(), "PIN-4242".into()), viewer),
        json!({ "voucher": ["V-1", null] })
    );
    assert_eq!(
        as_seen_by(&Payment::Customer(customer()), viewer),
        json!({ "customer": { "name": "Ada", "ssn": "***-**-6789", "card": "************1111" } })
    );
}

/// Internally tagged: the fields sit next to the tag.
#[derive(Serialize, Redact)]
#[serde(
    tag = "kind",
    rename_all = "lowercase",
    rename_all_fields = "camelCase"
)]
enum Event {
    Login {
        user_name: String,
        #[redact(hide)]
        client_ip: String,
    },
    Purchase(Customer),
    Logout,
}

#[test]
fn internally_tagged_enums() {
    let login = Event::Login {
        user_name: "ada".into(),
        client_ip: "203.0.113.7".into(),
    };
    assert_eq!(
        as_seen_by(&login, &["admin"]),
        json!({ "kind": "login", "userName": "ada" })
    );
    assert_eq!(
        as_seen_by(&Event::Purchase(customer()), &[]),
        json!({ "kind": "purchase", "name": "Ada", "ssn": "***-**-6789", "card": "************1111" })
    );
    assert_eq!(as_seen_by(&Event::Logout, &[]), json!({ "kind": "logout" }));
}

/// Adjacently tagged: the variant's content under its own member.
#[derive(Serialize, Redact)]
#[serde(tag = "t", content = "c")]
enum Message {
    Text(String),
    Secret(#[redact(mask(last = 2), unless_role = "reporting")] String),
    Signed {
        body: String,
        #[redact(hide)]
        signature: String,
    },
    Ping,
}

#[test]
fn adjacently_tagged_enums() {
    assert_eq!(
        as_seen_by(&Message::Text("hello".into()), &[]),
        json!({ "t": "Text", "c": "hello" })
    );
    assert_eq!(
        as_seen_by(&Message::Secret("launch-42".into()), &["admin"]),
        json!({ "t": "Secret", "c": "******-42" })
    );
    assert_eq!(
        as_seen_by(&Message::Secret("launch-42".into()), &["reporting"]),
        json!({ "t": "Secret", "c": "launch-42" })
    );
    let signed = Message::Signed {
        body: "b".into(),
        signature: "sig".into(),
    };
    assert_eq!(
        as_seen_by(&signed, &["admin"]),
        json!({ "t": "Signed", "c": { "body": "b" } })
    );
    assert_eq!(as_seen_by(&Message::Ping, &[]), json!({ "t": "Ping" }));
}

/// Untagged: nothing says which variant it is, so it is redacted as each.
#[derive(Serialize, Redact)]
#[serde(untagged)]
enum Lookup {
    Found(Customer),
    Missing { reason: String },
}

#[test]
fn untagged_enums_are_redacted_as_each_variant() {
    assert_eq!(
        as_seen_by(&Lookup::Found(customer()), &[]),
        json!({ "name": "Ada", "ssn": "***-**-6789", "card": "************1111" })
    );
    assert_eq!(
        as_seen_by(
            &Lookup::Missing {
                reason: "gone".into()
            },
            &[]
        ),
        json!({ "reason": "gone" })
    );
}

/// Flattened fields: their own type redacts the parent object.
#[derive(Serialize, Redact)]
struct Order {
    id: u32,
    #[serde(flatten)]
    buyer: Customer,
}

/// Newtype and tuple structs.
#[derive(Serialize, Redact)]
struct Ssn(#[redact(mask(last = 4))] String);

#[derive(Serialize, Redact)]
struct Pair(String, #[redact(hide)] String);

#[derive(Serialize, Redact)]
#[serde(transparent)]
struct Wrapped {
    inner: Customer,
}

/// Generic types redact through their parameters.
#[derive(Serialize, Redact)]
struct Page<T> {
    items: Vec<T>,
    total: usize,
}

#[test]
fn flattened_newtype_tuple_transparent_and_generic_types() {
    let masked = json!({ "name": "Ada", "ssn": "***-**-6789", "card": "************1111" });
    assert_eq!(
        as_seen_by(
            &Order {
                id: 9,
                buyer: customer()
            },
            &[]
        ),
        json!({ "id": 9, "name": "Ada", "ssn": "***-**-6789", "card": "************1111" })
    );
    assert_eq!(
        as_seen_by(&Ssn(SSN.into()), &["admin"]),
        json!("***-**-6789")
    );
    assert_eq!(
        as_seen_by(&Pair("a".into(), "b".into()), &[]),
        json!(["a", null])
    );
    assert_eq!(as_seen_by(&Wrapped { inner: customer() }, &[]), masked);
    assert_eq!(
        as_seen_by(
            &Page {
                items: vec![customer()],
                total: 1
            },
            &[]
        ),
        json!({ "items": [masked], "total": 1 })
    );
}

/// An enum of each representation, `#[serde(flatten)]`ed into a struct:
/// its JSON sits among the struct's own members, and is redacted there.
#[derive(Serialize, Redact)]
enum Ext {
    A {
        #[redact(mask(last = 4))]
        ssn: String,
    },
    B(#[redact(hide)] String),
    C(Customer),
    D,
}

#[derive(Serialize, Redact)]
struct FlatExtEnum {
    id: u32,
    #[serde(flatten)]
    kind: Ext,
}

#[derive(Serialize, Redact)]
struct FlatOptionalExtEnum {
    id: u32,
    #[serde(flatten)]
    kind: Option<Ext>,
}

#[derive(Serialize, Redact)]
#[serde(tag = "type")]
enum Int {
    A {
        #[redact(mask(last = 4))]
        ssn: String,
    },
    C(Customer),
}

#[derive(Serialize, Redact)]
struct FlatIntEnum {
    id: u32,
    #[serde(flatten)]
    kind: Int,
}

#[derive(Serialize, Redact)]
#[serde(tag = "t", content = "c")]
enum Adj {
    A {
        #[redact(mask(last = 4))]
        ssn: String,
    },
}

#[derive(Serialize, Redact)]
struct FlatAdjEnum {
    id: u32,
    #[serde(flatten)]
    kind: Adj,
}

#[derive(Serialize, Redact)]
#[serde(untagged)]
enum Unt {
    Found(Customer),
    Missing { reason: String },
}

#[derive(Serialize, Redact)]
struct FlatUntEnum {
    id: u32,
    #[serde(flatten)]
    kind: Unt,
}

/// Externally tagged with an untagged variant: flattened, the untagged
/// variant's members sit among the struct's own.
#[derive(Serialize, Redact)]
enum Mixed {
    A {
        #[redact(mask(last = 4))]
        ssn: String,
    },
    #[serde(untagged)]
    Other(Customer),
}

#[derive(Serialize, Redact)]
struct FlatMixedEnum {
    id: u32,
    #[serde(flatten)]
    kind: Mixed,
}

fn ext_a() -> Ext {
    Ext::A { ssn: SSN.into() }
}

#[test]
fn a_flattened_externally_tagged_enum_is_redacted_among_the_struct_members() {
    let viewer = &["viewer"][..];
    let masked = json!({ "name": "Ada", "ssn": "***-**-6789", "card": "************1111" });
    let flat = |kind| FlatExtEnum { id: 1, kind };
    assert_eq!(
        as_seen_by(&flat(ext_a()), viewer),
        json!({ "id": 1, "A": { "ssn": "***-**-6789" } })
    );
    assert_eq!(
        as_seen_by(&flat(Ext::B("PIN-4242".into())), viewer),
        json!({ "id": 1, "B": null })
    );
    assert_eq!(
        as_seen_by(&flat(Ext::C(customer())), viewer),
        json!({ "id": 1, "C": masked })
    );
    assert_eq!(as_seen_by(&flat(Ext::D), viewer)["id"], 1);
    let optional = |kind| FlatOptionalExtEnum { id: 2, kind };
    assert_eq!(
        as_seen_by(&optional(Some(ext_a())), viewer),
        json!({ "id": 2, "A": { "ssn": "***-**-6789" } })
    );
    assert_eq!(
        as_seen_by(&optional(Some(Ext::C(customer()))), viewer),
        json!({ "id": 2, "C": masked })
    );
    assert_eq!(as_seen_by(&optional(None), viewer), json!({ "id": 2 }));
    // Standalone, as before: one member, the variant's.
    assert_eq!(
        as_seen_by(&ext_a(), viewer),
        json!({ "A": { "ssn": "***-**-6789" } })
    );
}

#[test]
fn flattened_internally_adjacently_and_untagged_enums_are_redacted() {
    let masked_customer =
        json!({ "name": "Ada", "ssn": "***-**-6789", "card": "************1111" });
    assert_eq!(
        as_seen_by(
            &FlatIntEnum {
                id: 1,
                kind: Int::A { ssn: SSN.into() }
            },
            &[]
        ),
        json!({ "id": 1, "type": "A", "ssn": "***-**-6789" })
    );
    assert_eq!(
        as_seen_by(
            &FlatIntEnum {
                id: 1,
                kind: Int::C(customer())
            },
            &[]
        ),
        json!({ "id": 1, "type": "C", "name": "Ada", "ssn": "***-**-6789", "card": "************1111" })
    );
    assert_eq!(
        as_seen_by(
            &FlatAdjEnum {
                id: 1,
                kind: Adj::A { ssn: SSN.into() }
            },
            &[]
        ),
        json!({ "id": 1, "t": "A", "c": { "ssn": "***-**-6789" } })
    );
    assert_eq!(
        as_seen_by(
            &FlatUntEnum {
                id: 1,
                kind: Unt::Found(customer())
            },
            &[]
        ),
        json!({ "id": 1, "name": "Ada", "ssn": "***-**-6789", "card": "************1111" })
    );
    assert_eq!(
        as_seen_by(
            &FlatUntEnum {
                id: 1,
                kind: Unt::Missing {
                    reason: "gone".into()
                }
            },
            &[]
        ),
        json!({ "id": 1, "reason": "gone" })
    );
    assert_eq!(
        as_seen_by(
            &FlatMixedEnum {
                id: 1,
                kind: Mixed::A { ssn: SSN.into() }
            },
            &[]
        ),
        json!({ "id": 1, "A": { "ssn": "***-**-6789" } })
    );
    assert_eq!(
        as_seen_by(
            &FlatMixedEnum {
                id: 1,
                kind: Mixed::Other(customer())
            },
            &[]
        ),
        json!({ "id": 1, "name": "Ada", "ssn": "***-**-6789", "card": "************1111" })
    );
    assert_eq!(as_seen_by(&Mixed::Other(customer()), &[]), masked_customer);
}

#[test]
fn debug_never_shows_a_secret_whoever_reads_it() {
    let printed = [
        format!("{:?}", customer()),
        format!("{:#?}", customer()),
        format!("{:?}", profile()),
        format!(
            "{:?}",
            Payment::Card {
                number: CARD.into(),
                holder: "Ada".into()
            }
        ),
        format!("{:?}", Payment::Voucher("V-1".into(), "PIN-4242".into())),
        format!("{:?}", Message::Secret("launch-42".into())),
        format!("{:?}", Ssn(SSN.into())),
        format!(
            "{:?}",
            Page {
                items: vec![customer()],
                total: 1
            }
        ),
    ];
    for text in &printed {
        for secret in [
            SSN,
            CARD,
            NOTES,
            "PIN-4242",
            "launch",
            "ada@example.com",
            "argon2id",
            "7946",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    assert_eq!(
        printed[0],
        r#"Customer { name: "Ada", ssn: "***-**-6789", card: "************1111", notes: [REDACTED], risk: [REDACTED] }"#
    );
    assert_eq!(printed[4], r#"Voucher("V-1", [REDACTED])"#);
    assert_eq!(printed[6], r#"Ssn("***-**-6789")"#);
    assert_eq!(format!("{:?}", Payment::Cash), "Cash");
}

/// `value`'s JSON for `roles` by each of the three ways: written redacted
/// as bytes (what responses do), written redacted into a `Value`, and
/// serialised then redacted in place with `Redact::redact_json`. Fails
/// unless all three agree; returns the bytes, as text.
fn every_way<T: Serialize + Redact>(value: &T, roles: &[&str]) -> String {
    let roles: Vec<String> = roles.iter().map(|role| (*role).to_owned()).collect();
    let viewer = Viewer::with_roles(&roles);
    let bytes = secure_api::redact::to_vec(value, &viewer).unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8(bytes).unwrap_or_else(|e| panic!("{e}"));
    let written: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let streamed = redacted(value, &viewer).unwrap_or_else(|e| panic!("{e}"));
    let mut in_place = serde_json::to_value(value).unwrap_or_else(|e| panic!("{e}"));
    T::redact_json(&mut in_place, &viewer);
    assert_eq!(written, streamed, "{text}");
    assert_eq!(written, in_place, "{text}");
    text
}

#[test]
fn responses_are_written_in_serde_order_without_the_hidden_members() {
    assert_eq!(
        every_way(&customer(), &[]),
        r#"{"name":"Ada","ssn":"***-**-6789","card":"************1111"}"#
    );
    assert_eq!(
        every_way(&customer(), &["admin"]),
        r#"{"name":"Ada","ssn":"***-**-6789","card":"4111111111111111","risk":7}"#
    );
    // A hidden member first, then more members.
    #[derive(Serialize, Redact)]
    struct HiddenFirst {
        #[redact(hide)]
        token: String,
        id: u32,
        #[redact(hide, unless_role = "admin")]
        pin: String,
        name: String,
    }
    let hidden = HiddenFirst {
        token: "t0k3n".into(),
        id: 1,
        pin: "4242".into(),
        name: "Ada".into(),
    };
    assert_eq!(every_way(&hidden, &[]), r#"{"id":1,"name":"Ada"}"#);
    assert_eq!(
        every_way(&hidden, &["admin"]),
        r#"{"id":1,"pin":"4242","name":"Ada"}"#
    );
}

/// A type that contains itself, directly and through a newtype.
#[derive(Serialize, Redact)]
struct Folder {
    name: String,
    #[redact(mask(last = 2))]
    owner: String,
    children: Vec<Folder>,
    parent: Option<Box<Folder>>,
    link: Link,
}

#[derive(Serialize, Redact)]
struct Link(Option<Box<Folder>>);

/// A type that in JSON is only itself: its plan leads back to itself.
#[derive(Serialize, Redact)]
struct Nest(Option<Box<Nest>>);

fn folder(name: &str, children: Vec<Folder>) -> Folder {
    Folder {
        name: name.into(),
        owner: "ada-01".into(),
        children,
        parent: None,
        link: Link(None),
    }
}

#[test]
fn recursive_types_are_redacted_at_every_depth() {
    let mut tree = folder("root", vec![folder("a", vec![folder("a1", vec![])])]);
    tree.link = Link(Some(Box::new(folder("linked", vec![]))));
    tree.parent = Some(Box::new(folder("up", vec![])));
    let leaf = r#"{"name":"a1","owner":"***-01","children":[],"parent":null,"link":null}"#;
    let a =
        format!(r#"{{"name":"a","owner":"***-01","children":[{leaf}],"parent":null,"link":null}}"#);
    let up = r#"{"name":"up","owner":"***-01","children":[],"parent":null,"link":null}"#;
    let linked = r#"{"name":"linked","owner":"***-01","children":[],"parent":null,"link":null}"#;
    assert_eq!(
        every_way(&tree, &["admin"]),
        format!(
            r#"{{"name":"root","owner":"***-01","children":[{a}],"parent":{up},"link":{linked}}}"#
        )
    );
    let nest = Nest(Some(Box::new(Nest(Some(Box::new(Nest(None)))))));
    assert_eq!(every_way(&nest, &[]), "null");
}

/// Newtypes with a rule, as map values, array elements and tuple members:
/// hidden values that are not members become `null`.
#[derive(Serialize, Redact)]
struct Pin(#[redact(hide)] String);

#[derive(Serialize, Redact)]
struct Wallet {
    ssns: BTreeMap<String, Ssn>,
    pins: BTreeMap<String, Pin>,
    customers: BTreeMap<u32, Vec<Customer>>,
    list: Vec<Option<Ssn>>,
    pair: (Ssn, Pin, u8),
    #[redact(mask(last = 4))]
    card: u64,
    #[redact(mask(last = 1))]
    flags: Vec<bool>,
    #[redact(mask(last = 2))]
    nothing: Option<String>,
    #[redact(mask(last = 2))]
    address: Address,
}

#[test]
fn maps_arrays_and_tuples_of_redactable_values() {
    let wallet = Wallet {
        ssns: BTreeMap::from([("home".to_owned(), Ssn(SSN.into()))]),
        pins: BTreeMap::from([("bank".to_owned(), Pin("1234".into()))]),
        customers: BTreeMap::from([(7, vec![customer()])]),
        list: vec![Some(Ssn(SSN.into())), None],
        pair: (Ssn(SSN.into()), Pin("1234".into()), 3),
        card: 4_111_111_111_111_111,
        flags: vec![true, false],
        nothing: None,
        address: profile().home_address,
    };
    let masked = r#"{"name":"Ada","ssn":"***-**-6789","card":"************1111"}"#;
    assert_eq!(
        every_way(&wallet, &["viewer"]),
        format!(
            r#"{{"ssns":{{"home":"***-**-6789"}},"pins":{{"bank":null}},"customers":{{"7":[{masked}]}},"list":["***-**-6789",null],"pair":["***-**-6789",null,3],"card":"************1111","flags":["***e","****e"],"nothing":null,"address":"[REDACTED]"}}"#
        )
    );
}

#[test]
fn every_shape_reads_the_same_whichever_way_it_is_redacted() {
    let masked = r#"{"name":"Ada","ssn":"***-**-6789","card":"************1111"}"#;
    for roles in [&[][..], &["viewer"], &["admin"], &["reporting"]] {
        every_way(&profile(), roles);
        every_way(
            &Payment::Card {
                number: CARD.into(),
                holder: "Ada".into(),
            },
            roles,
        );
        every_way(&Payment::Cash, roles);
        every_way(&Payment::Voucher("V-1".into(), "PIN-4242".into()), roles);
        every_way(&Payment::Customer(customer()), roles);
        every_way(&Event::Purchase(customer()), roles);
        every_way(&Event::Logout, roles);
        every_way(&Message::Secret("launch-42".into()), roles);
        every_way(&Message::Ping, roles);
        every_way(&Lookup::Found(customer()), roles);
        every_way(&Ssn(SSN.into()), roles);
        every_way(&Pair("a".into(), "b".into()), roles);
        every_way(&Wrapped { inner: customer() }, roles);
        every_way(&FlatOptionalExtEnum { id: 2, kind: None }, roles);
        every_way(
            &FlatMixedEnum {
                id: 1,
                kind: Mixed::Other(customer()),
            },
            roles,
        );
    }
    assert_eq!(
        every_way(
            &Event::Login {
                user_name: "ada".into(),
                client_ip: "203.0.113.7".into(),
            },
            &[]
        ),
        r#"{"kind":"login","userName":"ada"}"#
    );
    assert_eq!(
        every_way(&Event::Purchase(customer()), &[]),
        format!(r#"{{"kind":"purchase",{}"#, &masked[1..])
    );
    assert_eq!(
        every_way(
            &Message::Signed {
                body: "b".into(),
                signature: "sig".into(),
            },
            &[]
        ),
        r#"{"t":"Signed","c":{"body":"b"}}"#
    );
    assert_eq!(
        every_way(&Payment::Voucher("V-1".into(), "PIN-4242".into()), &[]),
        r#"{"voucher":["V-1",null]}"#
    );
}

/// Internally tagged newtype variants with a rule: every member but the
/// tag is masked or removed. A rule takes the place of the type's own
/// redaction: whoever the rule lets see the value sees all of it.
#[derive(Serialize, Redact)]
#[serde(tag = "kind")]
enum Record {
    Hidden(#[redact(hide, unless_role = "admin")] Customer),
    Masked(#[redact(mask(last = 2))] BTreeMap<String, String>),
}

/// An internally tagged enum inside another.
#[derive(Serialize, Redact)]
#[serde(tag = "outer")]
enum Outer {
    Nested(Event),
}

#[test]
fn internally_tagged_newtypes_with_a_rule_keep_only_the_tag() {
    assert_eq!(
        every_way(&Record::Hidden(customer()), &["editor"]),
        r#"{"kind":"Hidden"}"#
    );
    assert_eq!(
        every_way(&Record::Hidden(customer()), &["admin"]),
        format!(
            r#"{{"kind":"Hidden","name":"Ada","ssn":"{SSN}","card":"{CARD}","notes":"{NOTES}","risk":7}}"#
        )
    );
    let codes = BTreeMap::from([("a".to_owned(), "1234".to_owned())]);
    assert_eq!(
        every_way(&Record::Masked(codes), &[]),
        r#"{"kind":"Masked","a":"**34"}"#
    );
    // An internally tagged enum inside another: redacted as a `Value`.
    let login = Event::Login {
        user_name: "ada".into(),
        client_ip: "203.0.113.7".into(),
    };
    assert_eq!(
        serde_json::from_str::<Value>(&every_way(&Outer::Nested(login), &[]))
            .unwrap_or_else(|e| panic!("{e}")),
        json!({ "outer": "Nested", "kind": "login", "userName": "ada" })
    );
}
