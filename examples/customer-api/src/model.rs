//! Customers: the record, its masked view, the rules a new one must pass,
//! and the in-memory store.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use secure_api::Principal;
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError, ValidationErrors};

use crate::roles;

/// A customer as stored and as answered:
/// `{"id","name","email","ssn","card_number","balance_cents"}`.
///
/// `Debug` masks `ssn` and `card_number`, so a customer never reaches a log
/// in clear.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Customer {
    /// `c-` and a number, e.g. `c-1001`; equal to the `sub` of the customer's
    /// own token.
    pub(crate) id: String,
    /// Full name.
    pub(crate) name: String,
    /// E-mail address.
    pub(crate) email: String,
    /// US social security number, `123-45-6789`.
    pub(crate) ssn: String,
    /// Payment card number, 12 to 19 digits.
    pub(crate) card_number: String,
    /// Balance in US cents, at least 0.
    pub(crate) balance_cents: i64,
}

impl Customer {
    /// The customer as `who` may see it: unchanged for an admin; for anyone
    /// else `ssn` becomes `***-**-` and its last 4 digits, and every digit of
    /// `card_number` but the last 4 becomes `*`.
    ///
    /// Written by hand for now: the next issue replaces this view with the
    /// framework's `#[derive(Redact)]`.
    pub(crate) fn redacted_for(&self, who: &Principal) -> Customer {
        if who.has_role(&roles::ADMIN) {
            return self.clone();
        }
        Customer {
            ssn: mask_ssn(&self.ssn),
            card_number: mask_card_number(&self.card_number),
            ..self.clone()
        }
    }
}

impl fmt::Debug for Customer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Customer")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("email", &self.email)
            .field("ssn", &mask_ssn(&self.ssn))
            .field("card_number", &mask_card_number(&self.card_number))
            .field("balance_cents", &self.balance_cents)
            .finish()
    }
}

/// `***-**-` and the last 4 characters of `ssn`.
fn mask_ssn(ssn: &str) -> String {
    let chars: Vec<char> = ssn.chars().collect();
    let last4: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("***-**-{last4}")
}

/// `card_number` with every digit but the last 4 replaced by `*`.
fn mask_card_number(card_number: &str) -> String {
    let digits = card_number.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    card_number
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen + 4 > digits { c } else { '*' }
        })
        .collect()
}

/// The body of `POST /v1/customers`. Unknown fields are rejected.
#[derive(Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewCustomer {
    /// 1 to 100 Unicode scalar values.
    #[validate(length(min = 1, max = 100))]
    name: String,
    /// A valid e-mail address.
    #[validate(email)]
    email: String,
    /// `^\d{3}-\d{2}-\d{4}$`, ASCII digits.
    #[validate(custom(function = "ssn"))]
    ssn: String,
    /// 12 to 19 ASCII digits passing the Luhn check.
    #[validate(custom(function = "card_number"))]
    card_number: String,
    /// At least 0.
    #[validate(range(min = 0))]
    balance_cents: i64,
}

/// Checks `^\d{3}-\d{2}-\d{4}$` with ASCII digits only.
///
/// # Errors
/// Code `ssn`.
fn ssn(value: &str) -> Result<(), ValidationError> {
    let bytes = value.as_bytes();
    let shaped = bytes.len() == 11
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 3 || i == 6 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if shaped {
        Ok(())
    } else {
        Err(ValidationError::new("ssn"))
    }
}

/// Checks 12 to 19 ASCII digits, then the Luhn checksum (ISO/IEC 7812-1
/// Annex B).
///
/// # Errors
/// Code `card_number` for the wrong characters or length, `luhn` for a
/// wrong check digit.
fn card_number(value: &str) -> Result<(), ValidationError> {
    if !(12..=19).contains(&value.len()) || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValidationError::new("card_number"));
    }
    let sum: u32 = value
        .bytes()
        .rev()
        .map(|b| u32::from(b - b'0'))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    if sum.is_multiple_of(10) {
        Ok(())
    } else {
        Err(ValidationError::new("luhn"))
    }
}

/// One broken rule of a request body or query: the field as named in the
/// JSON and the rule's code (`length`, `email`, `ssn`, `card_number`,
/// `luhn`, `range`, `required`, `unknown_field`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct FieldError {
    /// The field's name as it appears in the JSON.
    pub(crate) field: String,
    /// Which rule it broke.
    pub(crate) code: String,
}

/// Every broken rule of `errors`, sorted by field, then code.
pub(crate) fn field_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    let mut list: Vec<FieldError> = errors
        .field_errors()
        .into_iter()
        .flat_map(|(field, errs)| {
            errs.iter().map(move |e| FieldError {
                field: field.to_string(),
                code: e.code.to_string(),
            })
        })
        .collect();
    list.sort_by(|a, b| (&a.field, &a.code).cmp(&(&b.field, &b.code)));
    list
}

/// The in-memory customer store, seeded with three customers. Ids are
/// `c-` and a number; new customers get the next number.
#[derive(Debug)]
pub(crate) struct Store {
    /// The customers by number, and the next number.
    inner: Mutex<Inner>,
}

/// The state behind the store's lock.
#[derive(Debug)]
struct Inner {
    /// Customers by the number of their id, so listed in creation order.
    customers: BTreeMap<u64, Customer>,
    /// The number of the next new customer.
    next: u64,
}

impl Store {
    /// A store holding the test customers `c-1001` Ada Lovelace, `c-1002`
    /// Alan Turing and `c-1003` Grace Hopper (SSNs from the range reserved
    /// for advertising, card numbers from card networks' test ranges).
    pub(crate) fn seeded() -> Self {
        let seed = [
            (
                1001,
                "Ada Lovelace",
                "ada@example.com",
                "987-65-4320",
                "4111111111111111",
                125_000,
            ),
            (
                1002,
                "Alan Turing",
                "alan@example.com",
                "987-65-4321",
                "5555555555554444",
                98_050,
            ),
            (
                1003,
                "Grace Hopper",
                "grace@example.com",
                "987-65-4322",
                "378282246310005",
                310_000,
            ),
        ];
        let customers = seed
            .into_iter()
            .map(|(n, name, email, ssn, card, balance)| {
                let customer = Customer {
                    id: format!("c-{n}"),
                    name: name.into(),
                    email: email.into(),
                    ssn: ssn.into(),
                    card_number: card.into(),
                    balance_cents: balance,
                };
                (n, customer)
            })
            .collect();
        Self {
            inner: Mutex::new(Inner {
                customers,
                next: 1004,
            }),
        }
    }

    /// The first `limit` customers, in creation order.
    pub(crate) fn list(&self, limit: usize) -> Vec<Customer> {
        self.lock()
            .customers
            .values()
            .take(limit)
            .cloned()
            .collect()
    }

    /// The customer with `id`, if any.
    pub(crate) fn get(&self, id: &str) -> Option<Customer> {
        let n = number(id)?;
        self.lock().customers.get(&n).cloned()
    }

    /// Stores a validated new customer under the next id and returns it.
    pub(crate) fn create(&self, new: NewCustomer) -> Customer {
        let mut inner = self.lock();
        let n = inner.next;
        inner.next += 1;
        let customer = Customer {
            id: format!("c-{n}"),
            name: new.name,
            email: new.email,
            ssn: new.ssn,
            card_number: new.card_number,
            balance_cents: new.balance_cents,
        };
        inner.customers.insert(n, customer.clone());
        customer
    }

    /// Removes the customer with `id`; whether there was one.
    pub(crate) fn delete(&self, id: &str) -> bool {
        number(id).is_some_and(|n| self.lock().customers.remove(&n).is_some())
    }

    /// The state; a panic elsewhere while holding the lock leaves no
    /// half-written customer behind, so a poisoned lock is still usable.
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The number of the id `c-<number>`, written without leading zeros.
fn number(id: &str) -> Option<u64> {
    let n: u64 = id.strip_prefix("c-")?.parse().ok()?;
    (format!("c-{n}") == id).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_the_last_four_digits() {
        assert_eq!(mask_ssn("987-65-4320"), "***-**-4320");
        assert_eq!(mask_card_number("4111111111111111"), "************1111");
        assert_eq!(mask_card_number("378282246310005"), "***********0005");
    }

    #[test]
    fn card_numbers_need_digits_and_a_luhn_check_digit() {
        assert!(card_number("4111111111111111").is_ok());
        assert!(card_number("378282246310005").is_ok());
        assert_eq!(
            card_number("4111111111111112").err().map(|e| e.code),
            Some("luhn".into())
        );
        assert_eq!(
            card_number("41111111111").err().map(|e| e.code),
            Some("card_number".into())
        );
        assert_eq!(
            card_number("4111 1111 1111 1111").err().map(|e| e.code),
            Some("card_number".into())
        );
    }

    #[test]
    fn ssns_are_ascii_digits_in_three_groups() {
        assert!(ssn("987-65-4320").is_ok());
        for bad in [
            "987654320",
            "987-65-432",
            "987-65-43201",
            "98a-65-4320",
            "٩٨٧-٦٥-٤٣٢٠",
        ] {
            assert!(ssn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_are_canonical() {
        assert_eq!(number("c-1001"), Some(1001));
        for bad in ["c-01001", "c-+1001", "1001", "c-", "c-1001 "] {
            assert_eq!(number(bad), None, "{bad}");
        }
    }
}
