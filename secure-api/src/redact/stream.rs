//! Redaction while the JSON is written: a `serde::Serializer` that wraps
//! another (`serde_json`'s) and applies a [`Plan`] to what the type's own
//! `Serialize` impl writes, with no `serde_json::Value` in between.
//!
//! The type's `Serialize` drives serde's data model as it always does; the
//! wrapper walks the plan alongside. In an object it looks each member up
//! by the name serde writes and removes it, masks it or redacts it with the
//! plan of its type; in an array it redacts each element with the
//! element's plan; anything else goes through unchanged. Serde writes an
//! internally or adjacently tagged enum's tag before the variant's members,
//! so the variant is known when they come.
//!
//! Two shapes are built as a `Value` first and redacted with
//! [`apply`] (see [`streams`]): a struct with
//! `#[serde(flatten)]` fields, and an enum with untagged variants. Their
//! JSON does not say, member by member, which rule a member falls under
//! before the whole object is seen.

use std::fmt;

use serde::ser::{self, Impossible, Serialize, Serializer};

use super::mask::{mask, mask_into, mask_json};
use super::plan::{Action, EnumPlan, Member, Plan, Rule, Tagging, VariantPlan, apply};
use super::viewer::Viewer;

/// The JSON of `body`, whose plan is `plan`, redacted for `viewer`.
///
/// # Errors
/// `serde_json`'s error when `body` cannot be serialised (a map with
/// non-string keys, a failing `Serialize` impl).
pub(crate) fn json_bytes<T: Serialize + ?Sized>(
    body: &T,
    plan: &'static Plan,
    viewer: Viewer<'_>,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(128);
    write(
        body,
        plan,
        viewer,
        &mut serde_json::Serializer::new(&mut out),
    )?;
    Ok(out)
}

/// Writes `value`, whose plan is `plan`, to `serializer`, redacted for
/// `viewer`.
///
/// # Errors
/// `serializer`'s, or `value`'s own.
pub(crate) fn write<T, S>(
    value: &T,
    plan: &'static Plan,
    viewer: Viewer<'_>,
    serializer: S,
) -> Result<S::Ok, S::Error>
where
    T: Serialize + ?Sized,
    S: Serializer,
{
    let plan = plan.resolve();
    match plan {
        Plan::Keep => value.serialize(serializer),
        Plan::Rule(rule) if !rule.applies(&viewer) => value.serialize(serializer),
        Plan::Rule(Rule {
            action: Action::Hide,
            ..
        }) => serializer.serialize_unit(),
        Plan::Rule(Rule {
            action: Action::Mask { last },
            ..
        }) => masked(value, *last, serializer),
        _ if !streams(plan) => {
            let mut json = serde_json::to_value(value).map_err(ser::Error::custom)?;
            apply(plan, &mut json, &viewer);
            json.serialize(serializer)
        }
        _ => value.serialize(Redactor {
            plan,
            viewer,
            inner: serializer,
        }),
    }
}

/// Writes `value` masked, keeping its last `last` characters: a string
/// (the common case) directly; anything else as
/// [`mask_json`] masks its JSON.
fn masked<T, S>(value: &T, last: usize, serializer: S) -> Result<S::Ok, S::Error>
where
    T: Serialize + ?Sized,
    S: Serializer,
{
    // `Text` hands over the string, or says it is not one, in which case
    // the serializer is still here for the JSON.
    let mut serializer = Some(serializer);
    let written = value.serialize(Text(|text: Option<&str>| {
        serializer.take().map(|serializer| match text {
            Some(text) => masked_str(text, last, serializer),
            None => serializer.serialize_unit(),
        })
    }));
    match (written, serializer) {
        (Ok(Some(written)), _) => written,
        (_, Some(serializer)) => {
            let mut json = serde_json::to_value(value).map_err(ser::Error::custom)?;
            mask_json(&mut json, last);
            json.serialize(serializer)
        }
        (_, None) => Err(ser::Error::custom("a masked value was not written")),
    }
}

/// Writes `text` masked as a string, built on the stack unless it is long.
fn masked_str<S: Serializer>(text: &str, last: usize, serializer: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0; 64];
    match mask_into(text, last, &mut buf) {
        Some(masked) => serializer.serialize_str(masked),
        None => serializer.serialize_str(&mask(text, last)),
    }
}

/// Whether a value of `plan` (resolved) is redacted while it is written;
/// if not, it is built as a `Value` and redacted with `apply`.
///
/// Not while written: a struct with flattened fields, whose plans apply to
/// every member of its object, one after another; an enum with untagged
/// variants, whose plans apply in turn unless a tagged variant is found,
/// which an object only says once it is complete; and an internally tagged
/// enum with such a variant (see [`streams_beside_tag`]).
fn streams(plan: &'static Plan) -> bool {
    match plan {
        Plan::Object(object) => object.flattened.is_empty(),
        Plan::Enum(plan) => {
            plan.untagged.is_empty()
                && match plan.tagging {
                    Tagging::Internal { .. } => plan
                        .variants
                        .iter()
                        .all(|variant| streams_beside_tag(&variant.content)),
                    _ => true,
                }
        }
        _ => true,
    }
}

/// Whether the content of an internally tagged variant, whose members
/// follow the tag in the same object, is redacted while it is written: not
/// when its plan redacts the whole object (a rule reached through its
/// type), nor when it is itself internally tagged (its variants are not
/// looked into, so that a recursive enum is not followed forever).
fn streams_beside_tag(content: &'static Plan) -> bool {
    match content {
        // A newtype variant's own rule: every member but the tag.
        Plan::Rule(_) => true,
        content => match content.resolve() {
            Plan::Rule(_)
            | Plan::Enum(EnumPlan {
                tagging: Tagging::Internal { .. },
                ..
            }) => false,
            resolved => streams(resolved),
        },
    }
}

/// A value with the plan to write it with, as a `Serialize`: what the
/// wrapper hands to the wrapped serializer for a member or an element.
struct Planned<'a, 'v, T: ?Sized> {
    value: &'a T,
    plan: &'static Plan,
    viewer: Viewer<'v>,
}

impl<T: Serialize + ?Sized> Serialize for Planned<'_, '_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        write(self.value, self.plan, self.viewer, serializer)
    }
}

/// The wrapping serializer: writes to `inner` what it is given, with
/// `plan` (resolved, neither `Keep` nor a rule) applied.
struct Redactor<'v, S> {
    plan: &'static Plan,
    viewer: Viewer<'v>,
    inner: S,
}

impl<S> Redactor<'_, S> {
    /// The content plan of `variant` when the plan is an externally tagged
    /// enum's, whose variants serde writes through the `*_variant` methods;
    /// `Keep` for any other plan (the derive gives a plan only to its own
    /// type's JSON, and only such an enum writes those).
    fn variant(&self, variant: &str) -> &'static Plan {
        match self.plan {
            Plan::Enum(
                plan @ EnumPlan {
                    tagging: Tagging::External,
                    ..
                },
            ) => plan.variant(variant).map_or(&Plan::Keep, |v| &v.content),
            _ => &Plan::Keep,
        }
    }
}

/// Serializer methods passed on unchanged: scalars are redacted, if at
/// all, by a rule, which [`write()`] applies before they get here.
macro_rules! pass_on {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(fn $method(self, $($arg: $ty),*) -> Result<S::Ok, S::Error> {
            self.inner.$method($($arg),*)
        })*
    };
}

impl<'v, S: Serializer> Serializer for Redactor<'v, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Elements<'v, S::SerializeSeq>;
    type SerializeTuple = Elements<'v, S::SerializeTuple>;
    type SerializeTupleStruct = Elements<'v, S::SerializeTupleStruct>;
    type SerializeTupleVariant = Elements<'v, S::SerializeTupleVariant>;
    type SerializeMap = Members<'v, S::SerializeMap>;
    type SerializeStruct = Members<'v, S::SerializeStruct>;
    type SerializeStructVariant = Members<'v, S::SerializeStructVariant>;

    pass_on! {
        serialize_bool(v: bool);
        serialize_i8(v: i8);
        serialize_i16(v: i16);
        serialize_i32(v: i32);
        serialize_i64(v: i64);
        serialize_i128(v: i128);
        serialize_u8(v: u8);
        serialize_u16(v: u16);
        serialize_u32(v: u32);
        serialize_u64(v: u64);
        serialize_u128(v: u128);
        serialize_f32(v: f32);
        serialize_f64(v: f64);
        serialize_char(v: char);
        serialize_str(v: &str);
        serialize_bytes(v: &[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(name: &'static str);
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str);
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.inner.serialize_some(&Planned {
            value,
            plan: self.plan,
            viewer: self.viewer,
        })
    }

    /// A newtype struct is written as its field: the same plan.
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner.serialize_newtype_struct(
            name,
            &Planned {
                value,
                plan: self.plan,
                viewer: self.viewer,
            },
        )
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        let plan = self.variant(variant);
        self.inner.serialize_newtype_variant(
            name,
            index,
            variant,
            &Planned {
                value,
                plan,
                viewer: self.viewer,
            },
        )
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        let inner = self.inner.serialize_seq(len)?;
        Ok(Elements::new(inner, self.plan, self.viewer))
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        let inner = self.inner.serialize_tuple(len)?;
        Ok(Elements::new(inner, self.plan, self.viewer))
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        let inner = self.inner.serialize_tuple_struct(name, len)?;
        Ok(Elements::new(inner, self.plan, self.viewer))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        let plan = self.variant(variant);
        let inner = self
            .inner
            .serialize_tuple_variant(name, index, variant, len)?;
        Ok(Elements::new(inner, plan, self.viewer))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        let cursor = Cursor::new(self.plan);
        let len = len.and_then(|len| cursor.written(len, &self.viewer));
        let inner = self.inner.serialize_map(len)?;
        Ok(Members::new(inner, cursor, self.viewer))
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        let cursor = Cursor::new(self.plan);
        let written = cursor.written(len, &self.viewer).unwrap_or(len);
        let inner = self.inner.serialize_struct(name, written)?;
        Ok(Members::new(inner, cursor, self.viewer))
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        let cursor = Cursor::new(self.variant(variant));
        let written = cursor.written(len, &self.viewer).unwrap_or(len);
        let inner = self
            .inner
            .serialize_struct_variant(name, index, variant, written)?;
        Ok(Members::new(inner, cursor, self.viewer))
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// The elements of an array being written, and the plan of each.
struct Elements<'v, C> {
    inner: C,
    items: Items,
    index: usize,
    viewer: Viewer<'v>,
}

/// Which plan each element of an array has.
enum Items {
    /// None: nothing to redact.
    Keep,
    /// The same for every element.
    Each(&'static Plan),
    /// Element `i` has plan `i`; the elements after the last plan, none.
    Nth(&'static [Plan]),
}

impl<'v, C> Elements<'v, C> {
    /// Wraps `inner`, a compound of the wrapped serializer, to write the
    /// elements of an array whose plan is `plan`.
    fn new(inner: C, plan: &'static Plan, viewer: Viewer<'v>) -> Self {
        let items = match plan.resolve() {
            Plan::Items(item) => Items::Each(item()),
            Plan::Tuple(plans) => Items::Nth(plans),
            _ => Items::Keep,
        };
        Self {
            inner,
            items,
            index: 0,
            viewer,
        }
    }

    /// `value`, the next element, with its plan.
    fn next<'a, T: ?Sized>(&mut self, value: &'a T) -> Planned<'a, 'v, T> {
        let plan = match self.items {
            Items::Keep => &Plan::Keep,
            Items::Each(plan) => plan,
            Items::Nth(plans) => plans.get(self.index).unwrap_or(&Plan::Keep),
        };
        self.index += 1;
        Planned {
            value,
            plan,
            viewer: self.viewer,
        }
    }
}

/// One `impl` per compound of serde's data model that writes elements.
macro_rules! elements {
    ($($compound:ident::$method:ident;)*) => {
        $(impl<C: ser::$compound> ser::$compound for Elements<'_, C> {
            type Ok = C::Ok;
            type Error = C::Error;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
                let element = self.next(value);
                self.inner.$method(&element)
            }

            fn end(self) -> Result<C::Ok, C::Error> {
                self.inner.end()
            }
        })*
    };
}

elements! {
    SerializeSeq::serialize_element;
    SerializeTuple::serialize_element;
    SerializeTupleStruct::serialize_field;
    SerializeTupleVariant::serialize_field;
}

/// The members of an object being written, and where the object's plan
/// has got to.
struct Members<'v, C> {
    inner: C,
    cursor: Cursor,
    viewer: Viewer<'v>,
    /// What happens to the value of the key written last (a map written
    /// key, then value).
    pending: Pending,
}

/// Where the plan of an object being written has got to.
#[derive(Clone, Copy)]
enum Cursor {
    /// Nothing to redact.
    Keep,
    /// A struct's members; `next` is the one serde is expected to write
    /// next, as it writes them in order.
    Members {
        members: &'static [Member],
        next: usize,
    },
    /// A map: every value has this plan.
    Values(&'static Plan),
    /// An externally tagged enum: a member named as a variant is its
    /// content (a flattened enum, or an internally tagged variant's).
    External(&'static EnumPlan),
    /// An internally tagged enum whose tag has not been written yet.
    Internal {
        tag: &'static str,
        plan: &'static EnumPlan,
    },
    /// An adjacently tagged enum, and its variant once the tag is written.
    Adjacent {
        tag: &'static str,
        content: &'static str,
        plan: &'static EnumPlan,
        variant: Option<&'static VariantPlan>,
    },
    /// An internally tagged newtype variant with a rule: every member but
    /// the tag is masked (`plan`) or removed.
    AllBut {
        tag: &'static str,
        rule: &'static Rule,
        plan: &'static Plan,
    },
}

/// What happens to one member.
#[derive(Clone, Copy)]
enum Entry {
    /// Written with this plan.
    Write(&'static Plan),
    /// Left out.
    Remove,
}

/// What happens to the value of a map key already written.
enum Pending {
    /// As the entry says.
    Write(&'static Plan),
    /// Left out, as its key was.
    Remove,
    /// The value of this tag: it says which variant the members after it
    /// belong to.
    Tag(&'static str),
}

impl Cursor {
    /// The start of an object whose plan is `plan`.
    fn new(plan: &'static Plan) -> Self {
        match plan.resolve() {
            Plan::Object(object) => Cursor::Members {
                members: object.members,
                next: 0,
            },
            Plan::Values(value) => Cursor::Values(value()),
            Plan::Enum(plan) => match plan.tagging {
                Tagging::External => Cursor::External(plan),
                Tagging::Internal { tag } => Cursor::Internal { tag, plan },
                Tagging::Adjacent { tag, content } => Cursor::Adjacent {
                    tag,
                    content,
                    plan,
                    variant: None,
                },
                Tagging::Untagged => Cursor::Keep,
            },
            _ => Cursor::Keep,
        }
    }

    /// How many members are written of the `len` serde announces: fewer by
    /// the members hidden for `viewer` that serde always writes. `None`
    /// when that depends on a tag not yet read.
    fn written(&self, len: usize, viewer: &Viewer<'_>) -> Option<usize> {
        match self {
            Cursor::Members { members, .. } => {
                let hidden = members
                    .iter()
                    .filter(|member| !member.optional && member.hidden(viewer))
                    .count();
                Some(len.saturating_sub(hidden))
            }
            Cursor::Internal { .. } | Cursor::AllBut { .. } => None,
            _ => Some(len),
        }
    }

    /// Whether members are told apart by name (a map's are not).
    fn by_name(&self) -> bool {
        !matches!(self, Cursor::Keep | Cursor::Values(_))
    }

    /// The tag this cursor waits for, if `name` is it.
    fn tag(&self, name: &str) -> Option<&'static str> {
        match *self {
            Cursor::Internal { tag, .. } | Cursor::Adjacent { tag, .. } if tag == name => Some(tag),
            _ => None,
        }
    }

    /// Reads the variant from `value`, the value of member `name`, when
    /// that is the tag this cursor waits for. After an internally tagged
    /// enum's tag, the object's members are the variant's content.
    fn read_tag<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        if self.tag(name).is_none() {
            return;
        }
        let named = |plan: &'static EnumPlan| {
            value
                .serialize(Text(|text: Option<&str>| {
                    text.and_then(|t| plan.variant(t))
                }))
                .ok()
                .flatten()
        };
        match self {
            Cursor::Internal { tag, plan } => {
                let (tag, plan) = (*tag, *plan);
                *self = match named(plan) {
                    Some(variant) => Cursor::beside(tag, &variant.content),
                    None => Cursor::Keep,
                }
            }
            Cursor::Adjacent { plan, variant, .. } => *variant = named(plan),
            _ => {}
        }
    }

    /// The content of an internally tagged variant, in the object after
    /// its tag `tag`.
    fn beside(tag: &'static str, content: &'static Plan) -> Self {
        match content {
            Plan::Rule(rule) => Cursor::AllBut {
                tag,
                rule,
                plan: content,
            },
            content => Cursor::new(content),
        }
    }

    /// What happens to the member named `name`.
    fn entry(&mut self, name: &str, viewer: &Viewer<'_>) -> Entry {
        let keep = Entry::Write(&Plan::Keep);
        match self {
            Cursor::Keep | Cursor::Internal { .. } => keep,
            Cursor::Members { members, next } => {
                let members: &'static [Member] = members;
                // Serde writes the members in order: the expected one first.
                let found = match members.get(*next) {
                    Some(member) if member.name == name => Some((*next, member)),
                    _ => members
                        .iter()
                        .enumerate()
                        .find(|(_, member)| member.name == name),
                };
                let Some((index, member)) = found else {
                    return keep;
                };
                *next = index + 1;
                if member.hidden(viewer) {
                    Entry::Remove
                } else {
                    Entry::Write(member.plan.resolve())
                }
            }
            Cursor::Values(plan) => Entry::Write(plan),
            Cursor::External(plan) => plan
                .variant(name)
                .map_or(keep, |variant| Entry::Write(&variant.content)),
            Cursor::Adjacent {
                content, variant, ..
            } => match *variant {
                Some(variant) if *content == name => Entry::Write(&variant.content),
                _ => keep,
            },
            Cursor::AllBut { tag, rule, plan } => {
                if *tag == name {
                    keep
                } else if rule.hides(viewer) {
                    Entry::Remove
                } else {
                    Entry::Write(plan)
                }
            }
        }
    }

    /// What happens to a member whose name is not a string (a map key).
    fn unnamed(&self) -> Entry {
        match self {
            Cursor::Values(plan) => Entry::Write(plan),
            _ => Entry::Write(&Plan::Keep),
        }
    }
}

impl<'v, C> Members<'v, C> {
    /// Wraps `inner`, a compound of the wrapped serializer.
    fn new(inner: C, cursor: Cursor, viewer: Viewer<'v>) -> Self {
        Self {
            inner,
            cursor,
            viewer,
            pending: Pending::Write(&Plan::Keep),
        }
    }

    /// What happens to member `name` whose value is `value`.
    fn entry<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Entry {
        if let Cursor::Internal { .. } | Cursor::Adjacent { .. } = self.cursor {
            self.cursor.read_tag(name, value);
        }
        self.cursor.entry(name, &self.viewer)
    }

    /// What happens to the entry of map key `key` whose value is `value`.
    fn keyed<K, T>(&mut self, key: &K, value: &T) -> Entry
    where
        K: Serialize + ?Sized,
        T: Serialize + ?Sized,
    {
        if !self.cursor.by_name() {
            return self.cursor.unnamed();
        }
        key.serialize(Text(|name: Option<&str>| match name {
            Some(name) => self.entry(name, value),
            None => self.cursor.unnamed(),
        }))
        .unwrap_or_else(|NotText| self.cursor.unnamed())
    }

    /// `value` with the plan `plan`.
    fn planned<'a, T: ?Sized>(&self, value: &'a T, plan: &'static Plan) -> Planned<'a, 'v, T> {
        Planned {
            value,
            plan,
            viewer: self.viewer,
        }
    }
}

/// One `impl` per compound of serde's data model that writes named fields.
macro_rules! fields {
    ($($compound:ident;)*) => {
        $(impl<C: ser::$compound> ser::$compound for Members<'_, C> {
            type Ok = C::Ok;
            type Error = C::Error;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), C::Error> {
                match self.entry(key, value) {
                    Entry::Write(Plan::Keep) => self.inner.serialize_field(key, value),
                    Entry::Write(plan) => {
                        let member = self.planned(value, plan);
                        self.inner.serialize_field(key, &member)
                    }
                    Entry::Remove => self.inner.skip_field(key),
                }
            }

            fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
                self.inner.skip_field(key)
            }

            fn end(self) -> Result<C::Ok, C::Error> {
                self.inner.end()
            }
        })*
    };
}

fields! {
    SerializeStruct;
    SerializeStructVariant;
}

impl<C: ser::SerializeMap> ser::SerializeMap for Members<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_entry<K, T>(&mut self, key: &K, value: &T) -> Result<(), C::Error>
    where
        K: Serialize + ?Sized,
        T: Serialize + ?Sized,
    {
        match self.keyed(key, value) {
            Entry::Write(plan) => {
                let value = self.planned(value, plan);
                self.inner.serialize_entry(key, &value)
            }
            Entry::Remove => Ok(()),
        }
    }

    /// A key written apart from its value: what happens to the entry is
    /// decided here, but a tag's variant is read from the value.
    fn serialize_key<K: Serialize + ?Sized>(&mut self, key: &K) -> Result<(), C::Error> {
        let tag = key
            .serialize(Text(|name: Option<&str>| {
                name.and_then(|n| self.cursor.tag(n))
            }))
            .ok()
            .flatten();
        self.pending = match tag {
            Some(tag) => Pending::Tag(tag),
            None => match self.keyed(key, &()) {
                Entry::Write(plan) => Pending::Write(plan),
                Entry::Remove => Pending::Remove,
            },
        };
        match self.pending {
            Pending::Remove => Ok(()),
            Pending::Write(_) | Pending::Tag(_) => self.inner.serialize_key(key),
        }
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        let plan = match std::mem::replace(&mut self.pending, Pending::Write(&Plan::Keep)) {
            Pending::Write(plan) => plan,
            Pending::Remove => return Ok(()),
            Pending::Tag(tag) => match self.entry(tag, value) {
                Entry::Write(plan) => plan,
                // The key is written already: its value is not.
                Entry::Remove => return self.inner.serialize_value(&()),
            },
        };
        let value = self.planned(value, plan);
        self.inner.serialize_value(&value)
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

/// A serializer that reads a string (a member name, a tag, a value to
/// mask) and hands it to a function: `Some(text)` for a string, a `char`
/// or a unit variant, `None` for `null` (a unit, `None`); through `Some`
/// and newtype structs, as JSON does. Anything else is [`NotText`].
struct Text<F>(F);

/// What [`Text`] answers for a value that is not a string nor `null`.
#[derive(Debug)]
struct NotText;

impl fmt::Display for NotText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a string")
    }
}

impl std::error::Error for NotText {}

impl ser::Error for NotText {
    fn custom<M: fmt::Display>(_: M) -> Self {
        NotText
    }
}

/// Serializer methods of [`Text`] for values that are not text.
macro_rules! not_text {
    ($($method:ident($($ty:ty),*);)*) => {
        $(fn $method(self, $(_: $ty),*) -> Result<R, NotText> {
            Err(NotText)
        })*
    };
}

impl<R, F: FnOnce(Option<&str>) -> R> Serializer for Text<F> {
    type Ok = R;
    type Error = NotText;
    type SerializeSeq = Impossible<R, NotText>;
    type SerializeTuple = Impossible<R, NotText>;
    type SerializeTupleStruct = Impossible<R, NotText>;
    type SerializeTupleVariant = Impossible<R, NotText>;
    type SerializeMap = Impossible<R, NotText>;
    type SerializeStruct = Impossible<R, NotText>;
    type SerializeStructVariant = Impossible<R, NotText>;

    fn serialize_str(self, v: &str) -> Result<R, NotText> {
        Ok((self.0)(Some(v)))
    }

    fn serialize_char(self, v: char) -> Result<R, NotText> {
        Ok((self.0)(Some(v.encode_utf8(&mut [0; 4]))))
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<R, NotText> {
        Ok((self.0)(Some(variant)))
    }

    fn serialize_none(self) -> Result<R, NotText> {
        Ok((self.0)(None))
    }

    fn serialize_unit(self) -> Result<R, NotText> {
        Ok((self.0)(None))
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<R, NotText> {
        Ok((self.0)(None))
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<R, NotText> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<R, NotText> {
        value.serialize(self)
    }

    not_text! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_bytes(&[u8]);
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<R, NotText> {
        Err(NotText)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, NotText> {
        Err(NotText)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, NotText> {
        Err(NotText)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, NotText> {
        Err(NotText)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, NotText> {
        Err(NotText)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, NotText> {
        Err(NotText)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, NotText> {
        Err(NotText)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, NotText> {
        Err(NotText)
    }
}
