//! Authorization: roles with a hierarchy, and object ownership.
//!
//! Roles are declared once per application with [`roles!`](crate::roles);
//! the declaration fixes, at compile time, which role names exist and which
//! roles stand above which. Each [`Role`] carries the names of every role
//! that satisfies it (itself and all roles above it), so the check at request
//! time is a plain, case-sensitive string comparison against the `roles`
//! claim (OWASP API5:2023, broken function level authorization).

/// A declared role: its name and every role name that satisfies it.
///
/// Values are made by [`roles!`](crate::roles) (as constants in the
/// generated `roles` module) and by `#[secure(role = "...")]`; both check at
/// compile time that the name was declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    name: &'static str,
    satisfied_by: &'static [&'static str],
}

impl Role {
    #[doc(hidden)]
    /// Used by the code `roles!` generates; not part of the stable API.
    pub const fn __new(name: &'static str, satisfied_by: &'static [&'static str]) -> Self {
        Self { name, satisfied_by }
    }

    /// The role's name as it appears in the `roles` claim.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Whether a principal holding the role names `held` has this role,
    /// directly or through a role above it in the hierarchy. Names are
    /// matched exactly: `"Admin"` and `"admin "` are not `"admin"`.
    pub fn is_held_by<S: AsRef<str>>(&self, held: &[S]) -> bool {
        held.iter().any(|h| self.satisfied_by.contains(&h.as_ref()))
    }
}

/// Which roles a route requires (generated from `role`, `roles(any(..))`,
/// `roles(all(..))`).
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum Access {
    /// `public`: no authentication.
    Public,
    /// `role = "r"` (one element) or `roles(any(..))`: at least one of them.
    AnyOf(&'static [Role]),
    /// `roles(all(..))`: every one of them.
    AllOf(&'static [Role]),
    /// No role required: any authenticated caller (a route that requires
    /// only scopes).
    Authenticated,
}

impl Access {
    /// Whether a principal holding the role names `held` (the `roles`
    /// claim, or an API key's roles) passes this requirement. `Public` and
    /// `Authenticated` always pass.
    pub(crate) fn allows<S: AsRef<str>>(&self, held: &[S]) -> bool {
        match self {
            Access::Public => true,
            Access::AnyOf(roles) => roles.iter().any(|r| r.is_held_by(held)),
            Access::AllOf(roles) => roles.iter().all(|r| r.is_held_by(held)),
            Access::Authenticated => true,
        }
    }
}

/// OAuth2 scopes a route requires (generated from `scope = ".."`,
/// `scopes(any(..))`, `scopes(all(..))`), checked against the token's
/// `scope` claim (RFC 8693 §4.2) or `scp` array.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scopes {
    /// No scope required.
    None,
    /// `scope = "s"` (one element) or `scopes(any(..))`: at least one of them.
    AnyOf(&'static [&'static str]),
    /// `scopes(all(..))`: every one of them.
    AllOf(&'static [&'static str]),
}

impl Scopes {
    /// Whether the scopes `held` (the `scope` or `scp` claim, or an API
    /// key's scopes) include the required ones.
    pub(crate) fn allows<S: AsRef<str>>(&self, held: &[S]) -> bool {
        let has = |s: &&str| held.iter().any(|h| h.as_ref() == *s);
        match self {
            Scopes::None => true,
            Scopes::AnyOf(scopes) => scopes.iter().any(has),
            Scopes::AllOf(scopes) => scopes.iter().all(has),
        }
    }

    /// The required scopes, space-separated, for the `scope` attribute of
    /// an `insufficient_scope` challenge (RFC 6750 §3).
    pub(crate) fn challenge(&self) -> Option<String> {
        match self {
            Scopes::None => None,
            Scopes::AnyOf(s) | Scopes::AllOf(s) => Some(s.join(" ")),
        }
    }
}

/// `owner(param = "..", unless = "..")`: the named path parameter must equal
/// the principal's `sub`, unless the principal holds the `unless` role.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Owner {
    /// The path parameter's name, checked at compile time against the route.
    pub param: &'static str,
    /// The role that may act on any object.
    pub unless: Option<Role>,
}

impl Owner {
    /// Whether the principal `subject`, holding the role names `roles`, may
    /// act on the object named by the path parameter value `value` (`None`
    /// when the parameter is absent: never allowed).
    pub(crate) fn allows<S: AsRef<str>>(
        &self,
        roles: &[S],
        subject: &str,
        value: Option<&str>,
    ) -> bool {
        if self.unless.is_some_and(|r| r.is_held_by(roles)) {
            return true;
        }
        value.is_some_and(|v| v == subject)
    }
}
