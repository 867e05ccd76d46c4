//! Who reads a redacted response: the roles that may lift a redaction.

use crate::authz::Role;

/// Who is reading a response: the roles that may lift a redaction.
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    roles: &'a [String],
}

impl<'a> Viewer<'a> {
    /// A reader holding `roles` (as in the `roles` claim).
    pub fn with_roles(roles: &'a [String]) -> Self {
        Self { roles }
    }

    /// A reader with no role: everything sensitive is redacted.
    pub fn anonymous() -> Viewer<'static> {
        Viewer { roles: &[] }
    }

    /// Whether the reader holds `role`, directly or through the hierarchy.
    pub fn has_role(&self, role: &Role) -> bool {
        role.is_held_by(self.roles)
    }
}
