//! What `#[serde(...)]` says about a type's JSON form: the names of members
//! and variants (`rename`, `rename_all`, `rename_all_fields`, in both
//! directions), the representation of an enum (`tag`, `content`,
//! `untagged`), the fields that are skipped (always, or by
//! `skip_serializing_if`) or flattened, and the
//! attributes that hand serialisation to other code (`into`, `try_into`,
//! `remote`, `serialize_with`, `with`).
//!
//! The derives of this crate work on the JSON that serde writes or reads, so
//! they must name things exactly as serde does; the renaming rules are those
//! of `serde_derive`'s `internals/case.rs`. Attributes that serde would
//! reject are ignored here: serde reports them itself, and a second error
//! about the same token would only be noise.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, Meta, Token};

/// Which way the JSON goes: written from a value (responses) or read into
/// one (requests). serde can name a member differently each way.
#[derive(Clone, Copy)]
pub(crate) enum Direction {
    /// `Serialize`: the names in responses.
    Serialize,
    /// `Deserialize`: the names in requests.
    Deserialize,
}

/// A value that may differ between the two directions.
#[derive(Clone, Default)]
pub(crate) struct Both<T> {
    /// When serialising.
    pub(crate) ser: T,
    /// When deserialising.
    pub(crate) de: T,
}

impl<T> Both<T> {
    /// The value for `direction`.
    pub(crate) fn get(&self, direction: Direction) -> &T {
        match direction {
            Direction::Serialize => &self.ser,
            Direction::Deserialize => &self.de,
        }
    }
}

/// A `rename_all` rule.
#[derive(Clone, Copy, Default)]
pub(crate) enum RenameRule {
    /// No rule: names as written in Rust.
    #[default]
    None,
    /// `lowercase`.
    Lower,
    /// `UPPERCASE`.
    Upper,
    /// `PascalCase`.
    Pascal,
    /// `camelCase`.
    Camel,
    /// `snake_case`.
    Snake,
    /// `SCREAMING_SNAKE_CASE`.
    ScreamingSnake,
    /// `kebab-case`.
    Kebab,
    /// `SCREAMING-KEBAB-CASE`.
    ScreamingKebab,
}

impl RenameRule {
    /// The rule named `name`, as serde spells it; `None` (no rule) for a
    /// name serde does not know, which serde reports.
    fn from_name(name: &str) -> Self {
        match name {
            "lowercase" => RenameRule::Lower,
            "UPPERCASE" => RenameRule::Upper,
            "PascalCase" => RenameRule::Pascal,
            "camelCase" => RenameRule::Camel,
            "snake_case" => RenameRule::Snake,
            "SCREAMING_SNAKE_CASE" => RenameRule::ScreamingSnake,
            "kebab-case" => RenameRule::Kebab,
            "SCREAMING-KEBAB-CASE" => RenameRule::ScreamingKebab,
            _ => RenameRule::None,
        }
    }

    /// The name of a variant (written `PascalCase` in Rust) under this rule.
    pub(crate) fn apply_to_variant(self, variant: &str) -> String {
        match self {
            RenameRule::None | RenameRule::Pascal => variant.to_owned(),
            RenameRule::Lower => variant.to_ascii_lowercase(),
            RenameRule::Upper => variant.to_ascii_uppercase(),
            RenameRule::Camel => {
                let mut chars = variant.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            }
            RenameRule::Snake => {
                let mut snake = String::new();
                for (index, c) in variant.char_indices() {
                    if index > 0 && c.is_uppercase() {
                        snake.push('_');
                    }
                    snake.push(c.to_ascii_lowercase());
                }
                snake
            }
            RenameRule::ScreamingSnake => RenameRule::Snake
                .apply_to_variant(variant)
                .to_ascii_uppercase(),
            RenameRule::Kebab => RenameRule::Snake
                .apply_to_variant(variant)
                .replace('_', "-"),
            RenameRule::ScreamingKebab => RenameRule::ScreamingSnake
                .apply_to_variant(variant)
                .replace('_', "-"),
        }
    }

    /// The name of a field (written `snake_case` in Rust) under this rule.
    pub(crate) fn apply_to_field(self, field: &str) -> String {
        match self {
            RenameRule::None | RenameRule::Lower | RenameRule::Snake => field.to_owned(),
            RenameRule::Upper | RenameRule::ScreamingSnake => field.to_ascii_uppercase(),
            RenameRule::Pascal => {
                let mut pascal = String::new();
                let mut capitalize = true;
                for c in field.chars() {
                    if c == '_' {
                        capitalize = true;
                    } else if capitalize {
                        pascal.push(c.to_ascii_uppercase());
                        capitalize = false;
                    } else {
                        pascal.push(c);
                    }
                }
                pascal
            }
            RenameRule::Camel => {
                let pascal = RenameRule::Pascal.apply_to_field(field);
                let mut chars = pascal.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            }
            RenameRule::Kebab => field.replace('_', "-"),
            RenameRule::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
        }
    }
}

/// How an enum is written in JSON.
#[derive(Clone)]
pub(crate) enum Repr {
    /// The default: `{"Variant": content}`, and a unit variant as `"Variant"`.
    External,
    /// `#[serde(tag = "t")]`: `{"t": "Variant", ..fields}`.
    Internal {
        /// The tag member's name.
        tag: String,
    },
    /// `#[serde(tag = "t", content = "c")]`: `{"t": "Variant", "c": content}`.
    Adjacent {
        /// The tag member's name.
        tag: String,
        /// The content member's name.
        content: String,
    },
    /// `#[serde(untagged)]`: the content alone, with nothing naming the variant.
    Untagged,
}

/// The `#[serde(...)]` attributes of a struct or enum.
pub(crate) struct Container {
    /// `rename_all`: the rule for the fields of a struct, or the variants of
    /// an enum.
    pub(crate) rename_all: Both<RenameRule>,
    /// `rename_all_fields`: the rule for the fields of every struct variant
    /// of an enum.
    pub(crate) rename_all_fields: Both<RenameRule>,
    /// The representation of an enum (`External` for a struct).
    pub(crate) repr: Repr,
    /// `transparent`: written as its one field.
    pub(crate) transparent: bool,
    /// `into`, `try_into` or `remote`: the JSON is another type's; the key
    /// as written, where an error about it points.
    pub(crate) foreign_form: Option<Ident>,
}

/// The `#[serde(...)]` attributes of an enum variant.
#[derive(Default)]
pub(crate) struct Variant {
    /// `rename`.
    pub(crate) rename: Both<Option<String>>,
    /// `rename_all`: the rule for the fields of this variant.
    pub(crate) rename_all: Both<Option<RenameRule>>,
    /// `untagged`: this variant is written without a tag.
    pub(crate) untagged: Option<Span>,
}

/// The `#[serde(...)]` attributes of a field.
#[derive(Default)]
pub(crate) struct Field {
    /// `rename`.
    pub(crate) rename: Both<Option<String>>,
    /// `skip`, `skip_serializing` / `skip_deserializing`: absent from the
    /// JSON that way.
    pub(crate) skip: Both<bool>,
    /// `flatten`: the keyword, where an error about it points.
    pub(crate) flatten: Option<Span>,
    /// `skip_serializing_if`: serde may leave the member out.
    pub(crate) skip_serializing_if: bool,
    /// `serialize_with` or `with`: the field is written by a function, in
    /// whatever shape it chooses; the key as written.
    pub(crate) serialize_with: Option<Ident>,
}

impl Container {
    /// Reads the `#[serde(...)]` attributes of a struct or enum.
    pub(crate) fn from_attrs(attrs: &[Attribute]) -> Self {
        let mut container = Container {
            rename_all: Both::default(),
            rename_all_fields: Both::default(),
            repr: Repr::External,
            transparent: false,
            foreign_form: None,
        };
        let mut tag = None;
        let mut content = None;
        let mut untagged = false;
        for meta in serde_metas(attrs) {
            match key(&meta).as_deref() {
                Some("rename_all") => {
                    set_both(&mut container.rename_all, &meta, |name| {
                        RenameRule::from_name(&name)
                    });
                }
                Some("rename_all_fields") => {
                    set_both(&mut container.rename_all_fields, &meta, |name| {
                        RenameRule::from_name(&name)
                    });
                }
                Some("tag") => tag = string(&meta),
                Some("content") => content = string(&meta),
                Some("untagged") => untagged = true,
                Some("transparent") => container.transparent = true,
                Some("into" | "try_into" | "remote") if container.foreign_form.is_none() => {
                    container.foreign_form = meta.path().get_ident().cloned();
                }
                _ => {}
            }
        }
        container.repr = match (tag, content, untagged) {
            (_, _, true) => Repr::Untagged,
            (Some(tag), Some(content), false) => Repr::Adjacent { tag, content },
            (Some(tag), None, false) => Repr::Internal { tag },
            (None, _, false) => Repr::External,
        };
        container
    }
}

impl Variant {
    /// Reads the `#[serde(...)]` attributes of a variant.
    pub(crate) fn from_attrs(attrs: &[Attribute]) -> Self {
        let mut variant = Variant::default();
        for meta in serde_metas(attrs) {
            match key(&meta).as_deref() {
                Some("rename") => set_both(&mut variant.rename, &meta, Some),
                Some("rename_all") => set_both(&mut variant.rename_all, &meta, |name| {
                    Some(RenameRule::from_name(&name))
                }),
                Some("untagged") => {
                    variant.untagged = Some(
                        meta.path()
                            .get_ident()
                            .map_or_else(Span::call_site, Ident::span),
                    )
                }
                _ => {}
            }
        }
        variant
    }

    /// The variant's name in JSON: its `rename`, or its Rust name under
    /// the enum's `rename_all`.
    pub(crate) fn name(
        &self,
        ident: &Ident,
        container: &Container,
        direction: Direction,
    ) -> String {
        self.rename.get(direction).clone().unwrap_or_else(|| {
            container
                .rename_all
                .get(direction)
                .apply_to_variant(&ident.unraw().to_string())
        })
    }

    /// The rule for this variant's fields: its own `rename_all`, else the
    /// enum's `rename_all_fields`.
    pub(crate) fn field_rule(&self, container: &Container, direction: Direction) -> RenameRule {
        self.rename_all
            .get(direction)
            .unwrap_or(*container.rename_all_fields.get(direction))
    }
}

impl Field {
    /// Reads the `#[serde(...)]` attributes of a field.
    pub(crate) fn from_attrs(attrs: &[Attribute]) -> Self {
        let mut field = Field::default();
        for meta in serde_metas(attrs) {
            match key(&meta).as_deref() {
                Some("rename") => set_both(&mut field.rename, &meta, Some),
                Some("skip") => {
                    field.skip = Both {
                        ser: true,
                        de: true,
                    }
                }
                Some("skip_serializing") => field.skip.ser = true,
                Some("skip_deserializing") => field.skip.de = true,
                Some("skip_serializing_if") => field.skip_serializing_if = true,
                Some("flatten") => {
                    field.flatten = Some(
                        meta.path()
                            .get_ident()
                            .map_or_else(Span::call_site, Ident::span),
                    );
                }
                Some("serialize_with" | "with") if field.serialize_with.is_none() => {
                    field.serialize_with = meta.path().get_ident().cloned();
                }
                _ => {}
            }
        }
        field
    }

    /// The member's name in JSON: its `rename`, or its Rust name under
    /// `rule`.
    pub(crate) fn name(&self, ident: &Ident, rule: RenameRule, direction: Direction) -> String {
        self.rename
            .get(direction)
            .clone()
            .unwrap_or_else(|| rule.apply_to_field(&ident.unraw().to_string()))
    }
}

/// Every `key`, `key = ..` and `key(..)` inside the `#[serde(...)]`
/// attributes, in order. An attribute that does not parse is skipped.
fn serde_metas(attrs: &[Attribute]) -> Vec<Meta> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
        .filter_map(|attr| {
            attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
                .ok()
        })
        .flatten()
        .collect()
}

/// The key of a meta item, when it is a single identifier.
fn key(meta: &Meta) -> Option<String> {
    meta.path()
        .get_ident()
        .map(|ident| ident.unraw().to_string())
}

/// The string of `key = "value"`.
fn string(meta: &Meta) -> Option<String> {
    match meta {
        Meta::NameValue(name_value) => match &name_value.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) => Some(lit.value()),
            _ => None,
        },
        _ => None,
    }
}

/// Sets `both` from `key = "value"` (both directions) or
/// `key(serialize = "a", deserialize = "b")` (each on its own).
fn set_both<T>(both: &mut Both<T>, meta: &Meta, convert: impl Fn(String) -> T) {
    match meta {
        Meta::NameValue(_) => {
            if let Some(value) = string(meta) {
                both.ser = convert(value.clone());
                both.de = convert(value);
            }
        }
        Meta::List(list) => {
            let Ok(inner) =
                Punctuated::<Meta, Token![,]>::parse_terminated.parse2(list.tokens.clone())
            else {
                return;
            };
            for meta in &inner {
                match (key(meta).as_deref(), string(meta)) {
                    (Some("serialize"), Some(value)) => both.ser = convert(value),
                    (Some("deserialize"), Some(value)) => both.de = convert(value),
                    _ => {}
                }
            }
        }
        Meta::Path(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::RenameRule;

    /// Every rule on a field and on a variant, as serde's own tests.
    #[test]
    fn renaming_rules_match_serde() {
        let rules = [
            RenameRule::None,
            RenameRule::Lower,
            RenameRule::Upper,
            RenameRule::Pascal,
            RenameRule::Camel,
            RenameRule::Snake,
            RenameRule::ScreamingSnake,
            RenameRule::Kebab,
            RenameRule::ScreamingKebab,
        ];
        let fields = [
            (
                "outcome",
                [
                    "outcome", "outcome", "OUTCOME", "Outcome", "outcome", "outcome", "OUTCOME",
                    "outcome", "OUTCOME",
                ],
            ),
            (
                "very_tasty",
                [
                    "very_tasty",
                    "very_tasty",
                    "VERY_TASTY",
                    "VeryTasty",
                    "veryTasty",
                    "very_tasty",
                    "VERY_TASTY",
                    "very-tasty",
                    "VERY-TASTY",
                ],
            ),
            ("a", ["a", "a", "A", "A", "a", "a", "A", "a", "A"]),
            (
                "z42",
                [
                    "z42", "z42", "Z42", "Z42", "z42", "z42", "Z42", "z42", "Z42",
                ],
            ),
        ];
        for (field, expected) in fields {
            for (rule, expected) in rules.iter().zip(expected) {
                assert_eq!(rule.apply_to_field(field), expected, "{field}");
            }
        }
        let variants = [
            (
                "Outcome",
                [
                    "Outcome", "outcome", "OUTCOME", "Outcome", "outcome", "outcome", "OUTCOME",
                    "outcome", "OUTCOME",
                ],
            ),
            (
                "VeryTasty",
                [
                    "VeryTasty",
                    "verytasty",
                    "VERYTASTY",
                    "VeryTasty",
                    "veryTasty",
                    "very_tasty",
                    "VERY_TASTY",
                    "very-tasty",
                    "VERY-TASTY",
                ],
            ),
            ("A", ["A", "a", "A", "A", "a", "a", "A", "a", "A"]),
            (
                "Z42",
                [
                    "Z42", "z42", "Z42", "Z42", "z42", "z42", "Z42", "z42", "Z42",
                ],
            ),
        ];
        for (variant, expected) in variants {
            for (rule, expected) in rules.iter().zip(expected) {
                assert_eq!(rule.apply_to_variant(variant), expected, "{variant}");
            }
        }
    }

    #[test]
    fn unknown_rules_rename_nothing() {
        assert_eq!(
            RenameRule::from_name("camelcase").apply_to_field("a_b"),
            "a_b"
        );
        assert_eq!(
            RenameRule::from_name("camelCase").apply_to_field("a_b"),
            "aB"
        );
    }
}
