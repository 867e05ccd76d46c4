//! Customers: the record, its masked view, the rules a new one must pass,
//! and the in-memory store.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use secure_api::{Input, Redact};
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

/// A customer as stored and as answered:
/// `{"id","name","email","ssn","card_number","balance_cents"}`.
///
/// `#[derive(Redact)]` masks `ssn` and `card_number` in every response to a
/// caller who is not `admin` (`***-**-6789`, `************1111`), and in
/// `Debug` output always, so a customer never reaches a log in clear.
#[derive(Clone, PartialEq, Eq, Serialize, Redact)]
pub(crate) struct Customer {
    /// `c-` and a number, e.g. `c-1001`; equal to the `sub` of the customer's
    /// own token.
    pub(crate) id: String,
    /// Full name.
    pub(crate) name: String,
    /// E-mail address.
    pub(crate) email: String,
    /// US social security number, `123-45-6789`.
    #[redact(mask(last = 4), unless_role = "admin")]
    pub(crate) ssn: String,
    /// Payment card number, 12 to 19 digits.
    #[redact(mask(last = 4), unless_role = "admin")]
    pub(crate) card_number: String,
    /// Balance in US cents, at least 0.
    pub(crate) balance_cents: i64,
}

/// The answer of `GET /v1/reports/summary`: how many customers there are
/// and their total balance. Nothing in it is sensitive.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Redact)]
pub(crate) struct Summary {
    /// The number of customers.
    pub(crate) customers: usize,
    /// The sum of their balances, in US cents.
    pub(crate) total_balance_cents: i64,
}

/// The body of `POST /v1/customers`. The framework rejects unknown fields
/// (422 `unknown_field`), duplicate keys (400) and broken rules (422).
#[derive(Deserialize, Validate, Input)]
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

/// The in-memory customer store, seeded with three customers. Ids are
/// `c-` and a number; new customers get the next number.
/// `Debug` shows customers masked.
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

    /// The number of customers and the sum of their balances.
    pub(crate) fn summary(&self) -> Summary {
        let inner = self.lock();
        Summary {
            customers: inner.customers.len(),
            total_balance_cents: inner
                .customers
                .values()
                .map(|c| c.balance_cents)
                .fold(0i64, i64::saturating_add),
        }
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
    fn debug_masks_the_ssn_and_card_number() {
        let store = Store::seeded();
        let shown = format!("{:?}", store.get("c-1001"));
        assert!(shown.contains("***-**-4320"), "{shown}");
        assert!(
            !shown.contains("987-65-4320") && !shown.contains("4111111111111111"),
            "{shown}"
        );
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
