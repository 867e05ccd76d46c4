//! Redaction plans: what `#[derive(Redact)]` knows about a type's JSON
//! form, as static data, and [`apply`], which redacts a
//! `serde_json::Value` with one.
//!
//! A plan describes the JSON serde writes for the type: which members of
//! an object are masked or hidden, which values are redacted as another
//! type is, how an enum's variant is told from its tag. The response path
//! applies it while the JSON is written (`stream.rs`); [`apply`] is the
//! same redaction on a `Value` already built, for
//! [`Redact::redact_json`](super::Redact::redact_json) and for the shapes
//! that cannot be redacted while they are written.

use serde_json::Value;

use crate::authz::Role;

use super::mask::mask_json;
use super::viewer::Viewer;

/// The plan of a type, through a function: a plan names the plans of its
/// parts this way, not by value, so that a type can contain itself
/// (`children: Vec<Self>`) without its plan being infinite.
pub type PlanFn = fn() -> &'static Plan;

/// How to redact the JSON form of one type, for any viewer.
///
/// Made by `#[derive(Redact)]` (as a constant) and by the [`Redact`] impls
/// of this crate; see [`Redact::plan`]. A plan that does not fit the JSON
/// it meets (an object plan on an array, a member name that is not
/// there) redacts nothing there, as the derived code always did.
///
/// [`Redact`]: super::Redact
/// [`Redact::plan`]: super::Redact::plan
#[derive(Debug)]
pub enum Plan {
    /// Nothing to redact: scalars, strings, free-form `Value`s, fields
    /// marked `#[redact(skip)]`.
    Keep,
    /// The value is masked or hidden whole, unless the viewer holds the
    /// rule's role. A hidden member is removed from its object; a hidden
    /// value anywhere else (an array element, a map value, the whole body)
    /// becomes `null`.
    Rule(Rule),
    /// Redacted as the type whose plan the function returns (the field of
    /// a newtype or `transparent` struct, a field's type).
    Like(PlanFn),
    /// An array whose every element is redacted with the function's plan
    /// (`Vec`, slices, arrays, sets).
    Items(PlanFn),
    /// An array whose element `i` is redacted with plan `i` (tuples, tuple
    /// structs and variants); further elements are left as they are.
    Tuple(&'static [Plan]),
    /// An object whose every member value is redacted with the function's
    /// plan (maps).
    Values(PlanFn),
    /// An object with named members (a struct, or a struct variant's
    /// content).
    Object(ObjectPlan),
    /// An enum.
    Enum(EnumPlan),
}

/// `#[redact(mask(last = N))]` or `#[redact(hide)]`, with its
/// `unless_role`.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// What happens to the value.
    pub action: Action,
    /// The role (or any role above it) that sees the value in full.
    pub unless: Option<Role>,
}

/// What a [`Rule`] does to a value.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    /// Every letter and digit but the last `last` characters becomes `*`
    /// (see [`mask`](super::mask::mask)); numbers and booleans become masked
    /// strings, objects `"[REDACTED]"`, arrays are masked element by
    /// element, `null` stays.
    Mask {
        /// How many characters stay visible.
        last: usize,
    },
    /// Removed from its object, `null` anywhere else.
    Hide,
}

/// The named members of an object: a struct's fields, as serde names them.
#[derive(Debug)]
pub struct ObjectPlan {
    /// The fields serde writes, in the order it writes them (fields with
    /// `#[serde(skip)]` or `skip_serializing`, and flattened ones, are not
    /// here).
    pub members: &'static [Member],
    /// The plans of the `#[serde(flatten)]` fields, each applied to the
    /// whole object after the members: their members are merged into it.
    pub flattened: &'static [PlanFn],
}

/// One member of an [`ObjectPlan`].
#[derive(Debug)]
pub struct Member {
    /// Its name in JSON (`rename`, `rename_all` applied).
    pub name: &'static str,
    /// What happens to its value.
    pub plan: Plan,
    /// It has `#[serde(skip_serializing_if = "...")]`, so serde may leave
    /// it out; a hidden member that may be absent is not counted as one
    /// less in the length passed on to the serializer.
    pub optional: bool,
}

/// An enum: how its variant is found in the JSON, and what happens to each
/// variant's content.
#[derive(Debug)]
pub struct EnumPlan {
    /// How serde writes which variant it is.
    pub tagging: Tagging,
    /// The variants with a tag whose content has anything to redact (a
    /// unit variant has not), in declaration order.
    pub variants: &'static [VariantPlan],
    /// The content plans of the untagged variants (every variant of a
    /// `#[serde(untagged)]` enum, or those marked `#[serde(untagged)]`):
    /// nothing in the JSON says which one it is, so when no variant of
    /// `variants` was found, the value is redacted as each of them in turn,
    /// which may redact more than needed, never less.
    pub untagged: &'static [Plan],
}

/// How serde writes an enum's variant.
#[derive(Debug)]
pub enum Tagging {
    /// The default: `{"Variant": content}`, or `"Variant"` for a unit.
    External,
    /// `#[serde(tag = "t")]`: `{"t": "Variant", ..members}`.
    Internal {
        /// The tag member's name.
        tag: &'static str,
    },
    /// `#[serde(tag = "t", content = "c")]`: `{"t": "Variant", "c": content}`.
    Adjacent {
        /// The tag member's name.
        tag: &'static str,
        /// The content member's name.
        content: &'static str,
    },
    /// `#[serde(untagged)]`: the content alone.
    Untagged,
}

/// One variant of an [`EnumPlan`].
#[derive(Debug)]
pub struct VariantPlan {
    /// Its name in JSON (`rename`, `rename_all` applied).
    pub name: &'static str,
    /// What happens to its content. In an internally tagged enum, whose
    /// newtype variant's members sit next to the tag, a [`Plan::Rule`]
    /// masks or hides every member but the tag.
    pub content: Plan,
}

impl Plan {
    /// The plan `self` stands for: [`Plan::Like`] followed to the first
    /// plan that is not one. A loop of `Like`s (a type that in JSON is
    /// only itself, such as `struct R(Option<Box<R>>)`) has nothing to
    /// redact: [`Plan::Keep`].
    #[inline]
    pub(crate) fn resolve(&'static self) -> &'static Plan {
        // Most plans are not a `Like`, or one that leads to one that is not.
        match self {
            Plan::Like(next) => match next() {
                Plan::Like(_) => self.resolve_chain(),
                plan => plan,
            },
            plan => plan,
        }
    }

    /// [`Plan::resolve`] of a chain of `Like`s, which may loop.
    fn resolve_chain(&'static self) -> &'static Plan {
        // Floyd's cycle finding: `fast` takes two steps for each of `slow`'s.
        let mut slow = self;
        let mut fast = self;
        loop {
            for _ in 0..2 {
                match fast {
                    Plan::Like(next) => fast = next(),
                    _ => return fast,
                }
            }
            if let Plan::Like(next) = slow {
                slow = next();
            }
            if std::ptr::eq(slow, fast) {
                return &Plan::Keep;
            }
        }
    }
}

impl Rule {
    /// Whether the rule redacts for `viewer`: always without
    /// `unless_role`, else unless `viewer` holds that role.
    pub fn applies(&self, viewer: &Viewer<'_>) -> bool {
        self.unless
            .as_ref()
            .is_none_or(|role| !viewer.has_role(role))
    }

    /// Whether the rule hides the value from `viewer`.
    pub(crate) fn hides(&self, viewer: &Viewer<'_>) -> bool {
        matches!(self.action, Action::Hide) && self.applies(viewer)
    }
}

impl Member {
    /// Whether the member is removed for `viewer`.
    pub(crate) fn hidden(&self, viewer: &Viewer<'_>) -> bool {
        matches!(&self.plan, Plan::Rule(rule) if rule.hides(viewer))
    }
}

impl EnumPlan {
    /// The variant named `name`, among those with something to redact.
    pub(crate) fn variant(&self, name: &str) -> Option<&'static VariantPlan> {
        self.variants.iter().find(|variant| variant.name == name)
    }
}

/// Redacts `value`, the JSON of a type whose plan is `plan`, in place for
/// `viewer`.
pub(crate) fn apply(plan: &'static Plan, value: &mut Value, viewer: &Viewer<'_>) {
    match (plan.resolve(), value) {
        (Plan::Rule(rule), value) => apply_rule(rule, value, viewer),
        (Plan::Items(item), Value::Array(items)) => {
            let item = item();
            items.iter_mut().for_each(|v| apply(item, v, viewer));
        }
        (Plan::Tuple(plans), Value::Array(items)) => {
            for (plan, item) in plans.iter().zip(items) {
                apply(plan, item, viewer);
            }
        }
        (Plan::Values(member), Value::Object(members)) => {
            let member = member();
            members.values_mut().for_each(|v| apply(member, v, viewer));
        }
        (Plan::Object(object), value) => {
            if let Value::Object(members) = &mut *value {
                for member in object.members {
                    match &member.plan {
                        Plan::Rule(
                            rule @ Rule {
                                action: Action::Hide,
                                ..
                            },
                        ) => {
                            if rule.applies(viewer) {
                                members.remove(member.name);
                            }
                        }
                        plan => {
                            if let Some(v) = members.get_mut(member.name) {
                                apply(plan, v, viewer);
                            }
                        }
                    }
                }
            }
            for flattened in object.flattened {
                apply(flattened(), value, viewer);
            }
        }
        (Plan::Enum(plan), value) => apply_enum(plan, value, viewer),
        _ => {}
    }
}

/// Masks or hides `value` (`null`) whole, when `rule` applies to `viewer`.
fn apply_rule(rule: &Rule, value: &mut Value, viewer: &Viewer<'_>) {
    if rule.applies(viewer) {
        match rule.action {
            Action::Mask { last } => mask_json(value, last),
            Action::Hide => *value = Value::Null,
        }
    }
}

/// Redacts an enum's JSON: the variant found from its tag (see
/// [`Tagging`]), else as each untagged variant in turn.
///
/// The enum may be `#[serde(flatten)]`ed into a struct, whose plan then
/// applies it to the struct's whole object: the tag, or the variant's
/// member, sits among the struct's own members and is found there all the
/// same. An externally tagged variant found in an object of more than one
/// member (flattened) may be an untagged variant's content as well, so
/// those are applied too.
fn apply_enum(plan: &'static EnumPlan, value: &mut Value, viewer: &Viewer<'_>) {
    // The variant named by the string member `tag` (`""` without one).
    let named = |value: &Value, tag: &str| {
        plan.variant(value.get(tag).and_then(Value::as_str).unwrap_or_default())
    };
    let found = match &plan.tagging {
        Tagging::Untagged => false,
        Tagging::External => match value {
            Value::Object(members) => {
                let mut found = false;
                for variant in plan.variants {
                    if let Some(content) = members.get_mut(variant.name) {
                        apply(&variant.content, content, viewer);
                        found = true;
                    }
                }
                found && members.len() == 1
            }
            _ => false,
        },
        Tagging::Internal { tag } => match named(value, tag) {
            Some(variant) => {
                apply_internal(&variant.content, tag, value, viewer);
                true
            }
            None => false,
        },
        Tagging::Adjacent { tag, content } => match (named(value, tag), value.get_mut(*content)) {
            (Some(variant), Some(content)) => {
                apply(&variant.content, content, viewer);
                true
            }
            _ => false,
        },
    };
    if !found {
        for content in plan.untagged {
            apply(content, value, viewer);
        }
    }
}

/// Redacts the object of an internally tagged variant whose content plan is
/// `content`: a rule of a newtype variant applies to every member but
/// `tag`; any other plan to the whole object.
fn apply_internal(content: &'static Plan, tag: &str, value: &mut Value, viewer: &Viewer<'_>) {
    match (content, value) {
        (Plan::Rule(rule), Value::Object(members)) => {
            if rule.applies(viewer) {
                match rule.action {
                    Action::Mask { last } => members
                        .iter_mut()
                        .filter(|(name, _)| *name != tag)
                        .for_each(|(_, v)| mask_json(v, last)),
                    Action::Hide => members.retain(|name, _| name == tag),
                }
            }
        }
        (Plan::Rule(_), _) => {}
        (content, value) => apply(content, value, viewer),
    }
}

#[cfg(test)]
mod tests {
    use super::Plan;

    fn looping() -> &'static Plan {
        &Plan::Like(looping_too)
    }

    fn looping_too() -> &'static Plan {
        &Plan::Like(looping)
    }

    fn ending() -> &'static Plan {
        &Plan::Like(looping_end)
    }

    fn looping_end() -> &'static Plan {
        &Plan::Values(ending)
    }

    #[test]
    fn a_loop_of_likes_keeps_and_a_chain_ends_at_its_plan() {
        assert!(matches!(looping().resolve(), Plan::Keep));
        assert!(matches!(ending().resolve(), Plan::Values(_)));
        let keep: &'static Plan = &Plan::Keep;
        assert!(matches!(keep.resolve(), Plan::Keep));
    }
}
